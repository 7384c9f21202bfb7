"""Two offices append to one record offline; `git pull` merges the events (propcli's merge driver)."""

from conftest import git, invoke, invoke_json


def test_events_from_two_clones_of_one_record_merge_cleanly(tmp_path, ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address",
                            "3栋0301", "--item", "水龙头漏水", "--price-code", "SD-01", now="2026-11-28T09:00")["id"]
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(ledger), str(other))
    assert invoke(ledger, "repair", "fill", record_id, now="2026-11-28T09:01").exit_code == 0
    assert invoke(other, "note", record_id, "用户来电催促", now="2026-11-28T09:01:30", as_="李静").exit_code == 0
    git(other, "-c", "user.name=t", "-c", "user.email=t@x", "pull", "-q", "--no-rebase", "--no-edit")
    merged = invoke_json(other, "show", record_id, now="2026-11-28T09:05")
    assert [e["step"] for e in merged["events"]] == ["new", "fill", "note"]
    assert git(other, "status", "--porcelain") == ""
    result = invoke(other, "check")
    assert result.exit_code == 0, result.output


def test_a_field_changed_differently_on_both_sides_is_a_conflict(tmp_path, ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address",
                            "3栋0301", "--item", "水龙头漏水", now="2026-11-28T09:00")["id"]
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(ledger), str(other))
    invoke(other, "check")  # sets up the merge driver in the clone
    relpath = next(p for p in git(ledger, "ls-files").splitlines() if record_id in p)
    for folder, name in ((ledger, "张三丰"), (other, "张叁")):
        file = folder / relpath
        file.write_text(file.read_text(encoding="utf-8").replace("name: 张三", f"name: {name}"), encoding="utf-8")
        git(folder, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "fix name")
    git(other, "-c", "user.name=t", "-c", "user.email=t@x", "pull", "-q", "--no-rebase", "--no-edit")
    # never decided silently: both values stay in the file, `check` names the record (docs/sync.md)
    assert git(other, "status", "--porcelain") == ""
    shown = invoke_json(other, "show", record_id, now="2026-11-28T09:05")
    assert shown["name"] == "张叁" and shown["conflicts"][0]["values"] == ["张叁", "张三丰"]
    result = invoke(other, "check")
    assert result.exit_code == 1 and record_id in result.stdout
