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
from propcli.i18n import N_, _, gettext
from propcli.kinds.callback import RESULT_ZH
from propcli.kinds.complaint import SEVERITY_ZH
from propcli.timeutil import check_month


# --- language -------------------------------------------------------------------------------------

def paper_language(ledger=None) -> str:
    """`zh_CN` or `en`: the language the command settled (--lang, PROPCLI_LANG, the ledger's `locale:`,
    LC_ALL/LANG, zh_CN; propcli.i18n)."""
    from propcli import i18n

    return i18n.language()


def translator(lang: str):
    """A `_` for `lang` (the catalogue of propcli.i18n)."""
    from propcli import i18n

    catalogue = i18n.catalogue("propcli", lang)

    def translate(message: str, /, **values) -> str:
        text = catalogue.gettext(message)
        return text.format(**values) if values else text

    return translate


# --- durations as people say them -----------------------------------------------------------------

def humanize_minutes(minutes, lang: str | None = None) -> str:
    """Lateness (minutes > 0) or time left (minutes <= 0) as people say it: `超时 16 分钟`, `超时 2 小时 5 分钟`,
    `超时 3 天`, `还剩 3 分钟` (propcli.app.humanize, the desk's one formatter), in the language of now."""
    from propcli.app.humanize import lateness

    return lateness(minutes)


# --- labels shared by forms, the monthly report and the overdue mail ------------------------------
# The labels of rules, roles, severities and results are propcli.i18n.find_label's (roles fixed; rules and
# values the kinds declare), in the page's language; a rule with no English falls back to its Chinese label.

METHOD_NAMES = {"visit": N_("Visit"), "phone": N_("Phone callback")}


def _fixed(group: str, key, lang: str) -> str:
    """The label of a key (propcli.i18n.find_label: the fixed tables, then the kinds' declared words) in the
    page's language."""
    from propcli import i18n

    found = i18n.find_label(group, str(key)) if key else None
    if isinstance(found, tuple):
        english, chinese = found
        translated = translator(lang)(english)
        return chinese if lang == "zh_CN" and translated == english else translated
    return translator(lang)(found) if found else ""


def rule_name(rule: str, lang: str) -> str:
    from propcli.kinds import rule_label

    return _fixed("rule", rule, lang) or rule_label(rule) or rule


def role_name(role: str | None, lang: str) -> str:
    return _fixed("role", role, lang) or (role or "")


def severity_name(severity: str | None, lang: str) -> str:
    return _fixed("value", severity, lang) if severity in SEVERITY_ZH else ""


def result_name(result: str | None, lang: str) -> str:
    return _fixed("value", result, lang) if result in RESULT_ZH else ""


def source_name(kind: str | None, lang: str) -> str:
    """A callback source's category (《客户回访记录》 rows): 投诉, 维修, 社区活动, else the kind's label."""
    from propcli import kinds

    if kind not in kinds.NAMES:
        return ""
    entry = kinds.kind(kind)
    source = entry.callback_source
    if source is not None and source.title:  # the name the kind gives its callbacks' source (issue 17)
        return translator(lang)(source.title)
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
        Column(N_("Satisfaction"), 12), Column(N_("To be rectified"), 22), Column(N_("Agreed reply / next callback"),
                                                                                  31),
        Column(N_("Called by"), 11), Column(N_("Customer's signature"), 17),
        Column(N_("Department director's opinion"), 33)),
        footer=(N_("Prepared by"), N_("Department director"))),
    "callback-summary": Form(N_("Monthly callback summary 《客户回访记录》"), "11.3.2", (
        Column(N_("Source"), 25), Column(N_("To call back"), 19), Column(N_("Called back"), 19), Column(N_("Coverage"),
                                                                                                        19),
        Column(N_("Target"), 19), Column(N_("Satisfied"), 19), Column(N_("Dissatisfied"), 19), Column(N_("Rectified"),
                                                                                                      19),
        Column(N_("Handling rate"), 19)), orientation="portrait",
        footer=(N_("Prepared by"), N_("Director's review"), N_("Submitted to company leadership")), blank_rows=3),
}
LINE_COLUMN_MM = 9
FORMATS = ("text", "html", "pdf")


class Total(list):
    """A 合计 / 小计 line of a register (no line number; printed bold)."""


class Amended(str):
    """A value printed with a mark: `corrected` (更正, a correction changed it) or `void` (a voided record's,
    so its row is printed marked 作废). Row builders copy values into cells as they are, so the mark goes
    with the value into the cell whatever the register."""

    corrected = False
    void = False

    def __new__(cls, value, corrected: bool = False, void: bool = False):
        made = super().__new__(cls, value)
        made.corrected, made.void = corrected, void
        return made


