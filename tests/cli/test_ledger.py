"""Ledger foundation: init, one YAML file per record, one commit per change, hand edits,
damaged files, bad input, the SQLite index, the price list and the staff roster."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ACTOR, NOW, git, git_state, invoke, invoke_json, make_ledger, run_cli

ROLE_KEYS = {"leadership", "manager", "property_director", "service_director", "property_officer",
             "receptionist", "engineering_director", "technician", "security_lead", "guard",
             "patrol_officer", "area_officer", "culture_clerk", "finance"}


def new_repair(ledger, now=NOW, as_=ACTOR, **options) -> dict:
    fields = {"name": "张三", "phone": "13800138000", "address": "3栋0301", "item": "厨房水龙头漏水"}
    fields.update(options)
    args = ["repair", "new"]
    for key, value in fields.items():
        args += [f"--{key.replace('_', '-')}", value]
    return invoke_json(ledger, *args, now=now, as_=as_)


def commit_count(ledger) -> int:
    return int(git(ledger, "rev-list", "--count", "HEAD").strip())


def record_path(ledger, record_id: str) -> Path:
    found = list(Path(ledger, "records").rglob(f"{record_id}.yaml"))
    assert len(found) == 1, found
    return found[0]


def assert_clean(ledger):
    assert git(ledger, "status", "--porcelain", "--untracked-files=all") == ""


# --- init -----------------------------------------------------------------------------------

def test_init_makes_a_git_repo_with_one_commit_and_the_config(tmp_path):
    ledger = make_ledger(tmp_path, "hy", "--office", "HY07", "--timezone", "Asia/Urumqi")
    assert (ledger / ".git").is_dir()
    assert commit_count(ledger) == 1
    assert_clean(ledger)
    config = ledger / "propcli.yaml"
    assert config.is_file()
    import yaml

    plain = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert plain["office"] == "HY07"
    assert plain["timezone"] == "Asia/Urumqi"
    # the config is committed, and no records exist yet
    assert "propcli.yaml" in git(ledger, "ls-files").split()
    assert invoke_json(ledger, "list") == []


def test_init_timezone_is_used_for_times_without_offset(tmp_path):
    ledger = make_ledger(tmp_path, "utc", "--timezone", "UTC")
    record = new_repair(ledger, now="2026-11-28T09:00")
    assert record["events"][0]["at"] == "2026-11-28T09:00:00+00:00"
    assert record["office"] == "" or "office" in record


def test_init_office_is_stamped_on_new_records(tmp_path):
    ledger = make_ledger(tmp_path, "hy", "--office", "HY07")
    assert new_repair(ledger)["office"] == "HY07"


def test_init_on_an_existing_ledger_is_bad_input(tmp_path):
    ledger = make_ledger(tmp_path)
    before = git_state(ledger)
    result = run_cli("init", str(ledger))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.strip()
    assert git_state(ledger) == before


def test_init_with_unknown_timezone_is_bad_input(tmp_path):
    result = run_cli("init", str(tmp_path / "x"), "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert "--timezone" in result.stderr
    assert not (tmp_path / "x" / "propcli.yaml").exists()


@pytest.mark.parametrize("args", [["list"], ["check"], ["show", "R-0"], ["prices"], ["reindex"],
                                  ["repair", "new", "--name", "a", "--phone", "13800138000",
                                   "--address", "b", "--item", "c"]])
def test_commands_outside_a_ledger_exit_3_with_one_line(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = invoke(None, *args)
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ledger" in lines[0]
    assert "Traceback" not in result.output


def test_ledger_is_found_upwards_from_the_working_directory(ledger, monkeypatch):
    record = new_repair(ledger)
    sub = ledger / "records"
    monkeypatch.chdir(sub)
    result = invoke(None, "show", record["id"], "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == record["id"]


# --- record files ---------------------------------------------------------------------------

def test_one_yaml_file_per_record_with_the_schema(ledger):
    import yaml

    record = new_repair(ledger, now="2026-11-28T09:00")
    rid = record["id"]
    path = ledger / "records" / "repair" / "2026" / "11" / f"{rid}.yaml"
    assert path.is_file()
    assert list((ledger / "records").rglob("*.yaml")) == [path]
    plain = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert plain["schema"] == 1
    assert plain["kind"] == "repair"
    assert plain["id"] == rid
    assert plain["name"] == "张三" and plain["item"] == "厨房水龙头漏水"
    assert plain["events"] == [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": ACTOR}]
    # derived values never live in the file
    for derived in ("status", "deadlines", "fee_total", "open"):
        assert derived not in plain


def test_record_file_sits_in_the_month_of_receipt_in_the_ledger_timezone(ledger):
    # 2026-11-30T20:00Z is already December 1st in Shanghai
    record = new_repair(ledger, now="2026-11-30T20:00:00+00:00")
    assert record_path(ledger, record["id"]).relative_to(ledger).as_posix() == \
        f"records/repair/2026/12/{record['id']}.yaml"


def test_hand_comment_and_key_order_survive_a_change(ledger):
    record = new_repair(ledger, now="2026-11-28T09:00", phone="0301123456", address="0301")
    rid = record["id"]
    path = record_path(ledger, rid)
    lines = path.read_text(encoding="utf-8").splitlines()
    # move `item` above `name`, add a key and comments by hand
    item_line = next(line for line in lines if line.startswith("item:"))
    lines.remove(item_line)
    at = lines.index(next(line for line in lines if line.startswith("name:")))
    lines[at:at] = ["# 住户电话确认过 (hand comment)", item_line, "floor: 3  # added by hand"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    git(ledger, "add", str(path))
    git(ledger, "-c", "user.name=hand", "-c", "user.email=h@x", "commit", "-q", "-m", "hand edit")
    edited = path.read_text(encoding="utf-8")

    filled = invoke_json(ledger, "repair", "fill", rid, now="2026-11-28T09:01")
    assert filled["status"] == "fill"
    after = path.read_text(encoding="utf-8")
    assert after.split("events:")[0] == edited.split("events:")[0]
    assert after.startswith(edited.rstrip("\n"))
    assert "# 住户电话确认过 (hand comment)" in after
    assert "floor: 3  # added by hand" in after
    keys = [line.split(":")[0] for line in after.splitlines() if re.match(r"^[a-z_]+:", line)]
    assert keys.index("item") < keys.index("floor") < keys.index("name") < keys.index("events")

    shown = invoke_json(ledger, "show", rid, now="2026-11-28T09:01")
    assert shown["phone"] == "0301123456"
    assert shown["address"] == "0301"
    assert shown["floor"] == 3
    assert [e["step"] for e in shown["events"]] == ["new", "fill"]
    assert_clean(ledger)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=st.from_regex(r"\A0[0-9]{6,11}\Z"),
       address=st.sampled_from(["0301", "00", "1e3", "0x1F", "0o17", "true", "null", "~", "3栋0301",
                                "12:30", "2026-11-28", "yes", "- a", "#1", "'q'"]))
def test_text_values_come_back_exactly(ledger, phone, address):
    record = new_repair(ledger, phone=phone, address=address)
    rid = record["id"]
    assert record["phone"] == phone and record["address"] == address
    shown = invoke_json(ledger, "show", rid)
    assert shown["phone"] == phone and shown["address"] == address
    # and again after a rebuild of the index from the files
    assert invoke(ledger, "reindex").exit_code == 0
    shown = invoke_json(ledger, "show", rid)
    assert shown["phone"] == phone and shown["address"] == address
    listed = {r["id"]: r for r in invoke_json(ledger, "list")}
    assert listed[rid]["phone"] == phone and listed[rid]["address"] == address


# --- commits --------------------------------------------------------------------------------

def test_each_change_is_one_commit_by_the_actor_with_trailers(ledger):
    before = commit_count(ledger)
    record = new_repair(ledger, now="2026-11-28T09:00", as_="前台小李")
    rid = record["id"]
    assert commit_count(ledger) == before + 1
    assert_clean(ledger)
    steps = [("fill", "前台小李", "2026-11-28T09:01"), ("notify", "前台小李", "2026-11-28T09:02"),
             ("take", "工程部老周", "2026-11-28T09:05")]
    for number, (step, actor, now) in enumerate(steps, start=2):
        assert invoke(ledger, "repair", step, rid, now=now, as_=actor).exit_code == 0
        assert commit_count(ledger) == before + number
        assert_clean(ledger)
        assert git(ledger, "log", "-1", "--format=%an").strip() == actor
        assert git(ledger, "log", "-1", "--format=%s").strip() == f"repair {rid}: {step}"
        body = git(ledger, "log", "-1", "--format=%B")
        trailers = git(ledger, "log", "-1", "--format=%(trailers:only,unfold)")
        assert f"Record: {rid}" in trailers.splitlines(), body
        assert f"Step: {step}" in trailers.splitlines(), body
        # the commit touches exactly the record's file
        changed = git(ledger, "show", "--name-only", "--format=", "HEAD").split()
        assert changed == [record_path(ledger, rid).relative_to(ledger).as_posix()]
    assert invoke(ledger, "note", rid, "住户来电催促", now="2026-11-28T09:06").exit_code == 0
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"repair {rid}: note"
    assert "Step: note" in git(ledger, "log", "-1", "--format=%B")
    assert_clean(ledger)


def test_reads_write_nothing(ledger):
    rid = new_repair(ledger)["id"]
    before = git_state(ledger)
    for args in (["show", rid], ["list"], ["log"], ["log", rid], ["check"], ["prices"], ["staff"],
                 ["reindex"], ["export"], ["show", rid, "--history"]):
        result = invoke(ledger, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert git_state(ledger) == before, args


def test_log_of_a_record_lists_its_commits(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00")["id"]
    new_repair(ledger, now="2026-11-28T09:00")
    invoke(ledger, "repair", "fill", rid, now="2026-11-28T09:01")
    rows = invoke_json(ledger, "log", rid)
    assert [r["subject"] for r in rows] == [f"repair {rid}: fill", f"repair {rid}: new"]


# --- hand edits and damaged files -----------------------------------------------------------

def test_uncommitted_hand_edit_is_committed_first_in_its_own_commit(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00")["id"]
    path = record_path(ledger, rid)
    text = path.read_text(encoding="utf-8").replace("name: 张三", "name: 张三丰  # 更正姓名")
    path.write_text(text, encoding="utf-8")
    before = commit_count(ledger)

    result = invoke(ledger, "repair", "fill", rid, now="2026-11-28T09:01", as_="前台小李")
    assert result.exit_code == 0, result.stderr
    assert commit_count(ledger) == before + 2
    assert_clean(ledger)
    rel = path.relative_to(ledger).as_posix()
    # the hand edit alone, then the step
    hand = git(ledger, "show", "HEAD~1", "--format=", "--", rel)
    assert "+name: 张三丰  # 更正姓名" in hand and "step: fill" not in hand
    assert "Step: fill" not in git(ledger, "log", "-1", "--format=%B", "HEAD~1")
    step = git(ledger, "show", "HEAD", "--format=", "--", rel)
    assert "step: fill" in step and "张三丰" not in step
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"repair {rid}: fill"
    assert invoke_json(ledger, "show", rid)["name"] == "张三丰"


def test_uncommitted_hand_edit_of_another_record_is_left_alone(ledger):
    a = new_repair(ledger)["id"]
    b = new_repair(ledger)["id"]
    path_b = record_path(ledger, b)
    path_b.write_text(path_b.read_text(encoding="utf-8").replace("张三", "李四"), encoding="utf-8")
    assert invoke(ledger, "repair", "fill", a, now="2026-11-28T09:01").exit_code == 0
    status = git(ledger, "status", "--porcelain")
    assert status.strip() == f"M {path_b.relative_to(ledger).as_posix()}"
    assert "李四" not in git(ledger, "show", "HEAD", "--format=")


def test_uncommitted_hand_edit_that_fails_check_blocks_changes_to_that_record(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00")["id"]
    other = new_repair(ledger, now="2026-11-28T09:00")["id"]
    path = record_path(ledger, rid)
    # valid YAML, valid schema, but a step the procedure does not allow here (complete right after new)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("- step: complete\n  at: '2026-11-28T09:01:00+08:00'\n  by: 周师傅\n")
    rel = path.relative_to(ledger).as_posix()
    assert invoke(ledger, "check").exit_code == 1
    before = git_state(ledger)
    for args in (["note", rid, "备注"], ["repair", "fill", rid]):
        result = invoke(ledger, *args, now="2026-11-28T09:05")
        assert result.exit_code == 3, (args, result.output)
        assert rel in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert git_state(ledger) == before
    # other records are not blocked
    assert invoke(ledger, "repair", "fill", other, now="2026-11-28T09:05").exit_code == 0
    assert git(ledger, "status", "--porcelain").strip() == f"M {rel}"


def break_yaml(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(4, "name: [unclosed")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_hand_broken_yaml(ledger):
    good = new_repair(ledger, now="2026-11-28T09:00")["id"]
    bad = new_repair(ledger, now="2026-11-28T09:00")["id"]
    bad_path = record_path(ledger, bad)
    break_yaml(bad_path)
    rel = bad_path.relative_to(ledger).as_posix()
    before = git_state(ledger)

    result = invoke(ledger, "check")
    assert result.exit_code == 1
    problem_lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert problem_lines and all(re.match(r"^[^:]+:\d+: \S", line) for line in problem_lines), result.stdout
    assert any(line.startswith(f"{rel}:") for line in problem_lines)
    line_number = int(next(line for line in problem_lines if line.startswith(rel)).split(":")[1])
    assert 5 <= line_number <= 7

    result = invoke(ledger, "show", bad)
    assert result.exit_code == 3
    assert rel in result.stderr and len(result.stderr.strip().splitlines()) == 1

    result = invoke(ledger, "repair", "fill", bad, now="2026-11-28T09:01")
    assert result.exit_code == 3
    assert git_state(ledger) == before

    # the other record keeps working
    assert invoke_json(ledger, "show", good)["id"] == good
    assert invoke(ledger, "repair", "fill", good, now="2026-11-28T09:01").exit_code == 0
    result = invoke(ledger, "list", "-f", "json")
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == [good]
    assert rel in result.stderr
    # the broken file is still the user's uncommitted edit, untouched by propcli
    assert "name: [unclosed" in bad_path.read_text(encoding="utf-8")
    assert git(ledger, "status", "--porcelain").strip() == f"M {rel}"


def test_schema_problem_is_reported_with_its_line(ledger):
    rid = new_repair(ledger)["id"]
    path = record_path(ledger, rid)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("schema: 1", "schema: 7"), encoding="utf-8")
    result = invoke(ledger, "check")
    assert result.exit_code == 1
    rel = path.relative_to(ledger).as_posix()
    assert f"{rel}:1: " in result.stdout and "schema" in result.stdout


def test_clean_ledger_checks_ok(ledger):
    rid = new_repair(ledger)["id"]
    invoke(ledger, "repair", "fill", rid)
    result = invoke(ledger, "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


# --- bad input ------------------------------------------------------------------------------

def _repair_args(**overrides):
    fields = {"--name": "张三", "--phone": "13800138000", "--address": "3栋0301", "--item": "水龙头漏水"}
    fields.update(overrides)
    args = ["repair", "new"]
    for key, value in fields.items():
        if value is not None:
            args += [key, value]
    return args


BAD_NEW = [
    ("--name", _repair_args(**{"--name": None}), {}),
    ("--phone", _repair_args(**{"--phone": None}), {}),
    ("--item", _repair_args(**{"--item": None}), {}),
    ("--at", _repair_args(**{"--at": "yesterday morning"}), {}),
    ("--now", _repair_args(), {"now": "28/11/2026 9am"}),
    ("--price-code", _repair_args(**{"--price-code": "NOPE-99"}), {}),
    ("--at", _repair_args(**{"--at": "2026-11-28T09:30"}), {"now": "2026-11-28T09:00"}),
    ("--appointment", _repair_args(**{"--appointment": "soon"}), {}),
]


@pytest.mark.parametrize("field,args,kw", BAD_NEW, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_NEW)])
def test_bad_input_on_new_exits_2_naming_the_field_and_writes_nothing(ledger, field, args, kw):
    before = git_state(ledger)
    result = invoke(ledger, *args, **kw)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert field in message
    assert "Traceback" not in result.output
    assert git_state(ledger) == before
    assert not list((ledger / "records").rglob("*.yaml"))


@pytest.fixture
def filled(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00", price_code="SD-01")["id"]
    assert invoke(ledger, "repair", "fill", rid, now="2026-11-28T09:01").exit_code == 0
    return ledger, rid


@pytest.mark.parametrize("args,kw,field", [
    (["repair", "arrive", "{id}"], {"now": "2026-11-28T09:02"}, "arrive"),
    (["repair", "fill", "{id}"], {"now": "2026-11-28T09:02"}, "fill"),
    (["repair", "notify", "{id}", "--at", "2026-11-28T09:10"], {"now": "2026-11-28T09:05"}, "--at"),
    (["repair", "notify", "{id}", "--at", "2026-11-28T08:59"], {"now": "2026-11-28T09:05"}, "--at"),
    (["repair", "notify", "{id}", "--at", "not-a-time"], {"now": "2026-11-28T09:05"}, "--at"),
    (["repair", "notify", "{id}"], {"now": "whenever"}, "--now"),
    (["repair", "notify", "{id}"], {"now": "2026-11-28T09:00:30"}, "{id}"),
    (["note", "{id}", "x", "--at", "2026-11-28T08:00"], {"now": "2026-11-28T09:05"}, "--at"),
    (["note", "{id}", "  "], {"now": "2026-11-28T09:05"}, "TEXT"),
    (["repair", "quote", "{id}", "--price", "abc"], {"now": "2026-11-28T09:05"}, "--price"),
])
def test_bad_step_input_exits_2_and_writes_nothing(filled, args, kw, field):
    ledger, rid = filled
    before = git_state(ledger)
    result = invoke(ledger, *[a.replace("{id}", rid) for a in args], **kw)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert field.replace("{id}", rid) in message
    assert git_state(ledger) == before
    assert [e["step"] for e in invoke_json(ledger, "show", rid, now="2026-11-28T09:05")["events"]] == ["new", "fill"]


def test_arrive_before_take_is_refused(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00", price_code="SD-01")["id"]
    for step, minute in (("fill", 1), ("notify", 2)):
        assert invoke(ledger, "repair", step, rid, now=f"2026-11-28T09:0{minute}").exit_code == 0
    before = git_state(ledger)
    result = invoke(ledger, "repair", "arrive", rid, now="2026-11-28T09:03")
    assert result.exit_code == 2
    assert "take" in result.stderr and "arrive" in result.stderr
    assert git_state(ledger) == before
    assert invoke(ledger, "repair", "take", rid, now="2026-11-28T09:04").exit_code == 0
    assert invoke(ledger, "repair", "arrive", rid, now="2026-11-28T09:05").exit_code == 0


def test_unknown_id_is_bad_input(ledger):
    new_repair(ledger)
    result = invoke(ledger, "show", "R-ZZZZZZZZZZ")
    assert result.exit_code == 2
    assert "R-ZZZZZZZZZZ" in result.stderr


def test_reads_in_the_past_do_not_see_later_records(ledger):
    rid = new_repair(ledger, now="2026-11-28T09:00")["id"]
    assert invoke_json(ledger, "list", now="2026-11-28T08:59") == []
    assert invoke(ledger, "show", rid, now="2026-11-28T08:59").exit_code == 2


# --- the index ------------------------------------------------------------------------------

def test_index_lives_in_git_dir_and_is_never_committed(ledger):
    rid = new_repair(ledger)["id"]
    invoke(ledger, "repair", "fill", rid)
    assert (ledger / ".git" / "propcli" / "index.sqlite").is_file()
    tracked = git(ledger, "log", "--all", "--name-only", "--format=").split()
    assert not [p for p in tracked if "sqlite" in p or "propcli/lock" in p]
    assert not list(ledger.glob("*.sqlite*"))


def test_deleted_index_is_rebuilt(ledger):
    ids = [new_repair(ledger)["id"] for _ in range(3)]
    shutil.rmtree(ledger / ".git" / "propcli")
    assert [r["id"] for r in invoke_json(ledger, "list")] == sorted(ids)
    assert (ledger / ".git" / "propcli" / "index.sqlite").is_file()
    # prefix lookup works on the rebuilt index
    assert invoke_json(ledger, "show", ids[0][:-1])["id"] == ids[0]


def test_reindex_counts_files_and_keeps_the_records(ledger):
    ids = [new_repair(ledger)["id"] for _ in range(3)]
    before = invoke_json(ledger, "list")
    result = invoke(ledger, "reindex")
    assert result.exit_code == 0
    assert "3" in result.stdout
    assert invoke_json(ledger, "list") == before
    assert [r["id"] for r in before] == sorted(ids)


def test_garbage_index_file_is_rebuilt(ledger):
    rid = new_repair(ledger)["id"]
    index = ledger / ".git" / "propcli" / "index.sqlite"
    for extra in index.parent.glob("index.sqlite-*"):
        extra.unlink()
    index.write_bytes(b"this is not a database" * 100)
    result = invoke(ledger, "list", "-f", "json")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == [rid]


def test_uncommitted_hand_edit_of_a_field_shows_in_show_and_list(ledger):
    rid = new_repair(ledger)["id"]
    invoke_json(ledger, "list")  # the index is built
    path = record_path(ledger, rid)
    path.write_text(path.read_text(encoding="utf-8").replace("name: 张三", "name: 王五"), encoding="utf-8")
    assert invoke_json(ledger, "show", rid)["name"] == "王五"
    assert invoke_json(ledger, "list")[0]["name"] == "王五"
    # and back again: the index follows the file, not a remembered edit
    git(ledger, "checkout", "--", str(path))
    assert invoke_json(ledger, "list")[0]["name"] == "张三"
    assert invoke_json(ledger, "show", rid)["name"] == "张三"


def test_hand_deleted_record_disappears_from_list(ledger):
    a = new_repair(ledger)["id"]
    b = new_repair(ledger)["id"]
    invoke_json(ledger, "list")
    record_path(ledger, a).unlink()
    assert [r["id"] for r in invoke_json(ledger, "list")] == [b]


def test_git_pull_brings_new_records_into_the_index(tmp_path):
    origin = make_ledger(tmp_path, "origin")
    first = new_repair(origin)["id"]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert [r["id"] for r in invoke_json(clone, "list")] == [first]
    second = new_repair(origin)["id"]
    invoke(origin, "repair", "fill", first, now="2026-11-28T09:01")
    git(clone, "pull", "-q", "--no-rebase", "origin", "main")
    listed = {r["id"]: r for r in invoke_json(clone, "list", now="2026-11-28T09:01")}
    assert set(listed) == {first, second}
    assert listed[first]["status"] == "fill"
    assert invoke_json(clone, "show", second)["id"] == second


def test_hand_commit_is_picked_up(ledger):
    rid = new_repair(ledger)["id"]
    invoke_json(ledger, "list")
    path = record_path(ledger, rid)
    path.write_text(path.read_text(encoding="utf-8").replace("name: 张三", "name: 赵六"), encoding="utf-8")
    git(ledger, "-c", "user.name=h", "-c", "user.email=h@x", "commit", "-qam", "fix name")
    assert invoke_json(ledger, "list")[0]["name"] == "赵六"


# --- prices and staff -----------------------------------------------------------------------

def test_prices_json(ledger):
    items = invoke_json(ledger, "prices")
    assert isinstance(items, list) and len(items) >= 20
    for item in items:
        assert set(item) >= {"code", "name", "price", "unit"}
        assert isinstance(item["price"], (int, float)) and item["price"] >= 0
        assert item["code"] and item["name"]
    assert len({i["code"] for i in items}) == len(items)


def test_staff_json_has_every_role_key(ledger):
    people = invoke_json(ledger, "staff")
    assert all(set(p) >= {"name", "role"} for p in people)
    assert {p["role"] for p in people} >= ROLE_KEYS
    assert {p["role"] for p in people} <= ROLE_KEYS | {"system"}  # cron acts as `system` (CLI.md "Who may act")


def test_role_keys_match_spec():
    spec = Path("/work/shared/SPEC.md")
    if not spec.is_file():
        pytest.skip("SPEC.md not available")
    found = set(re.findall(r"\| `([a-z_]+)` \|", spec.read_text(encoding="utf-8").split("## Record kinds")[0]))
    assert found == ROLE_KEYS


def test_check_replays_request_steps_and_points_at_the_event_line(ledger):
    """A hand-appended step the procedure forbids (a reply after close, 9.4.1-2) is a check problem at its line."""
    from conftest import invoke_json

    record_id = invoke_json(ledger, "request", "new", "--category", "enquiry", "--name", "李四", "--phone",
                            "13900139000", "--address", "5栋1201", "--detail", "咨询停车", now="2026-11-28T09:00")["id"]
    assert invoke(ledger, "request", "close", record_id, now="2026-11-28T09:05").exit_code == 0
    path = next((ledger / "records" / "request").rglob(f"{record_id}.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "- step: reply\n  at: '2026-11-28T09:06:00+08:00'\n  by: 李四\n", encoding="utf-8")
    result = invoke(ledger, "check")
    assert result.exit_code == 1
    line = len(text.splitlines()) + 1
    assert f"{path.relative_to(ledger)}:{line}: events[2]:" in result.stdout


def test_overdue_and_stats_skip_a_damaged_file_with_a_warning_naming_it(ledger):
    """CLI.md: commands that read many records skip a damaged file with a warning on stderr naming it."""
    from conftest import invoke_json

    good = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                       "--item", "漏水", now="2026-11-28T09:00")["id"]
    bad = invoke_json(ledger, "repair", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋0101",
                      "--item", "停电", now="2026-11-28T09:00")["id"]
    path = next((ledger / "records").rglob(f"{bad}.yaml"))
    path.write_text("schema: 1\nkind: [unclosed\n", encoding="utf-8")
    for args in (("overdue",), ("stats", "2026-11")):
        result = invoke(ledger, *args, "-f", "json", now="2026-11-28T10:00")
        assert result.exit_code == 0, result.output
        assert str(path.relative_to(ledger)) in result.stderr
    rows = invoke_json(ledger, "overdue", now="2026-11-28T10:00")
    assert {r["id"] for r in rows} == {good}


def test_show_history_lists_the_records_commits_newest_first(ledger):
    from conftest import invoke_json

    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address",
                            "3栋0301", "--item", "漏水", now="2026-11-28T09:00")["id"]
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:01", as_="孙晓燕")
    history = invoke_json(ledger, "show", record_id, "--history", now="2026-11-28T09:02")["history"]
    assert [(h["subject"], h["author"]) for h in history] == [
        (f"repair {record_id}: fill", "孙晓燕"), (f"repair {record_id}: new", "王芳")]
    text = invoke(ledger, "show", record_id, "--history", now="2026-11-28T09:02").stdout
    assert f"repair {record_id}: fill" in text
