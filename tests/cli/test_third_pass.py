"""The procedures, third pass (issue 18; SPEC.md "Readings settled in the third release"): one test per clause,
through the CLI on a fixed clock (--now), acting as the people the text names."""
import json
import re

from conftest import invoke, invoke_json, invoke_refused

RECEPTION, DIRECTOR, TECHNICIAN, FINANCE = "赵丽娟", "周志强", "吴海涛", "谢春兰"
OFFICER, SERVICE_DIRECTOR, PROPERTY_DIRECTOR, MANAGER, PATROL = "刘洋", "陈静", "张伟", "李秀梅", "高敏"
AREA_OFFICER = "罗婷"
RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return result


def do(ledger, *args, now, as_):
    """A step as `show` prints the record after it."""
    return json.loads(ok(invoke(ledger, *args, "-f", "json", now=now, as_=as_)).stdout)


# --- 9.4.3-1: a written enquiry answered by phone or in writing by the customer director --------------------

def test_9_4_3_1_written_enquiry_escalated_is_answered_by_phone_by_the_customer_director(ledger):
    enquiry = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", "物业费调整依据",
                          "--written", now="2026-11-10T09:00", as_=OFFICER)["id"]
    do(ledger, "request", "escalate", enquiry, "--to", "service_director", now="2026-11-10T09:05", as_=OFFICER)
    answered = do(ledger, "request", "reply", enquiry, "--note", "已电话答复业主", now="2026-11-10T09:08",
                  as_=SERVICE_DIRECTOR)  # 以电话或书面形式回复: no refusal, and the right role under enforce
    reply = answered["events"][-1]
    assert reply["by"] == SERVICE_DIRECTOR and reply["method"] == "phone" and reply["via"] == "service_director"
    closed = do(ledger, "request", "close", enquiry, now="2026-11-10T09:10", as_=OFFICER)
    assert closed["open"] is False


def test_9_4_3_1_written_enquiry_answered_in_writing_still_holds_its_text(ledger):
    enquiry = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", "装修申报流程",
                          "--written", now="2026-11-10T09:00", as_=OFFICER)["id"]
    assert "--text" in invoke_refused(ledger, "request", "reply", enquiry, "--written", now="2026-11-10T09:05",
                                      as_=SERVICE_DIRECTOR)
    answered = do(ledger, "request", "reply", enquiry, "--written", "--text", "请携带图纸到管理处申报",
                  now="2026-11-10T09:06", as_=SERVICE_DIRECTOR)
    assert answered["events"][-1]["written"] is True and "method" not in answered["events"][-1]


# --- 9.4.5: a help request routed to a repair keeps the time the customer called ------------------------------

def test_9_4_5_routed_repair_limits_run_from_the_request_receipt(ledger):
    request = invoke_json(ledger, "request", "new", "--category", "repair", *RESIDENT, "--detail", "卫生间漏水",
                          now="2026-11-10T09:00", as_=OFFICER)["id"]
    routed = do(ledger, "request", "route", request, "--to", "repair", now="2026-11-10T09:04", as_=OFFICER)
    repair = invoke_json(ledger, "show", routed["events"][-1]["record"], now="2026-11-10T09:04")
    assert repair["received"] == "2026-11-10T09:00:00+08:00"
    dues = {d["rule"]: (d["due"], d["state"]) for d in repair["deadlines"]}
    assert dues["repair.fill"] == ("2026-11-10T09:02:00+08:00", "overdue")
    assert dues["repair.notify"] == ("2026-11-10T09:03:00+08:00", "overdue")


# --- 11.2.2: the callback date set per complaint at handling -------------------------------------------------

def _complaint(ledger, *extra, now="2026-11-05T09:00"):
    return invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "楼上装修噪音", *extra, now=now,
                       as_=RECEPTION)["id"]


def _callback_of(ledger, complaint, now):
    rows = invoke_json(ledger, "list", "--kind", "callback", now=now)
    return next(r for r in rows if r["source"] == complaint)


def test_11_2_2_callback_by_sets_a_sooner_due(ledger):
    complaint = _complaint(ledger, "--severity", "important")
    do(ledger, "complaint", "handle", complaint, "--outcome", "已协调停工", "--callback-by", "2026-11-06T12:00",
       now="2026-11-05T15:00", as_=RECEPTION)
    callback = _callback_of(ledger, complaint, "2026-11-05T15:00")
    deadline = next(d for d in callback["deadlines"] if d["rule"] == "callback.complaint")
    assert deadline["due"] == "2026-11-06T12:00:00+08:00" and callback["due"] == "2026-11-06T12:00:00+08:00"
    late = invoke_json(ledger, "overdue", now="2026-11-06T12:30")
    assert [(r["id"], r["rule"]) for r in late] == [(callback["id"], "callback.complaint")]


