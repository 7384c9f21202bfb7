"""Callbacks 回访 (11): the monthly plan (11.1.2) and the callback figures of `stats` (11.2.4).

Which sources a month has is one query over the index (its `done_at` and `needs_callback` columns, derived by
each kind's callback source), never YAML: a complaint handled (处理完毕), a resident repair completed, a
community event ended, in the month, in the ledger's timezone, up to --now.
"""
from datetime import datetime
from types import MappingProxyType

from propcli import kinds
from propcli.i18n import _
from propcli.kinds.callback import RECORDED
from propcli.store import queries
from propcli.timeutil import check_month, format_time, zone


def targets() -> dict:
    """Minimum coverage per source kind (11.1.3-5), from the kinds' callback sources."""
    return {name: source.target for name, source in kinds.callback_sources().items() if source.target is not None}


def month_bounds(month: str, tz: str) -> tuple[int, int]:
    """[start, end) of the month in the ledger's timezone, as epoch seconds."""
    year, number = int(month[:4]), int(month[5:])
    start = datetime(year, number, 1, tzinfo=zone(tz))
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone(tz))
    return int(start.timestamp()), int(end.timestamp())


def eligible_sources(index, month: str, tz: str, now: int, with_docs: bool = True) -> list[dict]:
    """The sources of month M that call for a callback (11.1.3-5, less 11.1.12-13), oldest first."""
    import json

    from propcli.timeutil import from_epoch

    start, end = month_bounds(month, tz)
    rows = queries.callback_sources_done(index, list(kinds.callback_sources()), start, min(end, now + 1), now, with_docs)
    result = []
    for row in rows:
        source = {"kind": row[0], "id": row[1], "done": from_epoch(row[2], tz)}
        if with_docs:
            source["doc"] = json.loads(row[3])
        result.append(source)
    result.sort(key=lambda s: (s["done"], s["id"]))
    return result


def recorded_sources(index, month: str, tz: str, now: int) -> set[str]:
    """Sources of month M (by `source_done`) with a callback recorded by --now."""
    start, end = month_bounds(month, tz)
    return queries.linked_with_step(index, "callback", "source", RECORDED, now, "source_done", start, end)


def handling_rate(index, month: str, now: int) -> float:
    """11.1.11: complaints of the month (received in it, merged duplicates left out) handled or closed."""
    total, handled = queries.counted_done_share(index, "complaint", month, now)
    return round(handled / total, 4) if total else 1.0


def callback_stats(session, month: str) -> dict:
    """The `callbacks` section of `stats` (CLI.md): eligible, done, coverage and target per source kind."""
    ledger = session.ledger
    index = ledger.index.fresh()
    now = int(session.now.timestamp())
    sources = eligible_sources(index, month, ledger.tz, now, with_docs=False)
    recorded = recorded_sources(index, month, ledger.tz, now) if sources else set()
    section: dict = {}
    for kind, target in targets().items():
        ids = [s["id"] for s in sources if s["kind"] == kind]
        done = sum(1 for record_id in ids if record_id in recorded)
        section[kind] = {"eligible": len(ids), "done": done,
                         "coverage": round(done / len(ids), 4) if ids else 0.0, "target": target}
    section["handling_rate"] = handling_rate(index, month, now)
    return section


# --- the plan -----------------------------------------------------------------------------------

def _callback_fields(ledger, source: dict, month: str) -> dict:
    """The planned callback: its source, who calls (11.1.3-5), how, and the resident's particulars."""
    from propcli.model import record_from_plain

    doc, kind = source["doc"], source["kind"]
    declared = kinds.kind(kind)
    record = record_from_plain(doc, ledger.tz)
    fields = {"office": ledger.office, "source": source["id"], "source_kind": kind,
              "source_done": format_time(source["done"], ledger.tz),
              "role": declared.callback_source.role_of(record), "plan_month": month, "method_hint": "any"}
    fields.update(declared.callback_source.plan_fields(record))
    for key in ("name", "phone", "address"):
        if doc.get(key):
            fields[key] = doc[key]
    fields["subject"] = next((doc[k] for k in declared.summary_keys if doc.get(k)), "")
    return fields


def plan(session, month: str) -> list[dict]:
    """The callback plan of month M (11.1.2): one callback per source of the month that has none yet.

    The coverage targets of 11.1.3-5 (50 % of complaints, 30 % of repairs, 10 % of events) are minimums;
    the simplest plan that always meets them is to plan ALL eligible sources, and that is what this does.
    Anonymous and 复函 complaints (11.1.13) and merged duplicates (11.1.12) are not planned. Each callback
    names who calls (`role`, 11.1.3-5), how (`method_hint`: `visit` for a major complaint, the "third
    category" of 11.1.9, else `any`) and its `due`: the callback date the plan sets (11.2.2), which is
    the policy's callback.* deadline counted from `source_done`. All are created in one commit; a second
    run plans nothing already planned.
    """
    ledger = session.ledger
    check_month(month)
    with ledger.lock():  # choosing the sources and planning them is one step: two plans never double up
        return _plan_locked(session, ledger, month)


def _plan_locked(session, ledger, month: str) -> list[dict]:
    from propcli.app.services import show

    from propcli.ids import new_id
    from propcli.model import Event, Record
    from propcli.policy.rules import deadlines
    from propcli.store.unit import create_many

    index = ledger.index.fresh()
    now = session.now
    sources = eligible_sources(index, month, ledger.tz, int(now.timestamp()))
    planned = queries.linked_values(index, "callback", "source")
    records, used = [], set()
    for source in sources:
        if source["id"] in planned:
            continue
        fields = _callback_fields(ledger, source, month)
        record_id = new_id("callback", now)
        while record_id in used or index.path_of(record_id) is not None:
            record_id = new_id("callback", now)
        used.add(record_id)
        event = Event("new", now, session.actor, MappingProxyType({}))
        record = Record("callback", record_id, MappingProxyType(fields), (event,),
                        ledger.record_relpath("callback", record_id, now))
        due = next((d.due for d in deadlines(record, ledger.policy, None, ledger.calendar)
                    if d.rule.startswith("callback.") and d.rule != "callback.reply"), None)
        if due is not None:
            fields["due"] = format_time(due, ledger.tz)
            record = Record("callback", record_id, MappingProxyType(fields), (event,), record.path)
        records.append(record)
    if records:
        message = _("callback plan {month}: {count} callbacks", month=month, count=len(records))
        create_many(ledger, records, session.actor, f"{message}\n\nStep: plan\n")
    return [show(session, r.id) for r in records]
