"""export (JSON Lines, exactly as `show -f json`) and import (JSON Lines or CSV, one commit, all or nothing)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import DESK, git, git_state, invoke, invoke_json, make_ledger

LATER = "2026-11-30T12:00:00+08:00"


def commits(ledger) -> int:
    return int(git(ledger, "rev-list", "--count", "HEAD").strip())


def export_lines(ledger, *args, now=LATER) -> list[dict]:
    result = invoke(ledger, "export", *args, now=now)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.strip() for line in lines)
    return [json.loads(line) for line in lines]


def run(ledger, *args, now, as_=DESK):
    result = invoke(ledger, *args, now=now, as_=as_)
    assert result.exit_code == 0, f"{args}: {result.stderr}"
    return result


@pytest.fixture
def busy(tmp_path) -> Path:
    """A ledger with repairs in several states, a note, a price-list item, a quote and fees."""
    ledger = make_ledger(tmp_path, "source", "--office", "HY01")
    new = ["repair", "new", "-f", "json"]
    a = json.loads(run(ledger, *new, "--name", "张三", "--phone", "0301123456", "--address", "0301",
                       "--item", "厨房水龙头漏水", "--price-code", "SD-01", "--qty", "2",
                       now="2026-11-28T09:00").stdout)["id"]
    b = json.loads(run(ledger, *new, "--name", "李四", "--phone", "13800138000", "--address", "2栋1102",
                       "--item", "阳台门锁坏了", now="2026-11-28T09:10").stdout)["id"]
    c = json.loads(run(ledger, *new, "--public", "--location", "3栋电梯厅", "--item", "灯不亮",
                       now="2026-11-29T08:00").stdout)["id"]
    json.loads(run(ledger, *new, "--name", "王五", "--phone", "13900139000", "--address", "5栋",
                       "--item", "马桶堵塞", "--price-code", "SD-01", "--appointment", "2026-12-02T15:00",
                       now="2026-11-30T10:00").stdout)["id"]
    for step, minute in (("fill", "09:01"), ("notify", "09:02")):
        run(ledger, "repair", step, a, now=f"2026-11-28T{minute}")
    run(ledger, "repair", "take", a, "--to", "周师傅", now="2026-11-28T09:05", as_="工程部")
    run(ledger, "repair", "arrive", a, now="2026-11-28T09:12", as_="周师傅")
    run(ledger, "repair", "complete", a, "--item", "SD-01x2", "--fee", "材料=12.5", "--quoted-by", "周志强",
        now="2026-11-28T09:40", as_="周师傅")
    run(ledger, "note", a, "住户满意，说谢谢", now="2026-11-28T09:41")
    for step, minute in (("fill", "09:11"), ("notify", "09:12")):
        run(ledger, "repair", step, b, now=f"2026-11-28T{minute}")
    run(ledger, "repair", "take", b, "--to", "吴师傅", now="2026-11-28T09:15")
    run(ledger, "repair", "quote", b, "--price", "80", now="2026-11-28T09:25", as_="工程部主任")
    run(ledger, "repair", "notify", c, now="2026-11-29T08:05")
    return ledger


# --- export ---------------------------------------------------------------------------------

def test_export_is_show_json_line_by_line(busy):
    exported = export_lines(busy)
    assert len(exported) == 4
    for record in exported:
        assert record == invoke_json(busy, "show", record["id"], now=LATER)
    # oldest first, as list
    assert [r["id"] for r in exported] == [r["id"] for r in invoke_json(busy, "list", now=LATER)]
    assert exported == invoke_json(busy, "list", now=LATER)
    # one compact line per record, UTF-8 text (not \u escapes)
    raw = invoke(busy, "export", now=LATER).stdout
    assert "张三" in raw and "\\u" not in raw
    assert raw.endswith("\n") and raw.count("\n") == 4


def test_export_filters_by_kind_and_month(busy):
    assert len(export_lines(busy, "--kind", "repair")) == 4
    assert export_lines(busy, "--kind", "complaint") == []
    assert export_lines(busy, "--month", "2026-12") == []
    assert len(export_lines(busy, "--month", "2026-11")) == 4
    result = invoke(busy, "export", "--month", "2026-13", now=LATER)
    assert result.exit_code == 2 and "--month" in result.stderr


def test_export_judges_by_now(busy):
    assert len(export_lines(busy, now="2026-11-28T09:05")) == 1
    only = export_lines(busy, now="2026-11-28T09:05")[0]
    assert [e["step"] for e in only["events"]] == ["new", "fill", "notify", "take"]


def test_export_skips_a_damaged_file_with_a_warning_and_exit_1(busy):
    path = sorted((busy / "records").rglob("*.yaml"))[1]
    path.write_text(path.read_text(encoding="utf-8") + "events: [oops\n", encoding="utf-8")
    result = invoke(busy, "export", now=LATER)
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 3
    assert path.relative_to(busy).as_posix() in result.stderr


# --- import ---------------------------------------------------------------------------------

def test_export_then_import_reproduces_the_records_in_one_commit(busy, tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(invoke(busy, "export", now=LATER).stdout, encoding="utf-8")
    target = make_ledger(tmp_path, "target", "--office", "HY01")
    before = commits(target)
    result = invoke(target, "import", str(dump), now=LATER, as_="导入员")
    assert result.exit_code == 0, result.stderr
    assert commits(target) == before + 1
    assert git(target, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(target, "log", "-1", "--format=%an").strip() == "导入员"
    # exactly the record files, and the same files byte for byte
    added = sorted(git(target, "show", "--name-only", "--format=", "HEAD").split())
    source_files = sorted(p.relative_to(busy).as_posix() for p in (busy / "records").rglob("*.yaml"))
    assert added == source_files
    for rel in source_files:
        assert (target / rel).read_text(encoding="utf-8") == (busy / rel).read_text(encoding="utf-8")
    assert export_lines(target) == export_lines(busy)
    assert invoke(target, "check", now=LATER).exit_code == 0
    # the imported records take further steps
    record_id = export_lines(busy)[1]["id"]
    assert invoke(target, "repair", "accept", record_id, now=LATER).exit_code == 0


def test_import_line_without_id_gets_a_new_one(ledger, tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        {"kind": "repair", "name": "张三", "phone": "0301123", "address": "0301", "item": "水龙头",
         "public": False, "events": [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "前台"}]},
        {"kind": "repair", "name": "李四", "phone": "13800138000", "address": "2栋", "item": "灯", "public": False,
         "at": "2026-11-28T10:00"},
    ]
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = invoke(ledger, "import", str(source), now=LATER)
    assert result.exit_code == 0, result.stderr
    exported = export_lines(ledger)
    assert [r["name"] for r in exported] == ["张三", "李四"]
    assert all(re.match(r"^R-[0-9A-Z]{10}$", r["id"]) for r in exported)
    assert exported[0]["phone"] == "0301123" and exported[0]["address"] == "0301"
    assert exported[0]["events"] == [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "前台"}]
    assert exported[1]["events"][0]["at"] == "2026-11-28T10:00:00+08:00"
    assert exported[1]["events"][0]["by"] == "王芳"  # --as
    # ids sort by when the record was received
    assert exported[0]["id"] < exported[1]["id"]


def test_import_csv_with_header(ledger, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("kind,name,phone,address,item,at\n"
                      "repair,张三,0301123,0301,水龙头,2026-11-28T09:00\n"
                      "repair,李四,13800138000,2栋,\"灯, 不亮\",2026-11-28T10:00:00+08:00\n", encoding="utf-8")
    before = commits(ledger)
    result = invoke(ledger, "import", str(source), now=LATER)
    assert result.exit_code == 0, result.stderr
    assert commits(ledger) == before + 1
    exported = export_lines(ledger)
    assert [(r["name"], r["phone"], r["address"], r["item"]) for r in exported] == [
        ("张三", "0301123", "0301", "水龙头"), ("李四", "13800138000", "2栋", "灯, 不亮")]
    assert [r["received"] for r in exported] == ["2026-11-28T09:00:00+08:00", "2026-11-28T10:00:00+08:00"]


BAD_JSONL = [
    ("bad-json", '{"kind": "repair", "name": "x"', 2),
    ("unknown-kind", '{"kind": "spaceship", "name": "x", "at": "2026-11-28T09:00"}', 2),
    ("bad-time", '{"kind": "repair", "name": "x", "at": "28/11/2026"}', 2),
    ("bad-event-time", '{"kind": "repair", "name": "x", "events": [{"step": "new", "at": "noon", "by": "a"}]}', 2),
    ("future", '{"kind": "repair", "name": "x", "at": "2027-01-01T09:00"}', 2),
    ("not-an-object", '[1, 2]', 2),
    ("escape-id", '{"id": "R-../../etc", "kind": "repair", "name": "x", "at": "2026-11-28T09:00"}', 2),
    ("kind-mismatch", '{"id": "T-2QG9RGA1T9", "kind": "repair", "name": "x", "at": "2026-11-28T09:00"}', 2),
    ("out-of-order", '{"kind": "repair", "name": "x", "events": [{"step": "new", "at": "2026-11-28T09:00", "by": "a"},'
                     ' {"step": "arrive", "at": "2026-11-28T09:05", "by": "a"}]}', 2),
    ("backwards", '{"kind": "repair", "name": "x", "events": [{"step": "new", "at": "2026-11-28T09:00", "by": "a"},'
                  ' {"step": "note", "at": "2026-11-28T08:05", "by": "a", "note": "n"}]}', 2),
]


@pytest.mark.parametrize("name,bad,line", BAD_JSONL, ids=[b[0] for b in BAD_JSONL])
def test_bad_line_is_exit_2_naming_the_line_and_nothing_imported(ledger, tmp_path, name, bad, line):
    good = json.dumps({"kind": "repair", "name": "张三", "phone": "13800138000", "address": "1栋", "item": "灯",
                       "public": False, "at": "2026-11-28T09:00"}, ensure_ascii=False)
    source = tmp_path / "in.jsonl"
    source.write_text(f"{good}\n{bad}\n{good}\n", encoding="utf-8")
    before = git_state(ledger)
    result = invoke(ledger, "import", str(source), now=LATER)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert re.search(rf"\bin\.jsonl:{line}\b|line {line}\b", message), message
    assert git_state(ledger) == before
    assert export_lines(ledger) == []


def test_bad_csv_row_names_its_line(ledger, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("kind,name,phone,address,item,at\n"
                      "repair,张三,0301123,0301,水龙头,2026-11-28T09:00\n"
                      "repair,李四,13800138000,2栋,灯,yesterday\n", encoding="utf-8")
    before = git_state(ledger)
    result = invoke(ledger, "import", str(source), now=LATER)
    assert result.exit_code == 2
    assert "in.csv:3" in result.stderr
    assert git_state(ledger) == before


def test_importing_an_id_already_present_is_exit_2(busy, tmp_path):
    dump = tmp_path / "dump.jsonl"
    lines = invoke(busy, "export", now=LATER).stdout.splitlines()
    fresh = json.dumps({"kind": "repair", "name": "新", "phone": "13800138000", "address": "9栋", "item": "门",
                        "public": False, "at": "2026-11-29T09:00"}, ensure_ascii=False)
    dump.write_text(fresh + "\n" + lines[2] + "\n", encoding="utf-8")
    before = git_state(busy)
    result = invoke(busy, "import", str(dump), now=LATER)
    assert result.exit_code == 2
    assert json.loads(lines[2])["id"] in result.stderr and "dump.jsonl:2" in result.stderr
    assert git_state(busy) == before
    assert len(export_lines(busy)) == 4


def test_importing_the_same_id_twice_in_one_file_is_exit_2(ledger, tmp_path):
    line = json.dumps({"id": "R-2QG9RGA1T9", "kind": "repair", "name": "x", "phone": "13800138000", "address": "a",
                       "item": "b", "public": False, "at": "2026-11-28T09:00"})
    dump = tmp_path / "dup.jsonl"
    dump.write_text(line + "\n" + line + "\n", encoding="utf-8")
    before = git_state(ledger)
    result = invoke(ledger, "import", str(dump), now=LATER)
    assert result.exit_code == 2 and "dup.jsonl:2" in result.stderr
    assert git_state(ledger) == before


def test_import_of_a_missing_or_empty_file_is_exit_2(ledger, tmp_path):
    before = git_state(ledger)
    assert invoke(ledger, "import", str(tmp_path / "nope.jsonl"), now=LATER).exit_code == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert invoke(ledger, "import", str(empty), now=LATER).exit_code == 2
    assert git_state(ledger) == before


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
               min_size=1, max_size=12).filter(lambda s: s.strip() == s and s)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({
    "name": text, "phone": st.from_regex(r"\A0?[0-9]{7,11}\Z"), "address": text, "item": text,
    "minute": st.integers(min_value=0, max_value=59)}), min_size=1, max_size=4))
def test_import_export_round_trip_any_text(tmp_path_factory, rows):
    base = tmp_path_factory.mktemp("rt")
    first = make_ledger(base, "first")
    lines = [json.dumps({"kind": "repair", "public": False, "name": r["name"], "phone": r["phone"],
                         "address": r["address"], "item": r["item"],
                         "at": f"2026-11-28T09:{r['minute']:02d}:00"}, ensure_ascii=False) for r in rows]
    source = base / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert invoke(first, "import", str(source), now=LATER).exit_code == 0
    exported = export_lines(first)
    assert sorted((r["name"], r["phone"], r["address"], r["item"]) for r in exported) == \
        sorted((r["name"], r["phone"], r["address"], r["item"]) for r in rows)
    dump = base / "dump.jsonl"
    dump.write_text(invoke(first, "export", now=LATER).stdout, encoding="utf-8")
    second = make_ledger(base, "second")
    assert invoke(second, "import", str(dump), now=LATER).exit_code == 0
    assert export_lines(second) == exported
