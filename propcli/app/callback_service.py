"""Callbacks 回访 (11): the monthly plan (11.1.2), recording a callback (11.1.7, 11.1.9, 11.2.3), the agreed
reply (11.1.9), and the callback figures of `stats` (11.2.4).

Which sources a month has is one SQL query over the index (its `done_at` column), never YAML: a complaint handled (`handle`, 处理完毕), a resident repair completed (`complete`; public repairs
have no customer, refused ones are never completed) or a community event ended (`ended`) in the month,
in the ledger's timezone, up to --now.
"""
from datetime import datetime
from types import MappingProxyType

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.timeutil import check_month, format_time, parse_time, zone

TARGETS = {"complaint": 0.5, "repair": 0.3, "event": 0.1}
"""Minimum coverage (11.1.3-5)."""

_EPOCH = "CAST(strftime('%s', {}) AS INTEGER)"
_HAS_STEP = ("EXISTS (SELECT 1 FROM json_each(records.doc, '$.events') WHERE json_extract(value, '$.step') = '{step}' "
             "AND CAST(strftime('%s', json_extract(value, '$.at')) AS INTEGER) <= :now)")


def month_bounds(month: str, tz: str) -> tuple[int, int]:
    """[start, end) of the month in the ledger's timezone, as epoch seconds."""
    year, number = int(month[:4]), int(month[5:])
    start = datetime(year, number, 1, tzinfo=zone(tz))
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone(tz))
    return int(start.timestamp()), int(end.timestamp())


def eligible_sources(index, month: str, tz: str, now: int, with_docs: bool = True) -> list[dict]:
    """The sources of month M that call for a callback (11.1.3-5, less 11.1.12-13), oldest first: by the
    index's `done_at` (complaint handled, resident repair completed, event ended), no JSON scan."""
    import json

    from propcli.timeutil import from_epoch

    start, end = month_bounds(month, tz)
    params = {"now": now, "start": start, "end": min(end, now + 1)}
    columns = "kind, id, done_at" + (", doc" if with_docs else "")
    sql = (f"SELECT {columns} FROM records WHERE kind IN ('complaint', 'repair', 'event') "
           "AND done_at >= :start AND done_at < :end AND received <= :now "
           "AND NOT (kind = 'complaint' AND (coalesce(json_extract(doc, '$.anonymous'), 0) != 0 "
           "OR coalesce(json_extract(doc, '$.written_reply_only'), 0) != 0 "
           f"OR {_HAS_STEP.format(step='merge')}))")
    result = []
    for row in index.query(sql, params):
        source = {"kind": row[0], "id": row[1], "done": from_epoch(row[2], tz)}
        if with_docs:
            source["doc"] = json.loads(row[3])
        result.append(source)
    result.sort(key=lambda s: (s["done"], s["id"]))
    return result


def recorded_sources(index, month: str, tz: str, now: int) -> set[str]:
    """Sources of month M (by `source_done`) with a callback recorded (the `record` event) by --now."""
    start, end = month_bounds(month, tz)
    done = _EPOCH.format("json_extract(doc, '$.source_done')")
    sql = ("SELECT json_extract(doc, '$.source') FROM records WHERE kind = 'callback' AND received <= :now "
           f"AND {done} >= :start AND {done} < :end AND {_HAS_STEP.format(step='record')}")
    return {row[0] for row in index.query(sql, {"now": now, "start": start, "end": end})}


def handling_rate(index, month: str, now: int) -> float:
    """11.1.11: complaints of the month (received in it, merged duplicates left out) handled or closed."""
    sql = (f"SELECT count(*), coalesce(sum({_HAS_STEP.format(step='handle')} OR {_HAS_STEP.format(step='close')}), 0) "
           "FROM records WHERE kind = 'complaint' AND month = :month AND received <= :now "
           f"AND NOT {_HAS_STEP.format(step='merge')}")
    total, handled = index.query(sql, {"month": month, "now": now})[0]
    return round(handled / total, 4) if total else 1.0


