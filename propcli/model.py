"""Records are data: plain fields plus an append-only list of events.

Nothing derived (status, deadlines, fees) is stored in a record file; it is computed by
replaying the events (see workflow.py and policy.py).
"""
from datetime import datetime
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

from propcli.ids import ID_PATTERN, PREFIX, kind_of
from propcli.timeutil import format_time, parse_time
from propcli.values import Value, settable

EVENT_KEYS = ("step", "at", "by")
SIDE_STEPS = frozenset({"note", "notice", "escalate"})
"""Steps that record something about a record without moving its workflow."""


_NO_DATA: Mapping[str, Any] = MappingProxyType({})


class Event(Value):
    __slots__ = ("step", "at", "by", "data")
    step: str
    at: datetime
    by: str
    data: Mapping[str, Any]

    def __init__(self, step: str, at: datetime, by: str, data: Mapping[str, Any] = _NO_DATA):
        settable(self, "step", step)
        settable(self, "at", at)
        settable(self, "by", by)
        settable(self, "data", data)

    def get(self, key, default=None):
        return self.data.get(key, default)

    def to_plain(self, tz: str) -> dict:
        plain = {"step": self.step, "at": format_time(self.at, tz), "by": self.by}
        plain.update(self.data)
        return plain


class Record(Value):
    """A record as it reads: `fields` with the corrections applied, `events` without withdrawn events and
    without the amending steps (correct, undo, void; see propcli/amend.py). `log` holds every event of the
    file and `intake` the fields as entered (both empty/None when nothing amends the record: the same as
    `events` and `fields`). Build one from a file's events with `amended`."""

    __slots__ = ("kind", "id", "fields", "events", "path", "log", "intake")
    kind: str
    id: str
    fields: Mapping[str, Any]
    events: tuple[Event, ...]
    path: str
    log: tuple[Event, ...]
    intake: Mapping[str, Any] | None

    def __init__(self, kind: str, id: str, fields: Mapping[str, Any], events: tuple[Event, ...], path: str = "",
                 log: tuple[Event, ...] = (), intake: Mapping[str, Any] | None = None):
        settable(self, "kind", kind)
        settable(self, "id", id)
        settable(self, "fields", fields)
        settable(self, "events", events)
        settable(self, "path", path)
        settable(self, "log", log)
        settable(self, "intake", intake)

    @property
    def all_events(self) -> tuple[Event, ...]:
        """Every event of the file, withdrawn ones, corrections, undos and a void included."""
        return self.log or self.events

    @property
    def as_entered(self) -> Mapping[str, Any]:
        """The fields as written at `new` (what the file's top level holds)."""
        return self.intake if self.intake is not None else self.fields

    @property
    def voided(self) -> "Event | None":
        from propcli.amend import void_event

        return void_event(self.log) if self.log else None

    def position(self, event: Event) -> int:
        """The index in the file's `events` of one of this record's events."""
        events = self.all_events
        return next((i for i, e in enumerate(events) if e is event), None) or events.index(event)

    @property
    def received(self) -> datetime:
        return self.events[0].at

    @property
    def last_at(self) -> datetime:
        return self.all_events[-1].at

    def get(self, key, default=None):
        return self.fields.get(key, default)

    def workflow_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.step not in SIDE_STEPS)

    def first(self, step: str) -> Event | None:
        return next((e for e in self.events if e.step == step), None)

    def has(self, step: str) -> bool:
        return any(e.step == step for e in self.events)

    def as_of(self, now: datetime) -> "Record | None":
        """The record as it stood at `now`: later events (and a later record) do not exist yet."""
        if self.received > now:
            return None
        if self.last_at <= now:
            return self
        return amended(self.kind, self.id, self.as_entered, tuple(e for e in self.all_events if e.at <= now), self.path)

    def with_event(self, event: Event) -> "Record":
        return amended(self.kind, self.id, self.as_entered, self.all_events + (event,), self.path)


def amended(kind: str, record_id: str, fields: Mapping[str, Any], events: tuple[Event, ...], path: str = "") -> Record:
    """The record that `fields` and every event of its file make, corrections, withdrawals and a void applied
    (propcli/amend.py). `fields` may be as entered or already corrected (an index document)."""
    from propcli.amend import AMEND_STEPS, intake_fields, replay

    if not any(e.step in AMEND_STEPS for e in events):
        return Record(kind, record_id, fields, events, path)
    current, kept, _withdrawn = replay(fields, events)
    return Record(kind, record_id, MappingProxyType(current), kept, path, tuple(events),
                  MappingProxyType(intake_fields(fields, events)))


class RecordProblem(Exception):
    """A record file that does not follow the schema; `key` says where (for the line number)."""

    def __init__(self, message: str, key: str | None = None, event_index: int | None = None):
        super().__init__(message)
        self.message, self.key, self.event_index = message, key, event_index


def _text(value) -> str:
    return value if isinstance(value, str) else str(value)


