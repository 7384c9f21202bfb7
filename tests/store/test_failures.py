"""When git fails mid-change, nothing is written: the record file is removed or restored, HEAD is unchanged."""
import subprocess
from contextlib import contextmanager

from conftest import git, git_state, invoke, invoke_json


@contextmanager
def held(ledger, name):
    """A git lock file that a live git process may hold (a `git cat-file --batch` waiting in the ledger,
    started before the file was written): propcli must not remove it (docs/history.md "Stale git locks")."""
    lock = ledger / ".git" / name
    holder = subprocess.Popen(["git", "cat-file", "--batch"], cwd=ledger, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    try:
        lock.write_text("", encoding="utf-8")
        yield lock
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def test_a_new_record_is_not_left_behind_when_git_cannot_commit(ledger):
    with held(ledger, "index.lock"):  # another git holds the index
        before = git_state(ledger)
        result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
        assert result.exit_code == 3, result.output
        assert result.stderr.startswith("propcli: git ") and len(result.stderr.strip().splitlines()) == 1
        assert "still running" in result.stderr
        (ledger / ".git" / "index.lock").unlink()
    assert git_state(ledger) == before
    assert list((ledger / "records").rglob("*.yaml")) == []
    assert invoke_json(ledger, "list") == []


def test_a_step_is_rolled_back_when_git_cannot_commit(ledger):
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")["id"]
    path = next((ledger / "records").rglob(f"{record_id}.yaml"))
    text = path.read_text(encoding="utf-8")
    with held(ledger, "index.lock"):
        result = invoke(ledger, "repair", "fill", record_id, now="2026-11-28T09:01")
        assert result.exit_code == 3, result.output
        (ledger / ".git" / "index.lock").unlink()
    assert path.read_text(encoding="utf-8") == text
    assert git(ledger, "status", "--porcelain") == ""
    assert invoke_json(ledger, "show", record_id, now="2026-11-28T09:02")["status"] == "new"
    assert invoke(ledger, "repair", "fill", record_id, now="2026-11-28T09:02").exit_code == 0


def test_a_record_written_but_never_committed_is_kept_and_committed_later(ledger):
    """A crash between the file write and the commit leaves a whole file (atomic rename), never a half one:
    the next command sees it, and the next change to it commits it first, in its own commit."""
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")["id"]
    relpath = next(p for p in git(ledger, "ls-files").splitlines() if record_id in p)
    git(ledger, "rm", "-q", "--cached", relpath)
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "simulate: the commit never happened")
    assert git(ledger, "status", "--porcelain").startswith("??")
    assert [r["id"] for r in invoke_json(ledger, "list", now="2026-11-28T09:05")] == [record_id]
    assert invoke(ledger, "repair", "fill", record_id, now="2026-11-28T09:06").exit_code == 0
    subjects = git(ledger, "log", "--format=%s", "-2").splitlines()
    assert subjects == [f"repair {record_id}: fill", f"repair {record_id}: hand edit"]
    assert git(ledger, "status", "--porcelain") == ""


def test_nothing_stays_staged_when_the_branch_cannot_move(ledger):
    """update-ref fails (a lock on the branch held by another git): the staged entry goes back to HEAD's, the file away."""  # noqa: E501
    head = git(ledger, "symbolic-ref", "HEAD").strip()
    with held(ledger, f"{head}.lock") as lock:
        before = git_state(ledger)
        result = invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
        assert result.exit_code == 3, result.output
        lock.unlink()
    assert git_state(ledger) == before
    assert git(ledger, "diff", "--cached", "--name-only") == ""