def test_11_2_2_without_callback_by_the_three_days_apply(ledger):
    complaint = _complaint(ledger)
    do(ledger, "complaint", "handle", complaint, now="2026-11-06T10:00", as_=RECEPTION)
    callback = _callback_of(ledger, complaint, "2026-11-06T10:00")
    assert next(d for d in callback["deadlines"] if d["rule"] == "callback.complaint")["due"][:10] == "2026-11-09"


def test_11_2_2_a_callback_date_later_than_three_days_is_refused(ledger):
    complaint = _complaint(ledger)
    message = invoke_refused(ledger, "complaint", "handle", complaint, "--callback-by", "2026-11-10T09:00",
                             now="2026-11-06T10:00", as_=RECEPTION)
    assert "--callback-by" in message and "11.1.3" in message
    message = invoke_refused(ledger, "complaint", "handle", complaint, "--callback-by", "2026-11-06T09:00",
                             now="2026-11-06T10:00", as_=RECEPTION)
    assert "--callback-by" in message


# --- 11.1.13: a complaint forwarded by a higher authority --------------------------------------------------

def test_11_1_13_forwarded_complaint_needs_no_name_phone_or_address(ledger):
    record = invoke_json(ledger, "complaint", "new", "--forwarded-by", "街道办", "--detail", "小区门口占道经营",
                         "--written-reply-only", now="2026-11-05T09:00", as_=RECEPTION)
    assert record["channel"] == "上级转办" and record["forwarded_by"] == "街道办"
    assert "phone" not in record and "name" not in record
    ordinary = invoke(ledger, "complaint", "new", "--detail", "小区门口占道经营", now="2026-11-05T09:01", as_=RECEPTION)
    assert ordinary.exit_code == 2 and "--name" in ordinary.stderr
    clash = invoke(ledger, "complaint", "new", "--forwarded-by", "街道办", "--channel", "来电", "--detail", "x",
                   now="2026-11-05T09:02", as_=RECEPTION)
    assert clash.exit_code == 2 and "--forwarded-by" in clash.stderr


# --- 11.1.12: a repeat complaint is one row in the register ------------------------------------------------

