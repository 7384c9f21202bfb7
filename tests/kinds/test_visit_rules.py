"""Visits 拜访 (11.1.6) on plain records."""
from types import SimpleNamespace

import pytest

from propcli import kinds
from propcli.errors import BadInput
from propcli.model import Event

VISIT = """
schema: 1
kind: visit
id: V-00000000AB
type: holiday
type_zh: 重大节日拜访
role: manager
address: 5栋1201
events:
- {step: new, at: '2026-09-20T09:00:00+08:00', by: 王建国}
"""


def test_a_visit_is_open_until_recorded_once(make_record):
    visit = make_record(VISIT)
    declared = kinds.kind("visit")
    assert declared.closing_event(visit) is None
    done = make_record(VISIT + "- {step: record, at: '2026-09-28T10:00:00+08:00', by: 王建国, result: satisfied}\n")
    assert declared.closing_event(done).step == "record"
    with pytest.raises(BadInput):
        declared.check_step(done, Event("record", done.last_at, "王建国", {"result": "satisfied"}))


def test_the_visit_register_prints_one_row_per_visit():
    (row,) = kinds.kind("visit").registers[0].rows(SimpleNamespace(records=[{
        "id": "V-1", "type": "move-in", "address": "3栋0301", "name": "李四", "phone": "13900139000", "households": 1,
        "events": [{"step": "new", "at": "2026-11-01T09:00:00+08:00", "by": "王芳"},
                   {"step": "record", "at": "2026-11-02T10:00:00+08:00", "by": "王芳", "result": "satisfied",
                    "note": "满意", "signature": "李四"}]}]))
    # 11.1.6 (third release): a move-in visit recorded before reads 入伙回访; the row is keyed by column name
    assert (row["编号"], row["拜访类型"], row["房号"]) == ("V-1", "入伙回访", "3栋0301")
    assert row["满意度"] == "满意" and row["客户签名"] == "李四"
