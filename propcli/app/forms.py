"""The paper forms (SPEC.md "The paper forms and their fields"), rendered from the Jinja2 templates in
templates/ as text, HTML (printed by a browser on A4) or PDF (propcli.app.pdf, the `pdf` extra).

Every form, blank or filled, carries a title block (office, form name, clause, number, month); registers
print landscape with their heading repeated on each page and rows tall enough to write in; signature
places are left blank, with the name the ledger recorded printed small beside them; a filled form carries
a QR code `propcli:ID@COMMIT` (propcli.app.qr) that `show` accepts, so a signed paper copy leads back to
the exact version it was printed from. Jinja2 is imported only when something is rendered.

Labels are in the language people read (CLI.md "Additions": --lang / PROPCLI_LANG, else propcli.yaml
`locale:`, else LANG/LC_ALL, else zh_CN): English msgids in this module, Chinese in the zh_CN catalogue.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.timeutil import check_month


# --- language -------------------------------------------------------------------------------------

def paper_language(ledger=None) -> str:
    """`zh_CN` or `en`: PROPCLI_LANG (--lang), else the ledger's `locale:`, else LC_ALL/LANG, else zh_CN."""
    import os

    candidates = [os.environ.get("PROPCLI_LANG")]
    if ledger is not None:
        candidates.append((ledger.config or {}).get("locale"))
    candidates += [os.environ.get("LC_ALL"), os.environ.get("LANG")]
    for value in candidates:
        text = str(value or "").strip().lower()
        if text.startswith("en"):
            return "en"
        if text.startswith("zh"):
            return "zh_CN"
    return "zh_CN"


_CATALOGUES: dict = {}


def translator(lang: str):
    """A `_` for `lang`, whatever language the rest of the command speaks."""
    if lang not in _CATALOGUES:
        from propcli import i18n

        po = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "propcli.po"
        _CATALOGUES[lang] = i18n.PoTranslations(po) if lang != "en" and po.is_file() else i18n.NoTranslation()
    catalogue = _CATALOGUES[lang]

    def translate(message: str, /, **values) -> str:
        text = catalogue.gettext(message)
        return text.format(**values) if values else text

    return translate


# --- durations as people say them -----------------------------------------------------------------