def on_paper(record: dict) -> dict:
    """A record as `show` prints it, made ready for paper (CLI.md "Correcting the register"): the events that
    count only (withdrawn events and correct/undo/void left out, as the record reads), corrected values
    marked 更正, a voided record's values marked so its row says 作废."""
    from propcli.amend import AMEND_STEPS

    withdrawn = set(record.get("withdrawn") or ())
    corrected = (record.get("corrections") or {}).get("fields", {})
    void = bool(record.get("voided"))
    if not (withdrawn or corrected or void):
        return record
    paper_record = dict(record)
    paper_record["events"] = [e for n, e in enumerate(record.get("events", []))
                              if n not in withdrawn and e.get("step") not in AMEND_STEPS]
    for key, value in record.items():
        if isinstance(value, str) and (void or key in corrected) and key not in ("kind", "status"):
            paper_record[key] = Amended(value, corrected=key in corrected, void=void)
    return paper_record


def _paper_records(session, **options) -> list[dict]:
    """`list_records` for paper: voided records kept (marked 作废), every record `on_paper`."""
    from propcli.app.services import list_records

    return [on_paper(record) for record in list_records(session, **options)]


def _row_voided(row) -> bool:
    return isinstance(row, list) and any(isinstance(cell, Amended) and cell.void for cell in row)


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
    env.tests["voided"] = _row_voided
    env.tests["corrected"] = lambda value: isinstance(value, Amended) and value.corrected
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
    marked = Markup(_TOKEN.sub(lambda match: f'<span class="nw">{match.group(0)}</span>', text))
    if isinstance(value, Amended) and value.corrected:  # 更正: the register shows a correction was made
        marked += Markup('<span class="corrected">') + escape(_("corrected")) + Markup("</span>")
    return marked


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
    return {"office": _("Office"), "number": _("Form no."), "month": _("Month"), "line": _("Line no."),
            "recorded": _("ledger: {name}"), "date": _("Date"), "blank_month": _("____ (year) ____ (month)"),
            "pages": _("Page"), "scan": _("Scan with propcli show"), "none": _("(none)"), "void": _("voided"),
            "corrected": _("corrected")}


def paper(session, form: Form, lang: str, number: str = "", month: str = "", key: str | None = None,
          commit: bool = True) -> Paper:
    """The title block of one printed form; `key` (a record id, `NAME/MONTH` or a form number) gets a QR code."""
    from propcli.app import qr

    t = translator(lang)
    ledger = session.ledger
    page = Paper(lang, ledger.office, str(ledger.config.get("name") or ""), t(form.title), form.clause,
                 number, _month_label(month, lang) if month else "", labels=_labels(t))
    page.labels["clause"] = _("Clause {clause}", clause=form.clause)
    printed = session.now.strftime("%Y-%m-%d %H:%M")
    if key:
        page.reference = qr.reference(key, qr.head_commit(ledger) if commit else None)
        page.qr = qr.svg(page.reference)
        page.printed = _("Printed {time} from {reference}", time=printed, reference=page.reference)
    else:
        page.printed = _("Printed {time}", time=printed)
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


def shown_register(session, name: str, key: str, commit: str | None, fmt: str = "text") -> tuple[str, str]:
    """`show propcli:NAME/KEY@COMMIT`, the QR code of a printed register: (a line saying what it is, the
    register as `form NAME KEY` prints it now; -f json: its title, columns and rows). The commit is the one the
    paper was printed from; the register shown is today's, which holds every row the paper had (records only
    grow), and later ones."""
    import json

    if name == "repair-order" or (name not in FORMS and name not in declared_registers()):
        raise BadInput(_("ID: '{text}' is not a register's QR code; expected propcli:NAME/YYYY-MM@COMMIT with NAME one "
                         "of {names}",
                         text=f"propcli:{name}/{key}", names=", ".join(n for n in form_names() if n != "repair-order")))
    said = _("{name} {key}: printed from commit {commit}; shown as the ledger holds it now",
             name=name, key=key, commit=commit or "-")
    if fmt == "json" and name in FORMS:
        title, columns, rows = register_table(session, name, key)
        return said, json.dumps({"form": name, "key": key, "commit": commit, "title": title, "columns": columns,
                                 "rows": rows}, ensure_ascii=False, indent=2)
    if fmt == "json":
        return said, json.dumps({"form": name, "key": key, "commit": commit,
                                 "text": str(render_form(session, name, key, "text"))}, ensure_ascii=False, indent=2)
    return said, str(render_form(session, name, key, "text"))


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
        field = "--book" if count is None else "--count"
        if book is not None:
            from propcli.app.formbook import check_book

            check_book(book)
        if name != "repair-order":
            raise BadInput(_("{field}: only the repair-order form is pre-numbered (10.4.1); {name} is not",
                             field=field, name=name))
        if record_id:
            raise BadInput(_("{field}: pre-numbered forms are blank; give no ID", field=field))
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
        month, ref = check_month(key, "ID"), f"{name}/{key}"
        rows = [[row.get(column, "") for column in declared[1].columns] if isinstance(row, dict) else row
                for row in declared[1].rows(_paper_records(session, kind=declared[0], month=key))]
    elif key:
        rows, totals, month, ref = _rows_for(session, name, key, lang)
        number = (ref if ref and not ref.startswith(name)
                  else f"{session.ledger.office}-{form.clause}-{month.replace('-', '')}")
    weights = [LINE_COLUMN_MM] + [c.width for c in form.columns]
    scale = 100.0 / sum(weights)
    page = paper(session, form, lang, number=number, month=month, key=ref)
    return {
        "page": page, "lang": lang, "orientation": form.orientation,
        "columns": [t(c.label) for c in form.columns], "widths": [round(w * scale, 3) for w in weights],
        "rows": rows, "totals": totals, "blank_rows": 0 if key else form.blank_rows,
        "footer": [t(label) for label in form.footer], "filled": bool(key),
    }


