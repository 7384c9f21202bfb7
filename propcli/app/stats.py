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

def section_of(kind: str, rule: str) -> str:
    """The section of `stats` a rule's on-time share is filed under: its kind's (`Kind.stats`, as the kind
    refines it by rule: repair's `public.*` under `public_repairs`); a kind without one: `KINDs`."""
    from propcli import kinds

    declared = kinds.kind(kind).stats if kind in kinds.PREFIXES else None
    return declared.section_of(rule) if declared is not None else kind + "s"


def _requests(session, kind: str, month: str, index, now: int, on_time: dict) -> dict:
    from propcli.app.billing import billed_total, fees_total
    from propcli.kinds.request import CATEGORIES

    by_category = queries.count_by_field(index, kind, "category", month, now, counted_only=True)
    return {"requests": {"total": sum(by_category.values()),
                         "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
                         "fees": fees_total(session, month, kind), "billed": billed_total(session, month, kind),
                         "on_time": on_time.get("requests", {})}}


def _repairs(session, kind: str, month: str, index, now: int, on_time: dict) -> dict:
    from propcli.app.billing import billed_total, fees_total

    total, public, _fee_cents, paid = queries.fee_totals(index, kind, month, now, status="paid")
    return {"repairs": {"total": total, "public": int(public), "paid": paid,
                        "fees": fees_total(session, month, kind), "billed": billed_total(session, month, kind),
                        "on_time": on_time.get("repairs", {})},
            "public_repairs": {"total": int(public), "on_time": on_time.get("public_repairs", {})}}


def _complaints(session, kind: str, month: str, index, now: int, on_time: dict) -> dict:
    from propcli.kinds.complaint import SEVERITIES

    by_severity = queries.count_by_field(index, kind, "severity", month, now, counted_only=True)
    return {"complaints": {"total": sum(by_severity.values()),
                           "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
                           "on_time": on_time.get("complaints", {})}}


def _callbacks(session, kind: str, month: str, index, now: int, on_time: dict) -> dict:
    from propcli.app.callbacks import callback_stats

    callbacks = callback_stats(session, month)
    callbacks["on_time"] = on_time.get("callbacks", {})
    return {"callbacks": callbacks}


SERVICES = {"requests": _requests, "repairs": _repairs, "complaints": _complaints, "callbacks": _callbacks}
"""The figures the index counts, by the name a kind's `Stat.figures` gives (a kind never names an app module)."""


def sections(session, month: str, index, now: int, on_time: dict) -> dict:
    """The sections of `stats`, in the order of the registry: each kind's (`Kind.stats`, issue 17: a kind's
    statistics come from the kind): a service of SERVICES, or the kind's own function given the month's
    records as `show` prints them and the section's on-time shares."""
    from propcli import kinds
    from propcli.app.services import list_records

    found: dict = {}
    for declared in kinds.all_kinds():
        stat = declared.stats
        if stat is None or stat.figures is None:
            continue
        if isinstance(stat.figures, str):
            found.update(SERVICES[stat.figures](session, declared.name, month, index, now, on_time))
        else:
            records = list_records(session, kind=declared.name, month=month, redact=None, voided=False)
            found[stat.section] = stat.figures(records, on_time.get(stat.section, {}))
    return found


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
    check_month(month, "YYYY-MM")
    index = session.ledger.index.fresh()
    now = int(session.now.timestamp())
    counts = _counts_by_section(queries.on_time_by_kind_rule(index, month, now))
    found = sections(session, month, index, now, _shares(counts))
    return {"month": month, **found, "fees": paid_services(found)}, counts


def paid_services(found: dict) -> dict:
    """9.4.9, 10.4.3-1: every paid service, repairs and help services alike: `total` = the one 合计 of
    《有偿服务记录表》, `billed` = the total of finance's billing list (`repair billing`)."""
    parts = [found.get(section) or {} for section in ("repairs", "requests")]
    return {"total": round(sum(part.get("fees") or 0 for part in parts), 2),
            "billed": round(sum(part.get("billed") or 0 for part in parts), 2)}
