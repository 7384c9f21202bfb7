"""Names refuse invisible and direction-changing characters (issue 16, point 4; docs/privacy.md): U+200B–U+200F,
U+202A–U+202E, U+2066–U+2069 in any option naming someone — a resident's name or signature at `new` and on a
step, a staff member (`--as`, `--to`, `--technician` …), a department, a corrected name, a name settled by
`resolve` — is exit 2, one line naming the field, nothing written. End to end on a real ledger."""
import json

import pytest

from conftest import invoke, invoke_json, invoke_refused

RESIDENT = ("--phone", "13800138000", "--address", "3栋0301")
# one of each range, at its edges: zero-width space, right-to-left mark, the left-to-right embedding,
# right-to-left override, the isolates
CHARS = ["\u200b", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]


def name_with(char: str) -> str:
    return f"张{char}三"


def refused_naming(ledger, field: str, *args, as_="王芳") -> str:
    message = invoke_refused(ledger, *args, as_=as_)
    assert message.startswith(f"propcli: {field}:") or f" {field}:" in message.split("\n")[0], message
    assert "U+" in message
    return message


@pytest.mark.parametrize("char", CHARS)
def test_a_residents_name_at_intake_is_refused_for_every_kind(ledger, char):
    bad = name_with(char)
    message = refused_naming(ledger, "--name", "repair", "new", "--name", bad, *RESIDENT, "--item", "漏水")
    assert f"U+{ord(char):04X}" in message
    refused_naming(ledger, "--name", "complaint", "new", "--name", bad, *RESIDENT, "--detail", "噪音")
    refused_naming(ledger, "--name", "request", "new", "--name", bad, *RESIDENT, "--category", "enquiry",
                   "--detail", "停水时间")
    refused_naming(ledger, "--name", "call", "new", "--name", bad, *RESIDENT, "--reason", "咨询")
    refused_naming(ledger, "--name", "visit", "new", "--type", "holiday", "--address", "3栋0301", "--name", bad)
    refused_naming(ledger, "--forwarded-by", "complaint", "new", "--channel", "上级转办", "--forwarded-by",
                   "街道\u202e办", "--detail", "噪音", "--written-reply-only")


def test_the_same_name_without_the_character_is_taken(ledger):
    shown = invoke_json(ledger, "repair", "new", "--name", "张三", *RESIDENT, "--item", "漏水")
    assert shown["name"] == "张三"


def repair_to_sign(ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", *RESIDENT, "--item", "漏水",
                            "--price-code", "SD-01")["id"]
    for step, extra, who in (("fill", (), "王芳"), ("notify", (), "王芳"), ("take", ("--to", "陈建国"), "何志刚"),
                             ("arrive", (), "陈建国"), ("complete", (), "陈建国")):
        result = invoke(ledger, "repair", step, record_id, *extra, as_=who)
        assert result.exit_code == 0, result.stderr
    return record_id


def test_names_on_steps_are_refused(ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", *RESIDENT, "--item", "漏水")["id"]
    for step in ("fill", "notify"):
        assert invoke(ledger, "repair", step, record_id).exit_code == 0
    refused_naming(ledger, "--to", "repair", "take", record_id, "--to", "陈\u200b建国", as_="何志刚")
    record_id = repair_to_sign(ledger)
    refused_naming(ledger, "--signature", "repair", "sign", record_id, "--signature", "张\u2067三", as_="陈建国")
    assert invoke(ledger, "repair", "sign", record_id, "--signature", "张三", as_="陈建国").exit_code == 0

    complaint = invoke_json(ledger, "complaint", "new", "--name", "李四", *RESIDENT, "--detail", "噪音")["id"]
    refused_naming(ledger, "--to", "complaint", "assign", complaint, "--to", "工程\u202e部")

    visit = invoke_json(ledger, "visit", "new", "--type", "holiday", "--address", "3栋0301", "--name", "王五")["id"]
    refused_naming(ledger, "--signature", "visit", "record", visit, "--result", "satisfied",
                   "--signature", "王\u200d五", as_="刘洋")


def test_the_actor_is_refused_naming_as(ledger):
    message = refused_naming(ledger, "--as", "repair", "new", "--name", "张三", *RESIDENT, "--item", "漏水",
                             as_="王\u200b芳")
    assert "U+200B" in message


def test_a_correction_to_a_name_meets_the_same_check(ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", *RESIDENT, "--item", "漏水")["id"]
    message = refused_naming(ledger, "name", "correct", record_id, "--set", "name=张\u202e三", "--reason", "输错")
    assert "U+202E" in message
    shown = invoke_json(ledger, "correct", record_id, "--set", "name=张三丰", "--reason", "输错")
    assert shown["name"] == "张三丰"


def test_characters_outside_the_ranges_stay_names(ledger):
    # U+200A (hair space) and U+2070 lie just outside the ranges; a middle dot is part of many names
    for name in ("阿依古丽·买买提", "Zoë", "张\u200a三"):
        shown = invoke_json(ledger, "repair", "new", "--name", name, *RESIDENT, "--item", "漏水")
        assert shown["name"] == name.strip()
    assert len(json.loads(invoke(ledger, "list", "-f", "json").stdout)) == 3


def test_a_bulk_import_refuses_a_hidden_character_in_a_name_as_typing_would(ledger, tmp_path):
    """`import` checks the names of each line (the record's and its events') as the commands do, naming the
    line; nothing of the file is written. The roster is not asked: an old register names people who left."""
    good = {"kind": "call", "name": "李四", "phone": "13800138001", "reason": "咨询", "at": "2026-11-28T09:00"}
    lines = [good, dict(good, name="李\u200b四", phone="13800138002")]
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    message = invoke_refused(ledger, "import", str(path))
    assert "calls.jsonl:2: name:" in message and "U+200B" in message
    repair = {"kind": "repair", "name": "王五", "phone": "13800138003", "address": "3栋0301", "item": "漏水",
              "events": [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "赵丽娟"},
                         {"step": "sign", "at": "2026-11-28T09:40:00+08:00", "by": "吴海涛",
                          "signature": "王\u202e五"}]}
    path.write_text(json.dumps(repair, ensure_ascii=False) + "\n", encoding="utf-8")
    message = invoke_refused(ledger, "import", str(path))
    assert "calls.jsonl:1: signature:" in message and "U+202E" in message
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    assert invoke(ledger, "import", str(path)).exit_code == 0
    assert [r["name"] for r in invoke_json(ledger, "list", "--kind", "call")] == ["李四"]