def record_from_plain(plain, tz: str, path: str = "") -> Record:
    """Build a Record from parsed YAML/JSON; RecordProblem names what is wrong."""
    from propcli.i18n import _

    if not isinstance(plain, dict):
        raise RecordProblem(_("a record file must hold a mapping"))
    if plain.get("schema") != 1:
        raise RecordProblem(_("schema: expected 1"), "schema")
    record_id = plain.get("id")
    if not isinstance(record_id, str) or not ID_PATTERN.match(record_id):
        raise RecordProblem(_("id: expected an id such as R-6K2M9Q7XF4"), "id")
    kind = plain.get("kind")
    if kind not in PREFIX:
        raise RecordProblem(_("kind: expected one of {kinds}", kinds=", ".join(PREFIX)), "kind")
    if kind_of(record_id) != kind:
        raise RecordProblem(_("id: prefix does not match kind '{kind}'", kind=kind), "id")
    raw_events = plain.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise RecordProblem(_("events: expected a non-empty list of events"), "events")
    events = []
    previous = None
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            raise RecordProblem(_("events[{n}]: expected a mapping with step, at, by", n=index), "events", index)
        step = raw.get("step")
        if not isinstance(step, str) or not step:
            raise RecordProblem(_("events[{n}].step: expected a step name", n=index), "events", index)
        if index == 0 and step != "new":
            raise RecordProblem(_("events[0].step: the first event must be 'new'"), "events", index)
        try:
            at = parse_time(_text(raw.get("at")), tz, field=f"events[{index}].at")
        except Exception:
            raise RecordProblem(_("events[{n}].at: expected an ISO 8601 time with offset", n=index), "events",
                                index) from None
        if previous is not None and at < previous:
            raise RecordProblem(_("events[{n}].at: goes back in time before the previous event", n=index), "events",
                                index)
        by = raw.get("by")
        if not isinstance(by, str) or not by.strip():
            raise RecordProblem(_("events[{n}].by: expected the name of who did it", n=index), "events", index)
        data = {k: v for k, v in raw.items() if k not in EVENT_KEYS}
        events.append(Event(step, at, by, MappingProxyType(data)))
        previous = at
    fields = {k: v for k, v in plain.items() if k not in ("schema", "kind", "id", "events")}
    return amended(kind, record_id, MappingProxyType(fields), tuple(events), path)


def record_to_plain(record: Record, tz: str, current: bool = False) -> dict:
    """The record as its file holds it: the fields as entered and every event; `current`: the fields as they
    read now (corrections applied), for the index's document and the JSON views."""
    plain = {"schema": 1, "kind": record.kind, "id": record.id}
    plain.update(record.fields if current else record.as_entered)
    plain["events"] = [e.to_plain(tz) for e in record.all_events]
    return plain


_OFFSETS: dict = {}


def written_as_read(plain: dict, record: Record) -> bool:
    """Is `plain`, a record file as parsed, exactly `record_to_plain(record, tz, current=True)`: nothing amends the
    record, the keys stand where propcli writes them and every event's time reads as propcli writes it (to the
    second, with the ledger timezone's offset at that moment)? Then the index keeps the file's data as it is
    (reindex of 200,000 records: no event re-formatted)."""
    if record.log or record.intake is not None or type(plain.get("schema")) is not int:
        return False
    keys = list(plain)
    if keys[:3] != ["schema", "kind", "id"] or keys[-1] != "events":
        return False
    for raw, event in zip(plain["events"], record.events):
        at = raw.get("at")
        if type(at) is not str or len(at) != 25 or at[10] != "T" or list(raw)[:3] != ["step", "at", "by"]:
            return False
        offset = event.at.utcoffset()
        suffix = _OFFSETS.get(offset)
        if suffix is None:
            suffix = _OFFSETS[offset] = event.at.isoformat(timespec="seconds")[19:]
        if at[19:] != suffix:
            return False
    return True


# --- what a change says of a record (pure; the store and the kinds' plans use them) -----------------

CONFIDENTIAL = "保密"
"""What a commit message says instead of the text of a confidential record (9.4.3-4, issue 16 point 4)."""


def commit_message(record: Record, step: str, summary: str | None = None) -> str:
    """A change's commit message: `KIND ID: STEP`, the summary (a note, an outcome), `Record:`/`Step:` lines.
    The subject never holds a person's text; a record marked `confidential` (an enquiry touching company
    secrets, 9.4.3-4) never has its text in the body either, whatever the step: `git log` shows 保密."""
    if summary and record.fields.get("confidential"):
        summary = CONFIDENTIAL
    lines = [f"{record.kind} {record.id}: {step}"]
    if summary:
        lines += ["", summary]
    lines += ["", f"Record: {record.id}", f"Step: {step}"]
    return "\n".join(lines) + "\n"


def check_event_time(at: datetime, now: datetime, record: Record | None = None, field: str = "--at") -> None:
    """CLI.md "Records, events and times": never later than --now, never back in time within a record."""
    from propcli.errors import BadInput
    from propcli.i18n import _
    from propcli.timeutil import check_range

    check_range(at, field)
    if at > now:
        raise BadInput(_("{field}: {at} is later than now ({now}); events cannot be recorded in the future",
                         field=field, at=at.isoformat(), now=now.isoformat()))
    if record is not None:
        if record.last_at > now:
            raise BadInput(_("{id}: already has an event at {last}, later than now ({now}); a change would go back in "
                             "time",
                             id=record.id, last=record.last_at.isoformat(), now=now.isoformat()))
        if at < record.last_at:
            raise BadInput(_("{field}: {at} is before the record's last event ({last}); events never go back in time",
                             field=field, at=at.isoformat(), last=record.last_at.isoformat()))
