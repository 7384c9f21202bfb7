"""Monthly statistics (9.4.10, 11.2.4): counts, fees and on-time shares from the index, no YAML parsing.

`on_time` for a rule = met / (met + missed + overdue) of the month's deadlines of that rule; pending ones
are left out; a deadline counts in the month its record was received (CLI.md "Clarifications").
"""
from propcli.store import queries
from propcli.timeutil import check_month


def month_stats(session, month: str) -> dict:
    from propcli.kinds.complaint import SEVERITIES
    from propcli.kinds.request import CATEGORIES

    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    now = int(session.now.timestamp())
    by_category = queries.count_by_field(index, "request", "category", month, now)
    by_severity = queries.count_by_field(index, "complaint", "severity", month, now, counted_only=True)
    total, public, fee_cents, paid = queries.fee_totals(index, "repair", month, now, status="paid")
    on_time = {rule: round(met / (met + late), 4) for rule, met, late in queries.on_time_by_rule(index, month, now)
               if met + late}
    from propcli.app.callbacks import callback_stats

    return {
        "month": month,
        "requests": {"total": sum(by_category.values()),
                     "by_category": {c: by_category.get(c, 0) for c in CATEGORIES}},
        "repairs": {"total": total, "public": int(public), "paid": paid,
                    "fees": round(fee_cents / 100, 2), "on_time": on_time},
        "complaints": {"total": sum(by_severity.values()),
                       "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES}},
        "callbacks": callback_stats(session, month),
    }
