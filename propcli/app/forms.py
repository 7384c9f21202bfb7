"""The paper forms (SPEC.md "The paper forms and their fields"), rendered from the Jinja2 templates in
templates/ as text, HTML (printed by a browser on A4) or PDF (propcli.app.pdf, the `pdf` extra).

Every form, blank or filled, carries a title block (office, form name, clause, number, month); registers
print landscape with their heading repeated on each page and rows tall enough to write in; signature
places are left blank, with the name the ledger recorded printed small beside them; a filled form carries
a QR code `propcli:ID@COMMIT` (propcli.app.qr) that `show` accepts, so a signed paper copy leads back to
the exact version it was printed from. Jinja2 is imported only when something is rendered.

Which forms there are, their columns and rows, is what the kinds declare (`Kind.registers`, kinds/base.py
`Register`): this module prints any of them, and names no form and no kind.

Labels are in the language people read (CLI.md "Additions": --lang / PROPCLI_LANG, else propcli.yaml
`locale:`, else LANG/LC_ALL, else zh_CN): English msgids here and in the kinds' declarations, Chinese in the
zh_CN catalogue.
"""
from dataclasses import dataclass, field
from functools import partial

from propcli.errors import BadInput
from propcli.i18n import _, gettext
from propcli.kinds.callback import RESULT_ZH
from propcli.kinds.complaint import SEVERITY_ZH
from propcli.kinds.paper import Sign, Total
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


# --- the forms: what the kinds declare (kinds/base.py `Register`) ----------------------------------

LINE_COLUMN_MM = 9
"""The 序号 column, in mm of the printable width (A4 landscape 273 mm, portrait 186 mm)."""
SHARED_WIDTH_MM = 264
"""What the columns of a register that gives no widths share."""
FORMATS = ("text", "html", "pdf")
SERVICES = {"callback_summary": "propcli.app.callbacks:summary_rows"}
"""The app-layer services a register's rows may name (`Register.rows`), imported when the register is printed:
rows the index counts (《客户回访记录》, 11.3.2)."""


class TotalCells(list):
    """A 合计 / 小计 line as printed, its cells in the order of the columns (no line number; printed bold)."""


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


def _clause_order(clause: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in clause.replace("-", ".").split("."))


def registers() -> dict:
    """Every form the kinds declare (`Kind.registers`), by name, in the order of the procedure's clauses:
    name -> (the declaring kind's name, its `Register`)."""
    from propcli import kinds

    found = [(register.name, (declared.name, register)) for declared in kinds.all_kinds()
             for register in declared.registers]
    return dict(sorted(found, key=lambda item: _clause_order(item[1][1].clause)))


def form_names() -> list[str]:
    return list(registers())


def register_named(name: str) -> tuple:
    """(the declaring kind's name, the `Register`) of a form; BadInput for no form of that name."""
    found = registers().get(name)
    if found is None:
        raise BadInput(_("NAME: '{name}' is not a form; expected one of {names}", name=name,
                         names=", ".join(form_names())))
    return found


class Sheet:
    """What a register's rows and a form's fill read (kinds/base.py `Register`), handed to the kind that declares
    it: the app layer reads the ledger, the kind only shapes what it is given. `key` as given, `month` (YYYY-MM)
    of a month's register, `record` the one record a form or register is printed for ({} for none), `lang` the
    page's language. Records are as `show` prints them; a register's (`records`, `records_of`) made ready for paper
    (`on_paper`: voided ones kept, marked)."""

    def __init__(self, session, kind: str, key: str = "", month: str = "", record: dict | None = None,
                 lang: str = ""):
        self._session = session
        self.kind, self.key, self.month, self.record, self.lang = kind, key, month, record or {}, lang
        self.ledger = session.ledger
        self._records: list[dict] | None = None

    @property
    def records(self) -> list[dict]:
        """The declaring kind's records received in the month, for paper."""
        if self._records is None:
            self._records = self.records_of(self.kind, self.month) if self.month else []
        return self._records

    def records_of(self, kind: str, month: str | None = None) -> list[dict]:
        """Records of `kind` (received in `month`; None: every month), for paper."""
        return _paper_records(self._session, kind=kind, month=month)

    def listed(self, kind: str) -> list[dict]:
        """Every record of `kind` as `list` prints it (not marked for paper)."""
        from propcli.app.services import list_records

        return list_records(self._session, kind=kind)

    def show(self, record_id: str) -> dict:
        """One record as `show` prints it; BadInput for an unknown id."""
        from propcli.app.services import show

        return show(self._session, record_id)

    def fee_records(self, kind: str) -> list[dict]:
        """Records of `kind` whose fee became owed in the month (propcli.app.billing)."""
        from propcli.app.billing import fee_records

        return fee_records(self._session, self.month, kind)


