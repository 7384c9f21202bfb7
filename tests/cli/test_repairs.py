"""Repairs end to end (10.4.1-10.4.3, 10.4.2, 12): every step through the CLI, on a real ledger."""
import json

import pytest

from conftest import DESK, git, invoke, invoke_json, invoke_refused

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def new_repair(ledger, *extra, now="2026-11-28T09:00", item="厨房水龙头漏水"):
    return invoke_json(ledger, "repair", "new", *RESIDENT, "--item", item, *extra, now=now)["id"]


def step(ledger, record_id, name, *options, now, as_=DESK):
    result = invoke(ledger, "repair", name, record_id, *options, "-f", "json", now=now, as_=as_)
    assert result.exit_code == 0, f"{name}: {result.stderr}"
    return json.loads(result.stdout)


def refused(ledger, record_id, name, *options, now, as_=DESK):
    return invoke_refused(ledger, "repair", name, record_id, *options, now=now, as_=as_)


def run_listed_to_sign(ledger, record_id):
    step(ledger, record_id, "fill", now="2026-11-28T09:01")
    step(ledger, record_id, "notify", now="2026-11-28T09:02")
    step(ledger, record_id, "take", "--to", "陈建国", now="2026-11-28T09:04", as_="何志刚")
    step(ledger, record_id, "arrive", now="2026-11-28T09:12", as_="陈建国")
    step(ledger, record_id, "complete", now="2026-11-28T10:00", as_="陈建国")
    return step(ledger, record_id, "sign", "--signature", "张三", now="2026-11-28T10:02", as_="陈建国")


