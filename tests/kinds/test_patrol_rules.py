"""A patrol round on plain records (12): open until each finding is a public repair or handled on the spot."""
import pytest

from propcli.errors import BadInput
from propcli.kinds import patrol
from datetime import datetime

from propcli.model import Event, record_from_plain


def round_(*events, findings=("消防通道堆放杂物", "3栋电梯厅灯不亮")):
    return record_from_plain({"schema": 1, "kind": "patrol", "id": "P-2Q3248A1MV", "area": "3栋及周边",
                              "findings": list(findings),
                              "events": [{"step": "new", "at": "2026-11-23T08:30:00+08:00", "by": "刘洋"}, *events]},
                             "Asia/Shanghai")


REPAIR = {"step": "repair", "at": "2026-11-23T08:40:00+08:00", "by": "赵丽娟", "finding": 2, "repair": "R-2Q32Q06P92"}
HANDLE = {"step": "handle", "at": "2026-11-23T09:30:00+08:00", "by": "刘洋", "finding": 1, "outcome": "已通知清理"}


def test_a_round_closes_when_every_finding_is_dealt_with():
    assert patrol.closing_event(round_()) is None
    assert patrol.closing_event(round_(REPAIR)) is None
    closing = patrol.closing_event(round_(REPAIR, HANDLE))
    assert closing.step == "handle"
    assert patrol.closing_event(round_(findings=())).step == "new"  # nothing found: done when recorded


def test_a_finding_is_dealt_with_once_and_handling_says_how():
    with pytest.raises(BadInput, match="repair R-2Q32Q06P92"):
        patrol.check_finding(round_(REPAIR), 2)
    with pytest.raises(BadInput, match="1 to 2"):
        patrol.check_finding(round_(), 3)
    at = datetime.fromisoformat("2026-11-23T09:30:00+08:00")
    with pytest.raises(BadInput, match="--outcome"):
        patrol.check_step(round_(), Event("handle", at, "刘洋", {"finding": 1}))
    patrol.check_step(round_(), Event("handle", at, "刘洋", {"finding": 1, "outcome": "已通知清理"}))
    assert patrol.officer_of(round_()) == "刘洋"