def register_table(session, name: str, key: str | None) -> tuple[str, list[str], list[list[str]]]:
    """A register as plain text for a spreadsheet (`form NAME KEY -f xlsx`): its title, column headings and
    rows (the 序号 left out; a place to sign holds the name recorded; 合计 lines are rows)."""
    lang = paper_language(session.ledger)
    form = FORMS[name]
    t = translator(lang)
    rows = _rows_for(session, name, key, lang)[0] if key else []
    return t(form.title), [t(c.label) for c in form.columns], [[str(cell) for cell in row] for row in rows]


def _rows_for(session, name: str, key: str, lang: str) -> tuple[list, list | None, str, str]:
    """(rows, totals row or None, the month shown, the QR key) of a filled register."""
    from propcli.app.services import show

    t = translator(lang)
    if name == "public-inspection":
        return _inspection_rows(session, key, t)
    if name == "callback-record" and (key[:2].upper() == "B-" or key.lower().startswith("propcli:")):
        record = show(session, key)
        if record["kind"] != "callback":
            raise BadInput(_("ID: {id} is not a callback (11.3.1)", id=record["id"]))
        return [_callback_cells(_callback_row_zh(record))], None, record["received"][:7], record["id"]
    check_month(key, "ID")
    if name == "paid-service":
        return _paid_service_rows(session, key, t), None, key, f"{name}/{key}"
    if name == "call-log":
        return [[_time(r["received"]), r.get("name", ""), r.get("phone", ""), r.get("address", ""),
                 r.get("reason", "") or r.get("detail", ""),
                 "；".join(x for x in (r.get("handled", ""), r.get("record", "")) if x),
                 r["events"][0]["by"], r.get("note", "")]
                for r in _paper_records(session, kind="call", month=key)], None, key, f"{name}/{key}"
    if name == "complaint-register":
        callbacks = _callbacks_by_source_zh(session)
        complaints = _paper_records(session, kind="complaint", month=key)
        repeats = _repeats_by_kept(session, complaints)
        rows = []
        for record in complaints:
            if _event(record, "merge"):
                continue  # 11.1.12: one line, the first complaint's; its repeats are noted there
            cells = _complaint_row_zh(record, callbacks.get(record["id"]), repeats.get(record["id"]))
            cells[-1] = Sign(_last(record, "review").get("by", ""))     # 主管审核: a place to sign
            rows.append(cells)
        if rows:
            rows.append(Total(_register_total(complaints, len(FORMS[name].columns))))
        return rows, None, key, f"{name}/{key}"
    if name == "callback-record":
        return [_callback_cells(row) for row in _archive_rows(session, key)], None, key, f"{name}/{key}"
    if name == "callback-summary":
        context = summary_context(session, key)
        width = len(FORMS[name].columns)
        rows = [list(figure) + [""] * (width - len(figure)) for figure in context["figures"][:-1]]
        rows += [Total(list(context["figures"][-1]) + [""] * (width - len(context["figures"][-1])))]
        rows += [Total([label, value] + [""] * (width - 2)) for label, value in context["lines"]]
        return rows, None, key, f"{name}/{key}"
    raise BadInput(_("ID: the form {name} takes {what}", name=name, what=gettext(FORMS[name].takes)))


