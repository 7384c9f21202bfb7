"""Help requests 求助 (9.4) and the call log 来电 (8.7.2) end to end, on a real ledger."""
import json

from conftest import DESK, git, invoke, invoke_json, invoke_refused

CUSTOMER = ("--name", "李四", "--phone", "13900139000", "--address", "5栋1202")


def new_request(ledger, category="other", *extra, now="2026-11-28T09:00", detail="门禁卡失灵"):
    return invoke_json(ledger, "request", "new", "--category", category, *CUSTOMER, "--detail", detail, *extra,
                       now=now)


def step(ledger, record_id, name, *options, now, as_=DESK):
    result = invoke(ledger, "request", name, record_id, *options, "-f", "json", now=now, as_=as_)
    assert result.exit_code == 0, f"{name}: {result.stderr}"
    return json.loads(result.stdout)


def refused(ledger, *args, now):
    return invoke_refused(ledger, *args, now=now)


def reply_deadline(record):
    return next(d for d in record["deadlines"] if d["rule"] == "request.reply")


def test_new_request_prints_the_record_with_its_reply_deadline(ledger):
    record = new_request(ledger, "enquiry")
    assert record["id"].startswith("Q-") and record["kind"] == "request"
    assert record["status"] == "new" and record["open"] is True
    assert {k: record[k] for k in ("category", "name", "phone", "address", "detail", "major")} == {
        "category": "enquiry", "name": "李四", "phone": "13900139000", "address": "5栋1202",
        "detail": "门禁卡失灵", "major": False}
    assert record["office"]
    assert record["events"][0]["step"] == "new" and record["events"][0]["by"] == "王芳"
    deadline = reply_deadline(record)
    assert deadline["clause"] == "9.4.1-2" and deadline["role"] == "property_officer"
    assert deadline["due"] == "2026-11-28T09:10:00+08:00" and deadline["state"] == "pending"
    assert invoke_json(ledger, "show", record["id"]) == record


def test_reply_within_ten_minutes_meets_the_rule(ledger):
    record_id = new_request(ledger)["id"]
    record = step(ledger, record_id, "reply", "--note", "已联系管理处补办", now="2026-11-28T09:08")
    assert reply_deadline(record)["state"] == "met"
    assert record["status"] == "reply" and record["open"] is True
    assert record["events"][-1] == {"step": "reply", "at": "2026-11-28T09:08:00+08:00", "by": "刘洋",
                                    "note": "已联系管理处补办"}


def test_reply_at_twelve_minutes_is_missed(ledger):
    record_id = new_request(ledger)["id"]
    record = step(ledger, record_id, "reply", now="2026-11-28T09:12")
    deadline = reply_deadline(record)
    assert deadline["state"] == "missed" and deadline["done"] == "2026-11-28T09:12:00+08:00"


def test_overdue_lists_an_unanswered_request_after_ten_minutes(ledger):
    record_id = new_request(ledger)["id"]
    assert invoke_json(ledger, "overdue", now="2026-11-28T09:09") == []
    rows = invoke_json(ledger, "overdue", now="2026-11-28T09:15")
    assert [(r["id"], r["kind"], r["rule"], r["clause"], r["role"]) for r in rows] == [
        (record_id, "request", "request.reply", "9.4.1-2", "property_officer")]
    assert rows[0]["minutes_late"] == 5
    step(ledger, record_id, "reply", now="2026-11-28T09:16")
    assert invoke_json(ledger, "overdue", now="2026-11-28T09:20") == []


def test_route_to_repair_creates_a_repair_linked_both_ways(ledger):
    record_id = new_request(ledger, "repair", detail="厨房水龙头漏水")["id"]
    record = step(ledger, record_id, "route", "--to", "repair", now="2026-11-28T09:03")
    route = record["events"][-1]
    assert route["step"] == "route" and route["to"] == "repair" and route["record"].startswith("R-")
    assert reply_deadline(record)["state"] == "met"  # the repair's own limits apply from here (9.4.1-2)
    assert record["status"] == "route" and record["open"] is True
    repair = invoke_json(ledger, "show", route["record"], now="2026-11-28T09:03")
    assert repair["kind"] == "repair" and repair["request"] == record_id
    assert (repair["name"], repair["phone"], repair["address"], repair["item"]) == (
        "李四", "13900139000", "5栋1202", "厨房水龙头漏水")
    # 9.4.5 (third release): the repair keeps the time the customer called; its 2- and 3-minute limits run from
    # the request's receipt (09:00), not from the routing (09:03)
    assert repair["received"] == "2026-11-28T09:00:00+08:00"
    limits = {d["rule"]: (d["due"], d["state"]) for d in repair["deadlines"]}
    assert limits == {"repair.fill": ("2026-11-28T09:02:00+08:00", "overdue"),
                      "repair.notify": ("2026-11-28T09:03:00+08:00", "pending")}
    refused(ledger, "request", "route", record_id, "--to", "repair", now="2026-11-28T09:05")


