"""The rules of callbacks and their sources on plain records (no git, no CLI): the method of 11.1.7/11.1.9,
the loop of 11.2.3 and 11.1.11, the review of 11.1.8, 11.1.12-13 for complaints, 11.1.6 for visits and
incidents, and the shipped policy's callback.next, callback.incident and complaint.reply rules."""
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from propcli.app.callbacks import loop_state
from propcli.errors import BadInput
from propcli.kinds import callback, complaint, request, visit
from propcli.model import record_from_plain
from propcli.policy import parse_policy
from propcli.policy.rules import deadlines

TZ = "Asia/Shanghai"
POLICY, _PROBLEMS = parse_policy(yaml.safe_load((Path(__file__).resolve().parents[2] / "ledger" / "policy.yaml")
                                                .read_text(encoding="utf-8")))


def plain(text: str):
    return record_from_plain(yaml.safe_load(text), TZ)


def a_callback(*events: str, role="patrol_officer", hint="any", attempt=1, extra=""):
    lines = "\n".join(f"  - {event}" for event in ('{step: new, at: "2026-11-06T10:00:00+08:00", by: 高敏}',) + events)
    return plain(f"""
schema: 1
kind: callback
id: B-2NQXN8N5QH
source: T-2NKN4GRJ31
source_kind: complaint
role: {role}
method_hint: {hint}
attempt: {attempt}
{extra}
events:
{lines}
""")


RECORDED = '{step: record, at: "2026-11-07T10:00:00+08:00", by: 高敏, method: phone, result: %s}'


def test_any_first_callback_may_be_by_phone_but_a_major_complaints_follow_ups_are_visits():
    callback.check_record(a_callback(hint="visit"), "phone", "satisfied", None)  # 11.1.7
    callback.check_record(a_callback(attempt=2), "phone", "satisfied", None)  # 11.1.9: not the third category
    with pytest.raises(BadInput, match="11.1.9"):
        callback.check_record(a_callback(hint="visit", attempt=2), "phone", "satisfied", None)
    callback.check_record(a_callback(hint="visit", attempt=3), "visit", "satisfied", "张三")
    with pytest.raises(BadInput, match="--signature"):
        callback.check_record(a_callback(), "visit", "satisfied", " ")


def test_a_callback_is_recorded_once_also_when_a_letter_answered_it():
    with pytest.raises(BadInput, match="already recorded"):
        callback.check_record(a_callback(RECORDED % "satisfied"), "phone", "satisfied", None)
    met = a_callback('{step: record, at: "2026-11-07T10:00:00+08:00", by: 王芳, method: letter, letter: L-2NVWT0SYPC}')
    with pytest.raises(BadInput, match="L-2NVWT0SYPC"):
        callback.check_record(met, "phone", "satisfied", None)


def test_the_loop_closes_with_a_satisfied_callback_its_agreed_reply_or_a_letter():
    assert not callback.loop_closed_by(a_callback())
    assert callback.loop_closed_by(a_callback(RECORDED % "satisfied"))
    assert not callback.loop_closed_by(a_callback(RECORDED % "dissatisfied"))
    waiting = ('{step: record, at: "2026-11-07T10:00:00+08:00", by: 高敏, method: phone, result: satisfied, '
               'reply_by: "2026-11-09T17:00:00+08:00"}')
    assert not callback.loop_closed_by(a_callback(waiting))  # 11.1.9: the agreed reply is still owed
    assert callback.loop_closed_by(a_callback(waiting, '{step: reply, at: "2026-11-08T10:00:00+08:00", by: 陈静}'))
    assert callback.loop_closed_by(a_callback('{step: record, at: "2026-11-07T10:00:00+08:00", by: 王芳, '
                                              'method: letter, letter: L-2NVWT0SYPC}'))


