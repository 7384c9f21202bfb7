"""The one place a kind's plan becomes a change: what `new`, a step or an action of a kind planned
(`kinds.base.Create`, `Append`, `Change`) is run here as the store's unit of work (issue 17: kinds are pure; they
never write, the app layer does). `Session.write` and `Session.load` hand this to the kinds."""
from propcli import kinds


def write(session, planned):
    """Run a plan; returns the record created (`Create`), the id of the record a step went on (`Append`), or
    {id: record after} (`Change`). Anything else (a record, an id) is handed back as it came."""
    from propcli.ids import kind_of
    from propcli.kinds.base import Append, Change, Create
    from propcli.model import commit_message
    from propcli.store import unit

    if isinstance(planned, Create):
        record = unit.create(session.ledger, planned.kind, planned.values, planned.received, session.actor,
                             session.fixed_now, planned.first_event, planned.summary)
        if planned.then is not None:
            planned.then(record)
        return record
    if isinstance(planned, Append):
        declared = kinds.kind(str(kind_of(planned.record_id)))

        def validate(record, event):
            declared.check_event(record, event)
            if planned.check is not None:
                planned.check(record, event)

        updated = unit.append(session.ledger, planned.record_id, planned.step, planned.data, planned.at,
                              session.actor, session.fixed_now, validate, summary=planned.summary)
        if planned.then is not None:
            planned.then(updated)
        return planned.record_id
    if isinstance(planned, Change):
        message = planned.message
        if message is None:
            record, step, summary = planned.subject
            message = commit_message(record, step, summary) + planned.trailer

        def validate_all(records):
            if planned.validate is not None:  # the kind's own words first, then the one generic order
                planned.validate(records)
            for record_id, step, _data, _at in planned.appends:
                declared = kinds.kind(records[record_id].kind)
                if declared.step_named(step) is not None:
                    declared.check_order(records[record_id], step)

        return unit.change(session.ledger, session.actor, session.fixed_now, message, appends=planned.appends,
                           creates=planned.creates, validate=validate_all)
    return planned


def load(session, record_id: str):
    """The record as its file says now (a kind reads what it plans on through `Session.load`)."""
    from propcli.store.unit import load as load_record

    return load_record(session.ledger, record_id)


def linked(session, kind: str, field: str, ids: list, at) -> list:
    """The records of `kind` whose `field` names one of `ids`, received by `at` (an open letter's callbacks)."""
    import json

    from propcli.model import record_from_plain
    from propcli.store import queries

    ledger = session.ledger
    rows = queries.linked_docs(ledger.index.fresh(), kind, field, list(ids), int(at.timestamp()))
    return [record_from_plain(json.loads(doc), ledger.tz, path) for doc, path in rows]
