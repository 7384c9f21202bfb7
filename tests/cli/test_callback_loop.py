"""Callbacks that close the loop (issue 9; 8.6, 9.4.1-2, 11): the complaint's callback made at `handle`, the
plan adding the rest, the dissatisfied loop (--next, --fix-by, fix), the director's review, open letters,
households, merged and 复函 complaints, visits and incidents, and the monthly summary; real ledgers, fixed --now."""
import json

from conftest import git, git_state, invoke, invoke_json, invoke_refused

PAPER_ZH = {"PROPCLI_LANG": "zh_CN"}  # the paper forms print in the language chosen (CLI.md); these read the Chinese

TOLD = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def complaint(ledger, *extra, received="2026-11-05T09:00", handled="2026-11-06T10:00", phone="13800138000",
              detail="楼上装修噪音"):
    record_id = invoke_json(ledger, "complaint", "new", "--name", "张三", "--phone", phone, "--address", "3栋0301",
                            "--detail", detail, *extra, now=received)["id"]
    if handled:
        invoke_json(ledger, "complaint", "handle", record_id, now=handled)
    return record_id


def callbacks_of(ledger, source, now):
    return invoke_json(ledger, "show", source, now=now)["callbacks"]


def first_callback(ledger, source, now):
    return callbacks_of(ledger, source, now)[0]["id"]


def record(ledger, callback, *options, now, as_="高敏"):
    return invoke_json(ledger, "callback", "record", callback, *options, now=now, as_=as_)


def deadline(shown, rule):
    return next(d for d in shown["deadlines"] if d["rule"] == rule)


def overdue(ledger, now):
    return {(row["id"], row["rule"]): row for row in invoke_json(ledger, "overdue", now=now)}


def files_of_last_commit(ledger):
    return sorted(git(ledger, "show", "--name-only", "--format=", "HEAD").split())


def stats(ledger, month, now):
    return invoke_json(ledger, "stats", month, now=now)["callbacks"]


# --- 1. the complaint's callback at once; complaint.reply; the plan adds the rest ---------------------------

def test_handle_at_2350_makes_the_callback_at_once_in_the_same_commit_due_at_the_end_of_the_third_day(ledger):
    record_id = complaint(ledger, handled=None)
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    handled = invoke_json(ledger, "complaint", "handle", record_id, "--outcome", "已协调", now="2026-11-06T23:50")
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1  # the handling and its callback: one commit
    (callback,) = handled["callbacks"]
    assert callback["attempt"] == 1 and callback["previous"] is None and callback["open"] is True
    assert files_of_last_commit(ledger) == sorted([f"records/complaint/2026/11/{record_id}.yaml",
                                                   f"records/callback/2026/11/{callback['id']}.yaml"])
    shown = invoke_json(ledger, "show", callback["id"], now="2026-11-07T09:00")
    assert shown["source"] == record_id and shown["role"] == "patrol_officer" and shown["previous"] is None  # 11.1.3
    # Civil Code counting: 11-06 is not counted, the 3 days are 11-07..11-09, ending at 24:00 of 11-09
    assert shown["due"] == deadline(shown, "callback.complaint")["due"] == "2026-11-09T23:59:59+08:00"
    assert shown["source_done"] == "2026-11-06T23:50:00+08:00"
    assert (callback["id"], "callback.complaint") not in overdue(ledger, "2026-11-09T23:59:59")
    late = overdue(ledger, "2026-11-10T00:00:01")[(callback["id"], "callback.complaint")]  # no plan was ever run
    assert late["role"] == "patrol_officer" and late["clause"] == "11.1.3"


def test_the_caller_follows_the_severity_and_11_1_13_complaints_get_none(ledger):
    important = complaint(ledger, "--severity", "important", phone="13900000001")
    major = complaint(ledger, "--severity", "major", phone="13900000002")
    anonymous = invoke_json(ledger, "complaint", "new", "--anonymous", "--detail", "垃圾未清运",
                            now="2026-11-05T09:00")["id"]
    invoke_json(ledger, "complaint", "handle", anonymous, now="2026-11-06T10:00")
    forwarded = complaint(ledger, "--written-reply-only", phone="13900000003")
    now = "2026-11-06T12:00"
    roles = {source: invoke_json(ledger, "show", first_callback(ledger, source, now), now=now)["role"]
             for source in (important, major)}
    assert roles == {important: "service_director", major: "manager"}
    assert callbacks_of(ledger, anonymous, now) == [] and callbacks_of(ledger, forwarded, now) == []
    assert len(invoke_json(ledger, "list", "--kind", "callback", now=now)) == 2