def test_loop_state_of_a_chain():
    def state(*chain):
        return loop_state([callback.facts_of(c) for c in chain])

    first = a_callback(RECORDED % "dissatisfied")
    assert state() == "none"
    assert state(a_callback()) == "open"
    assert state(first, a_callback(attempt=2)) == "dissatisfied"
    assert state(first, a_callback(RECORDED % "satisfied", attempt=2)) == "closed"
    assert state(first, a_callback(RECORDED % "dissatisfied", attempt=2), a_callback(attempt=3)) == "dissatisfied"
    facts = callback.facts_of(a_callback(RECORDED % "dissatisfied",
                                         '{step: fix, at: "2026-11-08T10:00:00+08:00", by: x, note: y}'))
    assert (facts.method, facts.result, facts.fixed, facts.attempt) == ("phone", "dissatisfied", True, 1)


def test_fix_follows_a_dissatisfied_callback_once():
    with pytest.raises(BadInput, match="11.2.3"):
        callback.check_fix(a_callback(RECORDED % "satisfied"))
    callback.check_fix(a_callback(RECORDED % "dissatisfied"))
    with pytest.raises(BadInput, match="already"):
        callback.check_fix(a_callback(RECORDED % "dissatisfied",
                                      '{step: fix, at: "2026-11-08T10:00:00+08:00", by: 周志强, note: 已整改}'))


def test_review_who_and_when():
    assert callback.reviewer_role(a_callback(role="patrol_officer")) == "property_director"  # 11.1.8
    assert callback.reviewer_role(a_callback(role="area_officer")) == "property_director"
    assert callback.reviewer_role(a_callback(role="culture_clerk")) == "service_director"  # 11.2.4
    assert callback.reviewer_role(a_callback(role="manager")) == "service_director"
    with pytest.raises(BadInput, match="not recorded"):
        callback.check_review(a_callback())
    reviewed = a_callback(RECORDED % "satisfied",
                          '{step: review, at: "2026-11-08T10:00:00+08:00", by: 张伟, opinion: 好}')
    with pytest.raises(BadInput, match="already reviewed by 张伟"):
        callback.check_review(reviewed)
    assert callback.awaiting_review(a_callback(RECORDED % "satisfied"))
    assert not callback.awaiting_review(reviewed) and not callback.awaiting_review(a_callback())
    assert not callback.awaiting_review(a_callback('{step: record, at: "2026-11-07T10:00:00+08:00", by: 王芳, '
                                                   'method: letter, letter: L-2NVWT0SYPC}'))


def test_the_next_callback_is_due_at_the_agreed_time_for_the_same_role():
    follow = record_from_plain(dict(yaml.safe_load("""
schema: 1
kind: callback
id: B-2NVNS096AM
source: T-2NKN4GRJ31
source_kind: complaint
role: manager
previous: B-2NQXN8N5QH
attempt: 2
events:
  - {step: new, at: "2026-11-07T10:00:00+08:00", by: 李秀梅, next: "2026-11-12T10:00:00+08:00"}
""")), TZ)
    found = deadlines(follow, POLICY)
    assert [(d.rule, d.clause, d.role, d.due.isoformat()) for d in found] == [
        ("callback.next", "11.2.3", "manager", "2026-11-12T10:00:00+08:00")]
    first = a_callback(extra='source_done: "2026-11-06T23:50:00+08:00"')
    assert [(d.rule, d.due.isoformat()) for d in deadlines(first, POLICY)] == [
        ("callback.complaint", "2026-11-09T23:59:59+08:00")]  # handled at 23:50: the 3 days start the next day


def test_incident_callbacks_and_complaint_replies_in_the_shipped_policy():
    incident = a_callback(role="property_officer", extra='source_done: "2026-11-10T11:00:00+08:00"').fields
    record = record_from_plain({"schema": 1, "kind": "callback", "id": "B-2NVNS096AM", **dict(incident),
                                "source_kind": "request",
                                "events": [{"step": "new", "at": "2026-11-10T12:00:00+08:00", "by": "x"}]}, TZ)
    (found,) = deadlines(record, POLICY)
    assert (found.rule, found.clause, found.role, found.due) == (
        "callback.incident", "11.1.6", "property_officer", datetime.fromisoformat("2026-11-17T23:59:59+08:00"))
    received = plain("""
schema: 1
kind: complaint
id: T-2NKN4GRJ31
detail: 噪音
events:
  - {step: new, at: "2026-11-05T09:00:00+08:00", by: 王芳}
  - {step: assign, at: "2026-11-05T09:09:00+08:00", by: 王芳, to: 工程部}
""")
    (reply,) = deadlines(received, POLICY)
    assert (reply.rule, reply.clause, reply.state(reply.done)) == ("complaint.reply", "9.4.1-2", "met")
    assert reply.due == datetime.fromisoformat("2026-11-05T09:10:00+08:00")


