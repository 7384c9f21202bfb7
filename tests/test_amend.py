"""propcli/amend.py and the records built through it (propcli/model.py): corrections, withdrawals and voids
applied when a record is read; pure, no ledger."""
import propcli.kinds  # noqa: F401  (registers the kinds' id prefixes)
from propcli.model import record_from_plain, record_to_plain

TZ = "Asia/Shanghai"


def plain(*events, **fields):
    base = {"schema": 1, "kind": "repair", "id": "R-2QG9RGYR03", "name": "张三", "phone": "1380013800"}
    base.update(fields)
    base["events"] = [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "王芳"}, *events]
    return base


CORRECT = {"step": "correct", "at": "2026-11-28T09:30:00+08:00", "by": "王芳",
           "changes": {"phone": ["1380013800", "13800138000"]}, "reason": "输错"}
FILL = {"step": "fill", "at": "2026-11-28T09:31:00+08:00", "by": "王芳"}


def test_a_correction_applies_from_its_event_on_and_the_file_keeps_the_value_entered():
    record = record_from_plain(plain(CORRECT), TZ)
    assert record.fields["phone"] == "13800138000" and record.as_entered["phone"] == "1380013800"
    assert [e.step for e in record.events] == ["new"] and len(record.all_events) == 2
    assert record_to_plain(record, TZ)["phone"] == "1380013800"
    assert record_to_plain(record, TZ, current=True)["phone"] == "13800138000"
    from datetime import datetime, timedelta, timezone

    before = record.as_of(datetime(2026, 11, 28, 9, 10, tzinfo=timezone(timedelta(hours=8))))
    assert before.fields["phone"] == "1380013800" and before.all_events == before.events


def test_a_document_holding_the_current_values_reads_back_the_same_record():
    current = record_to_plain(record_from_plain(plain(CORRECT), TZ), TZ, current=True)
    again = record_from_plain(current, TZ)
    assert again.as_entered["phone"] == "1380013800" and again.fields["phone"] == "13800138000"


def test_an_undo_withdraws_an_event_and_a_withdrawn_correction_no_longer_applies():
    undo = {"step": "undo", "at": "2026-11-28T09:32:00+08:00", "by": "王芳", "undoes": 2, "reason": "x"}
    record = record_from_plain(plain(CORRECT, FILL, undo), TZ)
    assert [e.step for e in record.events] == ["new"] and record.fields["phone"] == "13800138000"
    undo_correction = dict(undo, undoes=1, at="2026-11-28T09:33:00+08:00")
    record = record_from_plain(plain(CORRECT, FILL, undo, undo_correction), TZ)
    assert record.fields["phone"] == "1380013800"
    from propcli import amend

    assert amend.undoable_index(record.all_events) is None  # only `new` still counts


def test_a_void_closes_and_an_undo_naming_new_withdraws_nothing():
    void = {"step": "void", "at": "2026-11-28T09:40:00+08:00", "by": "张伟", "reason": "重复"}
    record = record_from_plain(plain(FILL, void), TZ)
    assert record.voided is not None and record.voided.by == "张伟"
    bad = {"step": "undo", "at": "2026-11-28T09:40:00+08:00", "by": "王芳", "undoes": 0, "reason": "x"}
    assert [e.step for e in record_from_plain(plain(bad), TZ).events] == ["new"]
    from propcli.app.checks import amend_problems

    assert [n for n, _message in amend_problems(record_from_plain(plain(bad), TZ))] == [1]