def test_route_to_complaint_is_recorded_with_a_note(ledger):
    record_id = new_request(ledger, "complaint", detail="楼上装修噪音")["id"]
    record = step(ledger, record_id, "route", "--to", "complaint", now="2026-11-28T09:03")
    route = record["events"][-1]
    assert route["to"] == "complaint" and "9.4.4" in route["note"]
    message = refused(ledger, "request", "route", record_id, "--to", "finance", now="2026-11-28T09:04")
    assert "--to" in message


def test_escalate_records_the_role(ledger):
    record_id = new_request(ledger, "enquiry")["id"]
    record = step(ledger, record_id, "escalate", "--to", "property_director", "--note", "无法当场答复",
                  now="2026-11-28T09:02")
    event = record["events"][-1]
    assert event["step"] == "escalate" and event["to"] == "property_director" and event["note"] == "无法当场答复"
    assert record["status"] == "new"  # an escalation does not move the workflow
    message = refused(ledger, "request", "escalate", record_id, "--to", "boss", now="2026-11-28T09:03")
    assert "--to" in message and "property_director" in message


def test_major_medical_emergency_goes_to_the_manager_then_leadership(ledger):
    result = invoke(ledger, "request", "new", "--category", "medical", *CUSTOMER, "--detail", "老人在家晕倒",
                    "--major", "-f", "json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["major"] is True and "9.4.2-2" in result.stderr
    record_id = record["id"]
    message = refused(ledger, "request", "escalate", record_id, "--to", "leadership", now="2026-11-28T09:01")
    assert "manager" in message and "9.4.2-2" in message
    record = step(ledger, record_id, "escalate", "--to", "manager", now="2026-11-28T09:01")
    assert record["events"][-1]["to"] == "manager"
    record = step(ledger, record_id, "medical", "--way", "ambulance", now="2026-11-28T09:02")
    medical = record["events"][-1]
    assert medical["way"] == "ambulance" and medical["report_to"] == "manager"
    assert {item["who"] for item in medical["checklist"]} == {"property_officer", "security_lead", "guard"}
    assert record["status"] == "medical"
    record = step(ledger, record_id, "escalate", "--to", "leadership", now="2026-11-28T09:05", as_="刘经理")
    assert [e["to"] for e in record["events"] if e["step"] == "escalate"] == ["manager", "leadership"]


def test_medical_steps_need_a_medical_request_and_a_known_way(ledger):
    record_id = new_request(ledger, "medical", detail="孩子高烧")["id"]
    assert "--way" in refused(ledger, "request", "medical", record_id, "--way", "taxi", now="2026-11-28T09:01")
    assert "--way" in refused(ledger, "request", "medical", record_id, now="2026-11-28T09:01")
    record = step(ledger, record_id, "medical", "--way", "escort", now="2026-11-28T09:02")
    escort = record["events"][-1]
    assert escort["report_to"] == "service_director"  # ordinary: the customer director afterwards (9.4.2-2)
    assert any("两名" in item["do"] and item["who"] == "security_lead" for item in escort["checklist"])
    record = step(ledger, record_id, "medical", "--action", "已送市人民医院", now="2026-11-28T09:30")
    assert record["events"][-1]["action"] == "已送市人民医院"
    other = new_request(ledger, "enquiry")["id"]
    assert "9.4.2" in refused(ledger, "request", "medical", other, "--way", "care", now="2026-11-28T09:03")


def test_closed_request_refuses_further_steps(ledger):
    record_id = new_request(ledger)["id"]
    step(ledger, record_id, "reply", now="2026-11-28T09:02")
    record = step(ledger, record_id, "close", "--outcome", "已补办门禁卡", now="2026-11-28T09:30")
    assert record["status"] == "close" and record["open"] is False
    assert record["events"][-1]["outcome"] == "已补办门禁卡"
    for args in (("close",), ("reply",), ("escalate", "--to", "manager"), ("route", "--to", "repair")):
        message = refused(ledger, "request", args[0], record_id, *args[1:], now="2026-11-28T09:40")
        assert "closed" in message
    assert invoke_json(ledger, "list", "--kind", "request", "--open", now="2026-11-28T09:40") == []


def test_close_without_reply_meets_the_reply_rule_and_a_later_reply_is_refused(ledger):
    record_id = new_request(ledger)["id"]
    record = step(ledger, record_id, "close", now="2026-11-28T09:05")
    assert reply_deadline(record)["state"] == "met"
    refused(ledger, "request", "reply", record_id, now="2026-11-28T09:06")


def test_bad_input_names_the_option_and_writes_nothing(ledger):
    message = refused(ledger, "request", "new", "--category", "flood", *CUSTOMER, "--detail", "x",
                      now="2026-11-28T09:00")
    assert "--category" in message and "medical" in message
    message = refused(ledger, "request", "new", "--category", "other", "--name", "李四", "--phone", "abc",
                      "--address", "5栋1202", "--detail", "x", now="2026-11-28T09:00")
    assert "--phone" in message
    message = refused(ledger, "request", "new", "--category", "other", *CUSTOMER, now="2026-11-28T09:00")
    assert "--detail" in message
    record_id = new_request(ledger)["id"]
    message = refused(ledger, "request", "reply", record_id, "--at", "2026-11-28T08:59", now="2026-11-28T09:05")
    assert "--at" in message
    repair_id = invoke_json(ledger, "repair", "new", *CUSTOMER, "--item", "灯不亮")["id"]
    assert "help request" in refused(ledger, "request", "reply", repair_id, now="2026-11-28T09:05")


def test_chinese_category_names_are_accepted(ledger):
    assert new_request(ledger, "急救病人")["category"] == "medical"
    assert new_request(ledger, "火灾")["category"] == "disaster"


def test_list_and_stats_count_requests_by_category(ledger):
    for category in ("medical", "repair", "repair", "enquiry", "disaster"):
        new_request(ledger, category, now="2026-11-10T10:00")
    new_request(ledger, "security", now="2026-12-01T10:00")
    listed = invoke_json(ledger, "list", "--kind", "request", now="2026-12-02T00:00")
    assert len(listed) == 6 and all(r["kind"] == "request" for r in listed)
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-12-02T00:00")
    assert stats["requests"]["total"] == 5
    assert stats["requests"]["by_category"] == {"medical": 1, "repair": 2, "complaint": 0, "enquiry": 1,
                                                "security": 0, "disaster": 1, "other": 0}


def test_call_log_entry_is_listed_and_never_open(ledger):
    request_id = new_request(ledger)["id"]
    call = invoke_json(ledger, "call", "new", "--name", "王五", "--phone", "13700137000", "--address", "2栋0101",
                       "--reason", "询问停车费", "--category", "enquiry", "--handled", "已当场答复",
                       "--record", request_id)
    assert call["id"].startswith("C-") and call["kind"] == "call"
    assert call["open"] is False and call["deadlines"] == []
    assert (call["reason"], call["category"], call["handled"], call["record"]) == (
        "询问停车费", "enquiry", "已当场答复", request_id)
    minimal = invoke_json(ledger, "call", "new", "--name", "赵六", "--phone", "13600136000", "--reason", "报修咨询")
    assert "address" not in minimal and minimal["events"][0]["by"] == "王芳"
    listed = invoke_json(ledger, "list", "--kind", "call")
    assert {r["id"] for r in listed} == {call["id"], minimal["id"]} and all(r["open"] is False for r in listed)
    assert invoke_json(ledger, "list", "--kind", "call", "--open") == []
    assert "--reason" in refused(ledger, "call", "new", "--name", "王五", "--phone", "13700137000",
                                 now="2026-11-28T09:00")
    assert "--category" in refused(ledger, "call", "new", "--name", "王五", "--phone", "13700137000",
                                   "--reason", "x", "--category", "nonsense", now="2026-11-28T09:00")
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"call {minimal['id']}: new"


def test_a_major_medical_emergency_reminds_the_desk_to_tell_the_manager(ledger):
    base = ("request", "new", "--category", "medical", "--name", "李四", "--phone", "13900139000",
            "--address", "5栋1201", "--detail", "老人摔倒")
    major = invoke(ledger, *base, "--major", now="2026-11-28T09:00")
    assert major.exit_code == 0 and "9.4.2-2" in major.stderr and "--to manager" in major.stderr
    ordinary = invoke(ledger, *base, now="2026-11-28T09:05")
    assert ordinary.exit_code == 0 and ordinary.stderr == ""
