"""The new kind `visit` (11.1.6) end to end: new, record, its deadline, its register, list --kind."""
from conftest import invoke, invoke_json, invoke_refused

PAPER_ZH = {"PROPCLI_LANG": "zh_CN"}  # the paper forms print in the language chosen (CLI.md); these read the Chinese


def test_a_holiday_visit_is_the_managers_due_by_the_policy_and_recorded_with_the_residents_opinion(ledger):
    visit = invoke_json(ledger, "visit", "new", "--type", "holiday", "--address", "5栋1201", "--name", "李四",
                        now="2026-09-20T09:00")
    assert visit["id"].startswith("V-") and visit["kind"] == "visit" and visit["open"] is True
    (deadline,) = visit["deadlines"]
    assert deadline["rule"] == "visit.record" and deadline["clause"] == "11.1.6"
    assert deadline["role"] == "manager" and deadline["due"].startswith("2026-09-27T23:59:59")
    late = invoke_json(ledger, "overdue", now="2026-09-28T09:00")
    assert [row["id"] for row in late] == [visit["id"]]
    done = invoke_json(ledger, "visit", "record", visit["id"], "--result", "satisfied", "--signature", "李四",
                       "--note", "感谢关心", now="2026-09-26T10:00")
    assert done["open"] is False and done["deadlines"][0]["state"] == "met"
    assert [r["id"] for r in invoke_json(ledger, "list", "--kind", "visit", now="2026-09-26T10:00")] == [visit["id"]]
    register = invoke(ledger, "form", "visit-record", "2026-09", now="2026-09-26T10:00", env=PAPER_ZH).stdout
    assert "《客户拜访记录表》" in register and "重大节日拜访 | 5栋1201 | 李四" in register and "满意" in register


def test_a_move_in_visit_is_the_property_officers_and_bad_input_is_refused(ledger):
    visit = invoke_json(ledger, "visit", "new", "--type", "move-in", "--address", "3栋0301", now="2026-11-01T09:00")
    assert visit["kind"] == "callback"  # 11.1.6 (third release): the 入伙回访 is a callback
    assert visit["deadlines"][0]["role"] == "property_officer"
    assert "--type" in invoke_refused(ledger, "visit", "new", "--type", "birthday", "--address", "3栋0301")
    assert "--address" in invoke_refused(ledger, "visit", "new", "--type", "move-in")
    invoke_json(ledger, "callback", "record", visit["id"], "--method", "phone", "--result", "satisfied",
                now="2026-11-02T09:00", as_="刘洋")
    assert "already recorded" in invoke_refused(ledger, "callback", "record", visit["id"], "--method", "phone",
                                                "--result", "satisfied", now="2026-11-03T09:00")