def test_11_1_12_register_prints_the_first_complaint_once_with_its_repeats(ledger, monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    first = _complaint(ledger, now="2026-11-05T09:00")
    repeat = _complaint(ledger, "--channel", "来访", now="2026-11-05T11:00")
    do(ledger, "complaint", "merge", repeat, "--into", first, now="2026-11-05T11:05", as_=RECEPTION)
    register = ok(invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-06T09:00")).stdout
    lines = [line for line in register.splitlines() if first in line or repeat in line]
    assert len(lines) == 1 and lines[0].split(" | ")[0].endswith(first)
    assert f"重复投诉 1 次：{repeat}（2026-11-05 11:00 来访）" in lines[0]
    assert "合计 | 1 件（另重复投诉 1 次" in register


# --- 10.4.2-4: a public repair completes with the work done and the site tidied ----------------------------

def test_10_4_2_4_public_repair_needs_work_and_cleanup(ledger):
    record = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "照明灯不亮",
                         now="2026-11-12T10:00", as_=RECEPTION)["id"]
    for args, at, who in ((["notify"], "10:05", RECEPTION), (["take", "--to", TECHNICIAN], "10:08", DIRECTOR),
                          (["arrive"], "10:20", TECHNICIAN)):
        ok(invoke(ledger, "repair", args[0], record, *args[1:], now=f"2026-11-12T{at}", as_=who))
    assert "--work" in invoke_refused(ledger, "repair", "complete", record, "--cleanup", "已清扫",
                                      now="2026-11-12T10:50", as_=TECHNICIAN)
    assert "--cleanup" in invoke_refused(ledger, "repair", "complete", record, "--work", "更换灯管",
                                         now="2026-11-12T10:50", as_=TECHNICIAN)
    done = do(ledger, "repair", "complete", record, "--work", "更换灯管", "--cleanup", "已清扫现场",
              now="2026-11-12T10:50", as_=TECHNICIAN)
    assert done["open"] is False and done["events"][-1]["work"] == "更换灯管"
    assert done["events"][-1]["cleanup"] == "已清扫现场"


# --- printed Chinese ----------------------------------------------------------------------------------------

def test_request_new_help_reads_as_a_help_request(ledger):
    text = ok(invoke(ledger, "--lang", "zh_CN", "request", "new", "--help", now=None, as_=None)).stdout
    assert "求助受理时间" in text and "报修受理时间" not in text
    example = next(line for line in text.splitlines() if line.strip().startswith("propcli request new"))
    assert "--category medical" in example and "夜间装修噪音" not in example and "晕倒" in example


# --- 9.4.9 with 10.4.3-1: a charged help service goes to finance, and only finance collects ------------------

def _charged_request(ledger, at="2026-11-16T20:00", charged="2026-11-16T20:40"):
    record = invoke_json(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "钥匙锁在家里",
                         now=at, as_=OFFICER)["id"]
    do(ledger, "request", "charge", record, "--item", "MC-03", "--signature", "张三", now=charged, as_=OFFICER)
    return record


def _paid_service(ledger, month, now):
    text = ok(invoke(ledger, "form", "paid-service", month, now=now, env={"PROPCLI_LANG": "zh_CN"})).stdout
    totals = re.findall(r"^合计 \|[ |]*([0-9.]+)", text, re.M)
    return text, [float(t) for t in totals]


def test_9_4_9_a_charged_help_service_goes_to_finance_and_is_billed(ledger):
    record = _charged_request(ledger)
    assert invoke_json(ledger, "repair", "billing", "--month", "2026-11", now="2026-11-20T09:00") == []
    handed = do(ledger, "request", "finance", record, now="2026-11-17T09:00", as_=OFFICER)
    assert handed["events"][-1]["step"] == "finance"
    rows = invoke_json(ledger, "repair", "billing", "--month", "2026-11", now="2026-11-20T09:00")
    assert [(r["id"], r["fee_total"], r["paid"]) for r in rows] == [(record, 50.0, False)]
    table = ok(invoke(ledger, "repair", "billing", "--month", "2026-11", now="2026-11-20T09:00")).stdout
    assert "Total: 50.00" in table
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-20T09:00")
    assert stats["requests"]["billed"] == 50.0 and stats["fees"]["billed"] == 50.0 and stats["repairs"]["billed"] == 0
    # handed over on the 26th: with December's management fee, like copy 3 of a 维修单 (10.4.1-7)
    late = _charged_request(ledger, at="2026-11-25T21:00", charged="2026-11-25T21:30")
    do(ledger, "request", "finance", late, now="2026-11-26T09:00", as_=RECEPTION)
    assert [r["id"] for r in invoke_json(ledger, "repair", "billing", "--month", "2026-12",
                                         now="2026-12-01T09:00")] == [late]


def test_10_4_3_1_only_finance_collects_a_help_service_fee(ledger):
    record = _charged_request(ledger)
    refused = invoke_refused(ledger, "request", "paid", record, now="2026-11-17T08:00", as_=FINANCE)
    assert "request finance" in refused  # nothing handed to finance yet
    do(ledger, "request", "close", record, "--outcome", "已开门", now="2026-11-16T20:50", as_=OFFICER)
    do(ledger, "request", "finance", record, now="2026-11-17T09:00", as_=OFFICER)  # after the close too
    refused = invoke_refused(ledger, "request", "paid", record, now="2026-11-17T10:00", as_=OFFICER)
    assert "--as" in refused and "finance" in refused  # refused by role (10.4.3), under any roles: setting
    paid = do(ledger, "request", "paid", record, now="2026-11-17T10:00", as_=FINANCE)
    assert paid["events"][-1]["by"] == FINANCE
    rows = invoke_json(ledger, "repair", "billing", "--month", "2026-11", now="2026-11-20T09:00")
    assert [(r["id"], r["paid"]) for r in rows] == [(record, True)]
    assert "10.4.3" in invoke_refused(ledger, "request", "paid", record, now="2026-11-17T10:05", as_=FINANCE)


def test_9_4_9_one_total_on_the_paid_service_record_equals_stats_fees(ledger):
    record = _charged_request(ledger)
    repair = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                         now="2026-11-12T09:00", as_=RECEPTION)["id"]
    for args, at, who in ((["fill"], "09:01", RECEPTION), (["notify"], "09:02", RECEPTION),
                          (["take", "--to", TECHNICIAN], "09:03", DIRECTOR), (["arrive"], "09:10", TECHNICIAN),
                          (["complete"], "09:30", TECHNICIAN)):
        ok(invoke(ledger, "repair", args[0], repair, *args[1:], now=f"2026-11-12T{at}", as_=who))
    text, totals = _paid_service(ledger, "2026-11", "2026-11-20T09:00")
    assert totals == [65.0]  # one 合计: the repair's 15.00 and the help service's 50.00
    assert "小计" not in text and record in text and repair in text
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-20T09:00")
    assert stats["fees"]["total"] == 65.0 == stats["repairs"]["fees"] + stats["requests"]["fees"]
    do(ledger, "request", "finance", record, now="2026-11-17T09:00", as_=OFFICER)
    line = next(x for x in _paid_service(ledger, "2026-11", "2026-11-20T09:00")[0].splitlines() if record in x)
    assert "2026-11-17" in line  # 交财务日期