def humanize_minutes(minutes, lang: str = "zh_CN") -> str:
    """Lateness (minutes > 0) or time left (minutes <= 0) as people say it (CLI.md "Small points"):
    `超时 16 分钟`, `超时 2 小时 5 分钟`, `超时 3 天`, `还剩 3 分钟` (English: `16 min late`, `3 min left`)."""
    import math

    t = translator(lang)
    value = float(minutes)
    late = value > 0
    whole = max(1, math.floor(value) if late else math.ceil(-value))
    days, rest = divmod(whole, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        span = t("{days} d", days=days) + (" " + t("{hours} h", hours=hours) if hours else "")
    elif hours:
        span = t("{hours} h", hours=hours) + (" " + t("{minutes} min", minutes=mins) if mins else "")
    else:
        span = t("{minutes} min", minutes=mins)
    return t("{span} late", span=span) if late else t("{span} left", span=span)


# --- labels shared by forms, the monthly report and the overdue mail ------------------------------
# The Chinese labels are defined once, by the kinds (rules, severities, callback results) and the policy
# (roles); these are their English names, for a reader who chose English.

RULE_NAMES_EN = {
    "request.reply": "Reply to a help request", "request.report": "Major medical case reported to the manager",
    "repair.fill": "Repair form filled in", "repair.notify": "Engineering notified to collect the order",
    "repair.quote": "Off-list item evaluated and quoted", "repair.arrive": "Technician on site",
    "repair.return": "Copies 2 and 3 returned", "repair.finance": "Copy 3 sent to finance",
    "public.notify": "Public repair: engineering notified", "public.arrive": "Public repair: technician on site",
    "complaint.reply": "First answer to a complaint", "callback.complaint": "Complaint callback",
    "callback.repair": "Repair callback", "callback.event": "Community event callback",
    "callback.reply": "Reply agreed in a callback", "callback.next": "Next callback after dissatisfaction",
    "callback.incident": "Callback after an incident", "visit.record": "Visit",
}
ROLE_NAMES_EN = {
    "leadership": "Company leadership", "manager": "Office manager", "property_director": "Property department director",
    "service_director": "Customer service director", "property_officer": "Property officer",
    "receptionist": "Customer service receptionist", "engineering_director": "Engineering director",
    "technician": "Technician", "security_lead": "Security duty leader", "guard": "Security guard",
    "patrol_officer": "Patrol officer", "area_officer": "Area officer", "culture_clerk": "Community culture clerk",
    "finance": "Finance department", "system": "System account",
}
SEVERITY_NAMES_EN = {"general": "General", "important": "Important", "major": "Major"}
RESULT_NAMES_EN = {"satisfied": "Satisfied", "dissatisfied": "Dissatisfied"}
SOURCE_NAMES = {"complaint": N_("Complaints"), "repair": N_("Repairs"), "event": N_("Community events")}
METHOD_NAMES = {"visit": N_("Visit"), "phone": N_("Phone callback")}


def _named(key, zh: dict, en: dict, lang: str) -> str:
    if not key:
        return ""
    return zh.get(key, key) if lang == "zh_CN" else en.get(key) or zh.get(key, key)


def rule_name(rule: str, lang: str) -> str:
    from propcli.kinds import rule_label

    return _named(rule, {rule: rule_label(rule) or rule}, RULE_NAMES_EN, lang)


def role_name(role: str | None, lang: str) -> str:
    from propcli.policy.roles import ROLE_LABELS

    return _named(role, ROLE_LABELS, ROLE_NAMES_EN, lang)


def severity_name(severity: str | None, lang: str) -> str:
    from propcli.kinds.complaint import SEVERITY_ZH

    return _named(severity, SEVERITY_ZH, SEVERITY_NAMES_EN, lang) if severity in SEVERITY_ZH else ""


def result_name(result: str | None, lang: str) -> str:
    from propcli.kinds.callback import RESULT_ZH

    return _named(result, RESULT_ZH, RESULT_NAMES_EN, lang) if result in RESULT_ZH else ""


def source_name(kind: str | None, lang: str) -> str:
    """A callback source's category (《客户回访记录》 rows): 投诉, 维修, 社区活动, else the kind's label."""
    if kind in SOURCE_NAMES:
        return translator(lang)(SOURCE_NAMES[kind])
    from propcli import kinds

    if kind not in kinds.NAMES:
        return ""
    entry = kinds.entry(kind)
    return entry.zh if lang == "zh_CN" else entry.en


# --- the forms ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    label: str
    width: int = 15  # mm


@dataclass(frozen=True)
class Form:
    title: str
    clause: str
    columns: tuple = ()
    orientation: str = "landscape"
    footer: tuple = (N_("Prepared by"), N_("Reviewed by"))
    blank_rows: int = 12
    takes: str = N_("a month YYYY-MM")


FORMS = {  # column widths in mm of the printable width (A4 landscape 273 mm, portrait 186 mm, with the 序号 column)
    "complaint-register": Form(N_("Complaint register 《客户投诉登记表》"), "8.7.1", (
        Column(N_("Record no."), 24), Column(N_("Complaint time"), 18), Column(N_("Complainant"), 12),
        Column(N_("Unit/address"), 16), Column(N_("Phone"), 20), Column(N_("Complaint channel"), 14),
        Column(N_("Complaint"), 24), Column(N_("Severity"), 14), Column(N_("Responsible department"), 14),
        Column(N_("Received by"), 13), Column(N_("Action and result"), 24), Column(N_("Handled at"), 19),
        Column(N_("Callback"), 22), Column(N_("Written reply"), 15), Column(N_("Supervisor's review"), 15)),
        footer=(N_("Prepared by"), N_("Supervisor's review"))),
    "call-log": Form(N_("Customer call log 《客户来电记录表》"), "8.7.2", (
        Column(N_("Call time"), 19), Column(N_("Caller"), 15), Column(N_("Phone"), 21), Column(N_("Unit"), 16),
        Column(N_("Reason for the call"), 60), Column(N_("Handling / passed on to"), 68),
        Column(N_("Answered by"), 15), Column(N_("Remarks"), 50))),
    "repair-order": Form(N_("Repair order 《维修单》"), "10.4.1", orientation="portrait",
                         takes=N_("a resident repair id")),
    "paid-service": Form(N_("Paid service record 《有偿服务记录表》"), "10.5.1", (
        Column(N_("Date"), 19), Column(N_("Record no."), 23), Column(N_("Unit"), 18), Column(N_("Resident"), 18),
        Column(N_("Service"), 76), Column(N_("Charge (yuan)"), 24), Column(N_("Technician"), 18),
        Column(N_("Resident's signature"), 40), Column(N_("Handed to finance"), 28)),
        footer=(N_("Prepared by"), N_("Engineering director"), N_("Finance department"))),
    "public-inspection": Form(N_("Public-area inspection form 《公共区域现场巡视表》"), "10.5.2", (
        Column(N_("Patrol date/time"), 21), Column(N_("Patrolled by"), 14), Column(N_("Area/location"), 22),
        Column(N_("Problem found"), 36), Column(N_("Action required"), 30), Column(N_("Engineering notified at"), 23),
        Column(N_("Engineering signed for copy 2"), 30), Column(N_("On site at"), 19), Column(N_("Repair work"), 30),
        Column(N_("Site cleaned up"), 20), Column(N_("Completed at"), 19)),
        takes=N_("a public repair id, a patrol round id or a month YYYY-MM")),
    "callback-record": Form(N_("Callback record 《回访记录表》"), "11.3.1", (
        Column(N_("Record no."), 24), Column(N_("Callback date"), 18), Column(N_("Method"), 14),
        Column(N_("Resident / unit / phone"), 28), Column(N_("Subject"), 28), Column(N_("Resident's opinion"), 26),
        Column(N_("Satisfaction"), 12), Column(N_("To be rectified"), 22), Column(N_("Agreed reply / next callback"), 31),
        Column(N_("Called by"), 11), Column(N_("Customer's signature"), 17),
        Column(N_("Department director's opinion"), 33)),
        footer=(N_("Prepared by"), N_("Department director"))),
    "callback-summary": Form(N_("Monthly callback summary 《客户回访记录》"), "11.3.2", (
        Column(N_("Source"), 25), Column(N_("To call back"), 19), Column(N_("Called back"), 19), Column(N_("Coverage"), 19),
        Column(N_("Target"), 19), Column(N_("Satisfied"), 19), Column(N_("Dissatisfied"), 19), Column(N_("Rectified"), 19),
        Column(N_("Handling rate"), 19)), orientation="portrait",
        footer=(N_("Prepared by"), N_("Director's review"), N_("Submitted to company leadership")), blank_rows=3),
}
LINE_COLUMN_MM = 9
FORMATS = ("text", "html", "pdf")


class Total(list):
    """A 合计 / 小计 line of a register (no line number; printed bold)."""


@dataclass(frozen=True)
class Sign:
    """A place to sign: left blank on paper, with the name the ledger recorded printed small beside it."""

    recorded: str = ""

    def __str__(self) -> str:
        return self.recorded


@dataclass
class Paper:
    """What every printed page shows: the title block and the QR code."""

    lang: str
    office: str
    office_name: str
    title: str
    clause: str
    number: str = ""
    month: str = ""
    reference: str = ""
    qr: str = ""
    printed: str = ""
    labels: dict = field(default_factory=dict)


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from propcli.store.resources import templates_dir

    env = Environment(loader=FileSystemLoader(str(templates_dir())), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=False,
                      autoescape=lambda name: bool(name and name.endswith(".html.j2")))
    env.tests["sign"] = lambda value: isinstance(value, Sign)
    env.tests["total"] = lambda value: isinstance(value, Total)
    env.filters["cell"] = _cell
    return env


_TOKEN = None


def _cell(value):
    """A cell's text, HTML-escaped, with ids, dates, times and numbers kept on one line (a record id
    broken at its hyphen could not be read back, by a person or by pdftotext)."""
    import re

    from markupsafe import Markup, escape

    global _TOKEN
    if _TOKEN is None:
        _TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:./@_-]*[-/][A-Za-z0-9:./@_-]*[A-Za-z0-9]")
    text = str(escape("" if value is None else value))
    return Markup(_TOKEN.sub(lambda match: f'<span class="nw">{match.group(0)}</span>', text))


