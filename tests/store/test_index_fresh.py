"""The index notices changes without `git status` over every file: folder mtimes, HEAD, and full scans."""
import os
import time

from conftest import git, invoke, invoke_json

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "水龙头漏水")


def big_ledger_settings(ledger):
    """Pretend the ledger is large: no full scan on every command."""
    config = ledger / "propcli.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "index:\n  full_scan_limit: 0\n  full_scan_every: 100000\n",
                      encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "large ledger settings")


def new(ledger, now="2026-11-28T09:00"):
    return invoke_json(ledger, "repair", "new", *RESIDENT, now=now)


def test_a_file_saved_by_rename_is_seen_in_a_large_ledger(ledger):
    big_ledger_settings(ledger)
    record = new(ledger)
    path = ledger / next(p for p in git(ledger, "ls-files").splitlines() if record["id"] in p)
    invoke(ledger, "list")
    time.sleep(0.01)
    temp = path.with_name(".edit.tmp")
    temp.write_text(path.read_text(encoding="utf-8").replace("张三", "张三丰"), encoding="utf-8")
    os.replace(temp, path)  # what vim, sed -i and git checkout do
    assert invoke_json(ledger, "list")[0]["name"] == "张三丰"


def test_a_deleted_file_disappears_in_a_large_ledger(ledger):
    big_ledger_settings(ledger)
    record = new(ledger)
    relpath = next(p for p in git(ledger, "ls-files").splitlines() if record["id"] in p)
    assert len(invoke_json(ledger, "list")) == 1
    (ledger / relpath).unlink()
    assert invoke_json(ledger, "list") == []


def test_an_in_place_edit_is_committed_separately_before_the_next_step(ledger):
    big_ledger_settings(ledger)
    record = new(ledger)
    path = ledger / next(p for p in git(ledger, "ls-files").splitlines() if record["id"] in p)
    with open(path, "a", encoding="utf-8") as stream:  # in place: the folder's mtime does not change
        stream.write("remark: 用户要求上午维修\n")
    assert invoke(ledger, "repair", "fill", record["id"], now="2026-11-28T09:01").exit_code == 0
    subjects = git(ledger, "log", "--format=%s", "-2").splitlines()
    assert subjects == [f"repair {record['id']}: fill", f"repair {record['id']}: hand edit"]
    assert invoke_json(ledger, "show", record["id"], now="2026-11-28T09:02")["remark"] == "用户要求上午维修"
    assert git(ledger, "status", "--porcelain") == ""


def test_small_ledgers_see_in_place_edits_at_once(ledger):
    record = new(ledger)
    path = ledger / next(p for p in git(ledger, "ls-files").splitlines() if record["id"] in p)
    invoke(ledger, "list")
    with open(path, "a", encoding="utf-8") as stream:
        stream.write("remark: 加急\n")
    assert invoke_json(ledger, "list")[0]["remark"] == "加急"
