"""What a record is at a moment: status, open, fees and deadlines, replayed from its events."""
from datetime import datetime
from decimal import Decimal

from propcli import kinds
from propcli.model import Record, record_to_plain
from propcli.policy.rules import Deadline, deadlines
from propcli.timeutil import format_time
from propcli.values import Value, settable


class View(Value):
    __slots__ = ("record", "status", "open", "closed_at", "deadlines", "fee_total")
    record: Record
    status: str
    open: bool
    closed_at: datetime | None
    deadlines: tuple[Deadline, ...]
    fee_total: Decimal | None

    def __init__(self, record: Record, status: str, open: bool, closed_at: datetime | None,
                 deadlines: tuple[Deadline, ...], fee_total: Decimal | None):
        settable(self, "record", record)
        settable(self, "status", status)
        settable(self, "open", open)
        settable(self, "closed_at", closed_at)
        settable(self, "deadlines", deadlines)
        settable(self, "fee_total", fee_total)


def closing_event(record: Record):
    """The event that closed the record, by its kind's rule (None while open)."""
    return kinds.kind(record.kind).closing_event(record)


def view(record: Record, ledger, now: datetime | None = None) -> View | None:
    """The record as of `now` (None: everything recorded); None when it did not exist yet."""
    if now is not None:
        record = record.as_of(now)
        if record is None:
            return None
    fee_of = kinds.kind(record.kind).fee_total
    fee = fee_of(record) if fee_of is not None else None
    void = record.voided
    closing = void or closing_event(record)
    closed_at = closing.at if closing else None
    found = deadlines(record, ledger.policy, closed_at, ledger.calendar)
    if void is not None:  # 作废: closed, its deadlines cancelled, out of every figure (CLI.md "Correcting ...")
        return View(record, "void", False, void.at, tuple(found), fee)
    return View(record, record.workflow_events()[-1].step, closing is None, closed_at, tuple(found), fee)


def deadline_json(deadline: Deadline, now: datetime, tz: str) -> dict:
    return {
        "rule": deadline.rule, "clause": deadline.clause,
        "start": format_time(deadline.start, tz), "due": format_time(deadline.due, tz),
        "done": format_time(deadline.done, tz), "state": deadline.state(now),
        "minutes_late": deadline.minutes_late(now), "role": deadline.role, "assignee": deadline.assignee,
    }


def to_json(current: View, now: datetime, tz: str) -> dict:
    """The JSON shape of CLI.md "JSON shapes the checks read" (show, list, export, new)."""
    record = current.record
    plain = record_to_plain(record, tz, current=True)
    plain.pop("schema", None)
    events = plain.pop("events")
    result = {"id": record.id, "kind": record.kind, "status": current.status, "open": current.open}
    result.update(plain)
    if current.fee_total is not None:
        result["fee_total"] = float(current.fee_total)
    result["received"] = format_time(record.received, tz)
    result["events"] = events
    result.update(amendments_json(record, tz))
    money_as_numbers(result)
    result["deadlines"] = [deadline_json(d, now, tz) for d in current.deadlines
                           if (d.cancelled is None or d.cancelled > now) and record.voided is None]
    return result


def amendments_json(record: Record, tz: str) -> dict:
    """What corrections, undos and a void did to the record (empty when nothing did): `corrections` lists
    each field corrected with the value entered at intake and the value now, and every correction event
    (its index in `events`, when, by whom, why, the changes); `withdrawn` the indexes of withdrawn events;
    `voided` when, by whom and why. Derived from the events, as everything else in this JSON."""
    from propcli import amend

    events = record.all_events
    result: dict = {}
    corrected = amend.corrected_fields(events)
    made = amend.corrections(events)
    if made:
        result["corrections"] = {
            "fields": {name: {"entered": old, "now": new} for name, (old, new) in corrected.items()},
            "events": [{"index": index, "at": format_time(event.at, tz), "by": event.by,
                        "reason": event.get("reason"), "changes": amend.changes_of(event)} for index, event in made]}
    withdrawn = amend.withdrawn_indexes(events)
    if withdrawn:
        result["withdrawn"] = sorted(withdrawn)
    void = record.voided
    if void is not None:
        result["voided"] = {"at": format_time(void.at, tz), "by": void.by, "reason": void.get("reason")}
    return result


MONEY_KEYS = ("unit_price", "price", "amount")
"""Amounts: quoted decimal strings in the YAML (never float arithmetic), numbers in yuan in JSON (CLI.md)."""


def _convert_money(value, convert):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in MONEY_KEYS and item is not None and not isinstance(item, (dict, list, bool)):
                value[key] = convert(item)
            else:
                _convert_money(item, convert)
    elif isinstance(value, list):
        for item in value:
            _convert_money(item, convert)
    return value


def money_as_numbers(plain: dict) -> dict:
    return _convert_money(plain, lambda item: float(Decimal(str(item))))


def money_as_text(plain: dict) -> dict:
    """The inverse, for `import`: amounts back to two-decimal strings as the ledger keeps them."""
    def convert(item):
        try:
            return str(Decimal(str(item)).quantize(Decimal("0.01")))
        except ArithmeticError:
            return item

    return _convert_money(plain, convert)


def source_done(record: Record) -> datetime | None:
    """When a callback source was finished (11.1.3-6: a complaint handled, a resident repair completed, a
    community event ended), by its kind's callback source; None for anything else."""
    source = kinds.kind(record.kind).callback_source
    return source.done_at(record) if source is not None and record.voided is None else None


def needs_callback(record: Record) -> bool:
    """A callback source that is not exempt (11.1.13)."""
    source = kinds.kind(record.kind).callback_source
    return source is not None and record.voided is None and not source.exempt(record)


def redacted(shown: dict, drop: bool = False) -> dict:
    """The record as lists, mail, printed forms and reports show it: its kind's `redact` (a confidential
    enquiry's detail as 保密, 9.4.3-4); `drop`: left out (`export --redact`). `show` and `export` keep it."""
    hook = kinds.kind(shown["kind"]).redact if shown.get("kind") in kinds.NAMES else None
    return hook(shown, drop) if hook is not None else shown
