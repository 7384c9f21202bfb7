"""A killed git leaves its lock file; the next propcli command clears it itself when no git process can hold
it any more (issue 16 point 3; docs/history.md "Stale git locks"), and a sync killed in the middle of its
merge (SIGKILL of its whole process group, real git, a real merge driver made slow) is undone by the next
command: HEAD, the work tree and the index as before, and the next sync merges."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import git, invoke, invoke_json, make_ledger, run_cli

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")
ROOT = Path(__file__).resolve().parents[2]


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_stale_index_lock_is_cleared_by_the_next_change(ledger):
    lock = ledger / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")  # what a git killed while it wrote the index leaves
    age(lock, 30)
    result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
    assert result.exit_code == 0, result.stderr
    assert not lock.exists()
    assert "index.lock" in result.stderr and "killed" in result.stderr
    assert git(ledger, "status", "--porcelain") == ""


def test_a_lock_just_left_with_no_git_running_is_stale_too(ledger):
    """No age is needed: no git process at all is running in the ledger, so nobody can hold it."""
    for name in ("index.lock", "HEAD.lock", "refs/heads/main.lock"):
        (ledger / ".git" / name).write_text("", encoding="utf-8")
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")["id"]
    assert not list((ledger / ".git").glob("*.lock")) and not (ledger / ".git" / "refs/heads/main.lock").exists()
    assert invoke(ledger, "note", record_id, "之后", now="2026-11-28T09:01").exit_code == 0


def test_a_lock_a_running_git_may_hold_is_left_alone(ledger):
    holder = subprocess.Popen(["git", "cat-file", "--batch"], cwd=ledger, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    lock = ledger / ".git" / "index.lock"
    try:
        time.sleep(0.05)
        lock.write_text("", encoding="utf-8")
        result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
        assert result.exit_code == 3, result.stderr
        assert lock.exists() and "still running" in result.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")  # its holder is gone: stale
    assert result.exit_code == 0, result.stderr
    assert not lock.exists()


def test_a_git_started_after_the_lock_was_written_cannot_hold_it(ledger):
    lock = ledger / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    age(lock, 10)
    holder = subprocess.Popen(["git", "cat-file", "--batch"], cwd=ledger, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    try:
        result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
        assert result.exit_code == 0, result.stderr
        assert not lock.exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def test_a_git_working_elsewhere_does_not_count(ledger, tmp_path):
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    holder = subprocess.Popen(["git", "cat-file", "--batch"], cwd=other, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    lock = ledger / ".git" / "index.lock"
    try:
        time.sleep(0.05)
        lock.write_text("", encoding="utf-8")
        assert invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00").exit_code == 0
        assert not lock.exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


# --- a real sync, killed while git merges ----------------------------------------------------------------

def propcli(desk, *args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PROPCLI_LANG="en")
    return subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(desk), "--as", "cron", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def done(desk, *args):
    process = propcli(desk, *args)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def office(tmp_path):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = make_ledger(tmp_path, "seed")
    git(seed, "remote", "add", "origin", str(bare))
    assert invoke(seed, "sync", as_="cron").exit_code == 0
    desks = []
    for name in ("d1", "d2"):
        assert run_cli("clone", str(bare), str(tmp_path / name)).exit_code == 0
        desks.append(tmp_path / name)
    return desks


def test_a_sync_killed_while_git_merges_is_undone_by_the_next_command(tmp_path):
    d1, d2 = office(tmp_path)
    record_id = invoke_json(d1, "repair", "new", *RESIDENT, now="2026-11-28T09:00")["id"]
    assert invoke(d1, "sync", as_="cron").exit_code == 0
    assert invoke(d2, "sync", as_="cron").exit_code == 0
    for desk, text, at in ((d1, "一号台", "2026-11-28T09:05"), (d2, "二号台", "2026-11-28T09:06")):
        assert invoke(desk, "note", record_id, text, now=at).exit_code == 0
    other = invoke_json(d1, "repair", "new", *RESIDENT, now="2026-11-28T09:07")["id"]  # a file d2 lacks
    assert invoke(d1, "sync", as_="cron").exit_code == 0
    # desk 2's record merge driver is made slow, so that the kill lands while git merges (index.lock held)
    marker = tmp_path / "merging"
    driver = git(d2, "config", "--get", "merge.propcli-record.driver").strip()
    slow = tmp_path / "slow-driver.sh"
    slow.write_text(f"#!/bin/sh\ntouch '{marker}'\nsleep 60\n{driver}\n", encoding="utf-8")
    slow.chmod(0o755)
    git(d2, "config", "merge.propcli-record.driver", f"sh {slow} %O %A %B")
    before = git(d2, "rev-parse", "HEAD").strip()
    path = next(d2.glob(f"records/*/*/*/{record_id}.yaml"))
    text = path.read_text(encoding="utf-8")
    sync = propcli(d2, "sync", start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert sync.poll() is None, sync.communicate()
            assert time.monotonic() < deadline, "the merge never reached the driver"
            time.sleep(0.05)
        assert (d2 / ".git" / "index.lock").exists()  # git holds the index while it merges
        os.killpg(sync.pid, signal.SIGKILL)  # propcli, git and the driver: the whole group
    finally:
        sync.wait(timeout=30)
    assert (d2 / ".git" / "index.lock").exists()
    git(d2, "config", "merge.propcli-record.driver", driver)
    code, _out, err = done(d2, "--now", "2026-11-28T10:00", "list", "-f", "json")  # even a reader undoes it
    assert code == 0, err
    assert "interrupted" in err
    code, _out, err = done(d2, "--now", "2026-11-28T10:00", "note", record_id, "之后")
    assert code == 0, err
    assert not (d2 / ".git" / "index.lock").exists() and not (d2 / ".git" / "MERGE_HEAD").exists()
    assert git(d2, "rev-parse", "HEAD~1").strip() == before  # the half-made merge left nothing in the history
    assert git(d2, "status", "--porcelain") == ""
    assert not list(d2.glob(f"records/*/*/*/{other}.yaml"))  # what the killed merge wrote is gone
    assert path.read_text(encoding="utf-8").startswith(text)
    code, _out, err = done(d2, "sync")
    assert code == 0, err
    assert list(d2.glob(f"records/*/*/*/{other}.yaml"))
    notes = [e.get("note") for e in invoke_json(d2, "show", record_id, now="2026-11-28T10:00")["events"]]
    assert notes == [None, "一号台", "二号台", "之后"]
    result = invoke(d2, "check", "--history")
    assert result.exit_code == 0, result.stdout


def test_a_sync_killed_before_its_merge_commit_leaves_nothing_the_next_sync_cannot_clear(tmp_path):
    """The same kill, and the next command is the sync itself (git's merge state and lock in the way)."""
    d1, d2 = office(tmp_path)
    record_id = invoke_json(d1, "repair", "new", *RESIDENT, now="2026-11-28T09:00")["id"]
    assert invoke(d1, "sync", as_="cron").exit_code == 0
    assert invoke(d2, "sync", as_="cron").exit_code == 0
    assert invoke(d1, "note", record_id, "一号台", now="2026-11-28T09:05").exit_code == 0
    assert invoke(d2, "note", record_id, "二号台", now="2026-11-28T09:06").exit_code == 0
    assert invoke(d1, "sync", as_="cron").exit_code == 0
    marker = tmp_path / "merging"
    driver = git(d2, "config", "--get", "merge.propcli-record.driver").strip()
    slow = tmp_path / "slow-driver.sh"
    slow.write_text(f"#!/bin/sh\ntouch '{marker}'\nsleep 60\n", encoding="utf-8")
    slow.chmod(0o755)
    git(d2, "config", "merge.propcli-record.driver", f"sh {slow} %O %A %B")
    sync = propcli(d2, "sync", start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert sync.poll() is None, sync.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(sync.pid, signal.SIGKILL)
    finally:
        sync.wait(timeout=30)
    git(d2, "config", "merge.propcli-record.driver", driver)
    code, out, err = done(d2, "sync")
    assert code == 0, err
    assert "records in 1" in out
    assert git(d2, "status", "--porcelain") == ""
    code, out, err = done(d1, "sync")
    assert code == 0, err
