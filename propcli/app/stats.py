"""Monthly statistics (9.4.10, 11.2.4): counts, fees and on-time shares from the index, no YAML parsing.

`on_time` for a rule = met / (met + missed + overdue) of the month's deadlines of that rule; pending ones
are left out; a deadline counts in the month its record was received (CLI.md "Clarifications").
"""

from propcli.timeutil import check_month

CATEGORIES = ("medical", "repair", "complaint", "enquiry", "security", "disaster", "other")
SEVERITIES = ("general", "important", "major")


def month_stats(session, month: str) -> dict:
    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    now = int(session.now.timestamp())

    def counts(kind: str, key: str) -> dict:
        rows = index.query(f"SELECT json_extract(doc, '$.{key}'), count(*) FROM records "
                           "WHERE kind=? AND month=? AND received<=? GROUP BY 1", (kind, month, now))
        return {str(value): number for value, number in rows if value is not None}

    by_category = counts("request", "category")
    by_severity = {str(value): number for value, number in index.query(  # a merged duplicate is counted once (11.1.12)
        "SELECT json_extract(doc, '$.severity'), count(*) FROM records WHERE kind='complaint' AND month=? "
        "AND received<=? AND NOT (status='merge' AND last_at<=?) GROUP BY 1", (month, now, now)) if value is not None}
    repairs = index.query(  # fee_cents is NULL for public repairs (no resident fee, 10.4.2)
        "SELECT count(*), coalesce(sum(fee_cents IS NULL), 0), coalesce(sum(fee_cents), 0), "
        "coalesce(sum(status = 'paid' AND last_at <= ?), 0) "
        "FROM records WHERE kind='repair' AND month=? AND received<=?", (now, month, now))[0]
    paid = repairs[3]
    on_time = {}
    for rule, met, late in index.query(
            "SELECT rule, sum(done IS NOT NULL AND done <= ? AND done <= due), "
            "sum((done IS NOT NULL AND done <= ? AND done > due) OR ((done IS NULL OR done > ?) AND due < ?)) "
            "FROM deadlines WHERE month=? AND start<=? AND (cancelled IS NULL OR cancelled > ? OR (done IS NOT NULL AND done <= ?)) "
            "GROUP BY rule ORDER BY rule", (now, now, now, now, month, now, now, now)):
        if met + late:
            on_time[rule] = round(met / (met + late), 4)
    from propcli.app.callback_service import callback_stats

    callbacks = callback_stats(session, month)
    return {
        "month": month,
        "requests": {"total": sum(by_category.values()),
                     "by_category": {c: by_category.get(c, 0) for c in CATEGORIES}},
        "repairs": {"total": repairs[0], "public": int(repairs[1]), "paid": paid,
                    "fees": round(repairs[2] / 100, 2), "on_time": on_time},
        "complaints": {"total": sum(by_severity.values()),
                       "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES}},
        "callbacks": callbacks,
    }
