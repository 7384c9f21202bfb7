"""Corrections, withdrawals and voids, applied when a record is read (as git-bug and beancount apply their
operations): the record file only grows; what a record *is* comes from replaying its events.

Three steps every kind has (CLI.md "Correcting the register"):

- `correct`  `changes: {FIELD: [OLD, NEW]}`: from this event on the field reads NEW.
- `undo`     `undoes: N` (an index into `events`): event N is withdrawn; it stays in the file and is skipped
             when state and deadlines are derived. A withdrawn `correct` no longer applies.
- `void`     the record was entered by mistake or twice: it is closed, without deadlines, out of the figures.

This module is pure and knows no kind: it maps (fields as the file holds them, every event) to (the fields
as they read now, the events that still count). It is robust to being handed fields that already carry the
corrections (the index keeps the current values, so SQL over it sees them): the value entered at intake of
a corrected field is the OLD of its first correction.
"""
from collections.abc import Mapping, Sequence
from typing import Any

AMEND_STEPS = frozenset({"correct", "undo", "void"})
"""The steps that amend a record rather than move its procedure."""
FIXED_FIELDS = frozenset({"schema", "id", "kind", "events"})
"""What no correction may touch."""


def withdrawn_indexes(events: Sequence) -> dict[int, int]:
    """{index of a withdrawn event: index of the `undo` withdrawing it} (an `undo` naming an index it may not
    withdraw, e.g. `new` or another `undo`, withdraws nothing: `check` reports it)."""
    found: dict[int, int] = {}
    for position, event in enumerate(events):
        if event.step != "undo":
            continue
        target = event.get("undoes")
        if (isinstance(target, int) and not isinstance(target, bool) and 0 < target < position
                and events[target].step != "undo" and target not in found):
            found[target] = position
    return found


def changes_of(event) -> dict[str, list]:
    """A `correct` event's changes as {FIELD: [OLD, NEW]} (malformed entries left out: `check` reports them)."""
    changes = event.get("changes")
    if not isinstance(changes, Mapping):
        return {}
    return {str(name): list(pair) for name, pair in changes.items()
            if isinstance(pair, (list, tuple)) and len(pair) == 2 and str(name) not in FIXED_FIELDS}


def intake_fields(fields: Mapping[str, Any], events: Sequence) -> dict[str, Any]:
    """The fields as entered at `new`: a corrected field's value before its first correction."""
    values = dict(fields)
    seen: set[str] = set()
    for event in events:
        if event.step != "correct":
            continue
        for name, (old, _new) in changes_of(event).items():
            if name not in seen:
                seen.add(name)
                if old is None:
                    values.pop(name, None)
                else:
                    values[name] = old
    return values


def replay(fields: Mapping[str, Any], events: Sequence) -> tuple[dict[str, Any], tuple, dict[int, int]]:
    """(the fields as they read after `events`, the events that count, {withdrawn index: undo index}).

    The events that count leave out withdrawn events and the amending steps themselves (correct, undo,
    void): a kind's rules see its own procedure only. Whether the record is void: `void_event`."""
    withdrawn = withdrawn_indexes(events)
    values = intake_fields(fields, events)
    kept = []
    for position, event in enumerate(events):
        if position in withdrawn:
            continue
        if event.step == "correct":
            for name, (_old, new) in changes_of(event).items():
                if new is None:
                    values.pop(name, None)
                else:
                    values[name] = new
        if event.step not in AMEND_STEPS:
            kept.append(event)
    return values, tuple(kept), withdrawn


def void_event(events: Sequence):
    """The `void` event that closed the record (None: not void)."""
    withdrawn = withdrawn_indexes(events)
    return next((e for i, e in enumerate(events) if e.step == "void" and i not in withdrawn), None)


def corrections(events: Sequence) -> list[tuple[int, Any]]:
    """(index, event) of every `correct` event that still applies, in order."""
    withdrawn = withdrawn_indexes(events)
    return [(i, e) for i, e in enumerate(events) if e.step == "correct" and i not in withdrawn]


def corrected_fields(events: Sequence) -> dict[str, list]:
    """{FIELD: [value entered at intake, value now]} of the fields corrections changed (and that still differ)."""
    first: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for _index, event in corrections(events):
        for name, (old, new) in changes_of(event).items():
            first.setdefault(name, old)
            last[name] = new
    return {name: [first[name], last[name]] for name in last if first[name] != last[name]}


def undoable_index(events: Sequence) -> int | None:
    """The index `undo` withdraws next: the last event that still counts, not `new`, not an `undo`, not a
    `notice` (the overdue mail's log of what it sent) and not `void` (final). None: nothing to withdraw."""
    withdrawn = withdrawn_indexes(events)
    for position in range(len(events) - 1, 0, -1):
        event = events[position]
        if position in withdrawn or event.step in ("undo", "notice"):
            continue
        return position
    return None