def _callback_cells(row: list) -> list:
    """A 《回访记录表》 line with its 客户签名 as a place to sign (the name signed printed small beside)."""
    row = list(row)
    row[10] = Sign(row[10])
    return row


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
    colon = _(": ")
    extra = _("; ").join(f"{label}{colon}{event[key]}" for key, label in
                         (("warning", _("warning given")), ("decision", _("resident's decision"))) if event.get(key))
    return _("{result} ({details})", result=event["result"], details=extra) if extra else event["result"]


def _technician(record: dict) -> str:
    return _event(record, "take").get("to", "") or _event(record, "arrive").get("by", "")


def _paid_service_rows(session, month: str, t) -> list:
    """《有偿服务记录表》 (10.5.1): every paid service whose fee became owed in M as of --now (resident repairs
    completed, help requests charged, 9.4.9), by date, and their one 合计 (= `stats` fees.total = repairs.fees
    + requests.fees): finance collects them all alike (10.4.3-1), so there is no separate subtotal."""
    from propcli import kinds
    from propcli.app.billing import fee_records

    check_month(month, "ID")

    def line(shown: dict) -> list:
        return [shown["date"], shown["id"], shown["unit"], shown["resident"], shown["service"], yuan(shown["amount"]),
                shown["by"], Sign(shown["signature"]), shown["finance"]]

    lines: list[dict] = []
    for declared in kinds.all_kinds():
        if declared.paid_service is not None:
            lines += [declared.paid_service(r) for r in fee_records(session, month, declared.name)]
    lines.sort(key=lambda x: x["date"])  # stable: within a day, in the index's order
    cents = sum(int(Decimal(str(x["amount"] or 0)) * 100) for x in lines)
    return [line(x) for x in lines] + [Total([_("Total"), "", "", "", "", yuan(Decimal(cents) / 100), "", "", ""])]


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
                            repair.get("item", ""), _("Repair {id}", id=repair["id"]), repair)


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
            handling = _("Repair {id}", id=row["repair_id"])
        elif row["handled"]:
            handling = _("Handled on the spot: {outcome}", outcome=row["handled"])
        else:
            handling = _("To be dealt with")
        lines.append((row["at"], _inspection_line(row["at"], row["officer"], row["where"], row["finding"], handling,
                                                  row["repair"])))
    return lines


def _inspection_rows(session, key: str, t) -> tuple[list, None, str, str]:
    """《公共区域现场巡视表》 (10.5.2) of a public repair, of a patrol round (one line per finding) or of a month
    (every round made in it, and the public repairs reported in it that no round found)."""
    import re

    from propcli.app.services import show

    if re.match(r"^\d{4}-\d{2}$", key):
        check_month(key, "ID")
        lines = []
        for round_ in _paper_records(session, kind="patrol", month=key):
            lines += _round_lines(session, round_, t)
        for repair in _paper_records(session, kind="repair", month=key):
            if repair.get("public") and not repair.get("patrol"):
                lines.append((repair["received"], _public_repair_line(repair, t)))
        return [line for _at, line in sorted(lines, key=lambda pair: pair[0])], None, key, f"public-inspection/{key}"
    record = show(session, key)
    if record.get("public"):
        return [_public_repair_line(record, t)], None, record["received"][:7], record["id"]
    if "findings" in record:
        return [line for _at, line in _round_lines(session, record, t)], None, record["received"][:7], record["id"]
    raise BadInput(_("ID: {id} is neither a public repair (10.4.2) nor a patrol round (12); expected one of them or a "
                     "month YYYY-MM",
                     id=record["id"]))


def source_zh(kind: str | None) -> str:
    from propcli import kinds

    return kinds.kind(kind).zh if kind in kinds.NAMES else ""


def _callbacks_by_source_zh(session) -> dict:
    """source id -> its callbacks (as `show` prints them), in chain order."""
    found: dict = {}
    for callback in _paper_records(session, kind="callback"):
        found.setdefault(callback.get("source"), []).append(callback)
    for chain in found.values():
        chain.sort(key=lambda c: (c.get("attempt") or 1, c["received"]))
    return found


def _recorded_zh(callback: dict, month: str) -> bool:
    return (_event(callback, "record").get("at") or "")[:7] == month


def _callback_state(callback: dict) -> str:
    """A callback as the register's 回访 column says it: `2026-11-08 15:00 陈静 不满意`, `待回访（…）`."""
    done = _event(callback, "record")
    if not done:
        return f"待回访（{_time(callback.get('due'))}）" if callback.get("due") else "待回访"
    if done.get("method") == "letter":
        return f"{_time(done['at'])} 公开信 {done.get('letter', '')}（11.1.10）"
    return f"{_time(done['at'])} {done['by']} {RESULT_ZH.get(done.get('result'), '')}"