# --- 11.1.11: handling rate = settled ÷ called back; coverage (11.1.3-5) a separate figure -------------------

def _complaints_called_back(ledger, results):
    """Four general complaints handled on 5 November; the first len(results) called back by phone with them."""
    sources = []
    for n in range(4):
        record = invoke_json(ledger, "complaint", "new", "--name", f"业主{n}", "--phone", f"1380013800{n}",
                             "--address", f"3栋030{n + 1}", "--detail", "楼道堆放杂物", now=f"2026-11-05T09:0{n}",
                             as_=RECEPTION)["id"]
        do(ledger, "complaint", "handle", record, "--outcome", "已清理", now=f"2026-11-05T10:0{n}", as_=RECEPTION)
        sources.append(record)
    for source, result in zip(sources, results):
        callback = _callback_of(ledger, source, "2026-11-06T09:00")["id"]
        extra = ("--next", "2026-11-20T10:00", "--note", "杂物未清完") if result == "dissatisfied" else ()
        do(ledger, "callback", "record", callback, "--method", "phone", "--result", result, *extra,
           now="2026-11-06T09:00", as_=PATROL)
    return sources


def test_11_1_11_two_of_four_called_back_and_settled_is_full_handling_and_half_coverage(ledger, tmp_path):
    _complaints_called_back(ledger, ["satisfied", "satisfied"])
    callbacks = invoke_json(ledger, "stats", "2026-11", now="2026-11-30T18:00")["callbacks"]
    complaint = callbacks["complaint"]
    assert (complaint["eligible"], complaint["done"], complaint["coverage"], complaint["target"]) == (4, 2, 0.5, 0.5)
    assert (complaint["called_back"], complaint["settled"], complaint["handling_rate"]) == (2, 2, 1.0)
    assert (callbacks["called_back"], callbacks["settled"], callbacks["handling_rate"]) == (2, 2, 1.0)
    text = ok(invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-30T18:00",
                     env={"PROPCLI_LANG": "zh_CN"})).stdout
    assert "投诉 | 4 | 2 | 50% 达标 | ≥50% | 2 | 0 | 0 | 100% 达标（2/2）" in text
    assert "合计 |  |  |  |  | 2 | 0 | 0 | 100% 达标（2/2，目标 100%，11.1.11）" in text
    assert "已回访 2 件，已处理 2 件：100% 达标" in text


def test_11_1_11_a_coverage_miss_and_a_handling_miss_are_marked_apart(ledger, tmp_path):
    _complaints_called_back(ledger, ["dissatisfied"])
    callbacks = invoke_json(ledger, "stats", "2026-11", now="2026-11-30T18:00")["callbacks"]
    assert callbacks["complaint"]["coverage"] == 0.25 and callbacks["handling_rate"] == 0.0
    text = ok(invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-30T18:00",
                     env={"PROPCLI_LANG": "zh_CN"})).stdout
    assert "投诉 | 4 | 1 | 25% 未达标 | ≥50% | 0 | 1 | 0 | 0% 未达标（0/1）" in text
    out = tmp_path / "report.html"
    ok(invoke(ledger, "stats", "2026-11", "-f", "html", "-o", str(out), now="2026-11-30T18:00",
              env={"PROPCLI_LANG": "zh_CN"}))
    html = out.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<tr><td>(.*?)</td>(.*?)</tr>", html)}
    for label in ("投诉：回访率", "投诉：回访处理率（已处理 ÷ 已回访）", "回访处理率"):
        assert "未达标" in rows[label], label
    assert "未达标" not in rows["维修：回访率"]  # no repair was due a callback: no quota missed


# --- 11.1.6 / 11.1.7: the move-in contact is a callback (入伙回访) -------------------------------------------

def _move_in(ledger, at="2026-11-12T09:00", name="钱七"):
    return invoke_json(ledger, "visit", "new", "--type", "move-in", "--address", "8栋1201", "--name", name,
                       "--phone", "13600136000", now=at, as_=OFFICER)