def callback_stats(session, month: str) -> dict:
    """The `callbacks` section of `stats` (CLI.md): eligible, done, coverage and target per source kind."""
    ledger = session.ledger
    index = ledger.index.fresh()
    now = int(session.now.timestamp())
    sources = eligible_sources(index, month, ledger.tz, now, with_docs=False)
    recorded = recorded_sources(index, month, ledger.tz, now) if sources else set()
    section: dict = {}
    for kind, target in TARGETS.items():
        ids = [s["id"] for s in sources if s["kind"] == kind]
        done = sum(1 for record_id in ids if record_id in recorded)
        section[kind] = {"eligible": len(ids), "done": done,
                         "coverage": round(done / len(ids), 4) if ids else 0.0, "target": target}
    section["handling_rate"] = handling_rate(index, month, now)
    return section


# --- the plan -----------------------------------------------------------------------------------

def _callback_fields(ledger, source: dict, month: str) -> dict:
    from propcli.kinds import complaint as complaints

    doc, kind = source["doc"], source["kind"]
    severity = doc.get("severity") if kind == "complaint" else None
    fields = {"office": ledger.office, "source": source["id"], "source_kind": kind,
              "source_done": format_time(source["done"], ledger.tz),
              "role": complaints.caller_role(kind, severity), "plan_month": month}
    if severity:
        fields["severity"] = severity
    fields["method_hint"] = "visit" if severity in complaints.IN_PERSON_SEVERITIES else "any"
    for key in ("name", "phone", "address"):
        if doc.get(key):
            fields[key] = doc[key]
    fields["subject"] = doc.get("detail") or doc.get("item") or doc.get("title") or ""
    if kind == "event" and doc.get("households") is not None:
        fields["households"] = doc["households"]
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
    planned = {row[0] for row in index.query(
        "SELECT json_extract(doc, '$.source') FROM records WHERE kind = 'callback'")}
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


# --- recording ------------------------------------------------------------------------------------

def record_callback(session, text_id: str, method=None, result=None, signature=None, note=None,
                    reply_by=None, rectification=None, at=None) -> dict:
    """The callback made (`record`, meets callback.*): 回访方式, 满意度, signature or 电话回访, remarks."""
    from propcli.kinds import complaint as complaints
    from propcli.app.services import show
    from propcli.store.unit import append

    ledger = session.ledger
    record_id = ledger.resolve(text_id)
    data: dict = {"method": method, "result": result}
    if method == "visit":
        data["signature"] = (signature or "").strip() or None
    else:
        data["mark"] = complaints.PHONE_MARK
        data["signature"] = (signature or "").strip() or None
    data["note"] = (note or "").strip() or None
    if result == "dissatisfied":
        fix = (rectification or note or "").strip()
        if not fix:
            raise BadInput(_("--rectification: a dissatisfied callback needs what is to be fixed (11.2.3); "
                             "expected --rectification TEXT (or --note TEXT)"))
        data["rectification"] = fix
    elif rectification:
        data["rectification"] = rectification.strip()
    when = session.at(at) if at else session.now
    if reply_by is not None:
        agreed = parse_time(reply_by, ledger.tz, field="--reply-by")
        if agreed <= when:
            raise BadInput(_("--reply-by: {at} is not after the callback ({when}); expected the agreed reply time (11.1.9)",
                             at=agreed.isoformat(), when=when.isoformat()))
        data["reply_by"] = format_time(agreed, ledger.tz)

    def validate(record, event):
        complaints.check_record(record, method, result, signature)

    append(ledger, record_id, "record", data, session.at(at) if at else None, session.actor, session.now,
           validate, summary=f"{method} {result}")
    return show(session, record_id)


def reply(session, text_id: str, note=None, at=None) -> dict:
    """The agreed reply given (meets callback.reply, 11.1.9)."""
    from propcli.kinds import complaint as complaints
    from propcli.app.services import show
    from propcli.store.unit import append

    ledger = session.ledger
    record_id = ledger.resolve(text_id)

    def validate(record, event):
        complaints.check_reply(record)

    append(ledger, record_id, "reply", {"note": (note or "").strip() or None}, session.at(at) if at else None,
           session.actor, session.now, validate)
    return show(session, record_id)