def test_listed_repair_runs_the_whole_procedure_and_is_paid_by_finance(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01", "--qty", "2")
    run_listed_to_sign(ledger, record_id)
    step(ledger, record_id, "return", now="2026-11-28T16:30", as_="陈建国")
    step(ledger, record_id, "confirm", now="2026-11-28T16:45", as_="周志强")
    step(ledger, record_id, "finance", now="2026-11-29T10:00", as_="赵丽")
    refused(ledger, record_id, "paid", now="2026-11-30T10:00", as_="王芳")  # not finance (10.4.3)
    finance = next(p["name"] for p in invoke_json(ledger, "staff") if p["role"] == "finance")
    record = step(ledger, record_id, "paid", now="2026-11-30T10:00", as_=finance)
    assert record["status"] == "paid" and record["open"] is False
    unit = next(p["price"] for p in invoke_json(ledger, "prices") if p["code"] == "SD-01")
    assert record["fee_total"] == pytest.approx(unit * 2)
    states = {d["rule"]: d["state"] for d in record["deadlines"]}
    assert states == {"repair.fill": "met", "repair.notify": "met", "repair.arrive": "met",
                      "repair.return": "met", "repair.finance": "met"}
    subjects = git(ledger, "log", "--format=%s", "-12").splitlines()
    take = next(e for e in record["events"] if e["step"] == "take")
    assert take["copy4_to"] == "工程部"  # propcli.yaml copy4 (10.4.1-7 leaves it to the office)
    assert subjects[:4] == [f"repair {record_id}: paid", f"repair {record_id}: finance", f"repair {record_id}: confirm",
                            f"repair {record_id}: return"]
    assert git(ledger, "log", "-1", "--format=%an").strip() == finance


def test_step_out_of_order_names_the_missing_step_and_clause(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    message = refused(ledger, record_id, "arrive", now="2026-11-28T09:05")
    assert "'take'" in message and "10.4.1-2①" in message
    step(ledger, record_id, "fill", now="2026-11-28T09:01")
    message = refused(ledger, record_id, "fill", now="2026-11-28T09:02")
    assert "already" in message


def test_second_hand_over_to_finance_is_refused(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    run_listed_to_sign(ledger, record_id)
    step(ledger, record_id, "return", now="2026-11-28T16:00")
    step(ledger, record_id, "confirm", now="2026-11-28T16:10")
    step(ledger, record_id, "finance", now="2026-11-28T16:30")
    message = refused(ledger, record_id, "finance", now="2026-11-28T16:40")
    assert "10.4.1-7" in message


def test_off_list_item_needs_quote_then_acceptance_and_arrival_counts_from_acceptance(ledger):
    record_id = new_repair(ledger, item="阳台防水层渗漏")
    step(ledger, record_id, "fill", now="2026-11-28T09:01")
    step(ledger, record_id, "notify", now="2026-11-28T09:02")
    step(ledger, record_id, "take", "--to", "周明", now="2026-11-28T09:03")
    message = refused(ledger, record_id, "arrive", now="2026-11-28T09:05")
    assert "'accept'" in message
    refused(ledger, record_id, "quote", now="2026-11-28T09:10")  # neither --price nor --unrepairable
    quoted = step(ledger, record_id, "quote", "--price", "260", now="2026-11-28T09:15", as_="何志刚")
    quote = next(d for d in quoted["deadlines"] if d["rule"] == "repair.quote")
    assert quote["due"] == "2026-11-28T09:18:00+08:00" and quote["state"] == "met"
    assert quoted["fee_total"] == 260
    assert quoted["events"][-1]["price"] == 260  # amounts are numbers in yuan in JSON (CLI.md)
    relpath = next(p for p in git(ledger, "ls-files").splitlines() if record_id in p)
    assert "price: '260.00'" in (ledger / relpath).read_text(encoding="utf-8")  # exact decimal text in YAML
    accepted = step(ledger, record_id, "accept", now="2026-11-28T09:40")
    arrive = next(d for d in accepted["deadlines"] if d["rule"] == "repair.arrive")
    assert arrive["due"] == "2026-11-28T09:50:00+08:00" and arrive["clause"] == "10.4.1-2①"


def test_quote_is_refused_for_a_listed_item(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    step(ledger, record_id, "fill", now="2026-11-28T09:01")
    step(ledger, record_id, "notify", now="2026-11-28T09:02")
    step(ledger, record_id, "take", now="2026-11-28T09:03")
    assert "10.4.1-2③" in refused(ledger, record_id, "quote", "--price", "50", now="2026-11-28T09:05")


def test_unrepairable_quote_closes_the_repair(ledger):
    record_id = new_repair(ledger, item="地暖分水器漏水")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03")):
        step(ledger, record_id, name, now=f"2026-11-28T{at}")
    record = step(ledger, record_id, "quote", "--unrepairable", now="2026-11-28T09:10")
    assert record["open"] is False and record["fee_total"] == 0
    refused(ledger, record_id, "accept", now="2026-11-28T09:20")


def test_refusal_records_reason_signatures_and_closes(ledger):
    record_id = new_repair(ledger, item="吊顶石膏板开裂")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03")):
        step(ledger, record_id, name, now=f"2026-11-28T{at}")
    step(ledger, record_id, "quote", "--price", "300", now="2026-11-28T09:10")
    message = refused(ledger, record_id, "refuse", now="2026-11-28T09:12")
    assert "--reason" in message
    record = step(ledger, record_id, "refuse", "--reason", "价格太高", "--technician", "吴海涛", "--director", "周志强",
                  now="2026-11-28T09:15")
    refusal = record["events"][-1]
    assert refusal["reason"] == "价格太高" and refusal["signed_by"] == ["吴海涛", "周志强"]
    assert refusal["form_to"] == "客户服务部"
    assert record["status"] == "refuse" and record["open"] is False and record["fee_total"] == 0
    message = refused(ledger, record_id, "arrive", now="2026-11-28T09:20")
    assert "refuse" in message


def test_refuse_after_arrival_but_not_after_completion(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    run_listed_to_sign(ledger, record_id)
    refused(ledger, record_id, "refuse", "--reason", "不修了", now="2026-11-28T11:00")
    other = new_repair(ledger, "--price-code", "SD-01", now="2026-11-28T11:00")
    for name, at in (("fill", "11:01"), ("notify", "11:02"), ("take", "11:03"), ("arrive", "11:10")):
        step(ledger, other, name, now=f"2026-11-28T{at}")
    assert step(ledger, other, "refuse", "--reason", "用户不同意收费", "--technician", "吴海涛", "--director", "周志强",
                now="2026-11-28T11:12")["open"] is False


def test_resident_material_verdicts_and_warning(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03"), ("arrive", "09:10")):
        step(ledger, record_id, name, now=f"2026-11-28T{at}")
    invoke(ledger, "repair", "material", record_id, "--result", "很好", now="2026-11-28T09:11")
    bad = invoke(ledger, "repair", "material", record_id, "--result", "很好", now="2026-11-28T09:11")
    assert bad.exit_code == 2
    step(ledger, record_id, "material", "--result", "质量不佳", "--decision", "用户同意使用", now="2026-11-28T09:12")
    record = step(ledger, record_id, "material", "--result", "不合格", "--decision", "用户坚持使用",
                  now="2026-11-28T09:13")
    last = record["events"][-1]
    assert last["result"] == "不合格" and last["warning"] and last["decision"] == "用户坚持使用"
    assert step(ledger, record_id, "complete", now="2026-11-28T09:40")["status"] == "complete"


def test_fees_found_on_site_replace_the_listed_price_and_are_exact_decimals(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03"), ("arrive", "09:10")):
        step(ledger, record_id, name, now=f"2026-11-28T{at}")
    bad = invoke(ledger, "repair", "complete", record_id, "--fee", "阀芯=abc", now="2026-11-28T09:30")
    assert bad.exit_code == 2 and "--fee" in bad.stderr
    record = step(ledger, record_id, "complete", "--fee", "更换阀芯=0.10", "--fee", "密封圈=0.20", "--quoted-by",
                  "周志强",
                  now="2026-11-28T09:30")
    assert record["fee_total"] == 0.3  # 0.1 + 0.2 in decimal, not 0.30000000000000004
    assert [f["item"] for f in record["events"][-1]["fees"]] == ["更换阀芯", "密封圈"]


def test_free_repair_closes_when_copy_three_reaches_finance(ledger):
    record_id = new_repair(ledger, item="门铃没声音")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03")):
        step(ledger, record_id, name, now=f"2026-11-28T{at}")
    step(ledger, record_id, "quote", "--price", "0", now="2026-11-28T09:05")
    for name, at in (("accept", "09:06"), ("arrive", "09:10"), ("complete", "09:30"), ("sign", "09:31"),
                     ("return", "10:00"), ("confirm", "10:10")):
        step(ledger, record_id, name, *(("--signature", "张三") if name == "sign" else ()), now=f"2026-11-28T{at}")
    record = step(ledger, record_id, "finance", now="2026-11-28T10:30")
    assert record["fee_total"] == 0 and record["open"] is False
    refused(ledger, record_id, "paid", now="2026-11-28T11:00", as_="钱会计")


def test_copies_return_by_17_and_copy3_to_finance_by_the_25th(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01", now="2026-11-25T09:00")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03"), ("arrive", "09:10")):
        step(ledger, record_id, name, now=f"2026-11-25T{at}")
    step(ledger, record_id, "complete", now="2026-11-25T17:00")
    record = step(ledger, record_id, "sign", "--signature", "张三", now="2026-11-25T17:05")
    ret = next(d for d in record["deadlines"] if d["rule"] == "repair.return")
    assert ret["due"] == "2026-11-26T17:00:00+08:00"
    record = step(ledger, record_id, "return", now="2026-11-26T09:00")
    finance = next(d for d in record["deadlines"] if d["rule"] == "repair.finance")
    assert finance["due"].startswith("2026-12-25T23:59:59")
    assert record["events"][-1]["copies"] == [2, 3]


def test_public_repair_rules_and_no_fee(ledger):
    bad = invoke(ledger, "repair", "new", "--public", "--item", "电梯厅灯不亮", now="2026-11-28T09:00")
    assert bad.exit_code == 2 and "--location" in bad.stderr
    record = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "电梯厅灯不亮",
                         now="2026-11-28T09:00")
    record_id = record["id"]
    assert record["fee_total"] == 0
    refused(ledger, record_id, "fill", now="2026-11-28T09:01")
    step(ledger, record_id, "notify", now="2026-11-28T09:08")
    taken = step(ledger, record_id, "take", "--to", "刘志强", now="2026-11-28T09:10", as_="何志刚")
    assert "第二联" in taken["events"][-1]["signed_for"]
    step(ledger, record_id, "arrive", now="2026-11-28T09:30", as_="刘志强")
    done = step(ledger, record_id, "complete", "--work", "更换灯管", "--cleanup", "现场已清理",
                now="2026-11-28T09:50", as_="刘志强")
    assert done["open"] is False and done["events"][-1]["cleanup"] == "现场已清理"
    rules = {d["rule"]: (d["due"], d["state"]) for d in done["deadlines"]}
    assert rules == {"public.notify": ("2026-11-28T09:10:00+08:00", "met"),
                     "public.arrive": ("2026-11-28T09:25:00+08:00", "missed")}
    refused(ledger, record_id, "finance", now="2026-11-28T10:00")


def test_patrol_finding_becomes_a_linked_public_repair(ledger):
    patrol = invoke_json(ledger, "patrol", "new", "--area", "3栋及周边", "--finding", "消防通道堆放杂物",
                         "--finding", "3栋电梯厅灯不亮", now="2026-11-28T08:30", as_="孙丽华")
    assert patrol["kind"] == "patrol" and patrol["findings"][1] == "3栋电梯厅灯不亮"
    bad = invoke(ledger, "patrol", "repair", patrol["id"], "--finding", "5", now="2026-11-28T08:40")
    assert bad.exit_code == 2
    repair = invoke_json(ledger, "patrol", "repair", patrol["id"], "--finding", "2", now="2026-11-28T08:40")
    assert repair["public"] is True and repair["patrol"] == patrol["id"] and repair["item"] == "3栋电梯厅灯不亮"
    again = invoke_json(ledger, "show", patrol["id"])
    assert again["events"][-1] == {"step": "repair", "at": "2026-11-28T08:40:00+08:00", "by": "王芳",
                                   "finding": 2, "repair": repair["id"]}
    assert invoke(ledger, "patrol", "repair", patrol["id"], "--finding", "2", now="2026-11-28T08:45").exit_code == 2


def test_billing_lists_the_months_copy3_forms(ledger):
    first = new_repair(ledger, "--price-code", "SD-01", now="2026-11-20T09:00")
    run_listed_to_sign_at(ledger, first, "2026-11-20")
    step(ledger, first, "return", now="2026-11-20T16:00")
    step(ledger, first, "confirm", now="2026-11-20T16:30")
    step(ledger, first, "finance", now="2026-11-21T10:00")
    second = new_repair(ledger, "--price-code", "SD-01", now="2026-11-22T09:00")
    run_listed_to_sign_at(ledger, second, "2026-11-22")
    rows = invoke_json(ledger, "repair", "billing", "--month", "2026-11")
    assert [r["id"] for r in rows] == [first]
    assert rows[0]["address"] == "3栋0301" and rows[0]["amount"] > 0
    csv_out = invoke(ledger, "repair", "billing", "--month", "2026-11", "-f", "csv").stdout
    assert csv_out.splitlines()[0].startswith("id,name,address")
    assert invoke(ledger, "repair", "billing", "--month", "2026-13").exit_code == 2


def run_listed_to_sign_at(ledger, record_id, day):
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03"), ("arrive", "09:10"),
                     ("complete", "10:00"), ("sign", "10:05")):
        step(ledger, record_id, name, *(("--signature", "张三") if name == "sign" else ()), now=f"{day}T{at}")


def test_deadlines_of_every_step_reach_overdue_and_explain(ledger):
    record_id = new_repair(ledger, "--price-code", "SD-01")
    step(ledger, record_id, "fill", now="2026-11-28T09:01")
    step(ledger, record_id, "notify", now="2026-11-28T09:02")
    step(ledger, record_id, "take", "--to", "陈建国", now="2026-11-28T09:04")
    rows = invoke_json(ledger, "overdue", now="2026-11-28T09:30")
    assert [(r["id"], r["rule"], r["assignee"], r["minutes_late"]) for r in rows] == [
        (record_id, "repair.arrive", "陈建国", 16.0)]
    text = invoke(ledger, "explain", record_id, now="2026-11-28T09:30").stdout
    assert "10.4.1-2①" in text and "overdue" in text