def _repeats_by_kept(session, complaints: list[dict]) -> dict:
    """complaint id -> the repeats merged into it (11.1.12), oldest first, wherever they were received."""
    from propcli.app.services import list_records

    kept = {r["id"] for r in complaints}
    found: dict = {}
    if not kept:
        return found
    for record in list_records(session, kind="complaint"):
        into = _event(record, "merge").get("into")
        if into in kept:
            found.setdefault(into, []).append(record)
    for repeats in found.values():
        repeats.sort(key=lambda r: r["received"])
    return found


def _complaint_row_zh(record: dict, callbacks, repeats=None) -> list[str]:
    """One line of 《客户投诉登记表》 (8.7.1): the first complaint with its repeats noted on its line (11.1.12;
    a repeat alone, as `form` of a single record prints it, reads 重复 of the one kept); the 回访 column every
    callback of the loop (11.2.3); 复函 the written replies attached (11.1.13)."""
    if isinstance(callbacks, dict):
        callbacks = [callbacks]
    handled, merged = _event(record, "handle"), _event(record, "merge")
    outcome = handled.get("outcome", "")
    detail = record.get("detail", "")
    if repeats:
        noted = "、".join(f"{r['id']}（{_time(r['received'])} {r.get('channel', '')}）" for r in repeats)
        detail = f"{detail}；重复投诉 {len(repeats)} 次：{noted}（11.1.12，只记一次）"
    if merged:
        outcome = f"重复投诉，并入 {merged.get('into', '')}（11.1.12）"
        follow_up = f"见 {merged.get('into', '')}"
    elif record.get("anonymous") or record.get("written_reply_only"):
        follow_up = "无需回访（11.1.13）"
    else:
        follow_up = "；".join(_callback_state(c) for c in callbacks or [])
    written = [e for e in record["events"] if e["step"] == "reply" and e.get("text")]
    replies = [f"{e['at'][:10]} {e['text']}" for e in written]
    if record.get("written_reply_only"):
        replies += [e.get("note", "") for e in record["events"] if e["step"] == "reply" and e.get("note")]
    return [record["id"], _time(record["received"]), "匿名" if record.get("anonymous") else record.get("name", ""),
            record.get("address", ""), record.get("phone", ""), _channel_zh(record), detail,
            SEVERITY_ZH.get(record.get("severity"), ""), _event(record, "assign").get("to", ""),
            record["events"][0]["by"], outcome, _time(handled.get("at")), follow_up, "；".join(replies), ""]


def _channel_zh(record: dict) -> str:
    """投诉方式; a complaint forwarded by a higher authority names it (上级转办, 11.1.13)."""
    channel = record.get("channel", "")
    return f"{channel}（{record['forwarded_by']}）" if record.get("forwarded_by") else channel


def _register_total(complaints: list[dict], width: int) -> list[str]:
    """The register's last line: complaints counted, a merged duplicate once, on its first complaint's line
    (11.1.12), a voided one not at all."""
    voided = sum(1 for r in complaints if r.get("voided"))
    repeats = sum(1 for r in complaints if _event(r, "merge") and not r.get("voided"))
    text = f"{len(complaints) - repeats - voided} 件"
    text += f"（另重复投诉 {repeats} 次，已记于原投诉一行，不重复计数，11.1.12）" if repeats else ""
    text += f"（另作废 {voided} 件，不计数）" if voided else ""
    return ["合计", text] + [""] * (width - 2)


def _callback_row_zh(record: dict) -> list[str]:
    """One line of 《回访记录表》 (11.3.1): how (上门 / 电话回访 / 公开信), the resident, the source and which
    callback of its loop, opinion, satisfaction, what is to be fixed (by whom, done), the agreed reply or next
    callback, the caller, the signature in person (11.1.7) and the director's review (11.1.8, 11.2.4)."""
    done = _event(record, "record")
    method = {"visit": "上门", "phone": "电话回访"}.get(done.get("method"), "")
    if done.get("method") == "letter":
        method = f"公开信 {done.get('letter', '')}"
    who = " ".join(x for x in (record.get("name", ""), record.get("address", ""), record.get("phone", "")) if x)
    reason = f"{source_zh(record.get('source_kind'))} {record.get('source', '')} {record.get('subject', '')}".strip()
    if (record.get("attempt") or 1) > 1:
        reason += f"（第{record['attempt']}次回访，上次 {record.get('previous', '')}）"
    fix = done.get("rectification", "") or ""
    if done.get("fix_by"):
        fix += f"（整改人 {done['fix_by']}）"
    fixed = _event(record, "fix")
    if fixed:
        fix += f"；已整改 {_time(fixed['at'])} {fixed.get('note', '')}"
    agreed = _time(done.get("reply_by"))
    if done.get("next"):
        agreed = "；".join(x for x in (agreed,
                                       f"下次回访 {_time(done['next'])} {done.get('next_callback', '')}".strip()) if x)
    review = _event(record, "review")
    opinion = f"{review.get('opinion', '')}（{review['by']} {review['at'][:10]}）" if review else ""
    return [record["id"], _time(done.get("at")), method, who, reason, done.get("note", "") or "",
            RESULT_ZH.get(done.get("result"), ""), fix, agreed, done.get("by", "") if method else "",
            done.get("signature", "") if done.get("method") == "visit" else "", opinion]


