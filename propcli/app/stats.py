"""Monthly statistics (9.4.10, 11.2.4): counts, fees and on-time shares from the index, no YAML parsing.

`on_time` for a rule = met / (met + missed + overdue) of the month's deadlines of that rule; pending ones
are left out; a deadline counts in the month its record was received (CLI.md "Clarifications"). Each
share is filed under the section of its kind: `requests`, `repairs` (the resident repair.* rules),
`public_repairs` (public.*), `complaints` and `callbacks` (callback.*, and the visits of 11.1.6).

Money agrees with the forms (propcli/app/billing.py): `repairs.fees` = the fees of resident repairs
completed in the month as of --now = the total of `form paid-service`; `repairs.billed` = the total of
`repair billing --month`'s repairs; `requests.fees` = the help-request charges of the month (9.4.9),
`requests.billed` = the charged help services in `repair billing --month` (handed to finance, 10.4.3-1).
Finance collects both alike, so `fees.total` = repairs.fees + requests.fees = the one 合计 of
`form paid-service M`, and `fees.billed` = repairs.billed + requests.billed = the total of `repair billing`.
"""
from propcli.store import queries
from propcli.timeutil import check_month

ON_TIME_SECTIONS = (("public.", "public_repairs"), ("repair.", "repairs"), ("request.", "requests"),
                    ("complaint.", "complaints"), ("callback.", "callbacks"), ("visit.", "callbacks"))
"""Which section of `stats` a rule's on-time share belongs to, by the fixed rule keys (CLI.md)."""
KIND_SECTIONS = {"request": "requests", "repair": "repairs", "complaint": "complaints", "callback": "callbacks",
                 "visit": "callbacks"}


def section_of(kind: str, rule: str) -> str:
    for prefix, section in ON_TIME_SECTIONS:
        if rule.startswith(prefix):
            return section
    return KIND_SECTIONS.get(kind, kind + "s")


def on_time_by_section(index, month: str, now: int) -> dict:
    sections: dict = {}
    for kind, rule, met, late in queries.on_time_by_kind_rule(index, month, now):
        if met + late:
            sections.setdefault(section_of(kind, rule), {})[rule] = round(met / (met + late), 4)
    return sections


def on_time_counts(session, month: str) -> dict:
    """section -> rule -> [met, late]: the counts behind each `on_time` share (met ÷ (met + late)), for whoever
    adds several ledgers' shares up (`company stats`, issue 20: recomputed from summed counts, never averaged)."""
    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    sections: dict = {}
    for kind, rule, met, late in queries.on_time_by_kind_rule(index, month, int(session.now.timestamp())):
        if met + late:
            sections.setdefault(section_of(kind, rule), {})[rule] = [int(met), int(late)]
    return sections


def month_stats(session, month: str) -> dict:
    from propcli.app.billing import billed_total, fees_total
    from propcli.kinds.complaint import SEVERITIES
    from propcli.kinds.request import CATEGORIES

    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    now = int(session.now.timestamp())
    by_category = queries.count_by_field(index, "request", "category", month, now, counted_only=True)
    by_severity = queries.count_by_field(index, "complaint", "severity", month, now, counted_only=True)
    total, public, _fee_cents, paid = queries.fee_totals(index, "repair", month, now, status="paid")
    on_time = on_time_by_section(index, month, now)
    from propcli.app.callbacks import callback_stats

    callbacks = callback_stats(session, month)
    callbacks["on_time"] = on_time.get("callbacks", {})
    fees = {"repairs": fees_total(session, month, "repair"), "requests": fees_total(session, month, "request")}
    billed = {"repairs": billed_total(session, month), "requests": billed_total(session, month, "request")}
    return {
        "month": month,
        "requests": {"total": sum(by_category.values()),
                     "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
                     "fees": fees["requests"], "billed": billed["requests"], "on_time": on_time.get("requests", {})},
        "repairs": {"total": total, "public": int(public), "paid": paid,
                    "fees": fees["repairs"], "billed": billed["repairs"], "on_time": on_time.get("repairs", {})},
        "public_repairs": {"total": int(public), "on_time": on_time.get("public_repairs", {})},
        "complaints": {"total": sum(by_severity.values()),
                       "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
                       "on_time": on_time.get("complaints", {})},
        "callbacks": callbacks,
        # 9.4.9, 10.4.3-1: every paid service, as 《有偿服务记录表》's one 合计 and as finance's billing list
        "fees": {"total": round(fees["repairs"] + fees["requests"], 2),
                 "billed": round(billed["repairs"] + billed["requests"], 2)},
    }