def test_every_complaint_is_answered_within_ten_minutes(ledger):
    """9.4.1-2 applies to complaints too: complaint.reply, met by reply, assign or handle."""
    late = complaint(ledger, received="2026-11-05T09:00", handled=None)
    answered = complaint(ledger, received="2026-11-05T09:00", handled=None, phone="13900000001")
    invoke_json(ledger, "complaint", "assign", answered, "--to", "工程部", now="2026-11-05T09:06")
    assert (late, "complaint.reply") not in overdue(ledger, "2026-11-05T09:10")
    row = overdue(ledger, "2026-11-05T09:11")[(late, "complaint.reply")]
    assert row["clause"] == "9.4.1-2" and row["role"] == "property_officer"
    assert row["due"] == "2026-11-05T09:10:00+08:00"
    assert deadline(invoke_json(ledger, "show", answered, now="2026-11-05T09:11"), "complaint.reply")["state"] == "met"
    handled = invoke_json(ledger, "complaint", "handle", late, now="2026-11-05T09:20")
    assert deadline(handled, "complaint.reply")["state"] == "missed"


def test_plan_adds_repairs_events_incidents_and_anything_missing_and_lists_move_in_visits(ledger, tmp_path):
    handled = complaint(ledger)
    repair = invoke_json(ledger, "repair", "new", *TOLD, "--item", "灯", "--price-code", "SD-01",
                         now="2026-11-02T09:00")["id"]
    for minute, step in enumerate(["fill", "notify", "take", "arrive", "complete"], start=1):
        invoke_json(ledger, "repair", step, repair, now=f"2026-11-02T09:0{minute}")
    party = invoke_json(ledger, "event", "new", "--title", "中秋游园会", "--ended", "2026-11-14T21:00", "--households",
                        "40",
                        now="2026-11-15T09:00")["id"]
    medical = invoke_json(ledger, "request", "new", "--category", "medical", *TOLD, "--detail", "老人晕倒",
                          now="2026-11-10T08:00")["id"]
    invoke_json(ledger, "request", "reply", medical, now="2026-11-10T08:03")
    invoke_json(ledger, "request", "close", medical, "--outcome", "已送医院", now="2026-11-10T11:00")
    enquiry = invoke_json(ledger, "request", "new", "--category", "enquiry", *TOLD, "--detail", "物业费",
                          now="2026-11-10T08:00")["id"]
    invoke_json(ledger, "request", "close", enquiry, now="2026-11-10T08:05")
    move_in = invoke_json(ledger, "visit", "new", "--type", "move-in", "--address", "8栋1201", "--name", "钱七",
                          now="2026-11-12T09:00")["id"]
    invoke_json(ledger, "visit", "new", "--type", "holiday", "--address", "1栋0101", now="2026-11-12T09:00")
    # a complaint handled outside propcli (imported): its callback is missing, the plan adds it
    imported = tmp_path / "old.jsonl"
    imported.write_text(json.dumps({"kind": "complaint", "name": "李四", "phone": "13900000005", "address": "5栋",
                                    "detail": "漏水", "severity": "general", "channel": "来电", "events": [
                                        {"step": "new", "at": "2026-11-03T09:00:00+08:00", "by": "王芳"},
                                        {"step": "handle", "at": "2026-11-04T09:00:00+08:00", "by": "王芳"}]},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    assert invoke(ledger, "import", str(imported), now="2026-11-16T09:00").exit_code == 0
    missing = next(r["id"] for r in invoke_json(ledger, "list", "--kind", "complaint", now="2026-11-16T09:00")
                   if r["name"] == "李四")
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    planned = {row["source"]: row for row in invoke_json(ledger, "callback", "plan", "--month", "2026-11",
                                                         now="2026-11-20T12:00")}
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1
    assert set(planned) == {handled, repair, party, medical, missing, move_in}  # not the enquiry, not the holiday
    assert {s for s, row in planned.items() if row["added"]} == {repair, party, medical, missing}
    # 11.1.6 (third release): the move-in contact is a callback of its own (入伙回访), listed, not added
    assert planned[move_in]["kind"] == "callback" and planned[move_in]["id"] == move_in
    assert planned[move_in]["role"] == "property_officer" and planned[move_in]["due"] == "2026-11-19T23:59:59+08:00"
    incident = planned[medical]
    assert incident["role"] == "property_officer" and incident["source_kind"] == "request"  # 11.1.6
    rule = deadline(incident, "callback.incident")
    assert rule["clause"] == "11.1.6" and rule["due"] == incident["due"] == "2026-11-17T23:59:59+08:00"  # 7 days
    assert planned[party]["households"] == 40
    before = git_state(ledger)
    again = invoke_json(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-20T13:00")
    assert git_state(ledger) == before and not any(row["added"] for row in again)
    assert sorted(row["id"] for row in again) == sorted(row["id"] for row in planned.values())
    # the incident window is the office's choice: edit policy.yaml, the deadline follows
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    head, _sep, tail = text.partition("key: callback.incident")
    policy.write_text(head + "key: callback.incident" + tail.replace("length: 7d", "length: 3d", 1), encoding="utf-8")
    git(ledger, "commit", "-qam", "policy: incident callbacks within 3 days")
    shown = invoke_json(ledger, "show", incident["id"], now="2026-11-20T13:00")
    assert deadline(shown, "callback.incident")["due"] == "2026-11-13T23:59:59+08:00"


# --- 2. the loop of 11.2.3 and 11.1.9 -------------------------------------------------------------------------

def test_a_dissatisfied_callback_sets_the_next_one_names_who_fixes_and_the_fix_is_recorded(ledger):
    source = complaint(ledger)
    first = first_callback(ledger, source, "2026-11-07T09:00")
    now = "2026-11-07T10:00"
    base = ("callback", "record", first, "--method", "phone", "--result", "dissatisfied", "--note", "仍有噪音")
    assert "--next" in invoke_refused(ledger, *base, now=now)
    assert "--next" in invoke_refused(ledger, *base, "--next", "2026-11-07T09:30", now=now)
    message = invoke_refused(ledger, *base, "--next", "2026-11-09T10:00", "--fix-by", "周志", now=now)
    assert "--fix-by" in message and "周志强" in message  # the closest name in staff.yaml
    assert "--next" in invoke_refused(ledger, "callback", "record", first, "--method", "phone", "--result", "satisfied",
                                      "--next", "2026-11-09T10:00", now=now)
    assert "11.2.3" in invoke_refused(ledger, "callback", "fix", first, "--note", "x", now=now)  # not dissatisfied yet
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    made = record(ledger, first, *base[3:], "--rectification", "调整施工时间", "--next", "2026-11-09T10:00",
                  "--fix-by", "周志强", now=now)
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1  # this callback and the next: one commit
    event = made["events"][-1]
    assert (event["result"], event["rectification"], event["fix_by"]) == ("dissatisfied", "调整施工时间", "周志强")
    assert event["next"] == "2026-11-09T10:00:00+08:00" and made["open"] is False
    follow = invoke_json(ledger, "show", event["next_callback"], now=now)
    assert (follow["source"], follow["previous"], follow["attempt"]) == (source, first, 2)
    assert follow["role"] == "patrol_officer" and follow["open"] is True
    assert files_of_last_commit(ledger) == sorted([f"records/callback/2026/11/{first}.yaml",
                                                   f"records/callback/2026/11/{follow['id']}.yaml"])
    rule = deadline(follow, "callback.next")
    assert rule["due"] == follow["due"] == "2026-11-09T10:00:00+08:00" and rule["clause"] == "11.2.3"
    assert [d["rule"] for d in follow["deadlines"]] == ["callback.next"]
    late = overdue(ledger, "2026-11-09T10:01")[(follow["id"], "callback.next")]
    assert late["role"] == "patrol_officer"
    fixed = invoke_json(ledger, "callback", "fix", first, "--note", "已停止夜间施工", now="2026-11-08T09:00")
    assert fixed["events"][-1]["note"] == "已停止夜间施工" and fixed["status"] == "fix"
    assert "already" in invoke_refused(ledger, "callback", "fix", first, "--note", "again", now="2026-11-08T10:00")
    assert "--note" in invoke_refused(ledger, "callback", "fix", first, now="2026-11-08T10:00")
    assert "already" in invoke_refused(ledger, "callback", "record", first, "--method", "phone", "--result",
                                       "satisfied", now="2026-11-08T10:00")
    # a follow-up of a general complaint may be by phone (11.1.9); the loop closes with a satisfied callback
    closed = record(ledger, follow["id"], "--method", "phone", "--result", "satisfied", now="2026-11-09T09:00")
    assert deadline(closed, "callback.next")["state"] == "met"
    assert [c["result"] for c in callbacks_of(ledger, source, "2026-11-09T09:00")] == ["dissatisfied", "satisfied"]


def test_a_major_complaint_may_be_called_first_by_phone_but_its_follow_ups_are_visits(ledger):
    source = complaint(ledger, "--severity", "major")
    first = first_callback(ledger, source, "2026-11-07T09:00")
    made = record(ledger, first, "--method", "phone", "--result", "dissatisfied", "--note", "未解决",
                  "--next", "2026-11-08T10:00", now="2026-11-07T10:00", as_="李秀梅")  # 11.1.7: any first by phone
    follow = made["events"][-1]["next_callback"]
    assert invoke_json(ledger, "show", follow, now="2026-11-07T10:00")["method_hint"] == "visit"
    message = invoke_refused(ledger, "callback", "record", follow, "--method", "phone", "--result", "satisfied",
                             now="2026-11-08T10:00")
    assert "11.1.9" in message and "--method" in message
    done = record(ledger, follow, "--method", "visit", "--signature", "张三", "--result", "satisfied",
                  now="2026-11-08T10:00", as_="李秀梅")
    assert done["events"][-1]["signature"] == "张三"


def test_a_chain_of_three_callbacks_across_a_month_end(ledger):
    source = complaint(ledger, received="2026-11-27T09:00", handled="2026-11-28T16:00")
    first = first_callback(ledger, source, "2026-11-28T16:00")
    second = record(ledger, first, "--method", "phone", "--result", "dissatisfied", "--note", "仍漏水",
                    "--next", "2026-11-30T15:00", now="2026-11-29T10:00")["events"][-1]["next_callback"]
    third = record(ledger, second, "--method", "visit", "--signature", "张三", "--result", "dissatisfied",
                   "--note", "墙面仍潮", "--next", "2026-12-02T10:00", "--fix-by", "吴海涛",
                   now="2026-11-30T15:00")["events"][-1]["next_callback"]
    november = stats(ledger, "2026-11", "2026-12-01T09:00")
    assert november["complaint"] == {"eligible": 1, "done": 1, "coverage": 1.0, "target": 0.5,
                                     "called_back": 1, "settled": 0, "handling_rate": 0.0}  # 11.1.11, apart
    assert (november["handling_rate"], november["open_dissatisfied"], november["loops_needed"]) == (0.0, 1, 1)
    assert (third, "callback.next") not in overdue(ledger, "2026-12-02T10:00")
    assert overdue(ledger, "2026-12-02T10:01")[(third, "callback.next")]["due"] == "2026-12-02T10:00:00+08:00"
    assert stats(ledger, "2026-12", "2026-12-02T12:00")["loops_needed"] == 0  # the loop belongs to November
    record(ledger, third, "--method", "phone", "--result", "satisfied", now="2026-12-02T11:00")
    chain = callbacks_of(ledger, source, "2026-12-02T12:00")
    assert [(c["id"], c["attempt"], c["previous"], c["result"]) for c in chain] == [
        (first, 1, None, "dissatisfied"), (second, 2, first, "dissatisfied"), (third, 3, second, "satisfied")]
    assert chain[0]["next_callback"] == second and chain[1]["next_callback"] == third
    assert invoke_json(ledger, "show", third, now="2026-12-02T12:00")["source"] == source
    closed = stats(ledger, "2026-11", "2026-12-02T12:00")
    assert (closed["handling_rate"], closed["open_dissatisfied"]) == (1.0, 0)
    assert stats(ledger, "2026-11", "2026-12-01T09:00")["handling_rate"] == 0.0  # as of then, still open
    november_sheet = invoke(ledger, "form", "callback-record", "2026-11", now="2026-12-02T12:00", env=PAPER_ZH).stdout
    december_sheet = invoke(ledger, "form", "callback-record", "2026-12", now="2026-12-02T12:00", env=PAPER_ZH).stdout
    assert f"\n{first} |" in november_sheet and f"\n{second} |" in november_sheet
    assert f"\n{third} |" not in november_sheet and f"\n{third} |" in december_sheet
    assert f"（第3次回访，上次 {second}）" in december_sheet and "下次回访 2026-12-02 10:00" in november_sheet
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-12-02T12:00", env=PAPER_ZH).stdout
    assert "2026-11-29 10:00 高敏 不满意；2026-11-30 15:00 高敏 不满意；2026-12-02 11:00 高敏 满意" in register


# --- 3. the director's review ---------------------------------------------------------------------------------

def test_review_by_the_director_with_name_and_date_and_the_unreviewed_list(ledger):
    general = complaint(ledger)
    important = complaint(ledger, "--severity", "important", phone="13900000001")
    patrol = first_callback(ledger, general, "2026-11-07T09:00")
    service = first_callback(ledger, important, "2026-11-07T09:00")
    assert "not recorded" in invoke_refused(ledger, "callback", "review", patrol, "--opinion", "好",
                                            now="2026-11-07T09:00",
                                            as_="张伟")
    record(ledger, patrol, "--method", "phone", "--result", "satisfied", now="2026-11-07T10:00")
    record(ledger, service, "--method", "phone", "--result", "satisfied", now="2026-11-07T10:00", as_="陈静")
    unreviewed = invoke_json(ledger, "list", "--kind", "callback", "--unreviewed", now="2026-11-07T11:00")
    assert {r["id"] for r in unreviewed} == {patrol, service}
    # 11.1.8: the property director checks the patrol officers' callbacks; the service director the others
    assert "11.1.8" in invoke_refused(ledger, "callback", "review", patrol, "--opinion", "好", now="2026-11-07T11:00",
                                      as_="陈静")
    assert "--as" in invoke_refused(ledger, "callback", "review", service, "--opinion", "好", now="2026-11-07T11:00")
    assert "--opinion" in invoke_refused(ledger, "callback", "review", patrol, now="2026-11-07T11:00", as_="张伟")
    reviewed = invoke_json(ledger, "callback", "review", patrol, "--opinion", "回访及时", now="2026-11-08T09:00",
                           as_="张伟")
    assert reviewed["events"][-1]["opinion"] == "回访及时" and reviewed["events"][-1]["by"] == "张伟"
    assert "already reviewed" in invoke_refused(ledger, "callback", "review", patrol, "--opinion", "再审",
                                                now="2026-11-08T10:00", as_="张伟")
    assert [r["id"] for r in invoke_json(ledger, "list", "--unreviewed", now="2026-11-08T09:00")] == [service]
    invoke_json(ledger, "callback", "review", service, "--opinion", "同意", now="2026-11-08T09:30", as_="陈静")
    assert invoke_json(ledger, "list", "--kind", "callback", "--unreviewed", now="2026-11-08T09:30") == []
    sheet = invoke(ledger, "form", "callback-record", "2026-11", now="2026-11-08T10:00", env=PAPER_ZH).stdout
    assert "| 回访及时（张伟 2026-11-08）" in sheet and "| 同意（陈静 2026-11-08）" in sheet


# --- 4. open letters --------------------------------------------------------------------------------------------

def test_a_letter_answers_two_complaints_one_after_a_dissatisfied_callback(ledger):
    first = complaint(ledger, detail="电梯停运")
    second = complaint(ledger, detail="电梯停运", phone="13900000001", received="2026-11-05T09:30")
    earlier = first_callback(ledger, first, "2026-11-07T09:00")
    follow = record(ledger, earlier, "--method", "phone", "--result", "dissatisfied", "--note", "仍停运",
                    "--next", "2026-11-10T10:00", now="2026-11-07T10:00")["events"][-1]["next_callback"]
    pending = first_callback(ledger, second, "2026-11-07T10:00")
    assert stats(ledger, "2026-11", "2026-11-07T12:00")["open_dissatisfied"] == 1
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    letter = invoke_json(ledger, "letter", "new", "--subject", "关于电梯停运的说明", "--text",
                         "各位业主：电梯已更换主板……",
                         "--complaints", f"{first},{second}", now="2026-11-08T09:00")
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1  # the letter and the callbacks it meets
    assert sorted(letter["callbacks"]) == sorted([follow, pending]) and letter["archive"] == "回访档案"
    for callback in (follow, pending):
        shown = invoke_json(ledger, "show", callback, now="2026-11-08T09:00")
        assert shown["open"] is False
        assert (shown["events"][-1]["method"], shown["events"][-1]["letter"]) == ("letter", letter["id"])
        assert next(d for d in shown["deadlines"] if d["rule"].startswith("callback."))["state"] == "met"
    figures = stats(ledger, "2026-11", "2026-11-08T09:00")
    assert figures["complaint"] == {"eligible": 2, "done": 2, "coverage": 1.0, "target": 0.5,
                                    "called_back": 2, "settled": 2, "handling_rate": 1.0}  # a letter settles (11.1.10)
    assert (figures["handling_rate"], figures["open_dissatisfied"]) == (1.0, 0)
    assert "by open letter" in invoke_refused(ledger, "callback", "record", pending, "--method", "phone", "--result",
                                              "satisfied", now="2026-11-08T10:00")
    sheet = invoke(ledger, "form", "callback-record", "2026-11", now="2026-11-08T10:00", env=PAPER_ZH).stdout
    assert (f"{letter['id']} | 2026-11-08 09:00 | 公开信 | 相关投诉 {first}、{second} | "
            "公开信（11.1.10）关于电梯停运的说明") in sheet
    assert f"{pending} | 2026-11-08 09:00 | 公开信 {letter['id']}" in sheet
    assert f"{follow} | 2026-11-08 09:00 | 公开信 {letter['id']}" in sheet
    assert invoke(ledger, "overdue", "--check", now="2026-11-20T09:00").exit_code == 0


# --- 5. households, coverage and handling ---------------------------------------------------------------------

def test_event_coverage_counts_households(ledger):
    party = invoke_json(ledger, "event", "new", "--title", "中秋游园会", "--ended", "2026-11-14T21:00", "--households",
                        "40",
                        now="2026-11-15T09:00")["id"]
    plain = invoke_json(ledger, "event", "new", "--title", "棋牌赛", "--ended", "2026-11-15T21:00",
                        now="2026-11-16T09:00")["id"]
    planned = {r["source"]: r["id"] for r in invoke_json(ledger, "callback", "plan", "--month", "2026-11",
                                                           now="2026-11-16T10:00")}
    source = complaint(ledger)
    assert "--households" in invoke_refused(ledger, "callback", "record", first_callback(ledger, source,
                                                                                         "2026-11-16T10:00"),
                                            "--method", "phone", "--result", "satisfied", "--households", "3",
                                            now="2026-11-16T10:00")
    assert "--households" in invoke_refused(ledger, "callback", "record", planned[party], "--method", "phone",
                                            "--result", "satisfied", "--households", "0", now="2026-11-16T10:00")
    record(ledger, planned[party], "--method", "phone", "--result", "satisfied", "--households", "3",
           now="2026-11-16T10:00", as_="梁小雨")
    assert stats(ledger, "2026-11", "2026-11-16T11:00")["event"] == {"eligible": 41, "done": 3, "coverage": 0.0732,
                                                                    "target": 0.1, "called_back": 1, "settled": 1,
                                                                    "handling_rate": 1.0}
    record(ledger, planned[plain], "--method", "phone", "--result", "satisfied", now="2026-11-16T11:00", as_="梁小雨")
    figures = stats(ledger, "2026-11", "2026-11-16T12:00")
    assert figures["event"]["done"] == 4 and figures["event"]["coverage"] == round(4 / 41, 4)
    summary = invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-16T12:00", env=PAPER_ZH).stdout
    assert "文体活动 | 41 | 4 | 9.7% 未达标 | ≥10%" in summary  # 9.76 %: never rounded up to the quota


# --- 6. merged and 复函 complaints ------------------------------------------------------------------------------

def test_a_merge_keeps_the_earliest_complaint_and_the_register_shows_the_repeat(ledger):
    kept = complaint(ledger, received="2026-11-05T09:00", handled=None)
    repeat = complaint(ledger, received="2026-11-05T11:00", handled=None)
    message = invoke_refused(ledger, "complaint", "merge", kept, "--into", repeat, now="2026-11-05T12:00")
    assert "11.1.12" in message and "--into" in message
    invoke_json(ledger, "complaint", "merge", repeat, "--into", kept, now="2026-11-05T12:00")
    invoke_json(ledger, "complaint", "handle", kept, now="2026-11-06T10:00")
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-06T12:00", env=PAPER_ZH).stdout
    # 11.1.12 (third release): one line, the first complaint's, with its repeat noted on it
    assert f"{repeat} | 2026-11-05 11:00 |" not in register
    kept_line = next(line for line in register.splitlines() if kept in line.split(" | ")[0])
    assert f"重复投诉 1 次：{repeat}（2026-11-05 11:00 来电）（11.1.12，只记一次）" in kept_line
    assert "合计 | 1 件（另重复投诉 1 次，已记于原投诉一行，不重复计数，11.1.12）" in register
    assert invoke_json(ledger, "stats", "2026-11", now="2026-11-06T12:00")["complaints"]["total"] == 1
    assert stats(ledger, "2026-11", "2026-11-06T12:00")["complaint"]["eligible"] == 1
    assert "callbacks" not in invoke_json(ledger, "show", repeat, now="2026-11-06T12:00")  # never handled: no callback


def test_a_written_reply_only_complaint_closes_with_its_reply_attached(ledger):
    forwarded = complaint(ledger, "--written-reply-only", handled="2026-11-06T10:00")
    assert callbacks_of(ledger, forwarded, "2026-11-06T10:00") == []
    assert stats(ledger, "2026-11", "2026-11-06T10:00")["handling_rate"] == 0.0  # exempt, but the 复函 is missing
    message = invoke_refused(ledger, "complaint", "close", forwarded, now="2026-11-06T11:00")
    assert "11.1.13" in message and "--text" in message
    invoke_json(ledger, "complaint", "reply", forwarded, "--note", "已电话说明", now="2026-11-06T11:00")
    assert "11.1.13" in invoke_refused(ledger, "complaint", "close", forwarded,
                                       now="2026-11-06T11:30")  # a note is not one
    assert "--text" in invoke_refused(ledger, "complaint", "reply", forwarded, "--text", " ", now="2026-11-06T11:30")
    invoke_json(ledger, "complaint", "reply", forwarded, "--text", "经核查，已整改完毕，特此复函。",
                now="2026-11-07T09:00")
    closed = invoke_json(ledger, "complaint", "close", forwarded, now="2026-11-07T10:00")
    assert closed["open"] is False
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-07T10:00", env=PAPER_ZH).stdout
    assert "无需回访（11.1.13） | 2026-11-07 经核查，已整改完毕，特此复函。" in register
    assert stats(ledger, "2026-11", "2026-11-07T10:00")["handling_rate"] == 1.0
    assert stats(ledger, "2026-11", "2026-11-07T08:00")["handling_rate"] == 0.0  # before the reply


# --- 7. visits ------------------------------------------------------------------------------------------------

def test_a_move_in_visit_is_printed_in_the_callback_archive_and_a_holiday_visit_is_not(ledger):
    visit = invoke_json(ledger, "visit", "new", "--type", "move-in", "--address", "8栋1201", "--name", "钱七",
                        "--phone", "13600136000", now="2026-11-12T09:00")["id"]
    holiday = invoke_json(ledger, "visit", "new", "--type", "holiday", "--address", "1栋0101",
                          now="2026-11-12T09:00")["id"]
    invoke_json(ledger, "visit", "record", holiday, "--result", "satisfied", now="2026-11-13T09:00", as_="李秀梅")
    done = invoke_json(ledger, "callback", "record", visit, "--method", "visit", "--result", "satisfied",
                       "--signature", "钱七", "--note", "满意", now="2026-11-13T09:00", as_="刘洋")
    assert done["open"] is False  # 11.1.6 (third release): the move-in callback is recorded as any callback
    sheet = invoke(ledger, "form", "callback-record", "2026-11", now="2026-11-13T10:00", env=PAPER_ZH).stdout
    assert (f"{visit} | 2026-11-13 09:00 | 上门 | 钱七 8栋1201 13600136000 | 入伙回访（11.1.6） | "
            "满意 | 满意 |  |  | 刘洋 | 钱七") in sheet
    assert holiday not in sheet


# --- 8. the monthly summary -------------------------------------------------------------------------------------

def test_the_monthly_summary_carries_month_office_preparer_quotas_open_loops_and_the_lines_to_sign(ledger, tmp_path):
    satisfied = complaint(ledger)
    unhappy = complaint(ledger, phone="13900000001")
    record(ledger, first_callback(ledger, satisfied, "2026-11-07T09:00"), "--method", "phone", "--result", "satisfied",
           now="2026-11-07T10:00")
    follow = record(ledger, first_callback(ledger, unhappy, "2026-11-07T09:00"), "--method", "phone", "--result",
                    "dissatisfied", "--note", "未解决", "--next", "2026-12-03T10:00",
                    now="2026-11-07T10:00")["events"][-1]["next_callback"]
    text = invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-30T18:00", env=PAPER_ZH).stdout
    assert "《客户回访记录》（11.3.2）" in text
    assert "投诉 | 2 | 2 | 100% 达标 | ≥50% | 1 | 1 | 0 | 50% 未达标（1/2）" in text  # 11.1.11: marked (third release)
    assert "维修单 | 0 | 0 | — | ≥30%" in text and "文体活动 | 0 | 0 | — | ≥10%" in text
    assert "合计 |  |  |  |  | 1 | 1 | 0 | 50% 未达标（1/2，目标 100%，11.1.11）" in text
    assert f"不满意未闭环 | 1 件：{unhappy} → {follow}（第2次回访，2026-12-03 10:00）" in text
    assert "月份 | 2026-11" in text and "管理处 | HY01 和园物业管理处" in text
    assert "编制人 | 陈静（客户服务部主任）" in text
    assert "部门主任审阅 | ________" in text and "报公司领导 | ________" in text
    out = tmp_path / "summary.html"
    assert invoke(ledger, "form", "callback-summary", "2026-11", "-f", "html", "-o", str(out),
                  now="2026-11-30T18:00", env=PAPER_ZH).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<td>编制人</td><td>陈静（客户服务部主任）</td>" in html and "<td>报公司领导</td>" in html
    figures = stats(ledger, "2026-11", "2026-11-30T18:00")
    assert (figures["handling_rate"], figures["handling_target"], figures["open_dissatisfied"]) == (0.5, 1.0, 1)


def test_a_dissatisfied_move_in_callback_is_an_open_loop_until_its_follow_up_is_satisfied(ledger):
    """11.2.3 holds for every callback: a dissatisfied 入伙回访 (11.1.6), which follows no record, is listed as an
    open loop in 《客户回访记录》 and the monthly report and counted in the month's handling rate (11.1.11)."""
    move_in = invoke_json(ledger, "visit", "new", "--type", "move-in", "--address", "8栋1201", "--name", "钱七",
                          "--phone", "13600136000", now="2026-11-12T09:00")["id"]
    follow = record(ledger, move_in, "--method", "phone", "--result", "dissatisfied", "--note", "入户门关不严",
                    "--next", "2026-11-20T10:00", now="2026-11-13T09:00", as_="刘洋")["events"][-1]["next_callback"]
    figures = stats(ledger, "2026-11", "2026-11-14T09:00")
    assert (figures["called_back"], figures["settled"], figures["open_dissatisfied"], figures["handling_rate"]) \
        == (1, 0, 1, 0.0)
    text = invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-14T09:00", env=PAPER_ZH).stdout
    assert f"不满意未闭环 | 1 件：{move_in} → {follow}（第2次回访，2026-11-20 10:00）" in text
    report = invoke(ledger, "stats", "2026-11", "-f", "html", now="2026-11-14T09:00", env=PAPER_ZH).stdout
    loops = report.split("回访不满意、尚未闭环（1 项）")[1]  # the monthly report's section
    assert move_in in loops and "钱七 8栋1201" in loops and "入伙回访（11.1.6）" in loops
    assert stats(ledger, "2026-12", "2026-11-14T09:00")["open_dissatisfied"] == 0  # the loop belongs to November
    record(ledger, follow, "--method", "phone", "--result", "satisfied", "--note", "已修好", now="2026-11-20T10:30",
           as_="刘洋")
    figures = stats(ledger, "2026-11", "2026-11-21T09:00")
    assert (figures["called_back"], figures["settled"], figures["open_dissatisfied"], figures["handling_rate"]) \
        == (1, 1, 0, 1.0)
    text = invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-21T09:00", env=PAPER_ZH).stdout
    assert "不满意未闭环 | 0 件" in text
