"""The desk as the Chinese text says (issue 13): repairs (10.4.1), money that agrees (10.4.1-7, 10.4.3, 10.5.1),
help requests (9.4.2, 9.4.3, 9.4.9), patrol (12), intake warnings, per-kind on-time shares. End to end on
real ledgers with a fixed clock (--now)."""
import json
import re
import socket

import pytest

from conftest import DESK, git, invoke, invoke_json, invoke_refused

PAPER_ZH = {"PROPCLI_LANG": "zh_CN"}  # the paper forms print in the language chosen (CLI.md); these read the Chinese

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")
DIRECTOR, TECH, SERVICE_DIRECTOR = "周志强", "吴海涛", "陈静"  # staff.yaml of the skeleton


def new_repair(ledger, at, *extra, item="厨房水龙头漏水"):
    return invoke_json(ledger, "repair", "new", *RESIDENT, "--item", item, *extra, now=at)["id"]


def step(ledger, record_id, name, at, *options, as_=DESK, kind="repair"):
    result = invoke(ledger, kind, name, record_id, *options, "-f", "json", now=at, as_=as_)
    assert result.exit_code == 0, f"{name}: {result.stderr}"
    return json.loads(result.stdout)


def to_arrival(ledger, record_id, day):
    for name, at in (("fill", "09:01"), ("notify", "09:02")):
        step(ledger, record_id, name, f"{day}T{at}")
    step(ledger, record_id, "take", f"{day}T09:03", "--to", TECH, as_=DIRECTOR)
    step(ledger, record_id, "arrive", f"{day}T09:10", as_=TECH)


def hand_over(ledger, record_id, returned, confirmed, finance):
    step(ledger, record_id, "return", returned, as_=TECH)
    step(ledger, record_id, "confirm", confirmed, as_=DIRECTOR)
    return step(ledger, record_id, "finance", finance, as_="赵丽娟")


def complete(ledger, record_id, at, *options):
    step(ledger, record_id, "complete", at, *options, as_=TECH)
    return step(ledger, record_id, "sign", at, "--signature", "张三", as_=TECH)


# --- 1. repairs ---------------------------------------------------------------------------------------

