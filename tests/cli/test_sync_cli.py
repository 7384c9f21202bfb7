"""`propcli sync`, `clone` and `resolve` end to end: a bare repository, three desks' clones, real git
(a file path and `git daemon` on loopback), offline work synced in several orders, and what goes wrong."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import git, git_state, invoke, invoke_json, make_ledger, run_cli
from propcli import i18n

LATER = "2026-11-28T20:00"
CUSTOMER = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def sync(desk, as_="cron", expect=0):
    result = invoke(desk, "sync", as_=as_)
    assert result.exit_code == expect, f"exit {result.exit_code}: {result.stdout}{result.stderr}"
    if expect in (0, 1):
        assert len(result.stdout.strip().splitlines()) == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result


def office_of(tmp_path, url=None, bare=None):
    """A seed ledger pushed to the office's shared repository; returns the URL desks clone from."""
    seed = make_ledger(tmp_path, "seed")
    git(seed, "remote", "add", "origin", url or str(bare))
    sync(seed)
    return url or str(bare)


def clone(url, path):
    result = run_cli("clone", url, str(path))
    assert result.exit_code == 0, result.output
    return Path(path)


@pytest.fixture
def office(tmp_path):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    url = office_of(tmp_path, bare=bare)
    return bare, [clone(url, tmp_path / f"desk{n}") for n in (1, 2, 3)]


class Journal:
    """What each desk wrote, to prove after the syncs that nothing is missing anywhere."""

    def __init__(self):
        self.events = []

    def new(self, desk, kind, *args, at, by):
        options = {"repair": ("repair", "new", *CUSTOMER, "--item", "水龙头漏水", "--price-code", "SD-01"),
                   "request": ("request", "new", "--category", "enquiry", *CUSTOMER, "--detail", "停水通知"),
                   "complaint": ("complaint", "new", *CUSTOMER, "--detail", "噪音")}[kind]
        record = invoke_json(desk, *options, *args, now=at, as_=by)
        self.events.append((record["id"], "new", record["received"], by, None))
        return record["id"]

    def step(self, desk, record_id, group, step, at, by):
        self._recorded(record_id, invoke_json(desk, group, step, record_id, now=at, as_=by), by)

    def note(self, desk, record_id, text, at, by):
        self._recorded(record_id, invoke_json(desk, "note", record_id, text, now=at, as_=by), by)

    def _recorded(self, record_id, record, by):
        last = record["events"][-1]
        self.events.append((record_id, last["step"], last["at"], by, last.get("note")))


def exported(desk) -> dict:
    result = invoke(desk, "export", now=LATER)
    assert result.exit_code == 0, result.stderr
    return {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}


def assert_all_desks_agree(desks, journal):
    first = exported(desks[0])
    for desk in desks:
        records = exported(desk)
        assert records == first, desk
        listed = invoke_json(desk, "list", now=LATER)  # from the index, after the merges, without a reindex
        assert invoke(desk, "reindex").exit_code == 0
        assert invoke_json(desk, "list", now=LATER) == listed  # the index was right: verified, not trusted
        assert git(desk, "status", "--porcelain") == ""
        check = invoke(desk, "check")
        assert check.exit_code == 0, check.stdout
    found = {(rid, e["step"], e["at"], e["by"], e.get("note")) for rid, r in first.items() for e in r["events"]}
    missing = [e for e in journal.events if e not in found]
    assert not missing
    assert sum(len(r["events"]) for r in first.values()) == len(journal.events)