def render_template(name: str, **context) -> str:
    """One of templates/ rendered (Jinja2 is imported here, only when something is printed)."""
    return _environment().get_template(name).render(**context)


def yuan(value) -> str:
    """An amount as forms print it: two decimals (CLI.md "Small points")."""
    return "" if value is None or value == "" else f"{Decimal(str(value)):.2f}"


def _time(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else ""


def _month_label(month: str, lang: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月" if lang == "zh_CN" else month


def _labels(t) -> dict:
    """The words of the page furniture, in the page's language."""
    return {"office": t("Office"), "number": t("Form no."), "month": t("Month"), "line": t("Line no."),
            "recorded": t("ledger: {name}"), "date": t("Date"), "blank_month": t("____ (year) ____ (month)"),
            "pages": t("Page"), "scan": t("Scan with propcli show"), "none": t("(none)")}


def paper(session, form: Form, lang: str, number: str = "", month: str = "", key: str | None = None,
          commit: bool = True) -> Paper:
    """The title block of one printed form; `key` (a record id, `NAME/MONTH` or a form number) gets a QR code."""
    from propcli.app import qr

    t = translator(lang)
    ledger = session.ledger
    page = Paper(lang, ledger.office, str(ledger.config.get("name") or ""), t(form.title), form.clause,
                 number, _month_label(month, lang) if month else "", labels=_labels(t))
    page.labels["clause"] = t("Clause {clause}", clause=form.clause)
    printed = session.now.strftime("%Y-%m-%d %H:%M")
    if key:
        page.reference = qr.reference(key, qr.head_commit(ledger) if commit else None)
        page.qr = qr.svg(page.reference)
        page.printed = t("Printed {time} from {reference}", time=printed, reference=page.reference)
    else:
        page.printed = t("Printed {time}", time=printed)
    return page


def declared_registers() -> dict:
    """The registers the kinds declare (`Kind.registers`), by form name: (kind, Form declaration)."""
    from propcli import kinds

    return {form.name: (declared.name, form) for declared in kinds.all_kinds() for form in declared.registers}


def form_names() -> list[str]:
    return list(FORMS) + [name for name in declared_registers() if name not in FORMS]


def _declared_form(declared) -> Form:
    """A kind's register as printed paper: its columns share the landscape width."""
    width = max(12, int(264 / max(1, len(declared.columns))))
    return Form(declared.title, declared.clause, tuple(Column(label, width) for label in declared.columns))


def render_form(session, name: str, record_id: str | None, fmt: str, count: int | None = None,
                book: str | None = None):
    """`propcli form NAME [ID|YYYY-MM] [-f text|html|pdf]`: text or HTML as str, PDF as bytes.
    With `count`, a pre-numbered blank 维修单 of `count` forms whose numbers are reserved first (one commit)."""
    declared = None if name in FORMS else declared_registers().get(name)
    if name not in FORMS and declared is None:
        raise BadInput(_("NAME: '{name}' is not a form; expected one of {names}", name=name,
                         names=", ".join(form_names())))
    if fmt not in FORMATS:
        raise BadInput(_("--format: '{fmt}' is not available for forms; expected text, html or pdf", fmt=fmt))
    if fmt == "pdf":
        from propcli.app.pdf import require_pdf

        require_pdf()
    if count is not None or book is not None:
        if name != "repair-order":
            raise BadInput(_("--count: only the repair-order form is pre-numbered (10.4.1); {name} is not", name=name))
        if record_id:
            raise BadInput(_("--count: pre-numbered forms are blank; give no ID"))
        if count is None:
            raise BadInput(_("--book: goes with --blank --count N (the forms to number)"))
    ledger = session.ledger
    lang = paper_language(ledger)
    form = FORMS[name] if declared is None else _declared_form(declared[1])
    suffix = "txt.j2" if fmt == "text" else "html.j2"
    if declared is not None:
        text = render_template(f"{declared[1].template}.{suffix}",
                               **_register(session, name, form, lang, record_id, declared))
    elif name == "repair-order":
        if count is not None:
            from propcli.app.formbook import reserve

            numbers = reserve(session, count, book)
            orders = [_repair_order(session, form, lang, {}, number=n) for n in numbers]
        else:
            record = _resident_repair(session, record_id) if record_id else {}
            orders = [_repair_order(session, form, lang, record)]
        text = render_template(f"repair-order.{suffix}", orders=orders, lang=lang, orientation=form.orientation)
    else:
        text = render_template(f"register.{suffix}", **_register(session, name, form, lang, record_id))
    if fmt == "pdf":
        from propcli.app.pdf import html_to_pdf

        return html_to_pdf(text)
    return text


# --- registers ------------------------------------------------------------------------------------

def _register(session, name: str, form: Form, lang: str, key: str | None, declared=None) -> dict:
    t = translator(lang)
    rows, totals, month, number, ref = [], None, "", "", None
    if key and declared is not None:
        from propcli.app.services import list_records

        month, ref = check_month(key, "ID"), f"{name}/{key}"
        rows = declared[1].rows(list_records(session, kind=declared[0], month=key))
    elif key:
        rows, totals, month, ref = _rows_for(session, name, key, lang)
        number = ref if ref and not ref.startswith(name) else f"{session.ledger.office}-{form.clause}-{month.replace('-', '')}"
    weights = [LINE_COLUMN_MM] + [c.width for c in form.columns]
    scale = 100.0 / sum(weights)
    page = paper(session, form, lang, number=number, month=month, key=ref)
    return {
        "page": page, "lang": lang, "orientation": form.orientation,
        "columns": [t(c.label) for c in form.columns], "widths": [round(w * scale, 3) for w in weights],
        "rows": rows, "totals": totals, "blank_rows": 0 if key else form.blank_rows,
        "footer": [t(label) for label in form.footer], "filled": bool(key),
    }


def _rows_for(session, name: str, key: str, lang: str) -> tuple[list, list | None, str, str]:
    """(rows, totals row or None, the month shown, the QR key) of a filled register."""
    from propcli.app.services import list_records, show

    t = translator(lang)
    if name == "public-inspection":
        return _inspection_rows(session, key, t)
    if name == "callback-record" and (key[:2].upper() == "B-" or key.lower().startswith("propcli:")):
        record = show(session, key)
        if record["kind"] != "callback":
            raise BadInput(_("ID: {id} is not a callback (11.3.1)", id=record["id"]))
        return [_callback_row(record, lang)], None, record["received"][:7], record["id"]
    check_month(key, "ID")
    if name == "paid-service":
        return _paid_service_rows(session, key, t), None, key, f"{name}/{key}"
    if name == "call-log":
        return [[_time(r["received"]), r.get("name", ""), r.get("phone", ""), r.get("address", ""),
                 r.get("reason", "") or r.get("detail", ""),
                 "；".join(x for x in (r.get("handled", ""), r.get("record", "")) if x),
                 r["events"][0]["by"], r.get("note", "")]
                for r in list_records(session, kind="call", month=key)], None, key, f"{name}/{key}"
    if name == "complaint-register":
        callbacks = _callbacks_by_source(session)
        rows = [_complaint_row(r, callbacks.get(r["id"]), lang) for r in list_records(session, kind="complaint", month=key)]
        return rows, None, key, f"{name}/{key}"
    if name == "callback-record":
        records = [r for r in list_records(session, kind="callback") if _recorded(r, key)]
        return [_callback_row(r, lang) for r in records], None, key, f"{name}/{key}"
    if name == "callback-summary":
        return _summary_rows(session, key, lang), None, key, f"{name}/{key}"
    raise BadInput(_("ID: the form {name} takes {what}", name=name, what=_(FORMS[name].takes)))


def _events(record: dict) -> dict:
    """The first event of each step."""
    found: dict = {}
    for event in record.get("events", []):
        found.setdefault(event["step"], event)
    return found


def _event(record: dict, step: str) -> dict:
    return next((e for e in (record or {}).get("events", []) if e["step"] == step), {})


def _last(record: dict, step: str) -> dict:
    return next((e for e in reversed((record or {}).get("events", [])) if e["step"] == step), {})


def _material_text(event: dict, t) -> str:
    """A 10.4.1-5 verdict as recorded: the result, the warning given and the resident's own decision."""
    extra = t("; ").join(f"{label}{t(': ')}{event[key]}" for key, label in
                         (("warning", t("warning given")), ("decision", t("resident's decision"))) if event.get(key))
    return t("{result} ({details})", result=event["result"], details=extra) if extra else event["result"]


def _technician(record: dict) -> str:
    return _event(record, "take").get("to", "") or _event(record, "arrive").get("by", "")


def _paid_service_rows(session, month: str, t) -> list:
    """《有偿服务记录表》 (10.5.1): resident repairs completed in M as of --now, then their 合计 (= `stats`
    repairs.fees); help requests charged in M (9.4.9) follow with their own subtotal (= requests.fees)."""
    from propcli import kinds
    from propcli.app.billing import fee_records

    check_month(month, "ID")

    def line(shown: dict) -> list:
        return [shown["date"], shown["id"], shown["unit"], shown["resident"], shown["service"], yuan(shown["amount"]),
                shown["by"], Sign(shown["signature"]), shown["finance"]]

    def total(label: str, lines: list[dict]) -> Total:
        cents = sum(int(Decimal(str(x["amount"] or 0)) * 100) for x in lines)
        return Total([label, "", "", "", "", yuan(Decimal(cents) / 100), "", "", ""])

    repairs = kinds.kind("repair")
    lines = [repairs.paid_service(r) for r in fee_records(session, month, repairs.name)]
    rows = [line(x) for x in lines] + [total(t("Total"), lines)]
    for declared in kinds.all_kinds():
        if declared.paid_service is None or declared is repairs:
            continue
        charged = [declared.paid_service(r) for r in fee_records(session, month, declared.name)]
        if charged:
            name = declared.zh if paper_language(session.ledger) == "zh_CN" else declared.en
            rows += [line(x) for x in charged] + [total(t("{kind} paid services subtotal (9.4.9)", kind=name), charged)]
    return rows


def _inspection_line(found_at, officer, where, finding, handling, repair: dict | None) -> list:
    ev = _events(repair) if repair else {}
    complete = ev.get("complete", {})
    return [_time(found_at), officer or "", where or "", finding or "", handling,
            _time(ev.get("notify", {}).get("at")), Sign(ev.get("take", {}).get("by", "")),
            _time(ev.get("arrive", {}).get("at")), complete.get("work", ""), complete.get("cleanup", ""),
            _time(complete.get("at"))]


def _public_repair_line(repair: dict, t) -> list:
    """A public repair (10.4.2): from a patrol finding, the officer and the time of the finding; else who
    recorded the report and when."""
    return _inspection_line(repair.get("found_at") or repair["received"],
                            repair.get("patrol_officer") or repair["events"][0]["by"], repair.get("location", ""),
                            repair.get("item", ""), t("Repair {id}", id=repair["id"]), repair)


def _round_lines(session, round_: dict, t) -> list[tuple[str, list]]:
    """One line per finding of a patrol round (12.2.2): the public repair it became, or how it was handled."""
    from propcli.app.services import show
    from propcli.kinds.patrol import inspection_rows

    linked = {}
    for event in round_["events"]:
        if event["step"] == "repair" and event.get("repair"):
            try:
                linked[event["repair"]] = show(session, event["repair"])
            except BadInput:
                pass
    lines = []
    for row in inspection_rows(round_, linked):
        if row["repair_id"]:
            handling = t("Repair {id}", id=row["repair_id"])
        elif row["handled"]:
            handling = t("Handled on the spot: {outcome}", outcome=row["handled"])
        else:
            handling = t("To be dealt with")
        lines.append((row["at"], _inspection_line(row["at"], row["officer"], row["where"], row["finding"], handling,
                                                  row["repair"])))
    return lines


def _inspection_rows(session, key: str, t) -> tuple[list, None, str, str]:
    """《公共区域现场巡视表》 (10.5.2) of a public repair, of a patrol round (one line per finding) or of a month
    (every round made in it, and the public repairs reported in it that no round found)."""
    import re

    from propcli.app.services import list_records, show

    if re.match(r"^\d{4}-\d{2}$", key):
        check_month(key, "ID")
        lines = []
        for round_ in list_records(session, kind="patrol", month=key):
            lines += _round_lines(session, round_, t)
        for repair in list_records(session, kind="repair", month=key):
            if repair.get("public") and not repair.get("patrol"):
                lines.append((repair["received"], _public_repair_line(repair, t)))
        return [line for _at, line in sorted(lines, key=lambda pair: pair[0])], None, key, f"public-inspection/{key}"
    record = show(session, key)
    if record.get("public"):
        return [_public_repair_line(record, t)], None, record["received"][:7], record["id"]
    if "findings" in record:
        return [line for _at, line in _round_lines(session, record, t)], None, record["received"][:7], record["id"]
    raise BadInput(_("ID: {id} is neither a public repair (10.4.2) nor a patrol round (12); expected one of them or a month YYYY-MM",
                     id=record["id"]))


def _callbacks_by_source(session) -> dict:
    """The latest callback of each source."""
    from propcli.app.services import list_records

    found: dict = {}
    for callback in list_records(session, kind="callback"):
        found[callback.get("source")] = callback
    return found


def _recorded(callback: dict, month: str) -> bool:
    return (_event(callback, "record").get("at") or "")[:7] == month


def _complaint_row(record: dict, callback: dict | None, lang: str) -> list:
    """One line of 《客户投诉登记表》 (8.7.1)."""
    t = translator(lang)
    handled, done = _event(record, "handle"), (_event(callback, "record") if callback else {})
    if record.get("anonymous") or record.get("written_reply_only"):
        follow_up = t("No callback needed (11.1.13)")
    elif done:
        follow_up = f"{_time(done['at'])} {done['by']} {result_name(done.get('result'), lang)}"
    else:
        follow_up = t("Callback pending") if callback else ""
    replies = [e.get("text") or e.get("note", "") for e in record["events"] if e["step"] == "reply"
               and (e.get("text") or e.get("note"))]
    merged = _event(record, "merge")
    detail = record.get("detail", "")
    if merged:
        detail = t("{detail} (repeat of {id}, 11.1.12)", detail=detail, id=merged.get("into", ""))
    review = _last(record, "review")
    return [record["id"], _time(record["received"]), t("Anonymous") if record.get("anonymous") else record.get("name", ""),
            record.get("address", ""), record.get("phone", ""), record.get("channel", ""), detail,
            severity_name(record.get("severity"), lang),
            _event(record, "assign").get("to", ""), record["events"][0]["by"], handled.get("outcome", ""),
            _time(handled.get("at")), follow_up.strip(),
            "；".join(replies) if record.get("written_reply_only") else "", Sign(review.get("by", ""))]


def _callback_row(record: dict, lang: str) -> list:
    """One line of 《回访记录表》 (11.3.1)."""
    t = translator(lang)
    done = _event(record, "record")
    method = t(METHOD_NAMES[done["method"]]) if done.get("method") in METHOD_NAMES else ""
    who = " ".join(x for x in (record.get("name", ""), record.get("address", ""), record.get("phone", "")) if x)
    source = source_name(record.get("source_kind"), lang)
    reason = f"{source} {record.get('source', '')} {record.get('subject', '')}"
    agreed = " / ".join(_time(done.get(k)) for k in ("reply_by", "next") if done.get(k))
    review = _last(record, "review")
    opinion = review.get("opinion", "")
    return [record["id"], _time(done.get("at")), method, who, reason.strip(), done.get("note", ""),
            result_name(done.get("result"), lang),
            done.get("rectification", ""), agreed, done.get("by", ""),
            Sign(done.get("signature", "") if done.get("method") == "visit" else ""),
            Sign(f"{opinion} {review.get('by', '')}".strip())]


def _summary_rows(session, month: str, lang: str) -> list[list]:
    """《客户回访记录》 (11.3.2): per source, the base, done, coverage against the target of 11.1.3-5."""
    from propcli.app.services import list_records
    from propcli.app.stats import month_stats

    figures = month_stats(session, month)["callbacks"]
    results: dict = {}
    for callback in list_records(session, kind="callback"):
        done = _event(callback, "record")
        if done and callback.get("plan_month", (callback.get("source_done") or "")[:7]) == month:
            counts = results.setdefault(callback.get("source_kind"), {"satisfied": 0, "dissatisfied": 0, "fixed": 0})
            counts[done.get("result", "satisfied")] = counts.get(done.get("result", "satisfied"), 0) + 1
            fixed = _event(callback, "fix") or _event(callback, "reply")
            counts["fixed"] += 1 if done.get("result") == "dissatisfied" and fixed else 0
    from propcli.app.callbacks import targets

    rows = []
    for kind in targets():
        f, counts = figures[kind], results.get(kind, {})
        rows.append([source_name(kind, lang), str(f["eligible"]), str(f["done"]), f"{f['coverage']:.0%}",
                     f"≥{f['target']:.0%}", str(counts.get("satisfied", 0)), str(counts.get("dissatisfied", 0)),
                     str(counts.get("fixed", 0)), f"{figures['handling_rate']:.0%}" if not rows else ""])
    return rows


# --- the 维修单 -------------------------------------------------------------------------------------

def _resident_repair(session, record_id: str) -> dict:
    from propcli.app.services import show

    record = show(session, record_id)
    if record["kind"] != "repair" or record.get("public"):
        raise BadInput(_("ID: {id} is not a resident repair; the 维修单 is for 10.4.1 repairs", id=record["id"]))
    return record


def fee_lines(record: dict) -> list[dict]:
    """The charges on the form (10.4.1-3, -6): the items actually done at completion, else the listed
    item × quantity, else the director's quote; each {item, code, unit_price, qty, amount} as text."""
    complete = _event(record, "complete")
    lines = []
    for fee in list(complete.get("items") or []) + list(complete.get("fees") or []):
        qty = fee.get("qty")
        lines.append({"item": str(fee.get("name") or fee.get("item") or fee.get("code") or ""),
                      "code": str(fee.get("code") or ""), "unit_price": yuan(fee.get("unit_price")),
                      "qty": "" if qty is None else str(qty), "amount": yuan(fee.get("amount"))})
    if lines:
        return lines
    if record.get("price_code"):
        qty = record.get("qty") or 1
        amount = Decimal(str(record.get("unit_price") or 0)) * Decimal(str(qty))
        return [{"item": str(record.get("price_name") or record.get("item") or ""), "code": str(record["price_code"]),
                 "unit_price": yuan(record.get("unit_price")), "qty": str(qty), "amount": yuan(amount)}]
    quote = _last(record, "quote")
    if quote.get("price") is not None:
        return [{"item": str(record.get("item") or ""), "code": "", "unit_price": "", "qty": "",
                 "amount": yuan(quote.get("price"))}]
    return []


COPIES = (
    (N_("Copy 1: resident (basis for payment)"),
     N_("Goes to: the resident, from the technician, as the basis for payment (10.4.1-6)")),
    (N_("Copy 2: kept by customer service"),
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then kept by customer service after 返单 (10.4.1-7)")),
    (N_("Copy 3: finance (basis for billing)"),
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then to finance by the 25th as the basis for billing (10.4.1-7, 10.4.3)")),
)


def _actual_items(record: dict) -> str:
    """The items actually done, on one line as the kinds print them (10.4.1-3)."""
    if not record:
        return ""
    from propcli.kinds.repair import actual_items

    return actual_items(record)


def _copies(ledger, t) -> list[dict]:
    copy4 = str(ledger.config.get("copy4") or "工程部")
    copies = [{"label": t(label), "goes": t(goes)} for label, goes in COPIES]
    copies.append({"label": t("Copy 4: {destination}", destination=copy4),
                   "goes": t("Goes to: kept by {destination} (propcli.yaml copy4; 10.4.1-7 leaves it open)",
                             destination=copy4)})
    return copies


def _repair_order(session, form: Form, lang: str, record: dict, number: str = "") -> dict:
    """One 《维修单》 (10.4.1): its fields, fee lines, signature lines and four copies."""
    t = translator(lang)
    ledger = session.ledger
    ev = _events(record) if record else {}
    take, arrive, complete = ev.get("take", {}), ev.get("arrive", {}), ev.get("complete", {})
    quote, refuse, sign = _last(record, "quote"), ev.get("refuse", {}), ev.get("sign", {})
    confirm = ev.get("confirm", {})
    if record:
        number = record.get("form_no") or record["id"]
        key, month = record["id"], record["received"][:7]
    else:
        key, month = number or None, ""
    page = paper(session, form, lang, number=number, month=month, key=key, commit=bool(record))
    if record.get("price_code"):
        standard = t("{code} {name}, {price} yuan per {unit} × {qty}", code=record["price_code"],
                     name=record.get("price_name", ""), price=yuan(record.get("unit_price")),
                     unit=record.get("unit", ""), qty=record.get("qty", 1))
    elif quote:
        standard = t("Cannot be repaired (10.4.1-2③)") if quote.get("unrepairable") else \
            t("Director's quote {price} yuan (10.4.1-2③)", price=yuan(quote.get("price")))
    else:
        standard = ""
    materials = [e for e in record.get("events", []) if e["step"] == "material"]
    refusal_signers = list(refuse.get("signed_by") or [])
    technician_signer = refuse.get("technician") or (refusal_signers[0] if refusal_signers else "")
    director_signer = refuse.get("director") or (refusal_signers[1] if len(refusal_signers) > 1 else "")
    head = [
        (t("Reported at"), _time(record.get("received"))), (t("Appointment"), _time(record.get("appointment"))),
        (t("Resident"), record.get("name", "")), (t("Phone"), record.get("phone", "")),
        (t("Address"), record.get("address", "")), (t("Ledger record"), record.get("id", "")),
    ]
    quoted_by = complete.get("quoted_by") or (quote.get("by", "") if quote and not quote.get("unrepairable") else "")
    work = [
        (t("Order taken at"), _time(take.get("at"))), (t("Technician"), _technician(record)),
        (t("On site at"), _time(arrive.get("at"))), (t("Completed at"), _time(complete.get("at"))),
        (t("Quoted by (engineering director)"), quoted_by), (t("Resident signed at"), _time(sign.get("at"))),
    ]
    lines = fee_lines(record) if record else []
    total = yuan(record.get("fee_total")) if record and record.get("fee_total") is not None else ""
    return {
        "page": page, "copies": _copies(ledger, t), "head": head, "work": work,
        "item_label": t("Repair requested"), "item": record.get("item", ""),
        "standard_label": t("Price-list item or quote"), "standard": standard,
        "material_label": t("Resident's material check (10.4.1-5)"),
        "material": t("; ").join(_material_text(m, t) for m in materials),
        "fees_label": t("Work done and charges (10.4.1-3, -6)"),
        "actual_label": t("Work done and charges"), "actual": _actual_items(record),
        "fee_columns": [t("Item"), t("Price code"), t("Unit price"), t("Qty"), t("Amount (yuan)")],
        "fees": lines, "fee_blank_rows": 0 if lines else 3, "total_label": t("Total due (yuan)"), "total": total,
        "signatures": [
            {"label": t("Resident's signature (tested and accepted)"), "short": t("Resident's signature"),
             "sign": Sign(sign.get("signature", ""))},
            {"label": t("Technician"), "short": t("Technician"), "sign": Sign(_technician(record) if complete else "")},
        ],
        "refusal_signed_label": t("Refusal signed by"),
        "refusal_signed": ("、" if lang == "zh_CN" else ", ").join(x for x in (technician_signer, director_signer) if x),
        "refusal_label": t("Refusal (10.4.1-4)"), "reason_label": t("Reason"), "reason": refuse.get("reason", ""),
        "refusal_signatures": [
            {"label": t("Technician"), "sign": Sign(technician_signer)},
            {"label": t("Engineering director"), "sign": Sign(director_signer)},
        ],
        "return_label": t("Returned (10.4.1-7)"),
        "returns": [(t("Copies 2 and 3 back to engineering at"), _time(ev.get("return", {}).get("at"))),
                    (t("Confirmed by the engineering director at"), _time(confirm.get("at"))),
                    (t("Copy 3 handed to finance on"), (ev.get("finance", {}).get("at") or "")[:10])],
        "confirm": {"label": t("Engineering director's confirmation"), "sign": Sign(confirm.get("by", ""))},
    }


# --- the overdue mail (HTML part) -----------------------------------------------------------------

def render_mail_html(ledger, title: str, intro: str, groups: list[tuple[str, list[dict]]], footer: str) -> str:
    """The overdue digest's HTML (propcli.app.mail): the forms' stylesheet, title block and labels.
    Each item: id, rule, clause, due, minutes_late, mark, where, phone, assignee, role."""
    lang = paper_language(ledger)
    t = translator(lang)
    columns = [t("Record no."), t("Deadline"), t("Clause"), t("Due"), t("Lateness"), t("Notice"),
               t("Address"), t("Phone"), t("Responsible")]
    shaped = []
    for heading, items in groups:
        rows = []
        for item in items:
            rows.append({"late": float(item["minutes_late"]) > 0, "cells": [
                item["id"], f"{item['rule']} {rule_name(item['rule'], lang)}", item["clause"], item["due"],
                humanize_minutes(item["minutes_late"], lang), item["mark"], item.get("where", ""),
                item.get("phone", ""), " ".join(x for x in (role_name(item.get("role"), lang), item.get("assignee") or "") if x)]})
        shaped.append({"heading": heading, "rows": rows})
    page = Paper(lang, ledger.office, str(ledger.config.get("name") or ""), title, "", labels=_labels(t))
    page.labels["clause"] = ""
    return render_template("mail.html.j2", page=page, lang=lang, orientation="landscape", intro=intro,
                           columns=columns, groups=shaped, footer=footer)
