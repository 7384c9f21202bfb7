"""The monthly report `stats YYYY-MM -f html|pdf` (9.4.10 统计、分析和总结; 11.2.4, for company leadership).

Every figure of `stats` (propcli.app.stats, read as it is: this module computes no figure of its own) beside
its target (callback quotas 50/30/10 % of 11.1.3-5, handling rate 100 % of 11.1.11, every deadline on time)
and last month's value; SVG charts drawn by the template (on-time share per rule, six months of requests,
repairs and complaints, callback coverage against quota); the lists that need attention (missed deadlines
by rule and by person, dissatisfied callback loops still open); and a short analysis written from the
figures. Printed on A4 by a browser, or as PDF through the `pdf` extra.
"""
from propcli.app.forms import (Paper, humanize_minutes, paper_language, render_template, role_name, rule_name,
                               severity_name, source_name, translator)
from propcli.i18n import _
from propcli.kinds.paper import yuan
from propcli.store import queries
from propcli.timeutil import check_month, minutes_late

def _category(key: str, lang: str) -> str:
    """A help-request category (9.4.1-1) as propcli.i18n names it."""
    from propcli.app.forms import _fixed

    return _fixed("value", key, lang) or key


def _callback_kinds() -> dict[str, str]:
    """Source kind -> clause, for the sources with a coverage quota (11.1.3-5), from the kinds' declarations."""
    from propcli import kinds

    return {name: source.clause for name, source in kinds.callback_sources().items() if source.target is not None}
TREND_MONTHS = 6


def previous_month(month: str, back: int = 1) -> str:
    year, number = int(month[:4]), int(month[5:]) - back
    while number < 1:
        year, number = year - 1, number + 12
    return f"{year:04d}-{number:02d}"


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.0f} %"


def _count(value) -> str:
    return "" if value is None else str(value)


def _change(value, last, share: bool, t) -> str:
    if value is None or last is None:
        return ""
    if share:
        points = round((value - last) * 100)
        return _("{sign}{points} pp", sign="+" if points > 0 else "", points=points) if points else "±0"
    delta = value - last
    if isinstance(delta, float):
        delta = round(delta, 2)
        return f"{'+' if delta > 0 else ''}{yuan(delta)}" if delta else "±0"
    return f"{'+' if delta > 0 else ''}{delta}" if delta else "±0"


def on_time(figures: dict) -> dict[str, tuple[tuple, float]]:
    """rule -> (its path in the stats JSON, its on-time share), from every section's `on_time` (repairs,
    public repairs, requests, complaints, callbacks: wherever `stats` puts the rule)."""
    found = {}
    for section, value in figures.items():
        if isinstance(value, dict) and isinstance(value.get("on_time"), dict):
            for rule, share in value["on_time"].items():
                found[rule] = ((section, "on_time", rule), share)
    return found


def _shares(figures: dict) -> dict[str, float]:
    return {rule: share for rule, (_path, share) in on_time(figures).items()}