def _letter_row(letter: dict) -> list[str]:
    """An open letter in the callback archive (11.1.10): the complaints it answers and its text."""
    answered = "、".join(letter.get("complaints") or [])
    return [letter["id"], _time(letter["received"]), "公开信", f"相关投诉 {answered}" if answered else "",
            f"公开信（11.1.10）{letter.get('subject', '')}", letter.get("text", ""), "", "", "",
            letter["events"][0]["by"], "", ""]


def _visit_row(visit: dict) -> list[str]:
    """A move-in visit recorded before the third release, the 入伙回访 of 11.1.6, in the callback archive (labelled
    by its type, not by the 入伙拜访 its file may hold)."""
    from propcli.kinds.visit import TYPE_ZH

    done = _event(visit, "record")
    who = " ".join(x for x in (visit.get("name", ""), visit.get("address", ""), visit.get("phone", "")) if x)
    label = TYPE_ZH.get(visit.get("type") or "", visit.get("type_zh", ""))
    return [visit["id"], _time(done.get("at")), "上门", who, f"{label}（11.1.6）",
            done.get("note", "") or "", RESULT_ZH.get(done.get("result"), ""), "", "", done.get("by", ""),
            done.get("signature", "") or "", ""]


def _archive_rows(session, month: str) -> list[list[str]]:
    """《回访记录表》 of a month: the callbacks made in it, the open letters filed in it (11.1.10) and the
    move-in visits made in it (11.1.6), by date."""
    from propcli import kinds

    dated = [(_event(r, "record").get("at") or "", _callback_row_zh(r))
             for r in _paper_records(session, kind="callback") if _recorded_zh(r, month)]
    dated += [(r["received"], _letter_row(r)) for r in _paper_records(session, kind="letter", month=month)]
    from propcli.model import record_from_plain

    for declared in kinds.all_kinds():
        if declared.is_callback is None:
            continue
        for item in _paper_records(session, kind=declared.name):
            if _recorded_zh(item, month) and declared.is_callback(record_from_plain(dict(item, schema=1),
                                                                                    session.ledger.tz)):
                dated.append((_event(item, "record")["at"], _visit_row(item)))
    return [row for _at, row in sorted(dated, key=lambda item: item[0])]


def _summary_rows_zh(session, month: str) -> list[list[str]]:
    """《客户回访记录》 (11.3.2, 11.2.4): per source, the base, those called back and the rate against the target
    of 11.1.3-5, satisfied / dissatisfied, rectifications done and the handling rate (11.1.11, target 100 %);
    then the loops still open after dissatisfaction, the month, the office, 编制人, and the lines for 部门主任审阅
    and 报公司领导. (An event's figures are households, 11.1.5.)"""
    context = summary_context(session, month)
    width = len(FORMS["callback-summary"].columns)

    def line(*cells):
        return list(cells) + [""] * (width - len(cells))

    rows = [line(*figure) for figure in context["figures"]]
    for label, value in context["lines"]:
        rows.append(line(label, value))
    return rows


