"""Filters and input as people type them (issue 19 point 4, docs/terminal.md): `list --status` by the label the
table prints or by its key, unknown states refused naming the kind's states; the global options after the
sub-command too."""
from conftest import invoke, invoke_json


def new_repair(ledger, now="2026-11-28T09:00", address="3栋0301"):
    return invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", address,
                       "--item", "厨房水龙头漏水", now=now)["id"]


def test_status_by_the_tables_label_or_its_key(ledger):
    taken, waiting = new_repair(ledger), new_repair(ledger, "2026-11-28T09:01")
    for step in ("fill", "notify"):
        assert invoke(ledger, "repair", step, taken, now="2026-11-28T09:02").exit_code == 0
    assert invoke(ledger, "repair", "take", taken, "--to", "黄立新", now="2026-11-28T09:03",
                  as_="周志强").exit_code == 0
    for typed in ("已接单", "take", " Take ", "order taken"):
        found = invoke_json(ledger, "list", "--status", typed, now="2026-11-28T09:10")
        assert [r["id"] for r in found] == [taken], typed
    assert [r["id"] for r in invoke_json(ledger, "list", "--status", "受理", "--kind", "repair",
                                                 now="2026-11-28T09:10")] == [waiting]
    zh = invoke(ledger, "list", "--status", "已接单", now="2026-11-28T09:10", env={"PROPCLI_LANG": "zh_CN"}).stdout
    assert taken in zh and waiting not in zh


def test_an_unknown_status_is_exit_2_naming_the_kinds_states(ledger):
    new_repair(ledger)
    refused = invoke(ledger, "list", "--kind", "repair", "--status", "foo", env={"PROPCLI_LANG": "zh_CN"})
    assert refused.exit_code == 2 and refused.stdout == ""
    assert "--status" in refused.stderr and "已接单 (take)" in refused.stderr and "受理 (new)" in refused.stderr
    assert "已回访" not in refused.stderr                                  # a callback's state, not a repair's
    anywhere = invoke(ledger, "list", "--status", "foo")
    assert anywhere.exit_code == 2 and "record" in anywhere.stderr and "take" in anywhere.stderr


def test_global_options_after_the_sub_command(ledger):
    record_id = new_repair(ledger)
    done = invoke(None, "note", record_id, "用户来电催修", "--as", "赵丽娟", "--ledger", str(ledger),
                  "--now", "2026-11-28T09:30", "-f", "json", now=None, as_=None)
    assert done.exit_code == 0, done.stderr
    shown = invoke_json(ledger, "show", record_id, now="2026-11-28T10:00")
    assert shown["events"][-1]["by"] == "赵丽娟" and shown["events"][-1]["at"] == "2026-11-28T09:30:00+08:00"
    zh = invoke(ledger, "list", "--lang", "zh_CN", "--debug", now="2026-11-28T10:00")
    assert zh.exit_code == 0 and "编号" in zh.stdout
    assert invoke(ledger, "list", "--lang=en").stdout.startswith("id")
    missing = invoke(ledger, "note", record_id, "文本", "--as", now="2026-11-28T10:05", as_="赵丽娟")
    assert missing.exit_code == 2 and "--as" in missing.stderr                 # a value is still required
    # the value of the command's own option stays with it, even when it reads like a global option
    listed = invoke(ledger, "list", "--search", "--debug", now="2026-11-28T10:05")
    assert listed.exit_code == 0 and record_id not in listed.stdout
