"""Monthly statistics (9.4.10, 11.2.4): counts, fees and on-time shares from the index, no YAML parsing.

`on_time` for a rule = met / (met + missed + overdue) of the month's deadlines of that rule; pending ones
are left out; a deadline counts in the month its record was received (CLI.md "Clarifications"). Each
share is filed under the section of its kind: `requests`, `repairs` (the resident repair.* rules),
`public_repairs` (public.*), `complaints` and `callbacks` (callback.*, and the visits of 11.1.6).

Money agrees with the forms (propcli/app/billing.py): `repairs.fees` = the fees of resident repairs
completed in the month as of --now = the total of `form paid-service`; `repairs.billed` = the total of
`repair billing --month`; `requests.fees` = the help-request charges of the month (9.4.9).
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
    if kind in KIND_SECTIONS:
        return KIND_SECTIONS[kind]
    from propcli import kinds

    declared = kinds.kind(kind).stats if kind in kinds.PREFIXES else None
    return declared.section_of(rule) if declared is not None else kind + "s"


def declared_sections(session, month: str, on_time: dict) -> dict:
    """The sections the kinds declare (`Kind.stats`, issue 17: a kind's statistics come from the kind): each
    computed from the month's records as `show` prints them and its on-time shares."""
    from propcli import kinds
    from propcli.app.services import list_records

    sections: dict = {}
    for declared in kinds.all_kinds():
        stat = declared.stats
        if stat is None or not callable(stat.figures):
            continue
        records = list_records(session, kind=declared.name, month=month, redact=None, voided=False)
        sections[stat.section] = stat.figures(records, on_time.get(stat.section, {}))
    return sections


def _counts_by_section(rows) -> dict:
    sections: dict = {}
    for kind, rule, met, late in rows:
        if met + late:
            sections.setdefault(section_of(kind, rule), {})[rule] = [int(met), int(late)]
    return sections


def _shares(counts: dict) -> dict:
    return {section: {rule: round(met / (met + late), 4) for rule, (met, late) in rules.items()}
            for section, rules in counts.items()}


def month_stats(session, month: str) -> dict:
    return month_stats_and_counts(session, month)[0]


def month_stats_and_counts(session, month: str) -> tuple[dict, dict]:
    """`month_stats` and `on_time_counts` from one on-time query (company stats reads both, issue 20)."""
    from propcli.app.billing import billed_total, fees_total
    from propcli.kinds.complaint import SEVERITIES
    from propcli.kinds.request import CATEGORIES

    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    now = int(session.now.timestamp())
    by_category = queries.count_by_field(index, "request", "category", month, now, counted_only=True)
    by_severity = queries.count_by_field(index, "complaint", "severity", month, now, counted_only=True)
    total, public, _fee_cents, paid = queries.fee_totals(index, "repair", month, now, status="paid")
    counts = _counts_by_section(queries.on_time_by_kind_rule(index, month, now))
    on_time = _shares(counts)
    from propcli.app.callbacks import callback_stats

    callbacks = callback_stats(session, month)
    callbacks["on_time"] = on_time.get("callbacks", {})
    return {
        "month": month,
        "requests": {"total": sum(by_category.values()),
                     "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
                     "fees": fees_total(session, month, "request"), "on_time": on_time.get("requests", {})},
        "repairs": {"total": total, "public": int(public), "paid": paid,
                    "fees": fees_total(session, month, "repair"), "billed": billed_total(session, month),
                    "on_time": on_time.get("repairs", {})},
        "public_repairs": {"total": int(public), "on_time": on_time.get("public_repairs", {})},
        "complaints": {"total": sum(by_severity.values()),
                       "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
                       "on_time": on_time.get("complaints", {})},
        "callbacks": callbacks,
        **declared_sections(session, month, on_time),
    }, counts
