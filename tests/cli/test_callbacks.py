"""Callbacks 回访 (11): the monthly plan, its deadlines (3 days / 1 month, Civil Code counting), recording,
the agreed reply, overdue and the stats figures, on real ledgers with a fixed --now."""
import json

from conftest import git, git_state, invoke_json, invoke_refused

PERSON = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def complaint(ledger, *extra, received="2026-11-05T09:00", handled="2026-11-06T10:00", phone="13800138000"):
    record_id = invoke_json(ledger, "complaint", "new", "--name", "张三", "--phone", phone, "--address", "3栋0301",
                            "--detail", "噪音", *extra, now=received)["id"]
    if handled:
        invoke_json(ledger, "complaint", "handle", record_id, now=handled)
    return record_id


def completed_repair(ledger, day="2026-11-02", public=False):
    if public:
        record_id = invoke_json(ledger, "repair", "new", "--public", "--location", "3栋电梯厅", "--item", "灯",
                                now=f"{day}T09:00")["id"]
        steps = ["notify", "take", "arrive", "complete"]
    else:
        record_id = invoke_json(ledger, "repair", "new", *PERSON, "--item", "灯", "--price-code", "SD-01",
                                now=f"{day}T09:00")["id"]
        steps = ["fill", "notify", "take", "arrive", "complete"]
    for minute, name in enumerate(steps, start=1):
        extra = ("--work", "更换灯管", "--cleanup", "已清扫") if public and name == "complete" else ()  # 10.4.2-4
        invoke_json(ledger, "repair", name, record_id, *extra, now=f"{day}T09:{minute:02d}")
    return record_id


def event(ledger, ended="2026-11-14T21:00", now="2026-11-15T09:00"):
    return invoke_json(ledger, "event", "new", "--title", "中秋游园会", "--ended", ended, now=now)["id"]


def plan(ledger, month="2026-11", now="2026-11-20T12:00"):
    return invoke_json(ledger, "callback", "plan", "--month", month, now=now)


def by_source(planned):
    return {c["source"]: c for c in planned}


def deadline(record, rule):
    return next(d for d in record["deadlines"] if d["rule"] == rule)


def refused(ledger, *args, now="2026-11-08T10:00"):
    return invoke_refused(ledger, *args, now=now)


def test_plan_covers_every_source_of_the_month_with_role_due_and_one_commit(ledger):
    general = complaint(ledger)
    important = complaint(ledger, "--severity", "important", phone="13900000001")
    major = complaint(ledger, "--severity", "major", phone="13900000002")
    repair = completed_repair(ledger, "2026-11-02")
    party = event(ledger)
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    planned = by_source(plan(ledger))
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1  # create_many: one commit
    assert set(planned) == {general, important, major, repair, party}
    assert {s: c["role"] for s, c in planned.items()} == {
        general: "patrol_officer", important: "service_director", major: "manager",  # 11.1.3
        repair: "area_officer", party: "culture_clerk"}  # 11.1.4, 11.1.5
    assert planned[major]["method_hint"] == "visit" and planned[general]["method_hint"] == "any"  # 11.1.9
    for record in planned.values():
        assert record["id"].startswith("B-") and record["kind"] == "callback" and record["open"] is True
        assert record["status"] == "new"
    # 11.1.3: handled 11-06 → end of 11-09; 11.1.4: completed 11-02 → end of 12-02; 11.1.5 ended 11-14 → 12-14
    assert planned[general]["source_done"] == "2026-11-06T10:00:00+08:00"
    assert planned[general]["due"] == "2026-11-09T23:59:59+08:00"
    assert deadline(planned[general], "callback.complaint")["due"] == "2026-11-09T23:59:59+08:00"
    assert deadline(planned[general], "callback.complaint")["clause"] == "11.1.3"
    assert planned[repair]["due"] == deadline(planned[repair], "callback.repair")["due"] == "2026-12-02T23:59:59+08:00"
    assert planned[party]["due"] == deadline(planned[party], "callback.event")["due"] == "2026-12-14T23:59:59+08:00"
    shown = invoke_json(ledger, "show", planned[repair]["id"], now="2026-11-20T12:00")
    assert shown["source"] == repair and shown["due"] == "2026-12-02T23:59:59+08:00"
    # issue 9: the complaints' callbacks were made by `complaint handle`; the plan added the repair's and the event's
    assert git(ledger, "log", "-1", "--format=%s").strip() == "callback plan 2026-11: 2 callbacks"


def test_plan_is_idempotent_and_adds_only_new_sources(ledger):
    first = complaint(ledger)
    assert [c["source"] for c in plan(ledger, now="2026-11-07T12:00")] == [first]
    before = git_state(ledger)
    # issue 9: the plan lists the month's plan (the complaint's callback was made by `handle`) and adds nothing
    assert [(c["source"], c["added"]) for c in plan(ledger, now="2026-11-07T13:00")] == [(first, False)]
    assert git_state(ledger) == before, "a plan with nothing new writes nothing"
    second = complaint(ledger, received="2026-11-08T09:00", handled="2026-11-08T10:00", phone="13900000009")
    assert [c["source"] for c in plan(ledger, now="2026-11-08T12:00")] == [first, second]
    assert len(invoke_json(ledger, "list", "--kind", "callback", now="2026-11-08T12:00")) == 2


