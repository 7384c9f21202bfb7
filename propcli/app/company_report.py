"""The company's monthly report `company stats YYYY-MM -f html|pdf` (11.2.4: callback results reported to
company leadership; 9.4.10 统计、分析和总结), on A4, in the templates of the office report.

The figures are `company stats` (propcli.app.company: each office's own stats, the company row summed and
recomputed), shown as the office report shows an office: every company figure against its target and last
month (the same figures table, propcli.app.report._sections); the offices side by side, ranked, each share
against its target with misses marked; charts drawn as inline SVG (no script): the offices' on-time shares
side by side, a month-by-month line of the company's shares, six months of volumes; what needs attention
(the offices' figures below target, offices read from a stale copy).
"""
from propcli import kinds
from propcli.app.company import previous_month, stats
from propcli.app.forms import Paper, paper_language, render_template, rule_name, source_name, translator
from propcli.kinds.paper import yuan
from propcli.app.report import TREND_MONTHS, _clauses, _get, _pct, _sections
from propcli.i18n import _, gettext
from propcli.timeutil import check_month

CHART_ROWS = 25
"""Offices per bar chart (a company of 100 offices gets four charts, each fitting a page)."""
FIGURE_CELLS = 7
"""The cells of an office's figures besides the coverage of each compared source: help requests, repairs, complaints,
fees, on time, handling rate, below target (an office not read: its error in the first, the others blank)."""


def company_report(company, month: str, now_text: str | None, fmt: str):
    """The report as HTML (str) or PDF (bytes), and the warnings to print (damaged records, stale offices)."""
    if fmt == "pdf":
        from propcli.app.pdf import require_pdf

        require_pdf()
    data = report_data(company, month, now_text)
    warnings = data.pop("warnings")
    html = render_template("company-report.html.j2", **data)
    if fmt == "pdf":
        from propcli.app.pdf import html_to_pdf

        return html_to_pdf(html), warnings
    return html, warnings


def _clauses_of(company, rows: list[dict]) -> dict:
    """rule -> clause, from the policy of the first office that can be read (the rule keys are fixed)."""
    for row in rows:
        if "error" not in row:
            try:
                return _clauses(company.ledger(row["code"]))
            except Exception:  # noqa: BLE001  (an unreadable policy: the clause column stays empty)
                continue
    return {}


def compared_sources() -> dict[str, str]:
    """kind -> heading, of the callback sources whose coverage the offices are compared on (11.1.3-4, 11.2.4: each
    kind's `CallbackSource.compared`), in the order of their clauses."""
    return {name: source.compared for name, source in kinds.callback_sources().items() if source.compared}


def _miss_label(path: str, lang: str) -> str:
    parts = path.split(".")
    if ".on_time." in path:
        rule = path.split(".on_time.", 1)[1]
        return _("on time {rule}", rule=f"{rule} {rule_name(rule, lang)}")
    if parts[-1] == "coverage" and len(parts) == 3:
        return _("{source} callback coverage", source=source_name(parts[1], lang))
    if path == "callbacks.handling_rate":
        return _("Callback handling rate")
    return path