def test_11_1_6_a_move_in_makes_a_callback_due_by_the_policy(ledger):
    callback = _move_in(ledger)
    assert callback["kind"] == "callback"
    assert [r["id"] for r in invoke_json(ledger, "list", "--kind", "callback", now="2026-11-12T09:00")] == [
        callback["id"]]
    assert callback["source_kind"] == "move-in" and callback["subject"] == "入伙回访（11.1.6）"
    (deadline,) = callback["deadlines"]
    assert (deadline["rule"], deadline["clause"]) == ("callback.move-in", "11.1.6")
    assert deadline["role"] == "property_officer"
    assert deadline["due"] == "2026-11-19T23:59:59+08:00"
    late = invoke_json(ledger, "overdue", now="2026-11-20T09:00")
    assert [(r["id"], r["rule"]) for r in late] == [(callback["id"], "callback.move-in")]
    plan = invoke_json(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-12T10:00", as_=SERVICE_DIRECTOR)
    assert [(r["id"], r["due"]) for r in plan] == [(callback["id"], "2026-11-19T23:59:59+08:00")]
    # `visit record` no longer applies to move-ins (CLI.md): it is a callback
    assert invoke(ledger, "visit", "record", callback["id"], "--result", "satisfied", now="2026-11-13T09:00",
                  as_=OFFICER).exit_code == 2


def test_11_1_7_the_move_in_callback_in_person_needs_the_signature_by_phone_is_marked(ledger, monkeypatch):
    in_person, by_phone = _move_in(ledger)["id"], _move_in(ledger, at="2026-11-12T09:30", name="孙八")["id"]
    message = invoke_refused(ledger, "callback", "record", in_person, "--method", "visit", "--result", "satisfied",
                             now="2026-11-13T09:00", as_=OFFICER)
    assert "--signature" in message and "11.1.7" in message
    done = do(ledger, "callback", "record", in_person, "--method", "visit", "--result", "satisfied", "--signature",
              "钱七", now="2026-11-13T09:00", as_=OFFICER)
    assert done["open"] is False and done["events"][-1]["signature"] == "钱七"
    phoned = do(ledger, "callback", "record", by_phone, "--method", "phone", "--result", "satisfied",
                now="2026-11-13T10:00", as_=OFFICER)
    assert phoned["events"][-1]["mark"] == "电话回访"
    sheet = ok(invoke(ledger, "form", "callback-record", "2026-11", now="2026-11-13T11:00",
                      env={"PROPCLI_LANG": "zh_CN"})).stdout
    assert f"{in_person} | 2026-11-13 09:00 | 上门 | 钱七 8栋1201 13600136000 | 入伙回访（11.1.6） |" in sheet
    line = next(x for x in sheet.splitlines() if x.startswith(by_phone))
    assert "| 电话回访 |" in line and "入伙回访（11.1.6）" in line and "入伙拜访" not in sheet


def test_11_1_6_a_move_in_visit_recorded_before_still_shows(ledger):
    """A ledger of the second release holds move-in visits (kind visit): they stay readable, labelled 入伙回访."""
    from conftest import git

    visit = invoke_json(ledger, "visit", "new", "--type", "holiday", "--address", "8栋1201", "--name", "钱七",
                        now="2026-11-12T09:00", as_=MANAGER)
    path = ledger / next(p for p in git(ledger, "ls-files").split() if visit["id"] in p)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("type: holiday", "type: move-in").replace("重大节日拜访", "入伙拜访")
                    .replace("role: manager", "role: property_officer"), encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "a move-in visit of the second release")
    ok(invoke(ledger, "visit", "record", visit["id"], "--result", "satisfied", "--signature", "钱七",
              now="2026-11-13T09:00", as_=OFFICER))
    shown = invoke_json(ledger, "show", visit["id"], now="2026-11-13T10:00")
    assert shown["kind"] == "visit" and shown["type"] == "move-in" and shown["open"] is False
    sheet = ok(invoke(ledger, "form", "callback-record", "2026-11", now="2026-11-13T10:00",
                      env={"PROPCLI_LANG": "zh_CN"})).stdout
    assert f"{visit['id']} | 2026-11-13 09:00 | 上门 | 钱七 8栋1201 | 入伙回访（11.1.6） |" in sheet
    assert visit["id"] in [r["id"] for r in invoke_json(ledger, "callback", "plan", "--month", "2026-11",
                                                        now="2026-11-13T10:00", as_=SERVICE_DIRECTOR)]