def _get(data: dict, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


# --- what needs attention (read from the index, as stats reads it) --------------------------------

def late_deadlines(session, month: str) -> list[dict]:
    """The month's deadlines that were missed (done late) or are overdue as of --now: the ones that make an
    on-time share below 100 % (the same counting as stats' `on_time`, CLI.md "Clarifications")."""
    from propcli.timeutil import format_time, from_epoch

    ledger = session.ledger
    now = int(session.now.timestamp())
    rows = queries.late_deadlines(ledger.index.fresh(), month, now)
    result = []
    for record_id, kind, rule, clause, role, assignee, due, done in rows:
        finished = done is not None and done <= now
        result.append({"id": record_id, "kind": kind, "rule": rule, "clause": clause, "role": role,
                       "assignee": assignee, "due": format_time(from_epoch(due, ledger.tz), ledger.tz),
                       "state": "missed" if finished else "overdue",
                       "minutes_late": minutes_late((done if finished else now) - due)})
    return result


# --- the report -----------------------------------------------------------------------------------

def report_data(session, month: str) -> dict:
    """Everything the report shows, in the language people read."""
    from propcli.app.callbacks import open_loops
    from propcli.app.stats import month_stats

    check_month(month, "YYYY-MM")
    ledger = session.ledger
    lang = paper_language(ledger)
    t = translator(lang)
    months = [previous_month(month, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    figures = {m: month_stats(session, m) for m in months}
    current, last_month = figures[month], previous_month(month)
    last = figures[last_month]
    clauses = _clauses(ledger)
    sections = _sections(current, last, t, lang, clauses)
    late = late_deadlines(session, month)
    loops = open_loops(session)
    now_shares, then_shares = _shares(current), _shares(last)
    on_time_chart = [{"label": rule_name(rule, lang), "value": now_shares.get(rule),
                      "last": then_shares.get(rule), "target": 1.0}
                     for rule in sorted(set(now_shares) | set(then_shares))]
    trend = {"months": [m[5:] + ("月" if lang == "zh_CN" else "") for m in months],
             "series": [{"label": _("Help requests"), "values": [_get(figures[m], "requests",
                                                                      "total") or 0 for m in months]},
                        {"label": _("Repairs"), "values": [_get(figures[m], "repairs", "total") or 0 for m in months]},
                        {"label": _("Complaints"), "values": [_get(figures[m], "complaints",
                                                                   "total") or 0 for m in months]}]}
    coverage = []
    for kind in _callback_kinds():
        section = _get(current, "callbacks", kind) or {}
        coverage.append({"label": source_name(kind, lang), "value": section.get("coverage", 0.0),
                         "target": section.get("target", 0.0), "done": section.get("done", 0),
                         "eligible": section.get("eligible", 0),
                         "last": _get(last, "callbacks", kind, "coverage")})
    by_rule, by_person = {}, {}
    for item in late:
        by_rule.setdefault(item["rule"], []).append(item)
        who = item["assignee"] or role_name(item["role"], lang)
        by_person.setdefault(who, []).append(item)
    page = Paper(lang, ledger.office, str(ledger.config.get("name") or ""),
                 _("Monthly report {month}", month=month), "9.4.10, 11.2.4", f"{ledger.office}-{month}",
                 f"{month[:4]}年{int(month[5:])}月" if lang == "zh_CN" else month)
    page.labels = {"office": _("Office"), "number": _("Report"), "month": _("Month"),
                   "clause": _("Clause {clause}", clause="9.4.10, 11.2.4"), "blank_month": "",
                   "recorded": _("ledger: {name}"),
                   "scan": ""}
    page.printed = _("Printed {time}", time=session.now.strftime("%Y-%m-%d %H:%M"))
    return {
        "page": page, "lang": lang, "orientation": "portrait", "month": month, "last_month": last_month,
        "heads": {"figure": _("Figure"), "clause": _("Clause"), "value": _("This month"), "target": _("Target"),
                  "last": _("Last month ({month})", month=last_month), "change": _("Change")},
        "sections": sections, "analysis": analysis(current, last, last_month, late, loops, t, lang, clauses),
        "charts": {"on_time": on_time_chart, "trend": trend, "coverage": coverage},
        "chart_titles": {"on_time": _("On time per rule (target 100 %; ◆ last month {month})", month=last_month),
                         "trend": _("Six months: help requests, repairs and complaints"),
                         "coverage": _("Callback coverage against quota (11.1.3-5)"),
                         "quota": _("quota"), "none": _("No deadlines fell in this month.")},
        "late_title": _("Missed and overdue deadlines ({count})", count=len(late)),
        "late_by_rule": [{"label": rule_name(rule, lang), "clause": items[0]["clause"], "count": len(items),
                          "ids": " ".join(i["id"] for i in items)} for rule, items in sorted(by_rule.items())],
        "late_by_person": [{"label": who, "count": len(items),
                            "rules": ("、" if lang == "zh_CN" else ", ").join(
                                sorted({rule_name(i["rule"], lang) for i in items}))}
                           for who, items in sorted(by_person.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        "late_rows": [[i["id"], rule_name(i["rule"], lang), i["clause"], i["due"][:16].replace("T", " "),
                       humanize_minutes(i["minutes_late"], lang), i["assignee"] or role_name(i["role"], lang)]
                      for i in late],
        "late_heads": {"rule": [_("Rule"), _("Clause"), _("Late"), _("Records")],
                       "person": [_("Responsible"), _("Late"), _("Rules")],
                       "rows": [_("Record no."), _("Rule"), _("Clause"), _("Due"), _("Lateness"), _("Responsible")]},
        "loops_title": _("Dissatisfied callbacks still open ({count})", count=len(loops)),
        "loop_heads": [_("Source"), _("Callback"), _("Called back"), _("Resident"), _("Subject"), _("To be rectified"),
                       _("Rectified by"), _("Next callback")],
        "loops": [[f"{source_name(loop['source_kind'], lang)} {loop['source']}".strip(),
                   loop["dissatisfied"], f"{loop['at'][:16].replace('T', ' ')} {loop['by']}",
                   f"{loop['name']} {loop['address']}".strip(),
                   loop["subject"], loop["rectification"], loop["fix_by"], loop["next"][:16].replace("T", " ")]
                  for loop in loops],
        "titles": {"figures": _("Figures against targets and last month"), "charts": _("Charts"),
                   "attention": _("What needs attention"), "analysis": _("Analysis"), "none": _("(none)"),
                   "below": _("below target")},
        "signatures": [_("Prepared by"), _("Service director"), _("Submitted to company leadership")],
    }


def _sections(current: dict, last: dict, t, lang: str, clauses: dict) -> list[dict]:
    """The figures table: each figure with its clause, target and last month's value; a figure `stats` adds
    later, that this table does not know yet, is still shown (under its key, in "Other figures")."""
    covered: set = set()

    def row(label, clause, path, unit="count", target=None):
        covered.add(tuple(path))
        value, before = _get(current, *path), _get(last, *path)
        share = unit == "share"
        shown = {"count": _count, "share": _pct, "yuan": yuan}[unit]
        bad = share and target is not None and value is not None and value < target
        goal = "" if not share or target is None else (_pct(target) if target >= 1 else f"≥ {_pct(target)}")
        return {"label": label, "clause": clause, "value": shown(value), "target": goal,
                "last": shown(before), "change": _change(value, before, share, t), "bad": bad}

    requests = [row(_("Help requests"), "9.4.10", ("requests", "total"))]
    if _get(current, "requests", "fees") is not None:
        requests.append(row(_("Paid help services (yuan)"), "9.4.9", ("requests", "fees"), "yuan"))
    if _get(current, "requests", "billed") is not None:
        requests.append(row(_("Paid help services billed by finance (yuan)"), "10.4.3", ("requests", "billed"),
                            "yuan"))
    requests += [row(_("of which: {category}", category=_category(c, lang)), "9.4.1-1", ("requests", "by_category", c))
                 for c in (_get(current, "requests", "by_category") or {})]
    repairs = [row(_("Repairs"), "10.4", ("repairs", "total")),
               row(_("Public repairs"), "10.4.2", ("repairs", "public")),
               *([row(_("Public repairs reported"), "10.4.2", ("public_repairs", "total"))]
                 if _get(current, "public_repairs", "total") is not None else []),
               row(_("Repairs paid"), "10.4.3", ("repairs", "paid")),
               row(_("Fees of completed resident repairs (yuan)"), "10.4.1-6", ("repairs", "fees"), "yuan")]
    if _get(current, "repairs", "billed") is not None:
        repairs.append(row(_("Billed with the management fee (yuan)"), "10.4.3", ("repairs", "billed"), "yuan"))
    if _get(current, "fees", "total") is not None:  # 9.4.9, 10.4.3-1: repairs and help services alike
        repairs += [row(_("Paid services in all, 《有偿服务记录表》 total (yuan)"), "10.5.1", ("fees", "total"),
                        "yuan"),
                    row(_("Paid services handed to finance, billed in all (yuan)"), "10.4.3", ("fees", "billed"),
                        "yuan")]
    paths = {rule: path for rule, (path, _share) in on_time(last).items()}
    paths.update({rule: path for rule, (path, _share) in on_time(current).items()})
    on_time_rows = [row(rule_name(rule, lang), clauses.get(rule, ""), paths[rule], "share", 1.0)
                    for rule in sorted(paths)]
    complaints = [row(_("Complaints"), "8.6", ("complaints", "total"))]
    complaints += [row(_("{severity} complaints", severity=severity_name(s, lang) or s), "11.1.3",
                       ("complaints", "by_severity", s))
                   for s in (_get(current, "complaints", "by_severity") or {})]
    callbacks = []
    for kind, clause in _callback_kinds().items():
        target = _get(current, "callbacks", kind, "target")
        callbacks.append(row(_("{source}: called back / to call back", source=source_name(kind, lang)), clause,
                             ("callbacks", kind, "done")))
        callbacks[-1]["value"] = (f"{_count(_get(current, 'callbacks', kind, 'done'))} / "
                                  f"{_count(_get(current, 'callbacks', kind, 'eligible'))}")
        callbacks[-1]["last"] = (f"{_count(_get(last, 'callbacks', kind, 'done'))} / "
                                 f"{_count(_get(last, 'callbacks', kind, 'eligible'))}")
        callbacks.append(row(_("{source}: callback coverage", source=source_name(kind, lang)), clause,
                             ("callbacks", kind, "coverage"), "share", target))
        if not _get(current, "callbacks", kind, "eligible"):
            callbacks[-1]["bad"] = False  # nothing was due a callback: no quota missed
        if _get(current, "callbacks", kind, "handling_rate") is not None:  # 11.1.11, apart from the coverage
            callbacks.append(row(_("{source}: handling rate (settled ÷ called back)", source=source_name(kind, lang)),
                                 "11.1.11", ("callbacks", kind, "handling_rate"), "share", 1.0))
            covered.update({("callbacks", kind, "called_back"), ("callbacks", kind, "settled")})
    handling_target = _get(current, "callbacks", "handling_target")
    covered.add(("callbacks", "handling_target"))
    callbacks.append(row(_("Callback handling rate"), "11.1.11", ("callbacks", "handling_rate"), "share",
                         1.0 if handling_target is None else handling_target))  # settled ÷ called back
    for key, label in (("called_back", _("Matters called back or answered")), ("settled", _("Matters settled"))):
        if _get(current, "callbacks", key) is not None:
            callbacks.append(row(label, "11.1.11", ("callbacks", key)))
    for key, label in (("loops_needed", _("Matters needing an outcome")), ("loops_closed", _("Matters closed"))):
        if _get(current, "callbacks", key) is not None:
            callbacks.append(row(label, "11.1.11", ("callbacks", key)))
    if _get(current, "callbacks", "open_dissatisfied") is not None:
        callbacks.append(row(_("Dissatisfied loops still open"), "11.2.3", ("callbacks", "open_dissatisfied")))
    for kind in _callback_kinds():
        covered.add(("callbacks", kind, "eligible"))
        covered.add(("callbacks", kind, "target"))
    sections = [{"title": _("Help requests (9)"), "rows": requests},
                {"title": _("Repairs (10)"), "rows": repairs},
                {"title": _("Deadlines met on time (target 100 %)"), "rows": on_time_rows or
                 [{"label": _("No deadlines fell in this month."), "clause": "", "value": "", "target": "", "last": "",
                   "change": "", "bad": False}]},
                {"title": _("Complaints (8.6, 11.1.12)"), "rows": complaints},
                {"title": _("Callbacks (11)"), "rows": callbacks}]
    others = []
    for path in _leaves(current):
        if path not in covered and "on_time" not in path:
            value = _get(current, *path)
            kind = "share" if isinstance(value, float) and 0 <= value <= 1 and path[-1] in (
                "coverage", "rate", "share") else "count"
            others.append(row(".".join(path), "", path, kind))
    if others:
        sections.append({"title": _("Other figures"), "rows": others})
    return sections


def _leaves(data: dict, prefix: tuple = ()) -> list[tuple]:
    """The paths of every number in the stats JSON (its figures), in order."""
    found = []
    for key, value in data.items():
        if key == "month" and not prefix:
            continue
        if isinstance(value, dict):
            found += _leaves(value, prefix + (key,))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append(prefix + (key,))
    return found


def _clauses(ledger) -> dict[str, str]:
    """rule key -> the clause(s) the ledger's policy cites for it (e.g. `10.4.1-2① / 10.4.1-2②`)."""
    found: dict[str, list[str]] = {}
    for rule in ledger.policy.rules:
        if rule.clause not in found.setdefault(rule.key, []):
            found[rule.key].append(rule.clause)
    return {key: " / ".join(values) for key, values in found.items()}


def analysis(current: dict, last: dict, last_month: str, late: list[dict], loops: list[dict], t, lang: str,
             clauses: dict) -> list[str]:
    """A few sentences written from the figures: volumes, the largest changes, the worst rule, the quotas."""
    sentences = []
    volumes = []
    for label, path in ((_("help requests"), ("requests", "total")), (_("repairs"), ("repairs", "total")),
                        (_("complaints"), ("complaints", "total"))):
        value, before = _get(current, *path) or 0, _get(last, *path) or 0
        volumes.append(_("{value} {what} ({month}: {before})", value=value, what=label, month=last_month,
                         before=before))
    sentences.append(_("This month: {volumes}.", volumes=_(", ").join(volumes)))

    changes = []
    now_rates, then_rates = _shares(current), _shares(last)
    for rule in set(now_rates) & set(then_rates):
        changes.append((abs(now_rates[rule] - then_rates[rule]) * 100,
                        _("on time for {rule} {change} ({before} → {value})", rule=rule_name(rule, lang),
                          change=_change(now_rates[rule], then_rates[rule], True, t), before=_pct(then_rates[rule]),
                          value=_pct(now_rates[rule]))))
    for kind in _callback_kinds():
        value, before = _get(current, "callbacks", kind, "coverage"), _get(last, "callbacks", kind, "coverage")
        if value is not None and before is not None and (_get(current, "callbacks", kind, "eligible") or
                                                         _get(last, "callbacks", kind, "eligible")):
            changes.append((abs(value - before) * 100,
                            _("{source} callback coverage {change} ({before} → {value})",
                              source=source_name(kind, lang), change=_change(value, before, True, t),
                              before=_pct(before), value=_pct(value))))
    for label, path in ((_("help requests"), ("requests", "total")), (_("repairs"), ("repairs", "total")),
                        (_("complaints"), ("complaints", "total"))):
        value, before = _get(current, *path) or 0, _get(last, *path) or 0
        if before:
            changes.append((abs(value - before) / before * 100,
                            _("{what} {sign}{percent} % ({before} → {value})", what=label,
                              sign="+" if value >= before else "−",
                              percent=round(abs(value - before) / before * 100), before=before, value=value)))
    changes = [c for c in sorted(changes, key=lambda c: -c[0]) if c[0] >= 1][:3]
    if changes:
        sentences.append(_("Largest changes against {month}: {changes}.", month=last_month,
                           changes=_("; ").join(text for _size, text in changes)))
    else:
        sentences.append(_("No figure changed by more than one point against {month}.", month=last_month))

    if now_rates:
        worst = min(sorted(now_rates), key=lambda rule: now_rates[rule])
        missed = [item for item in late if item["rule"] == worst]
        if now_rates[worst] < 1.0:
            people: dict = {}
            for item in missed:
                who = item["assignee"] or role_name(item["role"], lang)
                people[who] = people.get(who, 0) + 1
            most = max(sorted(people), key=lambda who: people[who]) if people else ""
            sentences.append(_("Worst rule: {rule} ({clause}), {share} on time against 100 %, {count} late{most}.",
                               rule=rule_name(worst, lang), clause=clauses.get(worst, ''),
                               share=_pct(now_rates[worst]), count=len(missed),
                               most=_("; most of them: {who} ({n})", who=most, n=people[most]) if most else ""))
        else:
            sentences.append(_("Every deadline of the month was met on time."))
    else:
        sentences.append(_("No deadlines fell in this month."))

    short = []
    for kind, clause in _callback_kinds().items():
        section = _get(current, "callbacks", kind) or {}
        eligible, done, target = section.get("eligible", 0), section.get("done", 0), section.get("target", 0)
        if eligible and done < target * eligible:
            import math

            needed = math.ceil(target * eligible - 1e-9) - done
            short.append(_("{source} {coverage} against a quota of {target} ({clause}): {needed} more callback(s) "
                           "needed",
                           source=source_name(kind, lang), coverage=_pct(section.get("coverage", 0)),
                           target=_pct(target),
                           clause=clause, needed=needed))
    if short:
        sentences.append(_("Callbacks below quota: {items}.", items=_("; ").join(short)))
    else:
        sentences.append(_("Every callback quota was met."))
    rate = _get(current, "callbacks", "handling_rate")
    if rate is not None and rate < 1.0:
        sentences.append(_("Callback handling rate {rate}, below the 100 % of 11.1.11.", rate=_pct(rate)))
    if loops:
        sentences.append(_("{count} dissatisfied callback loop(s) still open (11.2.3): {ids}.", count=len(loops),
                           ids=" ".join(loop["source"] for loop in loops)))
    return sentences


def monthly_report(session, month: str, fmt: str):
    """`stats YYYY-MM -f html|pdf`: the report as HTML (str) or PDF (bytes)."""
    if fmt == "pdf":
        from propcli.app.pdf import require_pdf

        require_pdf()
    html = render_template("report.html.j2", **report_data(session, month))
    if fmt == "pdf":
        from propcli.app.pdf import html_to_pdf

        return html_to_pdf(html)
    return html