def test_refusal_is_signed_by_the_technician_and_the_engineering_director(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-11-28")
    at = "2026-11-28T09:12"
    assert "--technician" in invoke_refused(ledger, "repair", "refuse", record_id, "--reason", "太贵", "--director",
                                            DIRECTOR, now=at)
    message = invoke_refused(ledger, "repair", "refuse", record_id, "--reason", "太贵", "--technician", TECH,
                             "--director", "周志刚", now=at)
    assert "--director" in message and DIRECTOR in message  # not in staff.yaml: the closest names
    message = invoke_refused(ledger, "repair", "refuse", record_id, "--reason", "太贵", "--technician", TECH,
                             "--director", TECH, now=at)
    assert "engineering_director" in message and "10.4.1-4" in message
    record = step(ledger, record_id, "refuse", at, "--reason", "太贵", "--technician", TECH, "--director", DIRECTOR)
    refusal = record["events"][-1]
    assert (refusal["technician"], refusal["director"], refusal["signed_by"]) == (TECH, DIRECTOR, [TECH, DIRECTOR])
    form = invoke(ledger, "form", "repair-order", record_id, now="2026-11-28T10:00", env=PAPER_ZH).stdout
    assert f"拒修签名：{TECH}、{DIRECTOR}" in form and "拒修原因：太贵" in form


def test_sign_needs_the_residents_name_and_the_forms_print_it(ledger):
    record_id = new_repair(ledger, "2026-11-20T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-11-20")
    step(ledger, record_id, "complete", "2026-11-20T09:30", as_=TECH)
    assert "--signature" in invoke_refused(ledger, "repair", "sign", record_id, now="2026-11-20T09:31")
    step(ledger, record_id, "sign", "2026-11-20T09:31", "--signature", "张小三")
    order = invoke(ledger, "form", "repair-order", record_id, now="2026-11-21T09:00", env=PAPER_ZH).stdout
    assert "用户签名：张小三" in order and "已签" not in order
    paid = invoke(ledger, "form", "paid-service", "2026-11", now="2026-11-21T09:00", env=PAPER_ZH).stdout
    assert "| 张小三 |" in paid and "已签" not in paid


def test_material_holds_exactly_what_was_given(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-11-28")
    for result in ("不合格", "质量不佳"):
        assert "--decision" in invoke_refused(ledger, "repair", "material", record_id, "--result", result,
                                              now="2026-11-28T09:11")
    good = step(ledger, record_id, "material", "2026-11-28T09:11", "--result", "合格")["events"][-1]
    assert set(good) == {"step", "at", "by", "result"}
    poor = step(ledger, record_id, "material", "2026-11-28T09:12", "--result", "质量不佳", "--decision", "用户同意使用",
                "--warning", "已提示可能漏水")["events"][-1]
    assert (poor["decision"], poor["warning"]) == ("用户同意使用", "已提示可能漏水")
    bad = step(ledger, record_id, "material", "2026-11-28T09:13", "--result", "不合格", "--decision",
               "用户改用我方配件")
    assert bad["events"][-1]["decision"] == "用户改用我方配件"
    form = invoke(ledger, "form", "repair-order", record_id, now="2026-11-28T09:20", env=PAPER_ZH).stdout
    assert "质量不佳（提示：已提示可能漏水；用户决定：用户同意使用）" in form


def test_completion_takes_items_from_the_price_list_and_quoted_work_off_it(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-11-28")
    at = "2026-11-28T09:40"
    message = invoke_refused(ledger, "repair", "complete", record_id, "--fee", "更换水龙头=999", "--quoted-by",
                             DIRECTOR,
                             now=at)
    assert "SD-01" in message and "--item" in message and "10.4.1-3" in message
    assert "--quoted-by" in invoke_refused(ledger, "repair", "complete", record_id, "--fee", "材料=12.5", now=at)
    assert "engineering_director" in invoke_refused(ledger, "repair", "complete", record_id, "--fee", "材料=12.5",
                                                    "--quoted-by", TECH, now=at)
    assert "--item" in invoke_refused(ledger, "repair", "complete", record_id, "--item", "XX-99", now=at)
    assert "--quoted-by" in invoke_refused(ledger, "repair", "complete", record_id, "--quoted-by", DIRECTOR, now=at)
    record = step(ledger, record_id, "complete", at, "--item", "SD-01x2", "--item", "sd-02", "--fee", "材料=12.5",
                  "--quoted-by", DIRECTOR, as_=TECH)
    done = record["events"][-1]
    assert [(i["code"], i["qty"], i["amount"]) for i in done["items"]] == [("SD-01", 2, 30.0), ("SD-02", 1, 15.0)]
    assert done["quoted_by"] == DIRECTOR and record["fee_total"] == 57.5
    form = invoke(ledger, "form", "repair-order", record_id, now="2026-11-28T10:00", env=PAPER_ZH).stdout
    assert ("实际维修项目及收费：SD-01 更换水龙头 15.00元×2 30.00元；"
            "SD-02 更换角阀 15.00元×1 15.00元；材料 12.50元") in form


def test_the_engineering_director_confirms_between_return_and_finance(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-11-28")
    complete(ledger, record_id, "2026-11-28T09:30")
    assert "'return'" in invoke_refused(ledger, "repair", "confirm", record_id, now="2026-11-28T15:00")
    step(ledger, record_id, "return", "2026-11-28T16:00", as_=TECH)
    message = invoke_refused(ledger, "repair", "finance", record_id, now="2026-11-28T16:10")
    assert "'confirm'" in message and "10.4.1-7" in message
    confirmed = step(ledger, record_id, "confirm", "2026-11-28T16:20", as_=DIRECTOR)["events"][-1]
    assert confirmed["copies"] == [2, 3] and confirmed["by"] == DIRECTOR
    assert step(ledger, record_id, "finance", "2026-11-28T16:30")["status"] == "finance"
    assert invoke(ledger, "check", now="2026-11-28T17:00").exit_code == 0


# --- 2. money that agrees -----------------------------------------------------------------------------

def paid_service_total(ledger, month, now):
    text = invoke(ledger, "form", "paid-service", month, now=now, env=PAPER_ZH).stdout
    return float(re.search(r"^合计 \|[ |]*([0-9.]+)", text, re.M).group(1)), text


def completed_fees(ledger, month, now):
    """The sum of fee_total of the month's completed resident repairs, from `list` at the same --now."""
    total = 0.0
    for record in invoke_json(ledger, "list", "--kind", "repair", now=now):
        done = next((e for e in record["events"] if e["step"] == "complete"), None)
        if done and not record["public"] and done["at"][:7] == month:
            total += record["fee_total"]
    return round(total, 2)


@pytest.fixture
def mixed_month(ledger):
    """November 2026: completed, quoted-but-not-worked, untouched, refused, public, across both month ends."""
    a = new_repair(ledger, "2026-10-31T23:50", "--price-code", "SD-01")            # received in October
    for name, at in (("fill", "23:51"), ("notify", "23:52")):
        step(ledger, a, name, f"2026-10-31T{at}")
    step(ledger, a, "take", "2026-10-31T23:53", "--to", TECH)
    step(ledger, a, "arrive", "2026-11-01T00:02")
    complete(ledger, a, "2026-11-01T00:20")                                        # 15.00 in November
    b = new_repair(ledger, "2026-11-10T09:00", "--price-code", "SD-04", item="洗菜盆下水堵塞")
    to_arrival(ledger, b, "2026-11-10")
    complete(ledger, b, "2026-11-10T09:40", "--item", "SD-04", "--item", "SD-12x2")  # 30 + 2 x 5 = 40.00
    hand_over(ledger, b, "2026-11-10T16:00", "2026-11-10T16:30", "2026-11-25T23:59:59")  # billed with November
    c = new_repair(ledger, "2026-11-12T09:00", item="阳台防水层渗漏")              # quoted, accepted, never worked
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03")):
        step(ledger, c, name, f"2026-11-12T{at}")
    step(ledger, c, "quote", "2026-11-12T09:10", "--price", "260", as_=DIRECTOR)
    step(ledger, c, "accept", "2026-11-12T09:20")
    new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-05", item="坐便器堵塞")  # untouched
    e = new_repair(ledger, "2026-11-30T09:00", "--price-code", "SD-01")
    to_arrival(ledger, e, "2026-11-30")
    complete(ledger, e, "2026-11-30T23:59")                                        # 15.00, last minute of November
    hand_over(ledger, e, "2026-12-01T10:00", "2026-12-01T10:30", "2026-12-01T11:00")  # billed with December
    f = new_repair(ledger, "2026-11-14T09:00", item="吊顶石膏板开裂")              # refused after the quote
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:03")):
        step(ledger, f, name, f"2026-11-14T{at}")
    step(ledger, f, "quote", "2026-11-14T09:10", "--price", "300", as_=DIRECTOR)
    step(ledger, f, "refuse", "2026-11-14T09:20", "--reason", "太贵", "--technician", TECH, "--director", DIRECTOR)
    g = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "灯不亮",
                    now="2026-11-15T09:00")["id"]
    for name, at in (("notify", "09:05"), ("take", "09:06"), ("arrive", "09:15")):
        step(ledger, g, name, f"2026-11-15T{at}")
    step(ledger, g, "complete", "2026-11-15T09:40", "--work", "更换灯管", "--cleanup", "已清理")
    h = new_repair(ledger, "2026-11-30T22:00", "--price-code", "SD-02")
    for name, at in (("fill", "22:01"), ("notify", "22:02"), ("take", "22:03"), ("arrive", "22:10")):
        step(ledger, h, name, f"2026-11-30T{at}")
    complete(ledger, h, "2026-12-01T00:05")                                        # December's
    q = invoke_json(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "钥匙锁在家里",
                    now="2026-11-16T20:00")["id"]
    step(ledger, q, "charge", "2026-11-16T20:40", "--item", "MC-03", "--signature", "张三", kind="request")
    return ledger


@pytest.mark.parametrize("now", ["2026-11-01T00:10", "2026-11-01T00:30", "2026-11-12T12:00", "2026-11-30T23:58",
                                 "2026-11-30T23:59", "2026-12-01T00:10", "2026-12-31T09:00"])
def test_fees_of_stats_the_paid_service_record_and_the_repairs_agree_as_of_any_now(mixed_month, now):
    stats = invoke_json(mixed_month, "stats", "2026-11", now=now)
    form_total, _text = paid_service_total(mixed_month, "2026-11", now)
    assert stats["repairs"]["fees"] == completed_fees(mixed_month, "2026-11", now)
    # 9.4.9, 10.4.3-1 (third release): the help service charged at 20:40 on 16 November is in the one 合计
    charged = 50.0 if now >= "2026-11-16T20:40" else 0.0
    assert stats["requests"]["fees"] == charged
    assert stats["fees"]["total"] == form_total == round(stats["repairs"]["fees"] + charged, 2)


def test_the_months_figures_leave_out_quotes_untouched_orders_refusals_and_public_work(mixed_month):
    now = "2026-12-31T09:00"
    stats = invoke_json(mixed_month, "stats", "2026-11", now=now)
    assert stats["repairs"]["fees"] == 70.0       # 15 (received in October) + 40 + 15
    assert stats["requests"]["fees"] == 50.0      # MC-03 开启户门 (9.4.9)
    assert invoke_json(mixed_month, "stats", "2026-12", now=now)["repairs"]["fees"] == 15.0
    total, text = paid_service_total(mixed_month, "2026-11", now)
    assert total == 120.0  # one 合计: 70 of repairs and the 50 of the help service (9.4.9, 10.4.3-1)
    assert "MC-03 开启户门" in text and "小计" not in text
    assert "阳台防水层渗漏" not in text and "坐便器堵塞" not in text


def billed(ledger, month, now):
    rows = invoke_json(ledger, "repair", "billing", "--month", month, now=now)
    assert all({"id", "name", "address", "fee_total"} <= set(row) for row in rows)
    table = invoke(ledger, "repair", "billing", "--month", month, now=now).stdout
    total = float(re.search(r"Total: ([0-9.]+)", table).group(1))
    assert total == round(sum(r["fee_total"] for r in rows), 2)
    assert invoke_json(ledger, "stats", month, now=now)["repairs"]["billed"] == total
    return [r["id"] for r in rows], total


def test_billing_period_runs_from_the_26th_before_to_the_25th(mixed_month):
    ids, total = billed(mixed_month, "2026-11", "2026-12-31T09:00")
    assert total == 40.0 and len(ids) == 1               # handed over 25 November 23:59:59
    ids, total = billed(mixed_month, "2026-12", "2026-12-31T09:00")
    assert total == 15.0 and len(ids) == 1               # completed 30 November, handed over 1 December
    assert billed(mixed_month, "2026-12", "2026-12-01T10:59")[1] == 0.0   # not yet handed over at that --now
    assert billed(mixed_month, "2026-11", "2026-11-25T23:59:58")[1] == 0.0


@pytest.mark.parametrize("handed, month", [("2026-12-25T23:59:59", "2026-12"), ("2026-12-26T00:00", "2027-01"),
                                           ("2027-01-25T12:00", "2027-01"), ("2027-01-26T08:00", "2027-02")])
def test_billing_around_the_25th_and_from_december_to_january(ledger, handed, month):
    record_id = new_repair(ledger, "2026-12-20T09:00", "--price-code", "SD-01")
    to_arrival(ledger, record_id, "2026-12-20")
    complete(ledger, record_id, "2026-12-20T09:30")
    hand_over(ledger, record_id, "2026-12-20T16:00", "2026-12-20T16:30", handed)
    later = "2027-03-01T09:00"
    for candidate in ("2026-12", "2027-01", "2027-02"):
        ids, total = billed(ledger, candidate, later)
        assert (ids == [record_id]) == (candidate == month), candidate
        assert total == (15.0 if candidate == month else 0.0)


def test_fees_follow_the_month_of_completion_across_the_year_end(ledger):
    first = new_repair(ledger, "2026-12-31T22:00", "--price-code", "SD-01")
    second = new_repair(ledger, "2026-12-31T22:05", "--price-code", "SD-02")
    for record_id, at in ((first, "2026-12-31T23:59:59"), (second, "2027-01-01T00:00")):
        for name, minute in (("fill", "22:06"), ("notify", "22:07"), ("take", "22:08"), ("arrive", "22:20")):
            step(ledger, record_id, name, f"2026-12-31T{minute}")
        complete(ledger, record_id, at)
    now = "2027-01-02T09:00"
    assert invoke_json(ledger, "stats", "2026-12", now=now)["repairs"]["fees"] == 15.0
    assert invoke_json(ledger, "stats", "2027-01", now=now)["repairs"]["fees"] == 15.0
    assert paid_service_total(ledger, "2027-01", now)[0] == 15.0
    assert invoke_json(ledger, "stats", "2027-01", now="2026-12-31T23:59:59")["repairs"]["fees"] == 0.0


# --- 3. help requests ---------------------------------------------------------------------------------

class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    controller_module = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collector()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    try:
        yield handler
    finally:
        controller.stop()


def mail_text(envelope) -> str:
    from email import message_from_bytes, policy

    message = message_from_bytes(envelope.content, policy=policy.default)
    return message.get_body(("plain",)).get_content()


def test_a_major_medical_emergency_is_reported_to_the_manager_at_once_and_mailed_when_late(ledger, smtp):
    record = invoke_json(ledger, "request", "new", "--category", "medical", *RESIDENT, "--detail", "老人昏迷",
                         "--major", now="2026-11-21T10:00")
    record_id = record["id"]
    report = next(d for d in record["deadlines"] if d["rule"] == "request.report")
    assert (report["clause"], report["due"], report["role"]) == ("9.4.2-2", "2026-11-21T10:05:00+08:00",
                                                                 "property_officer")
    step(ledger, record_id, "escalate", "2026-11-21T10:02", "--to", "property_director", kind="request")
    rows = invoke_json(ledger, "overdue", now="2026-11-21T10:07")
    assert [(r["id"], r["rule"]) for r in rows] == [(record_id, "request.report")]
    sent = invoke(ledger, "overdue", "--mail-to", "desk@example.com", "--smtp", smtp.url, now="2026-11-21T10:07",
                  as_="cron")
    assert sent.exit_code == 0, sent.stderr
    body = mail_text(smtp.envelopes[-1])
    assert record_id in body and "major medical emergency reported to the manager" in body and "9.4.2-2" in body
    assert "9.4.2-2" in invoke_refused(ledger, "request", "close", record_id, now="2026-11-21T10:08")
    done = step(ledger, record_id, "escalate", "2026-11-21T10:08", "--to", "manager", kind="request")
    report = next(d for d in done["deadlines"] if d["rule"] == "request.report")
    assert (report["state"], report["done"]) == ("missed", "2026-11-21T10:08:00+08:00")
    assert invoke_json(ledger, "overdue", now="2026-11-21T10:09") == []
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-21T10:09")
    assert stats["requests"]["on_time"]["request.report"] == 0.0
    on_time = step(ledger, invoke_json(ledger, "request", "new", "--category", "medical", *RESIDENT, "--detail", "x",
                                       "--major", now="2026-11-22T10:00")["id"], "escalate", "2026-11-22T10:04",
                   "--to", "manager", kind="request")
    assert next(d for d in on_time["deadlines"] if d["rule"] == "request.report")["state"] == "met"


def test_an_ordinary_medical_case_records_its_report_to_the_customer_director_on_close(ledger):
    base = ("request", "new", "--category", "medical", *RESIDENT, "--detail", "孩子高烧", "-f", "json")
    first = json.loads(invoke(ledger, *base, now="2026-11-21T11:00").stdout)["id"]
    assert not any(d["rule"] == "request.report" for d in invoke_json(ledger, "show", first,
                                                                      now="2026-11-21T11:00")["deadlines"])
    closed = step(ledger, first, "close", "2026-11-21T11:30", kind="request")["events"][-1]
    assert closed["reported_to"] == "service_director" and "reported_to_name" not in closed
    second = json.loads(invoke(ledger, *base, now="2026-11-21T12:00").stdout)["id"]
    assert "service_director" in invoke_refused(ledger, "request", "close", second, "--to", TECH,
                                                now="2026-11-21T12:30")
    named = step(ledger, second, "close", "2026-11-21T12:30", "--to", SERVICE_DIRECTOR, kind="request")["events"][-1]
    assert named["reported_to_name"] == SERVICE_DIRECTOR
    other = invoke_json(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "x",
                        now="2026-11-21T13:00")["id"]
    assert "9.4.2-2" in invoke_refused(ledger, "request", "close", other, "--to", SERVICE_DIRECTOR,
                                       now="2026-11-21T13:05")


def test_a_written_enquiry_gets_a_written_reply_from_the_customer_director(ledger):
    record_id = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail",
                            "咨询装修申报手续",
                            "--written", now="2026-11-20T09:00")["id"]
    # 9.4.3-1 (third release): a reply without --written is an answer by phone, not refused (test_third_pass.py)
    assert "--text" in invoke_refused(ledger, "request", "reply", record_id, "--written", now="2026-11-20T09:01")
    assert "9.4.3-1" in invoke_refused(ledger, "request", "close", record_id, now="2026-11-20T09:01")
    warned = invoke(ledger, "request", "escalate", record_id, "--to", "property_director", now="2026-11-20T09:02")
    assert warned.exit_code == 0 and "service_director" in warned.stderr and "9.4.3" in warned.stderr
    step(ledger, record_id, "escalate", "2026-11-20T09:03", "--to", "service_director", kind="request")
    reply = step(ledger, record_id, "reply", "2026-11-20T09:08", "--written", "--text", "请携带图纸到管理处申报",
                 as_=SERVICE_DIRECTOR, kind="request")
    event = reply["events"][-1]
    assert (event["written"], event["text"], event["via"], event["by"]) == (True, "请携带图纸到管理处申报",
                                                                           "service_director", SERVICE_DIRECTOR)
    assert next(d for d in reply["deadlines"] if d["rule"] == "request.reply")["state"] == "met"
    assert step(ledger, record_id, "close", "2026-11-20T09:30", kind="request")["open"] is False
    assert "--written" in invoke_refused(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "x",
                                         "--written", now="2026-11-20T10:00")


SECRET = "咨询公司与开发商的合同条款"


def test_a_confidential_enquiry_stays_out_of_lists_forms_mail_and_commits(ledger, smtp):
    record_id = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", SECRET,
                            "--confidential", now="2026-11-20T09:00")["id"]
    step(ledger, record_id, "escalate", "2026-11-20T09:02", "--to", "service_director", "--note", SECRET,
         kind="request")
    now = "2026-11-20T09:30"  # request.reply overdue: the cron mails it
    listed = invoke_json(ledger, "list", "--kind", "request", now=now)
    assert listed[0]["detail"] == "保密" and SECRET not in json.dumps(listed, ensure_ascii=False)
    table = invoke(ledger, "list", now=now).stdout
    assert "保密" in table and SECRET not in table
    assert invoke_json(ledger, "show", record_id, now=now)["detail"] == SECRET       # show keeps it
    exported = invoke(ledger, "export", now=now).stdout
    assert SECRET in exported                                                       # the ledger's own backup
    redacted = json.loads(invoke(ledger, "export", "--redact", now=now).stdout)
    assert "detail" not in redacted and SECRET not in json.dumps(redacted, ensure_ascii=False)
    assert invoke(ledger, "overdue", "--mail-to", "desk@example.com", "--smtp", smtp.url, now=now,
                  as_="cron").exit_code == 0
    body = mail_text(smtp.envelopes[-1])
    assert record_id in body and SECRET not in body
    assert SECRET not in git(ledger, "log", "--format=%B")
    routed = step(ledger, record_id, "route", "2026-11-20T09:40", "--to", "complaint", kind="request")
    complaint = invoke_json(ledger, "show", routed["events"][-1]["record"], now="2026-11-20T09:40")
    assert SECRET not in complaint["detail"] and record_id in complaint["detail"]


def test_route_to_complaint_makes_a_linked_complaint(ledger):
    record_id = invoke_json(ledger, "request", "new", "--category", "complaint", "--name", "王五", "--phone",
                            "13700137000", "--address", "2栋0502", "--detail", "楼上夜间装修噪音",
                            now="2026-11-21T09:00")["id"]
    routed = step(ledger, record_id, "route", "2026-11-21T09:03", "--to", "complaint", kind="request")
    complaint_id = routed["events"][-1]["record"]
    assert complaint_id.startswith("T-")
    complaint = invoke_json(ledger, "show", complaint_id, now="2026-11-21T09:03")
    assert (complaint["kind"], complaint["request"], complaint["detail"], complaint["name"], complaint["received"]) == (
        "complaint", record_id, "楼上夜间装修噪音", "王五", "2026-11-21T09:03:00+08:00")
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-21T10:00", env=PAPER_ZH).stdout
    assert complaint_id in register and "楼上夜间装修噪音" in register
    assert "already routed" in invoke_refused(ledger, "request", "route", record_id, "--to", "complaint",
                                              now="2026-11-21T09:05")


def test_a_paid_help_service_is_charged_by_the_price_list(ledger):
    record_id = invoke_json(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "钥匙锁在家里",
                            now="2026-11-16T20:00")["id"]
    assert "--item" in invoke_refused(ledger, "request", "charge", record_id, "--item", "开门", now="2026-11-16T20:30")
    charged = step(ledger, record_id, "charge", "2026-11-16T20:40", "--item", "MC-03", kind="request")
    assert charged["fee_total"] == 50.0 and charged["events"][-1]["items"][0]["code"] == "MC-03"
    assert "once" in invoke_refused(ledger, "request", "charge", record_id, "--item", "MC-03", now="2026-11-16T20:50")


# --- 4. patrol ----------------------------------------------------------------------------------------

def test_a_round_stays_open_until_each_finding_is_a_repair_or_handled(ledger):
    round_ = invoke_json(ledger, "patrol", "new", "--area", "3栋及周边", "--finding", "消防通道堆放杂物",
                         "--finding", "3栋电梯厅灯不亮", "--officer", "刘洋", now="2026-11-23T08:30", as_="赵丽娟")
    round_id = round_["id"]
    assert round_["open"] is True and round_["officer"] == "刘洋"
    repair = invoke_json(ledger, "patrol", "repair", round_id, "--finding", "2", now="2026-11-23T08:40", as_="赵丽娟")
    assert (repair["patrol"], repair["patrol_finding"], repair["patrol_officer"], repair["found_at"]) == (
        round_id, 2, "刘洋", "2026-11-23T08:30:00+08:00")
    assert invoke_json(ledger, "show", round_id, now="2026-11-23T08:40")["open"] is True
    assert [r["id"] for r in invoke_json(ledger, "list", "--kind", "patrol", "--open",
                                         now="2026-11-23T09:00")] == [round_id]
    assert "--outcome" in invoke_refused(ledger, "patrol", "handle", round_id, "--finding", "1", now="2026-11-23T09:00")
    assert "already became repair" in invoke_refused(ledger, "patrol", "handle", round_id, "--finding", "2",
                                                     "--outcome", "x", now="2026-11-23T09:00")
    handled = step(ledger, round_id, "handle", "2026-11-23T09:30", "--finding", "1", "--outcome", "已通知住户清理",
                   kind="patrol", as_="刘洋")
    assert handled["open"] is False and handled["status"] == "handle"
    assert "already handled" in invoke_refused(ledger, "patrol", "repair", round_id, "--finding", "1",
                                               now="2026-11-23T09:40")
    assert invoke(ledger, "check", now="2026-11-23T10:00").exit_code == 0


def test_the_public_inspection_form_prints_for_a_repair_a_round_and_a_month(ledger):
    round_id = invoke_json(ledger, "patrol", "new", "--area", "3栋及周边", "--finding", "消防通道堆放杂物",
                           "--finding", "3栋电梯厅灯不亮", now="2026-11-23T08:30", as_="刘洋")["id"]
    repair_id = invoke_json(ledger, "patrol", "repair", round_id, "--finding", "2", now="2026-11-23T08:40",
                            as_="赵丽娟")["id"]
    step(ledger, repair_id, "notify", "2026-11-23T08:45", as_="赵丽娟")
    step(ledger, repair_id, "take", "2026-11-23T08:50", "--to", TECH, as_=DIRECTOR)
    step(ledger, repair_id, "arrive", "2026-11-23T09:00", as_=TECH)
    step(ledger, repair_id, "complete", "2026-11-23T09:20", "--work", "更换灯管", "--cleanup", "已清理", as_=TECH)
    step(ledger, round_id, "handle", "2026-11-23T09:30", "--finding", "1", "--outcome", "已通知住户清理", kind="patrol")
    other = invoke_json(ledger, "repair", "new", "--public", "--location", "中心花园", "--item", "喷灌水管爆裂",
                        now="2026-11-24T09:00", as_="赵丽娟")["id"]
    now = "2026-11-30T10:00"
    line = (f"2026-11-23 08:30 | 刘洋 | 3栋及周边 | 3栋电梯厅灯不亮 | 维修 {repair_id} | 2026-11-23 08:45 | {DIRECTOR} "
            f"| "
            "2026-11-23 09:00 | 更换灯管 | 已清理 | 2026-11-23 09:20")
    for_repair = invoke(ledger, "form", "public-inspection", repair_id, now=now, env=PAPER_ZH).stdout
    assert line in for_repair and "赵丽娟" not in for_repair  # 巡视人 is the patrol officer, not reception
    for_round = invoke(ledger, "form", "public-inspection", round_id, now=now, env=PAPER_ZH).stdout
    assert line in for_round and "消防通道堆放杂物 | 现场处理：已通知住户清理" in for_round
    month = invoke(ledger, "form", "public-inspection", "2026-11", now=now, env=PAPER_ZH).stdout
    assert line in month and "消防通道堆放杂物" in month and f"喷灌水管爆裂 | 维修 {other}" in month
    assert month.index("消防通道") < month.index("喷灌水管")
    resident = new_repair(ledger, "2026-11-25T09:00")
    assert invoke(ledger, "form", "public-inspection", resident, now=now, env=PAPER_ZH).exit_code == 2


# --- 5. intake warnings -------------------------------------------------------------------------------

def test_an_appointment_too_soon_for_the_technician_is_warned_not_refused(ledger):
    soon = invoke(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                  "--appointment", "2026-11-28T09:12", "-f", "json", now="2026-11-28T09:00")
    assert soon.exit_code == 0 and json.loads(soon.stdout)["id"]
    assert "warning" in soon.stderr and "7 min" in soon.stderr and "10.4.1-2②" in soon.stderr
    later = invoke(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                   "--appointment", "2026-11-28T11:00", "-f", "json", now="2026-11-28T09:00")
    assert later.exit_code == 0 and later.stderr == ""
    record_id = json.loads(later.stdout)["id"]
    for name, at in (("fill", "09:01"), ("notify", "09:02")):
        step(ledger, record_id, name, f"2026-11-28T{at}")
    late_take = invoke(ledger, "repair", "take", record_id, "--to", TECH, now="2026-11-28T10:57")
    assert late_take.exit_code == 0 and "already past" in late_take.stderr
    policy = ledger / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("travel_time: 10m", "travel_time: 2h"),
                      encoding="utf-8")
    git(ledger, "commit", "-qam", "travel time 2h")
    far = invoke(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                 "--appointment", "2026-11-28T12:00", now="2026-11-28T11:00")
    assert far.exit_code == 0 and "120 min" in far.stderr