def test_plan_leaves_out_what_needs_no_callback(ledger):
    complaint(ledger, "--anonymous")  # 11.1.13
    complaint(ledger, "--written-reply-only", phone="13900000003")  # 复函, 11.1.13
    keep = complaint(ledger, received="2026-11-05T09:00", handled=None, phone="13900000004")
    duplicate = complaint(ledger, received="2026-11-05T10:00", handled=None, phone="13900000004")
    invoke_json(ledger, "complaint", "merge", duplicate, "--into", keep, now="2026-11-05T11:00")  # 11.1.12
    complaint(ledger, received="2026-11-05T09:00", handled=None, phone="13900000005")  # not handled
    completed_repair(ledger, public=True)  # a public repair has no customer
    complaint(ledger, received="2026-10-30T09:00", handled="2026-10-31T10:00", phone="13900000006")  # October
    later = complaint(ledger, received="2026-11-21T09:00", handled="2026-11-22T10:00", phone="13900000007")
    assert plan(ledger, now="2026-11-20T12:00") == []  # the later one is handled after --now
    assert [c["source"] for c in plan(ledger, now="2026-11-30T12:00")] == [later]
    assert [c["source"] for c in plan(ledger, "2026-10", now="2026-11-30T12:00")] != []


def test_month_end_clamps_to_the_last_day_and_late_plans_are_overdue_with_the_planned_role(ledger):
    repair = completed_repair(ledger, "2026-01-31")
    complaint_id = complaint(ledger, received="2026-01-30T09:00", handled="2026-01-30T18:00")
    planned = by_source(plan(ledger, "2026-01", now="2026-03-10T09:00"))  # planned late: simply overdue
    assert planned[repair]["due"] == "2026-02-28T23:59:59+08:00"  # no 02-31: the month's last day
    assert planned[complaint_id]["due"] == "2026-02-02T23:59:59+08:00"
    late = {row["id"]: row for row in invoke_json(ledger, "overdue", "--kind", "callback", now="2026-03-10T09:00")}
    row = late[planned[repair]["id"]]
    assert row["rule"] == "callback.repair" and row["clause"] == "11.1.4" and row["role"] == "area_officer"
    assert row["due"] == "2026-02-28T23:59:59+08:00"
    assert late[planned[complaint_id]["id"]]["role"] == "patrol_officer"


def test_deadline_boundary_end_of_the_third_day(ledger):
    complaint(ledger)
    callback = plan(ledger, now="2026-11-06T12:00")[0]["id"]
    assert invoke_json(ledger, "overdue", now="2026-11-09T23:59:59") == []
    assert [r["id"] for r in invoke_json(ledger, "overdue", now="2026-11-10T00:00:01")] == [callback]
    recorded = invoke_json(ledger, "callback", "record", callback, "--method", "phone", "--result", "satisfied",
                           "--at", "2026-11-09T23:59", now="2026-11-10T09:00")
    assert deadline(recorded, "callback.complaint")["state"] == "met"
    assert invoke_json(ledger, "overdue", now="2026-11-10T09:00") == []


def test_record_phone_and_visit_rules(ledger):
    general = complaint(ledger)
    major = complaint(ledger, "--severity", "major", phone="13900000002")
    planned = by_source(plan(ledger, now="2026-11-07T09:00"))
    callback, in_person = planned[general]["id"], planned[major]["id"]
    assert "--signature" in refused(ledger, "callback", "record", callback, "--method", "visit", "--result",
                                    "satisfied")
    assert "--method" in refused(ledger, "callback", "record", callback, "--result", "satisfied")
    assert "--rectification" in refused(ledger, "callback", "record", callback, "--method", "phone",
                                        "--result", "dissatisfied")
    assert "not a callback" in refused(ledger, "callback", "record", general, "--method", "phone",
                                       "--result", "satisfied")
    phone = invoke_json(ledger, "callback", "record", callback, "--method", "phone", "--result", "satisfied",
                        "--note", "满意", now="2026-11-08T10:00")
    assert phone["status"] == "record" and phone["open"] is False
    assert phone["events"][-1]["mark"] == "电话回访" and phone["events"][-1]["method"] == "phone"  # 11.1.7
    assert "already" in refused(ledger, "callback", "record", callback, "--method", "phone", "--result", "satisfied")
    visit = invoke_json(ledger, "callback", "record", in_person, "--method", "visit", "--result", "dissatisfied",
                        "--signature", "张三", "--rectification", "加装隔音门", "--next", "2026-11-10T10:00",
                        now="2026-11-08T10:00")
    last = visit["events"][-1]
    assert last["signature"] == "张三" and last["rectification"] == "加装隔音门"  # 11.1.7, 11.2.3
    # issue 9: any first callback may be by phone (11.1.7); a major complaint's follow-ups are in person (11.1.9)
    assert "11.1.9" in refused(ledger, "callback", "record", last["next_callback"], "--method", "phone",
                               "--result", "satisfied")