def _rows(session, register, sheet: Sheet) -> list[dict]:
    rows = register.rows
    if isinstance(rows, str):
        from importlib import import_module

        module, function = SERVICES[rows].split(":")
        rows = partial(getattr(import_module(module), function), session)
    return rows(sheet) if rows is not None else []


def _cells(columns, row: dict) -> list:
    """A row as printed: its cells in the order of the columns (a column the row leaves out is empty)."""
    cells = [row.get(column.name, "") for column in columns]
    return TotalCells(cells) if isinstance(row, Total) else cells


def _widths(columns) -> list[float]:
    """The columns' shares of the printable width, in %, the 序号 column first (a column with no width in mm
    shares what the given ones leave)."""
    given = [c.width for c in columns if c.width is not None]
    shared = max(12, int((SHARED_WIDTH_MM - sum(given)) / max(1, len(columns) - len(given))))
    weights = [LINE_COLUMN_MM] + [c.width if c.width is not None else shared for c in columns]
    scale = 100.0 / sum(weights)
    return [round(w * scale, 3) for w in weights]


def _filled(session, name: str, key: str, lang: str = "") -> tuple:
    """(the register, its rows as printed, the month shown, the form number, the QR key) of `form NAME KEY`:
    a month's register, or with `of_record` the register of one record."""
    kind, register = register_named(name)
    record = None
    if key[:1].isdigit():
        month = check_month(key, "ID")
        number, reference = f"{session.ledger.office}-{register.clause}-{month.replace('-', '')}", f"{name}/{key}"
    elif register.of_record:
        record = Sheet(session, kind).show(key)
        month, number = record["received"][:7], record["id"]
        reference = number
    else:
        raise BadInput(_("ID: the form {name} takes {what}", name=name, what=gettext(register.takes)))
    sheet = Sheet(session, kind, key, month, record, lang)
    columns = register.column_list
    return register, [_cells(columns, row) for row in _rows(session, register, sheet)], month, number, reference


def _register_context(session, name: str, lang: str, key: str | None) -> dict:
    t = translator(lang)
    _kind, register = register_named(name)
    rows, month, number, reference = [], "", "", None
    if key:
        register, rows, month, number, reference = _filled(session, name, key, lang)
    page = paper(session, register, lang, number=number, month=month, key=reference)
    columns = register.column_list
    return {
        "page": page, "lang": lang, "orientation": register.orientation,
        "columns": [t(c.label or c.name) for c in columns], "widths": _widths(columns),
        "rows": rows, "totals": None, "blank_rows": 0 if key else register.blank_rows,
        "footer": [t(label) for label in register.footer], "filled": bool(key),
    }


def _forms_of_records(session, name: str, lang: str, record_id: str | None, count: int | None,
                      book: str | None) -> list[dict]:
    """The filled forms of one record (`Register.fill`), or `count` blank ones numbered from the ledger's book."""
    kind, register = register_named(name)
    if count is not None:
        from propcli.app.formbook import reserve

        wanted = [({}, number) for number in reserve(session, count, book)]
    else:
        wanted = [(on_paper(Sheet(session, kind).show(record_id)) if record_id else {}, "")]
    forms = []
    for record, number in wanted:
        values = register.fill(Sheet(session, kind, record_id or "", record=record, lang=lang), record)
        if record:
            number, key, month = record.get("form_no") or record["id"], record["id"], record["received"][:7]
        else:
            key, month = number or None, ""
        page = paper(session, register, lang, number=number, month=month, key=key, commit=bool(record))
        if record.get("voided"):  # 作废: still printed, so every number is accounted for, and marked
            page.title = f"{page.title}【{page.labels['void']}】"
        forms.append({"page": page, **values})
    return forms


