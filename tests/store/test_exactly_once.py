"""Done means done, failed means nothing written (issue 8, points 1 and 7): every check before the first
write, nothing after the commit can fail the command, the step's time is read under the lock, and an
unusual git state refuses writes."""
import os
import sqlite3
import subprocess
import sys

from conftest import git, git_state, invoke, invoke_json, invoke_refused

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def new_complaint(ledger, now="2026-11-28T09:00"):
    return invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音", now=now)["id"]


def test_an_undecodable_byte_is_bad_input_and_nothing_is_written(ledger):
    record_id = new_complaint(ledger)
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")  # what Python makes of invalid UTF-8 in argv
    message = invoke_refused(ledger, "complaint", "assign", record_id, "--to", "工程部" + bad, now="2026-11-28T09:05")
    assert message.startswith("propcli: --to: ") and "UTF-8" in message
    message = invoke_refused(ledger, "note", record_id, "备注" + bad, now="2026-11-28T09:05")
    assert message.startswith("propcli: TEXT: ")
    assert invoke_json(ledger, "list") and invoke(ledger, "check").exit_code == 0


def test_the_store_refuses_undecodable_text_from_any_caller(ledger):
    """The same check in the library, before any write, whoever calls it (not only the command line)."""
    import pytest

    import propcli.app.schema  # noqa: F401
    from propcli.errors import BadInput
    from propcli.store.ledger import Ledger
    from propcli.store.unit import append
    from propcli.timeutil import parse_time

    record_id = new_complaint(ledger)
    before = git_state(ledger)
    store = Ledger(ledger)
    now = parse_time("2026-11-28T09:05", store.tz)
    with pytest.raises(BadInput, match="^to: not valid text"):
        append(store, record_id, "assign", {"to": "工程部\udcff"}, None, "王芳", now)
    with pytest.raises(BadInput, match="control character"):
        append(store, record_id, "note", {"note": "a\x1b[2Jb"}, None, "王芳", now)
    assert git_state(ledger) == before


def test_a_control_character_is_bad_input(ledger):
    record_id = new_complaint(ledger)
    message = invoke_refused(ledger, "note", record_id, "备注\x00", now="2026-11-28T09:05")
    assert "control character" in message


def test_times_out_of_range_are_bad_input_for_every_new_record(ledger):
    for args in (("call", "new", "--name", "张三", "--phone", "13800138000", "--reason", "咨询"),
                 ("complaint", "new", *RESIDENT, "--detail", "噪音"),
                 ("event", "new", "--title", "中秋游园", "--ended", "2026-10-01T18:00"),
                 ("letter", "new", "--subject", "致业主", "--text", "……"),
                 ("patrol", "new", "--area", "1区")):
        for at in ("0001-01-01T00:00", "9999-12-31T23:59", "1969-12-31T23:59"):
            message = invoke_refused(ledger, *args, "--at", at)
            assert message.startswith("propcli: --at: ") and "out of range" in message, message
    assert invoke_refused(ledger, "list", now="0001-01-01T00:00").startswith("propcli: --now: ")
    assert invoke_json(ledger, "list") == []


def test_a_record_file_too_large_is_refused_before_writing(ledger):
    record_id = new_complaint(ledger)
    long_note = "很长的备注" * 19_000  # 95,000 characters (285 kB in UTF-8): under the field limit
    for minute in range(3):
        result = invoke(ledger, "note", record_id, long_note, now=f"2026-11-28T09:0{minute + 1}")
        assert result.exit_code == 0, result.stderr
    message = invoke_refused(ledger, "note", record_id, long_note, now="2026-11-28T09:05")
    assert "over the limit" in message
    assert "over the limit" in invoke_refused(ledger, "note", record_id, "x" * 100_001, now="2026-11-28T09:05")


def break_index_updates(ledger):
    """A real SQLite failure on the next index write (what a full disk or a quota does)."""
    db = sqlite3.connect(ledger / ".git" / "propcli" / "index.sqlite")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    db.commit()
    db.close()