def test_agreed_reply_is_a_tracked_deadline(ledger):
    complaint(ledger)
    callback = plan(ledger, now="2026-11-07T09:00")[0]["id"]
    assert "--reply-by" in refused(ledger, "callback", "record", callback, "--method", "phone", "--result",
                                   "satisfied", "--reply-by", "2026-11-08T09:00")  # not after the callback
    assert "11.1.9" in refused(ledger, "callback", "reply", callback)  # nothing agreed
    recorded = invoke_json(ledger, "callback", "record", callback, "--method", "phone", "--result", "satisfied",
                           "--note", "问物业费明细", "--reply-by", "2026-11-10T17:00", now="2026-11-08T10:00")
    assert recorded["open"] is True  # open until the reply
    reply = deadline(recorded, "callback.reply")
    assert reply["due"] == "2026-11-10T17:00:00+08:00" and reply["state"] == "pending" and reply["clause"] == "11.1.9"
    late = invoke_json(ledger, "overdue", now="2026-11-11T09:00")
    assert [(r["id"], r["rule"], r["role"]) for r in late] == [(callback, "callback.reply", "service_director")]
    replied = invoke_json(ledger, "callback", "reply", callback, "--note", "已寄明细", now="2026-11-11T09:00")
    assert replied["status"] == "reply" and replied["open"] is False
    assert deadline(replied, "callback.reply")["state"] == "missed"
    assert "already" in refused(ledger, "callback", "reply", callback, now="2026-11-11T10:00")


def test_stats_callbacks_section(ledger):
    empty = invoke_json(ledger, "stats", "2026-11", now="2026-11-30T12:00")["callbacks"]
    handling = {"called_back": 0, "settled": 0, "handling_rate": 1.0}  # 11.1.11 per kind (third release)
    assert empty == {"complaint": {"eligible": 0, "done": 0, "coverage": 0.0, "target": 0.5, **handling},
                     "repair": {"eligible": 0, "done": 0, "coverage": 0.0, "target": 0.3, **handling},
                     "event": {"eligible": 0, "done": 0, "coverage": 0.0, "target": 0.1, **handling},
                     "handling_rate": 1.0, "handling_target": 1.0, "called_back": 0, "settled": 0,
                     "loops_needed": 0, "loops_closed": 0,
                     "open_dissatisfied": 0, "on_time": {}}  # issue 9: the loops of 11.1.11 and 11.2.3
    first = complaint(ledger)
    complaint(ledger, phone="13900000001")
    complaint(ledger, "--anonymous")  # handled, but out of the callback base
    complaint(ledger, handled=None, phone="13900000002")  # not handled: handling rate 3/4
    completed_repair(ledger)
    completed_repair(ledger, public=True)
    event(ledger)
    planned = by_source(plan(ledger, now="2026-11-20T12:00"))
    invoke_json(ledger, "callback", "record", planned[first]["id"], "--method", "phone", "--result", "satisfied",
                now="2026-11-21T09:00")
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-30T12:00")["callbacks"]
    assert stats["complaint"] == {"eligible": 2, "done": 1, "coverage": 0.5, "target": 0.5,
                                  "called_back": 2, "settled": 2, "handling_rate": 1.0}
    assert stats["repair"] == {"eligible": 1, "done": 0, "coverage": 0.0, "target": 0.3,
                               "called_back": 0, "settled": 0, "handling_rate": 1.0}
    assert stats["event"] == {"eligible": 1, "done": 0, "coverage": 0.0, "target": 0.1,
                              "called_back": 0, "settled": 0, "handling_rate": 1.0}
    # 11.1.11 (third release): settled ÷ called back: the satisfied one and the anonymous one (11.1.13, answered
    # instead of called back), both settled; the callbacks planned and not yet made are coverage's concern
    assert (stats["called_back"], stats["settled"], stats["handling_rate"]) == (2, 2, 1.0)
    assert (stats["loops_needed"], stats["loops_closed"]) == (5, 2)
    before = invoke_json(ledger, "stats", "2026-11", now="2026-11-21T08:00")["callbacks"]  # before the callback
    assert before["complaint"]["done"] == 0


def test_bad_month_is_refused(ledger):
    assert "--month" in refused(ledger, "callback", "plan", "--month", "2026-13")
    assert "--month" in refused(ledger, "callback", "plan")


def test_overdue_names_the_role_the_plan_assigned(ledger):
    """11.1.3: general complaints are called back by the patrol officer, important ones by the service
    director, major ones by the manager; the shipped policy has a callback.complaint rule for each."""
    major = complaint(ledger, "--severity", "major")
    general = complaint(ledger, phone="13900000001")
    planned = by_source(plan(ledger, now="2026-11-07T09:00"))
    late = {r["id"]: r for r in invoke_json(ledger, "overdue", now="2026-11-12T09:00")}
    assert late[planned[major]["id"]]["role"] == "manager"
    assert late[planned[general]["id"]]["role"] == "patrol_officer"
    assert json.loads(json.dumps(late[planned[major]["id"]]))["rule"] == "callback.complaint"
