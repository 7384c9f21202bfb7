"""Help-request rules on plain records (no git): request.report (9.4.2-2) from the shipped policy, written and
confidential enquiries (9.4.3), charges (9.4.9)."""
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.errors import BadInput
from propcli.kinds import request
from propcli.model import record_from_plain
from propcli.policy import parse_policy
from propcli.policy.rules import deadlines
from propcli.store import yamlio

TZ = "Asia/Shanghai"
POLICY = Path(__file__).resolve().parents[2] / "ledger" / "policy.yaml"


def plain_request(*events, **fields):
    plain = {"schema": 1, "kind": "request", "id": "Q-2PV6RGGJBZ", "category": "medical", "name": "李四",
             "phone": "13900139000", "address": "5栋1202", "detail": "老人昏迷", "major": True,
             "events": [{"step": "new", "at": "2026-11-21T10:00:00+08:00", "by": "刘洋"}, *events]}
    plain.update(fields)
    return record_from_plain(plain, TZ)


def report(record):
    policy, problems = parse_policy(yamlio.read_plain_file(POLICY))
    assert problems == []
    return next((d for d in deadlines(record, policy) if d.rule == "request.report"), None)


def test_a_major_medical_emergency_is_reported_to_the_manager_within_5_minutes():
    deadline = report(plain_request())
    assert deadline.clause == "9.4.2-2" and (deadline.due - deadline.start).total_seconds() == 300
    assert deadline.done is None
    assert report(plain_request(major=False)) is None and report(plain_request(category="other")) is None


def test_only_the_desks_report_to_the_manager_meets_it():
    director = {"step": "escalate", "at": "2026-11-21T10:02:00+08:00", "by": "刘洋", "to": "property_director"}
    by_mail = {"step": "escalate", "at": "2026-11-21T10:40:00+08:00", "by": "cron", "to": "manager",
               "rule": "request.report", "clause": "9.4.2-2"}
    assert report(plain_request(director, by_mail)).done is None
    desk = {"step": "escalate", "at": "2026-11-21T10:04:00+08:00", "by": "刘洋", "to": "manager"}
    met = report(plain_request(director, desk))
    assert met.done is not None and met.state(met.done) == "met"


def test_a_major_emergency_is_not_closed_before_the_manager_is_told():
    with pytest.raises(BadInput, match="9.4.2-2"):
        request.check_step(plain_request(), "close", {})
    told = plain_request({"step": "escalate", "at": "2026-11-21T10:03:00+08:00", "by": "刘洋", "to": "manager"})
    request.check_step(told, "close", {})


def test_a_written_enquiry_is_answered_by_phone_or_in_writing():
    # 9.4.3-1: 由客户主任及时以电话或书面形式回复 -- a phone answer is not refused; a written one holds its text
    enquiry = plain_request(category="enquiry", major=False, written=True)
    request.check_step(enquiry, "reply", {"method": "phone"})
    with pytest.raises(BadInput, match="--text"):
        request.check_step(enquiry, "reply", {"written": True})
    with pytest.raises(BadInput, match="9.4.3-1"):
        request.check_step(enquiry, "close", {})
    request.check_step(enquiry, "reply", {"written": True, "text": "书面答复"})


def test_confidential_detail_is_masked_or_dropped_and_others_untouched():
    shown = {"id": "Q-1", "kind": "request", "detail": "合同条款", "confidential": True,
             "events": [{"step": "new"}, {"step": "reply", "text": "合同条款不公开", "written": True}]}
    masked = request.redact(shown)
    assert masked["detail"] == "保密" and masked["events"][1] == {"step": "reply", "text": "保密", "written": True}
    dropped = request.redact(shown, drop=True)
    assert "detail" not in dropped and "text" not in dropped["events"][1]
    assert shown["detail"] == "合同条款"  # the record itself is not changed
    plain = {"id": "Q-2", "kind": "request", "detail": "门禁卡失灵", "events": []}
    assert request.redact(plain) is plain


def test_a_charge_is_the_listed_items_and_is_made_once():
    items = [{"code": "MC-03", "name": "开启户门", "qty": 1, "unit_price": "50.00", "amount": "50.00"}]
    charged = plain_request({"step": "charge", "at": "2026-11-21T10:30:00+08:00", "by": "刘洋", "items": items},
                            category="other", major=False)
    assert request.fee_total(charged) == Decimal("50.00")
    assert request.charged_at(charged) == charged.events[-1].at
    assert request.fee_total(plain_request(category="other", major=False)) is None
    with pytest.raises(BadInput, match="once"):
        request.check_step(charged, "charge", {"items": items})