def _percent(share: float) -> str:
    """`50%`, `9.8%`: a share as the summary prints it, never rounded up to a quota."""
    tenths = int(share * 1000 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def summary_context(session, month: str) -> dict:
    """The values of 《客户回访记录》 (11.2.4) for a template: `month`, `preparer` (编制人: the service director of
    staff.yaml), `figures` (one row per source kind and a total), `open_loops`, `approvals` (the lines to sign:
    部门主任审阅, 报公司领导) and `lines` (all of these as label/value pairs)."""
    from propcli.app.callbacks import HANDLING_TARGET, met, month_loops
    from propcli.policy.roles import ROLE_LABELS

    check_month(month, "ID")
    ledger = session.ledger
    loops = month_loops(session, month)

    def marked(share: float, target: float | None) -> str:
        """`25% 未达标`: a share and, against its target, 达标 or 未达标 (11.1.3-5, 11.1.11)."""
        verdict = met(share, target)
        return _percent(share) + ("" if verdict is None else " 达标" if verdict else " 未达标")

    figures = []
    for kind, entry in loops["kinds"].items():
        target = f"≥{entry['target']:.0%}" if entry["target"] is not None else "—"
        # coverage (called back ÷ due a callback, 11.1.3-5) and handling (settled ÷ called back, 11.1.11) apart
        coverage = marked(entry["coverage"], entry["target"]) if entry["eligible"] else "—"
        handling = (f"{marked(entry['handling_rate'], HANDLING_TARGET)}（{entry['settled']}/{entry['called_back']}）"
                    if entry["called_back"] else "—")
        figures.append([source_zh(kind), str(entry["eligible"]), str(entry["done"]), coverage, target,
                        str(entry["satisfied"]), str(entry["dissatisfied"]), str(entry["fixed"]), handling])
    totals = {k: sum(e[k] for e in loops["kinds"].values()) for k in ("satisfied", "dissatisfied", "fixed")}
    figures.append(["合计", "", "", "", "", str(totals["satisfied"]), str(totals["dissatisfied"]), str(totals["fixed"]),
                    f"{marked(loops['handling_rate'], HANDLING_TARGET)}（{loops['settled']}/{loops['called_back']}，"
                    f"目标 {HANDLING_TARGET:.0%}，11.1.11）"])
    open_loops = []
    for source, last in loops["open"]:
        open_loops.append({"source": source["id"], "callback": last.id, "attempt": last.attempt, "due": last.due})
    preparer = next((m.name for m in ledger.staff if m.role == "service_director"), "")
    approvals = ["部门主任审阅", "报公司领导"]
    open_text = "；".join(f"{o['source']} → {o['callback']}（第{o['attempt']}次回访，{_time(o['due'])}）"
                         for o in open_loops)
    handled = marked(loops["handling_rate"], HANDLING_TARGET)
    lines = [("回访处理率（11.1.11）", f"已回访 {loops['called_back']} 件，已处理 {loops['settled']} 件：{handled}"
                                        f"（目标 {HANDLING_TARGET:.0%}；回访率另计，见上表，11.1.3-5）"),
             ("不满意未闭环", f"{len(open_loops)} 件" + (f"：{open_text}" if open_text else "")),
             ("月份", month), ("管理处", " ".join(x for x in (ledger.office, ledger.config.get("name", "")) if x)),
             ("编制人", f"{preparer}（{ROLE_LABELS['service_director']}）" if preparer else "________")]
    lines += [(label, "________") for label in approvals]
    return {"month": month, "preparer": preparer, "preparer_role": "service_director", "figures": figures,
            "open_loops": open_loops, "approvals": approvals, "lines": lines,
            "handling_rate": loops["handling_rate"], "called_back": loops["called_back"], "settled": loops["settled"],
            "open_dissatisfied": loops["open_dissatisfied"]}


# --- the 维修单 -------------------------------------------------------------------------------------

def _resident_repair(session, record_id: str) -> dict:
    from propcli.app.services import show

    record = show(session, record_id)
    if record["kind"] != "repair" or record.get("public"):
        raise BadInput(_("ID: {id} is not a resident repair; the 维修单 is for 10.4.1 repairs", id=record["id"]))
    return on_paper(record)


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
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then kept by customer service "
        "after 返单 (10.4.1-7)")),
    (N_("Copy 3: finance (basis for billing)"),
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then to finance by the 25th as the "
        "basis for billing (10.4.1-7, 10.4.3)")),
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
    copies.append({"label": _("Copy 4: {destination}", destination=copy4),
                   "goes": _("Goes to: kept by {destination} (propcli.yaml copy4; 10.4.1-7 leaves it open)",
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
    if record.get("voided"):  # 作废: still printed, so every number is accounted for, and marked
        page.title = f"{page.title}【{page.labels['void']}】"
    if record.get("price_code"):
        standard = _("{code} {name}, {price} yuan per {unit} × {qty}", code=record["price_code"],
                     name=record.get("price_name", ""), price=yuan(record.get("unit_price")),
                     unit=record.get("unit", ""), qty=record.get("qty", 1))
    elif quote:
        standard = _("Cannot be repaired (10.4.1-2③)") if quote.get("unrepairable") else \
            _("Director's quote {price} yuan (10.4.1-2③)", price=yuan(quote.get("price")))
    else:
        standard = ""
    materials = [e for e in record.get("events", []) if e["step"] == "material"]
    refusal_signers = list(refuse.get("signed_by") or [])
    technician_signer = refuse.get("technician") or (refusal_signers[0] if refusal_signers else "")
    director_signer = refuse.get("director") or (refusal_signers[1] if len(refusal_signers) > 1 else "")
    head = [
        (_("Reported at"), _time(record.get("received"))), (_("Appointment"), _time(record.get("appointment"))),
        (_("Resident"), record.get("name", "")), (_("Phone"), record.get("phone", "")),
        (_("Address"), record.get("address", "")), (_("Ledger record"), record.get("id", "")),
    ]
    quoted_by = complete.get("quoted_by") or (quote.get("by", "") if quote and not quote.get("unrepairable") else "")
    work = [
        (_("Order taken at"), _time(take.get("at"))), (_("Technician"), _technician(record)),
        (_("On site at"), _time(arrive.get("at"))), (_("Completed at"), _time(complete.get("at"))),
        (_("Quoted by (engineering director)"), quoted_by), (_("Resident signed at"), _time(sign.get("at"))),
    ]
    lines = fee_lines(record) if record else []
    total = yuan(record.get("fee_total")) if record and record.get("fee_total") is not None else ""
    return {
        "page": page, "copies": _copies(ledger, t), "head": head, "work": work,
        "item_label": _("Repair requested"), "item": record.get("item", ""),
        "standard_label": _("Price-list item or quote"), "standard": standard,
        "material_label": _("Resident's material check (10.4.1-5)"),
        "material": _("; ").join(_material_text(m, t) for m in materials),
        "fees_label": _("Work done and charges (10.4.1-3, -6)"),
        "actual_label": _("Work done and charges"), "actual": _actual_items(record),
        "fee_columns": [_("Item"), _("Price code"), _("Unit price"), _("Qty"), _("Amount (yuan)")],
        "fees": lines, "fee_blank_rows": 0 if lines else 3, "total_label": _("Total due (yuan)"), "total": total,
        "signatures": [
            {"label": _("Resident's signature (tested and accepted)"), "short": _("Resident's signature"),
             "sign": Sign(sign.get("signature", ""))},
            {"label": _("Technician"), "short": _("Technician"), "sign": Sign(_technician(record) if complete else "")},
        ],
        "refusal_signed_label": _("Refusal signed by"),
        "refusal_signed": ("、" if lang == "zh_CN" else ", ").join(x for x in (technician_signer,
                                                                               director_signer) if x),
        "refusal_label": _("Refusal (10.4.1-4)"), "reason_label": _("Reason"), "reason": refuse.get("reason", ""),
        "refusal_signatures": [
            {"label": _("Technician"), "sign": Sign(technician_signer)},
            {"label": _("Engineering director"), "sign": Sign(director_signer)},
        ],
        "return_label": _("Returned (10.4.1-7)"),
        "returns": [(_("Copies 2 and 3 back to engineering at"), _time(ev.get("return", {}).get("at"))),
                    (_("Confirmed by the engineering director at"), _time(confirm.get("at"))),
                    (_("Copy 3 handed to finance on"), (ev.get("finance", {}).get("at") or "")[:10])],
        "confirm": {"label": _("Engineering director's confirmation"), "sign": Sign(confirm.get("by", ""))},
    }


# --- the overdue mail (HTML part) -----------------------------------------------------------------

def render_mail_html(ledger, title: str, intro: str, groups: list[tuple[str, list[dict]]], footer: str) -> str:
    """The overdue digest's HTML (propcli.app.mail): the forms' stylesheet, title block and labels.
    Each item: id, rule, item (what the job is), clause, due, minutes_late, mark, where, phone, assignee, role."""
    lang = paper_language(ledger)
    t = translator(lang)
    columns = [_("Record no."), _("Deadline"), _("What the job is"), _("Clause"), _("Due"), _("Lateness"), _("Notice"),
               _("Address"), _("Phone"), _("Responsible")]
    shaped = []
    for heading, items in groups:
        rows = []
        for item in items:
            rows.append({"late": float(item["minutes_late"]) > 0, "cells": [
                item["id"], rule_name(item["rule"], lang), item.get("item", ""), item["clause"], item["due"],
                humanize_minutes(item["minutes_late"], lang), item["mark"], item.get("where", ""),
                item.get("phone", ""), " ".join(x for x in (role_name(item.get("role"), lang),
                                                            item.get("assignee") or "") if x)]})
        shaped.append({"heading": heading, "rows": rows})
    page = Paper(lang, ledger.office, str(ledger.config.get("name") or ""), title, "", labels=_labels(t))
    page.labels["clause"] = ""
    return render_template("mail.html.j2", page=page, lang=lang, orientation="landscape", intro=intro,
                           columns=columns, groups=shaped, footer=footer)