def shown_register(session, name: str, key: str, commit: str | None, fmt: str = "text") -> tuple[str, str]:
    """`show propcli:NAME/KEY@COMMIT`, the QR code of a printed register: (a line saying what it is, the
    register as `form NAME KEY` prints it now; -f json: its title, columns and rows). The commit is the one the
    paper was printed from; the register shown is today's, which holds every row the paper had (records only
    grow), and later ones."""
    import json

    found = registers().get(name)
    if found is None or found[1].per_record:
        raise BadInput(_("ID: '{text}' is not a register's QR code; expected propcli:NAME/YYYY-MM@COMMIT with NAME one "
                         "of {names}",
                         text=f"propcli:{name}/{key}",
                         names=", ".join(n for n, (_kind, r) in registers().items() if not r.per_record)))
    said = _("{name} {key}: printed from commit {commit}; shown as the ledger holds it now",
             name=name, key=key, commit=commit or "-")
    if fmt == "json":
        title, columns, rows = register_table(session, name, key)
        return said, json.dumps({"form": name, "key": key, "commit": commit, "title": title, "columns": columns,
                                 "rows": rows}, ensure_ascii=False, indent=2)
    return said, str(render_form(session, name, key, "text"))


def render_form(session, name: str, record_id: str | None, fmt: str, count: int | None = None,
                book: str | None = None):
    """`propcli form NAME [ID|YYYY-MM] [-f text|html|pdf]`: text or HTML as str, PDF as bytes.
    With `count`, `count` blank forms of a pre-numbered form (`Register.numbered`) whose numbers are reserved first
    (one commit)."""
    _kind, register = register_named(name)
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
        if not register.numbered:
            numbered = [r for _k, r in registers().values() if r.numbered]
            raise BadInput(_("{field}: only the {numbered} form is pre-numbered ({clause}); {name} is not",
                             field=field, numbered=", ".join(r.name for r in numbered),
                             clause=", ".join(r.clause for r in numbered), name=name))
        if record_id:
            raise BadInput(_("{field}: pre-numbered forms are blank; give no ID", field=field))
        if count is None:
            raise BadInput(_("--book: goes with --blank --count N (the forms to number)"))
    lang = paper_language(session.ledger)
    suffix = "txt.j2" if fmt == "text" else "html.j2"
    if register.per_record:
        text = render_template(f"{register.template}.{suffix}", lang=lang, orientation=register.orientation,
                               forms=_forms_of_records(session, name, lang, record_id, count, book))
    else:
        text = render_template(f"{register.template}.{suffix}", **_register_context(session, name, lang, record_id))
    if fmt == "pdf":
        from propcli.app.pdf import html_to_pdf

        return html_to_pdf(text)
    return text


def register_table(session, name: str, key: str | None) -> tuple[str, list[str], list[list[str]]]:
    """A register as plain text for a spreadsheet (`form NAME KEY -f xlsx`): its title, column headings and
    rows (the 序号 left out; a place to sign holds the name recorded; 合计 lines are rows)."""
    lang = paper_language(session.ledger)
    t = translator(lang)
    register, rows = register_named(name)[1], []
    if key:
        register, rows, *_rest = _filled(session, name, key, lang)
    columns = [t(c.label or c.name) for c in register.column_list]
    return t(register.title), columns, [[str(cell) for cell in row] for row in rows]


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
    env.tests["total"] = lambda value: isinstance(value, TotalCells)
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


def _month_label(month: str, lang: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月" if lang == "zh_CN" else month


def _labels(t) -> dict:
    """The words of the page furniture, in the page's language."""
    return {"office": _("Office"), "number": _("Form no."), "month": _("Month"), "line": _("Line no."),
            "recorded": _("ledger: {name}"), "date": _("Date"), "blank_month": _("____ (year) ____ (month)"),
            "pages": _("Page"), "scan": _("Scan with propcli show"), "none": _("(none)"), "void": _("voided"),
            "corrected": _("corrected")}


def paper(session, form, lang: str, number: str = "", month: str = "", key: str | None = None,
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
