"""History that only grows (issue 16 point 2; CLI.md "Correcting the register", last bullet; docs/history.md):
`check --history` on real git histories, and `sync` against a hostile remote (a bare repository on disk and
`git daemon` on loopback) that deletes a record, cuts events out of one, changes an id, or adds a
`.gitattributes` line: refused with exit 3, nothing merged, nothing pushed, the desk clean afterwards."""
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, invoke, invoke_json, make_ledger, run_cli

CUSTOMER = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")
IDENTITY = ("-c", "user.name=hostile", "-c", "user.email=h@x")


def new_repair(desk, at="2026-11-28T09:00", by="王芳", item="水龙头漏水"):
    return invoke_json(desk, "repair", "new", *CUSTOMER, "--item", item, now=at, as_=by)["id"]


def note(desk, record_id, text, at, by="王芳"):
    result = invoke(desk, "note", record_id, text, now=at, as_=by)
    assert result.exit_code == 0, result.stderr


def relpath_of(desk, record_id):
    return next(Path(desk).glob(f"records/*/*/*/{record_id}.yaml")).relative_to(desk).as_posix()


def other_id(record_id):
    """The same id with its last character changed (whatever it was)."""
    return record_id[:-1] + ("X" if record_id[-1] != "X" else "Y")


def commit_all(repo, message):
    git(repo, "add", "-A")
    git(repo, *IDENTITY, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def check_history(desk):
    return invoke(desk, "check", "--history")


def head(repo, ref="HEAD"):
    return git(repo, "rev-parse", ref).strip()


# --- check --history --------------------------------------------------------------------------------

def test_a_ledger_written_by_propcli_has_a_clean_history(ledger):
    first = new_repair(ledger)
    second = new_repair(ledger, at="2026-11-28T09:05", item="灯不亮")
    note(ledger, first, "一", "2026-11-28T09:10")
    assert invoke(ledger, "repair", "fill", second, now="2026-11-28T09:11").exit_code == 0
    result = check_history(ledger)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize("rewrite", ["delete", "cut", "alter", "id", "kind", "move", "damage", "reorder"])
def test_check_history_finds_each_kind_of_rewrite_in_a_past_commit(ledger, rewrite):
    record_id = new_repair(ledger)
    note(ledger, record_id, "第一条", "2026-11-28T09:01")
    note(ledger, record_id, "第二条", "2026-11-28T09:02")
    relpath = relpath_of(ledger, record_id)
    path = ledger / relpath
    text = path.read_text(encoding="utf-8")
    if rewrite == "delete":
        path.unlink()
    elif rewrite == "cut":
        path.write_text(text[:text.index("- step: note")], encoding="utf-8")
    elif rewrite == "alter":
        path.write_text(text.replace("note: 第一条", "note: 改过的"), encoding="utf-8")
    elif rewrite == "id":
        path.write_text(text.replace(f"id: {record_id}", f"id: {other_id(record_id)}"), encoding="utf-8")
    elif rewrite == "kind":
        path.write_text(text.replace("kind: repair", "kind: request"), encoding="utf-8")
    elif rewrite == "move":
        path.rename(path.with_name("R-0000000000.yaml"))
    elif rewrite == "damage":
        path.write_text(text + "  - [unclosed\n", encoding="utf-8")
    elif rewrite == "reorder":
        head_part, first, second = text.split("- step: note")
        path.write_text(head_part + "- step: note" + second.rstrip("\n") + "\n- step: note" + first, encoding="utf-8")
    bad = commit_all(ledger, "by hand")
    note(ledger, new_repair(ledger, at="2026-11-28T09:30", item="门锁"), "之后", "2026-11-28T09:31")  # history goes on
    result = check_history(ledger)
    assert result.exit_code == 1, result.stdout
    lines = [line for line in result.stdout.splitlines() if f":{bad[:12]}: " in line]
    assert lines and all(line.startswith(f"{relpath}:{bad[:12]}: ") for line in lines), result.stdout
    expected = {"delete": "record file deleted", "cut": "events[1]", "alter": "events[1]", "id": "id changed",
                "kind": "kind changed", "move": "record file deleted", "damage": "no longer reads as a record",
                "reorder": "events[1]"}[rewrite]
    assert expected in lines[0]
    if rewrite in ("delete", "cut", "alter"):
        assert invoke(ledger, "check").exit_code == 0  # the files alone look fine: only the history shows it


def test_appending_by_hand_is_not_a_rewrite_and_other_fields_may_change(ledger):
    """Only the events, the id and the kind are the register; a field such as the item may be set (resolve)."""
    record_id = new_repair(ledger)
    path = ledger / relpath_of(ledger, record_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("item: 水龙头漏水", "item: 厨房水龙头漏水")
                    + "- step: note\n  at: '2026-11-28T09:05:00+08:00'\n  by: 王芳\n  note: 手写\n", encoding="utf-8")
    commit_all(ledger, "by hand, appended")
    assert check_history(ledger).exit_code == 0


def test_the_history_message_is_chinese_with_the_chinese_catalogue(ledger):
    record_id = new_repair(ledger)
    (ledger / relpath_of(ledger, record_id)).unlink()
    commit_all(ledger, "deleted")
    result = invoke(ledger, "--lang", "zh_CN", "check", "--history")
    assert result.exit_code == 1
    assert "记录文件被删除" in result.stdout and record_id in result.stdout


# --- sync against a hostile remote ------------------------------------------------------------------

def sync(desk, expect=0):
    result = invoke(desk, "sync", as_="cron")
    assert result.exit_code == expect, f"exit {result.exit_code}: {result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def office(tmp_path, url, bare):
    """A seed ledger pushed to the shared repository, a desk cloned with propcli, a hostile plain clone."""
    seed = make_ledger(tmp_path, "seed")
    git(seed, "remote", "add", "origin", url)
    sync(seed)
    desk = tmp_path / "desk"
    assert run_cli("clone", url, str(desk)).exit_code == 0
    return desk


def hostile_clone(url, path):
    subprocess.run(["git", "clone", "-q", url, str(path)], check=True, capture_output=True)
    return Path(path)


def hostile_change(repo, attack, record_id):
    relpath = relpath_of(repo, record_id)
    path = repo / relpath
    text = path.read_text(encoding="utf-8")
    if attack == "delete":
        path.unlink()
    elif attack == "cut":
        path.write_text(text[:text.index("- step: note")], encoding="utf-8")
    elif attack == "id":
        path.write_text(text.replace(f"id: {record_id}", f"id: {other_id(record_id)}"), encoding="utf-8")
    elif attack == "gitattributes":
        with open(repo / ".gitattributes", "a", encoding="utf-8") as stream:
            stream.write("records/** merge=union\n")
        relpath = ".gitattributes"
    elif attack == "nested-gitattributes":
        (repo / "records" / ".gitattributes").write_text("*.yaml merge=union\n", encoding="utf-8")
        relpath = "records/.gitattributes"
    # a harmless commit on top: the bad one is not the tip
    with open(repo / "calendar.yaml", "a", encoding="utf-8") as stream:
        stream.write("# 无害的一行\n")
    bad = commit_all(repo, f"hostile: {attack}")
    return relpath, bad


ATTACKS = ["delete", "cut", "id", "gitattributes", "nested-gitattributes"]


def attack_and_check(tmp_path, url, bare, desk, attack, name):
    record_id = new_repair(desk)
    note(desk, record_id, "第一条", "2026-11-28T09:01")
    sync(desk)
    hostile = hostile_clone(url, tmp_path / name)
    relpath, bad = hostile_change(hostile, attack, record_id)
    git(hostile, "push", "-q", "origin", "HEAD:main")
    remote_before = head(bare, "main")
    mine = new_repair(desk, at="2026-11-28T10:00", item="本台新记录")  # local, not yet pushed
    local_before = head(desk)
    result = sync(desk, expect=3)
    assert f"{relpath}:{bad[:12]}: " in result.stderr, result.stderr
    assert bad[:12] in result.stderr.splitlines()[-1] and relpath in result.stderr.splitlines()[-1]
    assert "nothing was merged or pushed" in result.stderr
    assert head(desk) == local_before and git(desk, "status", "--porcelain") == ""
    assert head(bare, "main") == remote_before == bad
    assert mine not in git(bare, "log", "--all", "--name-only", "--format=")  # nothing pushed
    assert not (desk / ".git" / "MERGE_HEAD").exists()
    assert check_history(desk).exit_code == 0
    assert invoke_json(desk, "show", record_id, now="2026-11-28T12:00")["events"][-1]["note"] == "第一条"
    assert "merge=union" not in (desk / ".gitattributes").read_text(encoding="utf-8")
    assert not (desk / "records" / ".gitattributes").exists()
    return record_id


@pytest.mark.parametrize("attack", ATTACKS)
def test_sync_refuses_a_hostile_remote_on_disk(tmp_path, attack):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    desk = office(tmp_path, str(bare), bare)
    attack_and_check(tmp_path, str(bare), bare, desk, attack, "hostile")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def daemon(tmp_path):
    """`git daemon` on loopback (an ephemeral port, push enabled) serving tmp_path/served/office.git."""
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


def test_sync_refuses_each_hostile_change_through_git_daemon(tmp_path, daemon):
    url, bare = daemon
    desk = office(tmp_path, url, bare)
    good = head(bare, "main")
    for number, attack in enumerate(ATTACKS):
        attack_and_check(tmp_path, url, bare, desk, attack, f"hostile{number}")
        # the office's administrator puts the remote back (docs/history.md); the desk then syncs again
        git(bare, "update-ref", "refs/heads/main", good)
        sync(desk)
        good = head(bare, "main")
        assert good == head(desk)
    assert check_history(desk).exit_code == 0


# --- what sync still takes ----------------------------------------------------------------------------

def test_events_merged_from_two_desks_in_time_order_are_not_a_rewrite(tmp_path):
    """The merge driver puts the other desk's earlier event before this desk's later one: a merge commit is
    judged by 'every event of each parent is still there', not by prefix."""
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    d1 = office(tmp_path, str(bare), bare)
    d2 = tmp_path / "desk2"
    record_id = new_repair(d1)
    sync(d1)
    assert run_cli("clone", str(bare), str(d2)).exit_code == 0
    note(d1, record_id, "一号台 晚", "2026-11-28T09:05")
    note(d2, record_id, "二号台 早", "2026-11-28T09:02", by="李静")
    sync(d2)
    sync(d1)
    sync(d2)
    notes = [e.get("note") for e in invoke_json(d1, "show", record_id, now="2026-11-28T12:00")["events"]]
    assert notes == [None, "二号台 早", "一号台 晚"]
    for desk in (d1, d2):
        result = check_history(desk)
        assert result.exit_code == 0, result.stdout


def test_a_gitattributes_change_every_desk_already_has_is_taken(tmp_path):
    """The same change made on each desk (an upgrade done by hand everywhere) is not the remote's to refuse."""
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    d1 = office(tmp_path, str(bare), bare)
    d2 = tmp_path / "desk2"
    assert run_cli("clone", str(bare), str(d2)).exit_code == 0
    for desk in (d1, d2):
        with open(desk / ".gitattributes", "a", encoding="utf-8") as stream:
            stream.write("*.pdf binary\n")
        commit_all(desk, "attributes: pdf")
    new_repair(d2)
    sync(d1)
    sync(d2)
    sync(d1)
    assert head(d1) == head(d2) == head(bare, "main")


def test_check_history_reads_only_new_commits_and_still_reports_old_findings(ledger):
    """The verdicts of commits already read are kept in .git/propcli (a commit never changes); a reset branch
    is read again from the start."""
    record_id = new_repair(ledger)
    assert check_history(ledger).exit_code == 0
    assert list((ledger / ".git" / "propcli").glob("history.*.json"))
    good = head(ledger)
    path = ledger / relpath_of(ledger, record_id)
    path.unlink()
    bad = commit_all(ledger, "deleted")
    first = check_history(ledger)
    assert first.exit_code == 1 and f":{bad[:12]}: record file deleted" in first.stdout
    new_repair(ledger, at="2026-11-28T09:30", item="门锁")
    again = check_history(ledger)
    assert again.exit_code == 1 and again.stdout == first.stdout
    git(ledger, "reset", "-q", "--hard", good)
    assert check_history(ledger).exit_code == 0


def test_a_hand_edit_that_rewrites_events_is_never_committed(ledger):
    """Neither by the next change to that record (exit 3, nothing written) nor by sync (left uncommitted)."""
    record_id = new_repair(ledger)
    note(ledger, record_id, "第一条", "2026-11-28T09:01")
    path = ledger / relpath_of(ledger, record_id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("note: 第一条", "note: 改过的"), encoding="utf-8")
    before = head(ledger)
    result = invoke(ledger, "note", record_id, "第二条", now="2026-11-28T09:02")
    assert result.exit_code == 3 and "events[1]" in result.stderr and "git checkout" in result.stderr
    assert head(ledger) == before
    git(ledger, "checkout", "--", path.relative_to(ledger).as_posix())
    note(ledger, record_id, "第二条", "2026-11-28T09:02")
    assert check_history(ledger).exit_code == 0


def test_sync_leaves_a_rewriting_hand_edit_uncommitted_with_a_warning(tmp_path):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    desk = office(tmp_path, str(bare), bare)
    record_id = new_repair(desk)
    note(desk, record_id, "第一条", "2026-11-28T09:01")
    sync(desk)
    path = desk / relpath_of(desk, record_id)
    path.write_text(path.read_text(encoding="utf-8").replace("note: 第一条", "note: 改过的"), encoding="utf-8")
    result = sync(desk)
    assert "events[1]" in result.stderr and relpath_of(desk, record_id) in result.stderr
    assert git(desk, "status", "--porcelain").strip().endswith(relpath_of(desk, record_id))
    assert "改过的" not in git(bare, "show", f"main:{relpath_of(desk, record_id)}")