def a_complaint(*events: str, extra=""):
    lines = "\n".join(f"  - {event}" for event in ('{step: new, at: "2026-11-05T09:00:00+08:00", by: 王芳}',) + events)
    return plain(f"""
schema: 1
kind: complaint
id: T-2NKN4GRJ31
phone: "13800138000"
detail: 噪音
{extra}
events:
{lines}
""")


def test_a_merge_keeps_the_earliest():
    first = a_complaint()
    later = record_from_plain({"schema": 1, "kind": "complaint", "id": "T-2NKP00RJ31", "phone": "13800138000",
                               "detail": "噪音", "events": [{"step": "new", "at": "2026-11-05T11:00:00+08:00",
                                                             "by": "王芳"}]}, TZ)
    complaint.check_merge(later, first)
    with pytest.raises(BadInput, match="11.1.12"):
        complaint.check_merge(first, later)


def test_a_written_reply_only_complaint_is_settled_by_its_written_reply():
    handled = '{step: handle, at: "2026-11-06T10:00:00+08:00", by: 王芳}'
    forwarded = a_complaint(handled, extra="written_reply_only: true")
    assert complaint.needs_no_callback(forwarded) and not complaint.settled(forwarded)
    with pytest.raises(BadInput, match="11.1.13"):
        complaint.check_step(forwarded, "close")
    noted = a_complaint(handled, '{step: reply, at: "2026-11-06T11:00:00+08:00", by: 王芳, note: 已电话说明}',
                        extra="written_reply_only: true")
    assert not complaint.settled(noted)
    replied = a_complaint(handled, '{step: reply, at: "2026-11-06T11:00:00+08:00", by: 王芳, text: 特此复函}',
                          extra="written_reply_only: true")
    assert complaint.settled(replied) and complaint.written_replies(replied)[0].get("text") == "特此复函"
    complaint.check_step(replied, "close")
    anonymous = a_complaint(handled, extra="anonymous: true")
    assert complaint.needs_no_callback(anonymous) and complaint.settled(anonymous)


def test_incidents_and_move_in_visits_are_callbacks_of_11_1_6():
    def a_request(category, closed=True):
        events = [{"step": "new", "at": "2026-11-10T08:00:00+08:00", "by": "刘洋"}]
        if closed:
            events.append({"step": "close", "at": "2026-11-10T11:00:00+08:00", "by": "刘洋"})
        return record_from_plain({"schema": 1, "kind": "request", "id": "Q-2NKN4GRJ31", "category": category,
                                  "events": events}, TZ)

    source = request.KIND.callback_source
    for category in ("medical", "security", "disaster"):
        assert source.done_at(a_request(category)) == datetime.fromisoformat("2026-11-10T11:00:00+08:00")
        assert not source.exempt(a_request(category))
    assert source.done_at(a_request("medical", closed=False)) is None
    assert source.done_at(a_request("enquiry")) is None and source.exempt(a_request("enquiry"))
    assert source.role_of(a_request("medical")) == "property_officer" and source.rule == "callback.incident"

    def a_visit(kind):
        return record_from_plain({"schema": 1, "kind": "visit", "id": "V-2NKN4GRJ31", "type": kind,
                                  "events": [{"step": "new", "at": "2026-11-12T09:00:00+08:00", "by": "刘洋"}]}, TZ)

    assert visit.is_callback(a_visit("move-in")) and not visit.is_callback(a_visit("holiday"))
