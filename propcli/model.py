"""Records are data: plain fields plus an append-only list of events.

Nothing derived (status, deadlines, fees) is stored in a record file; it is computed by
replaying the events (see workflow.py and policy.py).
"""
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

from propcli.ids import ID_PATTERN, PREFIX, kind_of
from propcli.timeutil import format_time, parse_time

EVENT_KEYS = ("step", "at", "by")
SIDE_STEPS = frozenset({"note", "notice", "escalate"})
"""Steps that record something about a record without moving its workflow."""


@dataclass(frozen=True)
class Event:
    step: str
    at: datetime
    by: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key, default=None):
        return self.data.get(key, default)

    def to_plain(self, tz: str) -> dict:
        plain = {"step": self.step, "at": format_time(self.at, tz), "by": self.by}
        plain.update(self.data)
        return plain


@dataclass(frozen=True)
class Record:
    kind: str
    id: str
    fields: Mapping[str, Any]
    events: tuple[Event, ...]
    path: str = ""

    @property
    def received(self) -> datetime:
        return self.events[0].at

    @property
    def last_at(self) -> datetime:
        return self.events[-1].at

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
        return Record(self.kind, self.id, self.fields, tuple(e for e in self.events if e.at <= now), self.path)

    def with_event(self, event: Event) -> "Record":
        return Record(self.kind, self.id, self.fields, self.events + (event,), self.path)


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
    return Record(kind, record_id, MappingProxyType(fields), tuple(events), path)


def record_to_plain(record: Record, tz: str) -> dict:
    plain = {"schema": 1, "kind": record.kind, "id": record.id}
    plain.update(record.fields)
    plain["events"] = [e.to_plain(tz) for e in record.events]
    return plain