def test_an_index_failure_after_the_commit_is_a_warning_and_exit_0(ledger):
    first = new_complaint(ledger)
    break_index_updates(ledger)
    head = git(ledger, "rev-parse", "HEAD").strip()
    result = invoke(ledger, "complaint", "new", *RESIDENT, "--detail", "漏水", "-f", "json", now="2026-11-28T09:10")
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "committed" in result.stderr
    import json

    second = json.loads(result.stdout)["id"]  # the command printed the record it made
    assert git(ledger, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert git(ledger, "status", "--porcelain") == ""
    # the next command rebuilds the index (dropping the trigger with the old file) and sees both
    listed = invoke(ledger, "list", "-f", "json", now="2026-11-28T09:11")
    assert listed.exit_code == 0, listed.output
    assert {r["id"] for r in json.loads(listed.stdout)} == {first, second}
    # a step on the first record after the failure works too
    assert invoke(ledger, "complaint", "handle", first, now="2026-11-28T09:12").exit_code == 0


def test_an_index_failure_after_a_step_is_a_warning_and_exit_0(ledger):
    record_id = new_complaint(ledger)
    break_index_updates(ledger)
    result = invoke(ledger, "note", record_id, "备注", now="2026-11-28T09:10")
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr
    assert invoke_json(ledger, "show", record_id, now="2026-11-28T09:11")["events"][-1]["note"] == "备注"


def env_without_clock() -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    return base


def test_parallel_steps_without_now_are_never_refused_as_going_back_in_time(ledger):
    """The clock is read once the lock is held: steps queued behind each other are stamped in order."""
    record_id = invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音", now=None)["id"]
    processes = [subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(ledger), "--as", "王芳",
                                   "note", record_id, f"备注{n}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env_without_clock()) for n in range(6)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    events = invoke_json(ledger, "show", record_id, now=None)["events"]
    assert sorted(e["note"] for e in events[1:]) == [f"备注{n}" for n in range(6)]
    times = [e["at"] for e in events]
    assert times == sorted(times)


def test_writes_refuse_a_detached_head(ledger):
    new_complaint(ledger)
    git(ledger, "checkout", "-q", "--detach", "HEAD")
    before = git_state(ledger)
    result = invoke(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音")
    assert result.exit_code == 3 and "detached" in result.stderr and "git switch" in result.stderr
    assert git_state(ledger) == before
    assert invoke(ledger, "list").exit_code == 0  # reading still works


def test_writes_refuse_a_merge_or_rebase_in_progress(ledger):
    record_id = new_complaint(ledger)
    head = git(ledger, "rev-parse", "HEAD").strip()
    (ledger / ".git" / "MERGE_HEAD").write_text(head + "\n", encoding="utf-8")
    result = invoke(ledger, "note", record_id, "备注", now="2026-11-28T09:05")
    assert result.exit_code == 3 and "merge is in progress" in result.stderr and "git merge --abort" in result.stderr
    (ledger / ".git" / "MERGE_HEAD").unlink()
    (ledger / ".git" / "rebase-merge").mkdir()
    result = invoke(ledger, "note", record_id, "备注", now="2026-11-28T09:05")
    assert result.exit_code == 3 and "rebase is in progress" in result.stderr
    (ledger / ".git" / "rebase-merge").rmdir()
    assert invoke(ledger, "note", record_id, "备注", now="2026-11-28T09:05").exit_code == 0


def test_writes_refuse_an_unborn_branch(ledger):
    git(ledger, "checkout", "-q", "--orphan", "empty")
    result = invoke(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音")
    assert result.exit_code == 3 and "unborn" in result.stderr, result.output


def test_an_output_file_that_cannot_be_written_after_the_change_is_a_warning_not_a_failure(ledger, tmp_path):
    """-o /dev/full (the file opens, the write fails: no space): a command that recorded its change says so
    and exits 0 (a retrying script must not record it twice; the count of commits lives on the command's
    session); a command that only reads fails loud."""
    missing = "/dev/full"
    done = invoke(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音", "-f", "json", "-o", str(missing))
    assert done.exit_code == 0, done.stderr
    assert "warning: the change is recorded, but" in done.stderr
    assert len(invoke_json(ledger, "list", "--kind", "complaint")) == 1
    refused = invoke(ledger, "list", "-f", "json", "-o", str(missing))
    assert refused.exit_code in (2, 3) and "warning" not in refused.stderr, refused.stderr
