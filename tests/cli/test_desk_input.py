"""Filters and input as people type them (issue 19 point 4, docs/terminal.md): `list --status` by the label the
table prints or by its key, unknown states refused naming the kind's states; the global options after the
sub-command too."""
import pytest

from conftest import invoke, invoke_json


@pytest.fixture(autouse=True, scope="module")
def _english_again():
    """Commands run here in zh_CN settle the process's language; the library tests after them read English."""
    yield
    from propcli import i18n

    i18n.reset()


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
    assert "--status" in refused.stderr and "已接单、" in refused.stderr and "受理、" in refused.stderr
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


def test_unit_numbers_are_stored_in_one_form_and_found_either_way(ledger):
    short = new_repair(ledger, address="3栋301")
    padded = new_repair(ledger, "2026-11-28T09:01", address="4栋0301")
    spaced = new_repair(ledger, "2026-11-28T09:02", address=" 5 栋 1203室")
    shown = {r["id"]: r["address"] for r in invoke_json(ledger, "list", now="2026-11-28T09:10")}
    assert shown == {short: "3栋0301", padded: "4栋0301", spaced: "5栋1203"}
    for typed, expected in (("3栋0301", short), ("3栋301", short), ("4栋301", padded), ("４栋３０１", padded),
                            ("5栋1203", spaced)):
        found = invoke_json(ledger, "list", "--search", typed, now="2026-11-28T09:10")
        assert [r["id"] for r in found] == [expected], typed
    other = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900139000", "--address", "物业中心",
                        "--detail", "噪音", now="2026-11-28T09:20")
    assert other["address"] == "物业中心"


def test_every_time_option_takes_what_next_takes(ledger):
    record_id = new_repair(ledger, now="2026-11-28T09:00")
    assert invoke(ledger, "repair", "fill", record_id, "--at", "9:01", now="2026-11-28T09:30").exit_code == 0
    assert invoke(ledger, "repair", "notify", record_id, "--at", "今天9点02分", now="2026-11-28T09:30").exit_code == 0
    noted = invoke(ledger, "note", record_id, "用户来电催修", "--at", "09:10", now="2026-11-28T09:30")
    assert noted.exit_code == 0, noted.stderr
    events = invoke_json(ledger, "show", record_id, now="2026-11-28T10:00")["events"]
    assert [(e["step"], e["at"][11:16]) for e in events[1:]] == [("fill", "09:01"), ("notify", "09:02"),
                                                                  ("note", "09:10")]
    bad = invoke(ledger, "note", record_id, "x", "--at", "15点99", now="2026-11-28T09:30")
    assert bad.exit_code == 2 and "--at" in bad.stderr and "15:35" in bad.stderr
    # --now as the desk types it too, read against the wall clock (whatever day that is)
    assert isinstance(invoke_json(ledger, "list", now="今天 23:59"), list)
    assert invoke(ledger, "list", now="今天25点").exit_code == 2


def test_prompts_re_ask_a_bad_answer_in_place_and_ask_what_a_rule_depends_on(ledger):
    """Issue 19 point 3, in a real terminal (tmux): a refused category is asked again at once (Chinese accepted,
    as the table labels it), a refused phone after the last prompt is asked again instead of losing the record,
    and a medical emergency is asked whether it is major (the 5-minute report rule, 9.4.2-2)."""
    import shutil
    import sys

    import pytest

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    from test_prompts import Terminal

    terminal = Terminal(f"{sys.executable} -m propcli --lang zh_CN --ledger {ledger} --now 2026-11-28T09:00 "
                        "--as 赵丽娟 request new; sleep 60")
    try:
        shown = terminal.wait_for("(--category)")
        assert "急救病人" in shown and "medical|" not in shown
        terminal.answer("(--category)", "医疗")
        terminal.wait_for("不是可选项")                               # asked again, in place
        terminal.tmux("send-keys", "-t", "t", "急救病人", "Enter")
        terminal.answer("(--name)", "李四")
        terminal.answer("电话 (--phone)", "abc")
        terminal.answer("(--address)", "3栋301")
        terminal.answer("(--detail)", "老人摔倒")
        terminal.answer("(--major)", "y")
        shown = terminal.wait_for("不是电话号码")                       # refused after the last prompt: asked again
        terminal.tmux("send-keys", "-t", "t", "13900139000", "Enter")
        terminal.wait_for("过程记录")                                 # the record, shown in full
    finally:
        terminal.close()
    (request,) = invoke_json(ledger, "list", "--kind", "request", now="2026-11-28T09:05")
    assert (request["category"], request["phone"], request["address"], request["major"]) == \
        ("medical", "13900139000", "3栋0301", True)
    assert "request.report" in {d["rule"] for d in request["deadlines"]}


def test_overdue_limit_keeps_the_most_overdue(ledger):
    first, second = new_repair(ledger, "2026-11-28T09:00"), new_repair(ledger, "2026-11-28T09:10")
    rows = invoke_json(ledger, "overdue", now="2026-11-28T10:00")
    assert len(rows) > 2 and rows[0]["id"] == first
    limited = invoke_json(ledger, "overdue", "--limit", "2", now="2026-11-28T10:00")
    assert limited == rows[:2] and second not in {r["id"] for r in limited}
    assert invoke(ledger, "overdue", "--limit", "0").exit_code == 2