def test_the_demos_items_are_priced_by_the_code_they_name(tmp_path):
    from propcli.app.demo import LISTED

    path = tmp_path / "demo"
    assert invoke(None, "demo", str(path), now="2026-11-28T10:00", as_=None).exit_code == 0
    prices = {p["code"]: p["name"] for p in invoke_json(path, "prices")}
    for code, item, word in LISTED:
        assert word in item and word in prices[code], (code, item)
    listed = [r for r in invoke_json(path, "list", "--kind", "repair", now="2026-11-28T10:00") if r.get("price_code")]
    assert listed
    for record in listed:
        name = re.sub(r"[（）()/]", "", prices[record["price_code"]])
        assert any(name[i:i + 2] in record["item"] for i in range(len(name) - 1)), (record["price_code"],
                                                                                    record["item"])
    assert invoke(path, "check", now="2026-11-28T10:00").exit_code == 0


# --- 6. on-time shares by kind ------------------------------------------------------------------------

def test_stats_files_each_on_time_share_under_its_own_kind(ledger):
    invoke_json(ledger, "request", "new", "--category", "other", *RESIDENT, "--detail", "x", now="2026-11-02T09:00")
    repair_id = new_repair(ledger, "2026-11-02T09:00", "--price-code", "SD-01")
    to_arrival(ledger, repair_id, "2026-11-02")
    complete(ledger, repair_id, "2026-11-02T09:30")
    invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "灯不亮",
                now="2026-11-02T09:00")
    invoke_json(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-02T10:00")
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-12-31T10:00")
    assert set(stats["requests"]["on_time"]) == {"request.reply"}
    assert set(stats["repairs"]["on_time"]) == {"repair.fill", "repair.notify", "repair.arrive", "repair.return"}
    assert set(stats["public_repairs"]["on_time"]) == {"public.notify"}
    assert stats["public_repairs"]["total"] == stats["repairs"]["public"] == 1
    assert set(stats["callbacks"]["on_time"]) == {"callback.repair"}
    assert stats["complaints"]["on_time"] == {}