def report_data(company, month: str, now_text: str | None) -> dict:
    check_month(month, "YYYY-MM")
    lang = paper_language()
    t = translator(lang)
    data = stats(company, month, now_text, trend=TREND_MONTHS)
    rows, whole, last_month = data["offices"], data["company"], data["last_month"]
    months = [previous_month(month, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    clauses = _clauses_of(company, rows)
    compared = compared_sources()
    sections = _sections(whole, whole["last_month"], t, lang, clauses)
    read = [r for r in rows if "error" not in r]
    ranked = sorted(read, key=lambda r: r["rank"]) + [r for r in rows if "error" in r]
    office_rows = []
    for row in ranked:
        office_rows.append(_office_row(row, compared))
    office_rows.append(_office_row(dict(whole, code="", rank=None, stale=False, fetched_at=None), compared,
                                   total=True))
    bars = [{"label": f"{r['code']} {r['name']}", "value": r.get("on_time_overall"),
             "last": _get(r, "last_month", "on_time_overall"), "target": 1.0} for r in ranked if "error" not in r]
    bar_charts = [bars[i:i + CHART_ROWS] for i in range(0, len(bars), CHART_ROWS)] or [[]]
    series = [{"label": _("On time (all rules)"), "values": [m.get("on_time_overall") for m in data["months"]]},
              {"label": _("Callback handling rate"), "values": [_get(m, "callbacks",
                                                                     "handling_rate") for m in data["months"]]}]
    for kind in compared:
        series.append({"label": _("{source} callback coverage", source=source_name(kind, lang)),
                       "values": [_get(m, "callbacks", kind, "coverage") for m in data["months"]]})
    month_labels = [m[5:] + ("月" if lang == "zh_CN" else "") for m in months]
    volumes = {"months": month_labels,
               "series": [{"label": _("Help requests"), "values": [_get(m, "requests",
                                                                        "total") or 0 for m in data["months"]]},
                          {"label": _("Repairs"), "values": [_get(m, "repairs", "total") or 0 for m in data["months"]]},
                          {"label": _("Complaints"), "values": [_get(m, "complaints",
                                                                     "total") or 0 for m in data["months"]]}]}
    attention = []
    for row in ranked:
        if "error" in row:
            attention.append({"office": f"{row['code']} {row['name']}", "what": row["error"]})
        elif row["misses"]:
            attention.append({"office": f"{row['code']} {row['name']}",
                              "what": _("; ").join(_miss_label(p, lang) for p in row["misses"])})
    stale = [r for r in rows if r.get("stale")]
    title = _("Company monthly report {month}", month=month)
    page = Paper(lang, "", company.name, title, "11.2.4, 9.4.10", f"{month}",
                 f"{month[:4]}年{int(month[5:])}月" if lang == "zh_CN" else month)
    page.labels = {"office": _("Company"), "number": _("Report"), "month": _("Month"),
                   "clause": _("Clause {clause}", clause="11.2.4, 9.4.10"), "blank_month": "", "recorded": "",
                   "scan": ""}
    page.printed = _("Figures as of {now}", now=data["now"][:16].replace("T", " "))
    return {
        "page": page, "lang": lang, "orientation": "portrait", "month": month, "last_month": last_month,
        "warnings": data["warnings"],
        "analysis": _analysis(data, lang),
        "heads": {"figure": _("Figure"), "clause": _("Clause"), "value": _("This month"), "target": _("Target"),
                  "last": _("Last month ({month})", month=last_month), "change": _("Change")},
        "sections": sections,
        "office_heads": [_("Rank"), _("Office"), _("Help requests"), _("Repairs"), _("Complaints"), _("Fees (yuan)"),
                         _("On time"), *(gettext(heading) for heading in compared.values()), _("Handling rate"),
                         _("Below target")],
        "office_rows": office_rows,
        "office_note": _("In brackets: {month}. Bold: below target (every deadline on time; callback quotas of "
                         "11.1.3-5; handling 100 % of 11.1.11).",
                         month=last_month),
        "bar_charts": bar_charts, "line": {"months": month_labels, "series": series}, "volumes": volumes,
        "chart_titles": {"offices": _("On time per office, all rules (target 100 %; ◆ last month {month})",
                                      month=last_month),
                         "line": _("Month by month: the company's shares"),
                         "volumes": _("Six months: help requests, repairs and complaints"),
                         "none": _("No deadlines fell in this month.")},
        "attention": attention,
        "stale": [{"office": f"{r['code']} {r['name']}",
                   "fetched_at": (r.get("fetched_at") or _("never"))[:16].replace("T", " ")}
                  for r in stale],
        "titles": {"analysis": _("Analysis"), "company": _("The company's figures against targets and last month"),
                   "offices": _("The offices side by side"), "charts": _("Charts"),
                   "attention": _("What needs attention"), "misses": _("Offices below target"),
                   "stale": _("Offices read from an old copy (could not be reached)"), "none": _("(none)"),
                   "below": _("below target")},
        "signatures": [_("Prepared by"), _("Reviewed by"), _("Submitted to company leadership")],
    }


def _office_row(row: dict, compared: dict, total: bool = False) -> dict:
    misses = set(row.get("misses") or [])
    last = row.get("last_month") or {}

    def share(path: tuple, miss: str | None) -> dict:
        value = _get(row, *path)
        before = _get(last, *path)
        return {"text": f"{_pct(value) or '–'} ({_pct(before) or '–'})",
                "bad": bool(miss and (miss in misses or (miss == "on_time" and any(".on_time." in m for m in misses))))}

    def count(path: tuple) -> dict:
        return {"text": f"{_get(row, *path) or 0} ({_get(last, *path) or 0})", "bad": False}

    name = _("Company") if total else f"{row['code']} {row['name']}"
    if row.get("stale"):
        name += " " + _("(stale, {fetched_at})", fetched_at=(row.get("fetched_at") or _("never"))[:16].replace("T",
                                                                                                               " "))
    if "error" in row:
        return {"total": False, "cells": [{"text": "", "bad": False}, {"text": name, "bad": False},
                                          {"text": row["error"], "bad": True}]
                + [{"text": "", "bad": False}] * (FIGURE_CELLS - 1 + len(compared))}
    severity = _get(row, "complaints", "by_severity") or {}
    fees = (_get(row, "repairs", "fees") or 0) + (_get(row, "requests", "fees") or 0)
    cells = [{"text": "" if row.get("rank") is None else str(row["rank"]), "bad": False},
             {"text": name, "bad": False},
             count(("requests", "total")), count(("repairs", "total")),
             {"text": f"{_get(row, 'complaints', 'total') or 0} "
                      f"({'/'.join(str(severity.get(k, 0)) for k in ('general', 'important', 'major'))})",
              "bad": False},
             {"text": yuan(round(fees, 2)), "bad": False},
             share(("on_time_overall",), "on_time"),
             *(share(("callbacks", kind, "coverage"), f"callbacks.{kind}.coverage") for kind in compared),
             share(("callbacks", "handling_rate"), "callbacks.handling_rate"),
             {"text": str(len(misses)), "bad": bool(misses)}]
    return {"total": total, "cells": cells}


def _analysis(data: dict, lang: str) -> list[str]:
    """A few sentences from the figures: volumes against last month, how many offices meet every target,
    the best and the weakest office, the company's shares, the offices read from an old copy."""
    whole, rows = data["company"], data["offices"]
    last = whole["last_month"]
    sentences = []
    read = [r for r in rows if "error" not in r]
    volumes = []
    for label, path in ((_("help requests"), ("requests", "total")), (_("repairs"), ("repairs", "total")),
                        (_("complaints"), ("complaints", "total"))):
        volumes.append(_("{value} {what} ({month}: {before})", value=_get(whole, *path) or 0, what=label,
                         month=data["last_month"], before=_get(last, *path) or 0))
    sentences.append(_("{count} offices this month: {volumes}.", count=len(rows), volumes=_(", ").join(volumes)))
    clean = [r for r in read if not r["misses"]]
    sentences.append(_("{clean} of {count} offices met every target.", clean=len(clean), count=len(read)))
    if read:
        best = min(read, key=lambda r: r["rank"])
        worst = max(read, key=lambda r: r["rank"])
        if best is not worst:
            sentences.append(_("First: {best} ({best_share} on time, {best_misses} below target); last: {worst} "
                               "({worst_share} on time, {worst_misses} below target).",
                               best=f"{best['code']} {best['name']}", best_share=_pct(best["on_time_overall"]) or "–",
                               best_misses=len(best["misses"]), worst=f"{worst['code']} {worst['name']}",
                               worst_share=_pct(worst["on_time_overall"]) or "–", worst_misses=len(worst["misses"])))
    sentences.append(_("The company: {on_time} of deadlines on time ({before} in {month}); callback handling rate "
                       "{rate}.",
                       on_time=_pct(whole.get("on_time_overall")) or "–",
                       before=_pct(last.get("on_time_overall")) or "–",
                       month=data["last_month"], rate=_pct(_get(whole, "callbacks", "handling_rate")) or "–"))
    stale = [r["code"] for r in rows if r.get("stale")]
    if stale:
        sentences.append(_("Read from an old copy (the office could not be reached): {codes}.", codes=", ".join(stale)))
    return sentences
