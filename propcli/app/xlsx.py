"""Excel workbooks for the office's registers (`-f xlsx -o FILE`, CLI.md "Additions"), with XlsxWriter.

One sheet: a bold heading row in the chosen language (frozen), then the rows. Text stays text, always
(written with write_string: an 11-digit phone or a unit number such as 0301 never becomes a number or loses
its leading zero); numbers (amounts, minutes_late, counts, shares) stay numbers; column widths follow the
widest cell, CJK counted as two. Nothing is shortened. XlsxWriter is imported here only.
"""
import re
from datetime import datetime
from pathlib import Path

MAX_WIDTH = 60
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?)?$")


def as_moment(value) -> datetime | None:
    """An ISO date or time as the sheet should hold it: a date Excel can sort and count, in the time the text
    gave (the ledger's own zone: propcli writes every time in it), the offset dropped (Excel has none)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str) or not _MOMENT.match(value.strip()):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _width(text: str) -> int:
    from wcwidth import wcswidth

    found = wcswidth(text)
    return found if found >= 0 else len(text)


def _sheet_name(title: str | None) -> str:
    name = "".join(c for c in (title or "propcli") if c not in "[]:*?/\\")[:31]
    return name or "propcli"


def write_rows(path, headings: list[str], rows: list[list], title: str | None = None,
               total: list | None = None) -> Path:
    """Write `rows` (lists of str, int, float, datetime or None, one per heading) to the workbook `path`;
    ISO dates and times become Excel dates (`yyyy-mm-dd hh:mm`); `total`, when the table has one, is a last
    row in bold (合计 and the sum), below the filtered range so sorting never moves it."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False, "in_memory": True})
    try:
        sheet = workbook.add_worksheet(_sheet_name(title))
        bold = workbook.add_format({"bold": True, "bottom": 1})
        text = workbook.add_format({"num_format": "@"})
        # text a spreadsheet would read as a formula (= + - @ tab CR first) also carries Excel's quote prefix,
        # the workbook's own "'": it stays text even when a clerk edits the cell (OWASP "CSV Injection")
        quoted = workbook.add_format({"num_format": "@", "quote_prefix": True})
        money = workbook.add_format({"num_format": "0.00"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        bold_money = workbook.add_format({"num_format": "0.00", "bold": True, "top": 1})
        bold_text = workbook.add_format({"bold": True, "top": 1})
        widths = [_width(str(h)) for h in headings]
        for col, heading in enumerate(headings):
            sheet.write_string(0, col, str(heading), bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    sheet.write_blank(r, col, None, text)
                    continue
                if isinstance(value, bool):
                    value = str(value)
                moment = as_moment(value)
                if isinstance(value, (int, float)):
                    sheet.write_number(r, col, value, money if isinstance(value, float) else None)
                    shown = f"{value:.2f}" if isinstance(value, float) else str(value)
                elif moment is not None:
                    dated = len(str(value).strip()) == 10
                    sheet.write_datetime(r, col, moment, day if dated else when)
                    shown = "0000-00-00" if dated else "0000-00-00 00:00"
                else:
                    shown = str(value)
                    sheet.write_string(r, col, shown, quoted if shown.startswith(("=", "+", "-", "@", "\t", "\r"))
                                       else text)
                widths[col] = max(widths[col], max((_width(line) for line in shown.splitlines()), default=0))
        if total is not None:
            last = len(rows) + 1
            for col, value in enumerate(total):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(last, col, value, bold_money)
                elif value not in (None, ""):
                    sheet.write_string(last, col, str(value), bold_text)
                    widths[col] = max(widths[col], _width(str(value)))
                else:
                    sheet.write_blank(last, col, None, bold_text)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), max(len(headings) - 1, 0))
    finally:
        workbook.close()
    from propcli.store.output import write_output

    return write_output(path, buffer.getvalue())  # whole or not at all; a bad -o is bad input


def write_register(session, name: str, key: str | None, path) -> Path:
    """A register of `propcli form NAME [ID|YYYY-MM]` as a workbook: the paper form's columns as headings,
    its rows (blank without ID: the headings only). Amounts (`45.00`) become numbers; the rest stays text."""
    import re

    from propcli.app import forms
    from propcli.errors import BadInput
    from propcli.i18n import _

    if forms.register_named(name)[1].per_record:
        raise BadInput(_("--format: {name} is a paper form of one record, not a register; expected text or html",
                         name=name))
    title, columns, rows = forms.register_table(session, name, key)
    amount = re.compile(r"^-?\d+\.\d\d$")
    cells = [[float(v) if isinstance(v, str) and amount.match(v) else v for v in row] for row in rows]
    return write_rows(path, list(columns), cells, title=title.strip("《》"))
