"""Money that agrees (10.4.1-7, 10.4.3, 10.5.1): the billing period, `repair billing`, and the month's fees.

- A fee is owed when the work is done: a resident repair completed, a help request charged (9.4.9). The
  month of `form paid-service M` and of `stats M` fees is the month of that moment (the kind's `fee_at`).
- Finance bills from copy 3 of the 维修单 with the monthly management fee: copy 3 handed over from the 26th
  of the month before M through the 25th of M (25日前) is billed in M; one handed over on the 26th goes
  with the next month's (the kind's `billed_at`). A charged help service handed to finance (`request
  finance`, 9.4.9 with 10.4.3-1) is billed the same way, in the same list.

Both read the index (its `fee_at`, `billed_at` and `fee_cents` columns) and judge as of --now: a form
completed or handed over later than --now does not exist yet.
"""
from datetime import datetime

from propcli.store import queries
from propcli.timeutil import check_month, zone

BILLING_DAY = 25
"""10.4.1-7: copy 3 goes to finance 每月25日前; later, with the next month's."""


def month_bounds(month: str, tz: str) -> tuple[int, int]:
    """[first day 00:00, first day of the next month 00:00) of `month` in the ledger's timezone, as epochs."""
    year, number = int(month[:4]), int(month[5:])
    start = datetime(year, number, 1, tzinfo=zone(tz))
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone(tz))
    return int(start.timestamp()), int(end.timestamp())


def billing_period(month: str, tz: str) -> tuple[datetime, datetime]:
    """[the 26th of the month before 00:00, the 26th of `month` 00:00): copy-3 forms billed with M's
    management fee (10.4.1-7, 10.4.3). December's period runs from 26 November; January's from 26 December."""
    year, number = int(month[:4]), int(month[5:])
    before_year, before = (year - 1, 12) if number == 1 else (year, number - 1)
    start = datetime(before_year, before, BILLING_DAY + 1, tzinfo=zone(tz))
    end = datetime(year, number, BILLING_DAY + 1, tzinfo=zone(tz))
    return start, end


def _shown(session, rows) -> list[dict]:
    """The records of index rows as `show` prints them at --now."""
    import json

    from propcli.app.derive import to_json, view
    from propcli.model import record_from_plain

    ledger = session.ledger
    shown = []
    for doc, path in rows:
        current = view(record_from_plain(json.loads(doc), ledger.tz, path), ledger, session.now)
        if current is not None:
            shown.append(to_json(current, session.now, ledger.tz))
    return shown


def billed_records(session, month: str, kind: str) -> list[dict]:
    """Records of `kind` handed to finance in M's billing period, by --now, as `show` prints them."""
    ledger = session.ledger
    start, end = billing_period(check_month(month), ledger.tz)
    rows = queries.docs_between(ledger.index, kind, "billed_at", int(start.timestamp()), int(end.timestamp()),
                                int(session.now.timestamp()))
    return _shown(session, rows)


def billing(session, month: str) -> list[dict]:
    """`repair billing --month M`: what went to finance in M's billing period (10.4.1-7, 10.4.3): the copy-3
    forms and the charged help services (9.4.9), one row each with `fee_total` (what finance bills); the table
    shows their total. What finance bills (10.4.3-1: only finance collects) are the records of the kinds with a
    paid-service line (`Kind.paid_service`, which names the item billed)."""
    from propcli import kinds

    rows = []
    for declared in kinds.all_kinds():
        if declared.paid_service is None:
            continue
        for record in billed_records(session, month, declared.name):
            finance = next(e for e in record["events"] if e["step"] == "finance")
            fee = record.get("fee_total", 0.0)
            rows.append({"id": record["id"], "kind": declared.name, "name": record.get("name"),
                         "address": record.get("address"), "phone": record.get("phone"),
                         "item": declared.paid_service(record)["item"], "fee_total": fee, "amount": fee,
                         "finance": finance["at"], "paid": any(e["step"] == "paid" for e in record["events"])})
    rows.sort(key=lambda row: (row["finance"], row["id"]))
    return rows


def billed_total(session, month: str, kind: str) -> float:
    """What `kind` adds to the total of `repair billing --month M` (stats `repairs.billed`, `requests.billed`),
    from the index alone."""
    ledger = session.ledger
    start, end = billing_period(check_month(month), ledger.tz)
    _count, cents = queries.fees_between(ledger.index.fresh(), kind, "billed_at", int(start.timestamp()),
                                         int(end.timestamp()), int(session.now.timestamp()))
    return round(cents / 100, 2)


def fees_total(session, month: str, kind: str) -> float:
    """Fees of `kind` owed in M (completed repairs, charged help requests) as of --now: `stats` fees and the
    total of `form paid-service M` for that kind."""
    ledger = session.ledger
    start, end = month_bounds(check_month(month), ledger.tz)
    _count, cents = queries.fees_between(ledger.index.fresh(), kind, "fee_at", start, end,
                                         int(session.now.timestamp()))
    return round(cents / 100, 2)


def fee_records(session, month: str, kind: str) -> list[dict]:
    """Records of `kind` whose fee became owed in M (by --now) with a fee above 0, as `show` prints them."""
    ledger = session.ledger
    start, end = month_bounds(check_month(month, "ID"), ledger.tz)
    rows = queries.docs_between(ledger.index, kind, "fee_at", start, end, int(session.now.timestamp()))
    return [record for record in _shown(session, rows) if record.get("fee_total")]