def test_three_desks_working_offline_meet_through_the_remote_in_several_orders(office):
    bare, (d1, d2, d3) = office
    j = Journal()
    # round 1: new records on every desk, none of them online
    r1 = j.new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    q1 = j.new(d1, "request", at="2026-11-28T09:02", by="王芳")
    t1 = j.new(d2, "complaint", at="2026-11-28T09:01", by="李静")
    r3 = j.new(d3, "repair", at="2026-11-28T09:03", by="赵丽娟")
    assert "records in 0, records out 1, conflicts 0" in sync(d2).stdout
    assert "records in 1, records out 1, conflicts 0" in sync(d3).stdout
    assert "records in 2, records out 2, conflicts 0" in sync(d1).stdout
    sync(d2)
    sync(d3)
    # round 2: steps and notes on the same records, on three desks at once
    j.step(d1, r1, "repair", "fill", at="2026-11-28T09:04", by="王芳")
    j.note(d1, r3, "一号台补记", at="2026-11-28T09:05", by="王芳")
    j.note(d2, r1, "住户来电催促", at="2026-11-28T09:04:30", by="李静")
    j.step(d2, r3, "repair", "fill", at="2026-11-28T09:05", by="李静")
    j.note(d3, r1, "已回电", at="2026-11-28T09:04:45", by="赵丽娟")
    j.note(d3, t1, "已转物业主任", at="2026-11-28T09:05:30", by="赵丽娟")
    for desk in (d3, d1, d2, d3, d1):
        sync(desk)
    # round 3: more, including two desks writing the same record in the same second
    j.step(d1, r1, "repair", "notify", at="2026-11-28T09:06", by="王芳")
    j.note(d3, r1, "同一秒", at="2026-11-28T09:06", by="赵丽娟")
    j.step(d2, r3, "repair", "notify", at="2026-11-28T09:06:10", by="李静")
    j.note(d2, r1, "二号台", at="2026-11-28T09:06:20", by="李静")
    j.note(d3, q1, "已答复", at="2026-11-28T09:07", by="赵丽娟")
    for desk in (d1, d2, d3, d1, d2):
        sync(desk)
    assert_all_desks_agree([d1, d2, d3], j)
    heads = {git(d, "rev-parse", "HEAD").strip() for d in (d1, d2, d3)}
    assert heads == {git(bare, "rev-parse", "main").strip()}
    steps = [e["step"] for e in exported(d1)[r1]["events"]]
    assert steps == ["new", "fill", "note", "note", "notify", "note", "note"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def daemon(tmp_path):
    """`git daemon` on loopback serving tmp_path/served (push enabled); stopped after the test."""
    served = tmp_path / "served"
    served.mkdir()
    git(served, "init", "-q", "--bare", "-b", "main", "office.git")
    port = _free_port()
    process = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                                "--listen=127.0.0.1", f"--port={port}", f"--base-path={served}", str(served)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "git daemon did not start"
                time.sleep(0.05)
        yield f"git://127.0.0.1:{port}/office.git", served / "office.git"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sync_through_git_daemon_on_loopback(tmp_path, daemon):
    url, bare = daemon
    office_of(tmp_path, url=url)
    d1, d2 = clone(url, tmp_path / "d1"), clone(url, tmp_path / "d2")
    j = Journal()
    r1 = j.new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    t2 = j.new(d2, "complaint", at="2026-11-28T09:01", by="李静")
    for desk in (d1, d2, d1):
        sync(desk)
    j.step(d1, r1, "repair", "fill", at="2026-11-28T09:01", by="王芳")
    j.note(d2, r1, "经 git daemon", at="2026-11-28T09:02", by="李静")
    j.note(d1, t2, "已受理", at="2026-11-28T09:03", by="王芳")
    for desk in (d2, d1, d2):
        sync(desk)
    assert_all_desks_agree([d1, d2], j)
    assert git(bare, "rev-parse", "main").strip() == git(d1, "rev-parse", "HEAD").strip()


def test_an_unreachable_remote_is_exit_3_with_everything_local_committed(office, tmp_path):
    _bare, (d1, _d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    path = next(d1.glob("records/repair/*/*/*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("item: 水龙头漏水", "item: 厨房水龙头漏水"),
                    encoding="utf-8")
    url = git(d1, "remote", "get-url", "origin").strip()
    for unreachable in (str(tmp_path / "not-mounted" / "office.git"), f"git://127.0.0.1:{_free_port()}/office.git"):
        git(d1, "remote", "set-url", "origin", unreachable)
        result = sync(d1, expect=3)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "cannot reach the remote origin" in result.stderr and unreachable in result.stderr
        assert "everything local is kept and committed" in result.stderr
        assert git(d1, "status", "--porcelain") == ""  # the hand edit was committed before going out
    assert "厨房水龙头漏水" in git(d1, "show", f"HEAD:{path.relative_to(d1).as_posix()}")
    git(d1, "remote", "set-url", "origin", url)
    sync(d1)
    sync(_d2)
    assert invoke_json(_d2, "show", record_id, now=LATER)["item"] == "厨房水龙头漏水"


def test_a_remote_refusing_the_push_is_exit_3_and_nothing_local_is_lost(office):
    bare, (d1, _d2, _d3) = office
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'closed for the audit' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    before = git(d1, "rev-parse", "HEAD").strip()
    result = sync(d1, expect=3)
    assert "did not take the push" in result.stderr and "everything local is kept and committed" in result.stderr
    assert git(d1, "rev-parse", "HEAD").strip() == before and git(d1, "status", "--porcelain") == ""
    assert invoke_json(d1, "show", record_id, now=LATER)["id"] == record_id
    hook.unlink()
    assert "records out 1" in sync(d1).stdout


def test_a_push_refused_because_the_remote_moved_meanwhile_is_retried(office, tmp_path):
    """Desk 2 pushes while desk 1 is pushing (a pre-push hook on desk 1 makes it happen at that moment)."""
    _bare, (d1, d2, d3) = office
    j = Journal()
    mine = j.new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    theirs = j.new(d2, "complaint", at="2026-11-28T09:01", by="李静")
    git(d2, "push", "-q", "origin", "HEAD:refs/heads/side")  # nothing special: just to see a second branch is harmless
    marker = tmp_path / "raced"
    hook = d1 / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
                    f"if [ ! -e '{marker}' ]; then touch '{marker}'; git -C '{d2}' push -q origin HEAD:main; fi\n",
                    encoding="utf-8")
    hook.chmod(0o755)
    result = sync(d1)
    assert marker.exists()
    assert "records in 1, records out 1" in result.stdout
    sync(d2)
    sync(d3)
    assert_all_desks_agree([d1, d2, d3], j)
    assert {mine, theirs} <= set(exported(d3))


def put_name(desk, record_id, name):
    path = next(desk.glob(f"records/*/*/*/{record_id}.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: 张三", f"name: {name}", 1), encoding="utf-8")
    return path


def test_a_field_changed_differently_on_two_desks_is_a_conflict_until_a_person_resolves_it(office):
    _bare, (d1, d2, d3) = office
    j = Journal()
    record_id = j.new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    other_id = j.new(d1, "repair", at="2026-11-28T09:01", by="王芳")
    sync(d1)
    sync(d2)
    put_name(d1, record_id, "张三丰")  # hand edits, committed by the sync
    path = put_name(d2, record_id, "张叁")
    sync(d1)
    result = sync(d2, expect=1)
    assert "conflicts 1" in result.stdout
    relpath = path.relative_to(d2).as_posix()
    assert result.stderr.startswith(f"{relpath}:")

    check = invoke(d2, "check")
    assert check.exit_code == 1
    [line] = check.stdout.strip().splitlines()
    where, number, message = line.split(":", 2)
    assert where == relpath and record_id in message and "张三丰" in message and "张叁" in message
    assert path.read_text(encoding="utf-8").splitlines()[int(number) - 1] == "- field: name"
    shown = invoke_json(d2, "show", record_id, now=LATER)
    assert shown["conflicts"][0]["values"] == ["张叁", "张三丰"]
    table = invoke(d2, "show", record_id, now=LATER).stdout
    assert "张叁" in table and "张三丰" in table

    before = git_state(d2)
    refused = invoke(d2, "note", record_id, "x", now=LATER, as_="李静")
    assert refused.exit_code == 3 and f"{relpath}:{number}:" in refused.stderr and "resolve" in refused.stderr
    assert invoke(d2, "repair", "fill", record_id, now=LATER).exit_code == 3
    assert git_state(d2) == before  # nothing written
    j.note(d2, other_id, "别的记录照常", at="2026-11-28T09:10", by="李静")  # every other record works

    sync(d2, expect=1)
    assert "conflicts 1" in sync(d1, expect=1).stdout  # the conflict travels, it is not lost on the way
    assert invoke(d2, "resolve", record_id, "--field", "phone", "--value", "1", now=LATER).exit_code == 2
    resolved = invoke_json(d1, "resolve", record_id, "--field", "name", "--value", "张三丰", now="2026-11-28T18:00",
                           as_="王芳")
    assert resolved["name"] == "张三丰" and "conflicts" not in resolved
    assert resolved["events"][-1]["step"] == "note" and resolved["events"][-1]["resolved"] == "name"
    assert invoke(d1, "resolve", record_id, "--value", "张三丰", now=LATER).exit_code == 2  # nothing left to resolve
    assert invoke(d1, "check").exit_code == 0
    j.events.append((record_id, "note", resolved["events"][-1]["at"], "王芳", resolved["events"][-1]["note"]))
    j.note(d1, record_id, "改好了", at="2026-11-28T18:01", by="王芳")
    for desk in (d1, d2, d3):
        assert "conflicts 0" in sync(desk).stdout
    assert_all_desks_agree([d1, d2, d3], j)
    assert exported(d3)[record_id]["name"] == "张三丰"


def test_a_conflict_can_be_resolved_by_an_ordinary_edit(office):
    _bare, (d1, d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    sync(d2)
    put_name(d1, record_id, "张三丰")
    path = put_name(d2, record_id, "张叁")
    sync(d1)
    sync(d2, expect=1)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("conflicts:\n")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith((" ", "-")))
    path.write_text("".join(lines[:start] + lines[end:]).replace("name: 张叁", "name: 张三丰"), encoding="utf-8")
    assert invoke(d2, "note", record_id, "手工改好", now=LATER, as_="李静").exit_code == 0
    assert invoke(d2, "check").exit_code == 0
    assert git(d2, "status", "--porcelain") == ""
    sync(d2)
    sync(d1)
    assert exported(d1)[record_id]["name"] == "张三丰" and "conflicts" not in exported(d1)[record_id]


def test_the_same_step_recorded_on_two_desks_is_reported_not_hidden(office):
    _bare, (d1, d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    sync(d2)
    invoke_json(d1, "repair", "fill", record_id, now="2026-11-28T09:01", as_="王芳")
    invoke_json(d2, "repair", "fill", record_id, now="2026-11-28T09:01:30", as_="李静")
    sync(d1)
    result = sync(d2, expect=1)
    assert record_id in result.stderr and "fill" in result.stderr
    assert [e["step"] for e in exported(d2)[record_id]["events"]] == ["new", "fill", "fill"]  # nothing dropped
    assert invoke(d2, "check").exit_code == 1


def test_settings_edited_on_two_desks_in_the_same_place_stop_the_sync_cleanly(office):
    _bare, (d1, d2, _d3) = office
    for desk, length in ((d1, "3m"), (d2, "4m")):
        policy = desk / "policy.yaml"
        policy.write_text(policy.read_text(encoding="utf-8").replace("    length: 2m", f"    length: {length}", 1),
                          encoding="utf-8")
    sync(d1)
    record_id = Journal().new(d2, "repair", at="2026-11-28T09:00", by="李静")
    result = sync(d2, expect=3)
    assert "policy.yaml" in result.stderr and "sync stopped" in result.stderr
    assert git(d2, "status", "--porcelain") == ""  # committed, merge aborted: no markers, no half merge
    assert not (d2 / ".git" / "MERGE_HEAD").exists()
    assert "length: 4m" in (d2 / "policy.yaml").read_text(encoding="utf-8")
    assert "<<<<<<<" not in (d2 / "policy.yaml").read_text(encoding="utf-8")
    assert invoke(d2, "note", record_id, "照常工作", now=LATER, as_="李静").exit_code == 0
    assert invoke(d2, "check").exit_code == 0
    # what docs/sync.md says to do: take the office's version of the file, then sync again
    git(d2, "checkout", "origin/main", "--", "policy.yaml")
    sync(d2)
    assert "length: 3m" in (d2 / "policy.yaml").read_text(encoding="utf-8")
    assert invoke(d2, "check").exit_code == 0


def test_settings_merged_cleanly_but_invalid_are_reported(office):
    _bare, (d1, d2, _d3) = office
    edits = {d1: ("  - key: repair.fill\n", "  - key: repair.fill\n    note: 前台\n"),
             d2: ("    end: fill\n    length: 2m\n", "    end: fill\n    note: 接待\n    length: 2m\n")}
    for desk, (old, new) in edits.items():
        policy = desk / "policy.yaml"
        text = policy.read_text(encoding="utf-8")
        assert text.count(old) == 1
        policy.write_text(text.replace(old, new), encoding="utf-8")
        assert invoke(desk, "check").exit_code == 0  # each desk's edit is valid on its own
    sync(d1)
    result = sync(d2, expect=1)
    assert "policy.yaml:" in result.stderr
    check = invoke(d2, "check")
    assert check.exit_code == 1 and check.stdout.startswith("policy.yaml:")


def test_sync_holds_the_ledger_lock_while_it_merges(office):
    from propcli.store.lock import ledger_lock

    _bare, (d1, d2, _d3) = office
    Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    before = git(d2, "rev-parse", "HEAD").strip()
    env = dict(os.environ, PROPCLI_LOCK_TIMEOUT="0.5")
    with ledger_lock(d2 / ".git" / "propcli" / "lock", 5):
        done = subprocess.run([sys.executable, "-m", "propcli", "--ledger", str(d2), "--as", "cron", "sync"],
                              capture_output=True, text=True, env=env)
    assert done.returncode == 3 and "locked" in done.stderr
    assert git(d2, "rev-parse", "HEAD").strip() == before


def test_the_summary_is_in_the_chosen_language(office, monkeypatch):
    _bare, (d1, _d2, _d3) = office
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    try:
        assert sync(d1).stdout.strip() == "已与 origin 同步：收到记录 0 条，送出记录 0 条，冲突 0 条"
    finally:
        monkeypatch.delenv("PROPCLI_LANG")
        i18n.reset()


def test_a_sync_without_a_remote_says_how_to_add_one(ledger):
    result = sync(ledger, expect=3)
    assert "git remote add origin" in result.stderr


def test_a_hand_edit_that_fails_check_stays_local_with_a_warning(office):
    _bare, (d1, d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    path = next(d1.glob("records/repair/*/*/*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("schema: 1", "schema: 9"), encoding="utf-8")
    result = sync(d1)
    assert path.relative_to(d1).as_posix() in result.stderr and "not synced" in result.stderr
    assert git(d1, "status", "--porcelain").strip().endswith(path.name)  # still there, not committed, not pushed
    sync(d2)
    assert exported(d2)[record_id]["id"] == record_id


def test_clone_makes_a_working_ledger_and_refuses_what_is_not_one(tmp_path, office):
    bare, (d1, _d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    fresh = clone(str(bare), tmp_path / "new-desk")
    config = git(fresh, "config", "--get", "merge.propcli-record.driver")
    assert "merge-driver" in config and (fresh / ".git" / "propcli" / "index.sqlite").is_file()
    assert invoke_json(fresh, "list", now=LATER)[0]["id"] == record_id
    assert run_cli("clone", str(bare), str(fresh)).exit_code == 2  # not an empty folder
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(empty))
    result = run_cli("clone", str(empty), str(tmp_path / "nothing"))
    assert result.exit_code == 3 and "no ledger" in result.stderr
    assert not (tmp_path / "nothing").exists()
    result = run_cli("clone", str(tmp_path / "no-such.git"), str(tmp_path / "nothing"))
    assert result.exit_code == 3 and not (tmp_path / "nothing").exists()


def test_clone_checks_out_the_ledger_when_the_remote_head_names_another_branch(tmp_path):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "master", str(bare))  # HEAD -> master, the ledger pushes main
    office_of(tmp_path, bare=bare)
    desk = clone(str(bare), tmp_path / "desk")
    assert (desk / "propcli.yaml").is_file()
    assert git(desk, "symbolic-ref", "--short", "HEAD").strip() == "main"
    sync(desk)


def test_two_records_with_one_id_stop_the_sync_and_the_documented_fix_works(office):
    """A clash of ids (one in a million per pair received in the same second) is never merged into one record."""
    _bare, (d1, d2, _d3) = office
    record_id = Journal().new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    relpath = next(d1.glob("records/repair/*/*/*.yaml")).relative_to(d1).as_posix()
    clash = d2 / relpath  # desk 2 made another record that drew the same id
    clash.parent.mkdir(parents=True)
    clash.write_text((d1 / relpath).read_text(encoding="utf-8").replace("by: 王芳", "by: 李静").replace("张三", "李四"),
                     encoding="utf-8")
    sync(d1)
    result = sync(d2, expect=3)
    assert relpath in result.stderr and record_id in result.stderr and "same id" in result.stderr
    assert git(d2, "status", "--porcelain") == "" and not (d2 / ".git" / "MERGE_HEAD").exists()
    assert "李四" in clash.read_text(encoding="utf-8")  # desk 2's record is untouched
    # docs/sync.md: enter it again (a new id), remove the old file, sync
    again = Journal().new(d2, "repair", at="2026-11-28T09:00", by="李静")
    git(d2, "rm", "-q", relpath)
    git(d2, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "duplicate id; re-entered")
    sync(d2)
    records = exported(d2)
    assert records[record_id]["name"] == "张三" and records[again]["id"] == again
    assert invoke(d2, "check").exit_code == 0


def test_a_merge_driver_pointing_at_a_python_that_is_gone_is_set_up_again(office):
    _bare, (d1, d2, _d3) = office
    j = Journal()
    record_id = j.new(d1, "repair", at="2026-11-28T09:00", by="王芳")
    sync(d1)
    sync(d2)
    git(d2, "config", "merge.propcli-record.driver", "/no/such/python -m propcli merge-driver %O %A %B")
    j.note(d1, record_id, "一号台", at="2026-11-28T09:01", by="王芳")
    j.note(d2, record_id, "二号台", at="2026-11-28T09:02", by="李静")
    sync(d1)
    assert "records in 1" in sync(d2).stdout
    assert sys.executable in git(d2, "config", "--get", "merge.propcli-record.driver")
    sync(d1)
    assert_all_desks_agree([d1, d2], j)
