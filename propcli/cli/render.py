"""Turning service results into text: table (cli/table.py), JSON, CSV, Excel. One renderer per shape.

Tables are for people at a terminal (docs/desk.md): headings and fixed keys (kinds, steps, states, roles,
rules) in the chosen language, CJK counted as two columns (cli/table.py), long text columns shortened with "…"
to fit the terminal, times as `2026-11-28 09:02`, lateness as people say it (超时 16 分钟), coloured by
state (`--color`, NO_COLOR). JSON, CSV and xlsx are never shortened; JSON and CSV keep keys and values as
they are (scripts read them); xlsx has the table's headings and labels, with numbers kept as numbers.
"""
import json
import os
import sys

import click

from propcli.i18n import N_, _, label

_color_mode = "auto"


def set_color(mode: str | None) -> None:
    """`--color auto|always|never` (the root group); with auto, NO_COLOR (any value) means never."""
    global _color_mode
    _color_mode = mode or "auto"


def use_color() -> bool:
    """`--color always` colours (the command line overrides NO_COLOR, as no-color.org asks); `never` does not;
    `auto` colours on a terminal unless NO_COLOR is set (to any value)."""
    if _color_mode == "never":
        return False
    if _color_mode == "always":
        return True
    if os.environ.get("NO_COLOR") is not None:
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


_captured: list[str] | None = None
"""While a text is printed to -o FILE (`_to_output`): its lines, written to the file when it is complete."""


def _echo(text: str = "", err: bool = False) -> None:
    if _captured is not None and not err:
        _captured.append(text)
        return
    click.echo(text, err=err, color=True if use_color() else None)


def _to_output(formatter, *args) -> None:
    """Run a formatter; with -o FILE what it prints goes to the file, written once it is complete."""
    global _captured
    path = _meta("output")
    if not path or _captured is not None:  # (a formatter that calls another: the outer one writes the file)
        formatter(*args)
        return
    _captured = []
    try:
        formatter(*args)
        text = "\n".join(_captured)
    finally:
        _captured = None
    if text:
        _write_file(path, click.unstyle(text) + "\n")


# --- output options: -o FILE, --bom ----------------------------------------------------------------
def output_options(command):
    """`-o/--output FILE` (required for xlsx, optional otherwise) and `--bom` (CSV for Excel), stored on the
    context for the renderers: commands need no parameters for them."""
    def store(key):
        def callback(ctx, _param, value):
            if key == "output":
                from propcli.store.output import check_output

                check_output(value)
            ctx.meta[f"propcli.{key}"] = value
            return value
        return callback

    command = click.option("--bom", is_flag=True, expose_value=False, callback=store("bom"),
                           help=_("CSV: begin with a UTF-8 BOM, so Excel shows Chinese correctly"))(command)
    command = click.option("-o", "--output", metavar="FILE", expose_value=False, callback=store("output"),
                           help=_("write to FILE (required for -f xlsx)"))(command)
    return command


def _write_file(path, data) -> None:
    """-o FILE. When the command has already recorded its change, a file that cannot be written is a
    warning: the change is done, and a retrying script must not make it twice (exit 0)."""
    from propcli.errors import BadInput
    from propcli.store.output import write_output

    ctx = click.get_current_context(silent=True)
    session = ctx.find_root().obj if ctx is not None else None
    try:
        write_output(path, data)
    except BadInput as error:
        if not getattr(session, "commits", 0):
            raise
        click.echo(_("propcli: warning: the change is recorded, but {problem}", problem=error.message), err=True)


def _meta(key: str):
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(f"propcli.{key}") if ctx is not None else None


def _emit(text: str) -> None:
    """stdout, or -o FILE; CSV with --bom starts with a BOM."""
    path = _meta("output")
    if _captured is not None:
        _captured.append(("\ufeff" if _meta("bom") and not _captured else "") + text)
        return
    if path:
        _write_file(path, (text + "\n").encode("utf-8-sig" if _meta("bom") else "utf-8"))
        return
    click.echo(("\ufeff" if _meta("bom") else "") + text)


# --- cells ------------------------------------------------------------------------------------------
_ISO = []  # the pattern of an ISO 8601 time, compiled on first use (start-up stays light)
TEXT_COLUMNS = {"summary", "detail", "item", "address", "subject", "name", "location", "outcome", "reason",
                "note", "title", "text", "how", "what", "findings", "price_name", "author", "figure"}
_ENUMS = {"role": "role", "escalated_to": "role", "rule": "rule", "status": "step", "step": "step",
          "state": "state", "category": "value", "severity": "value", "method": "value", "result": "value",
          "way": "value", "to": "role", "method_hint": "value", "report_to": "role", "reported_to": "role",
          "who": "role", "escalate_to": "role"}


def _cell(value):
    """A value as CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def short_time(text: str) -> str:
    """`2026-11-28T09:02:00+08:00` -> `2026-11-28 09:02` (seconds kept when not zero)."""
    if not _ISO:
        import re

        _ISO.append(re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?(\.\d+)?([+-]\d\d:\d\d|Z)?$", re.ASCII))
    found = _ISO[0].match(text)
    if not found:
        return text
    seconds = found.group(3) or ":00"
    return f"{found.group(1)} {found.group(2)}" + ("" if seconds == ":00" else seconds)


def display(column: str, value, row: dict | None = None):
    """A value as a person reads it in a table or a spreadsheet (not JSON, not CSV)."""
    from propcli.i18n import language

    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if column == "minutes_late" and isinstance(value, (int, float)):
        from propcli.app.humanize import lateness

        return lateness(value, (row or {}).get("state") if (row or {}).get("state") in ("met", "missed") else None)
    if column in ("kind", "source_kind") and language() == "zh_CN":
        from propcli import kinds

        try:
            return kinds.kind(str(value)).zh
        except KeyError:
            return str(value)
    if column == "subject" and isinstance(value, str) and language() == "zh_CN":
        return commit_subject(value)
    if column in _ENUMS and isinstance(value, str) and language() == "zh_CN":
        found = label(_ENUMS[column], value)
        if found == value and column == "rule":  # a rule only its kind declares a label for
            from propcli.kinds import rule_label

            found = rule_label(value) or value
        elif found == value and _ENUMS[column] == "step":  # a step only its kind declares a label for
            found = _step_label(value, (row or {}).get("kind"))
        return found
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, dict)):  # as sentences, never a Python or JSON repr (issue 19 point 2)
        return _detail_value(column, value, (row or {}).get("kind"))
    text = str(value)
    if "T" in text and text[:4].isdigit():
        return short_time(text)
    return text


_SUBJECTS = {"ledger: init": N_("ledger created"), "demo: a month of activity": N_("demo: a month of activity"),
             "sync: hand edits": N_("sync: edits made by hand")}
"""Commit subjects propcli writes, as a person reads them in `log` (the history keeps them as written)."""


def commit_subject(subject: str) -> str:
    """`repair R-2QG9RGJC7P: take` -> `维修单 R-2QG9RGJC7P：已接单`; `sync: merge origin/main` -> `同步：合并
    origin/main`;
    any other subject as it is (a commit made by hand)."""
    from propcli import kinds
    from propcli.i18n import gettext

    if subject in _SUBJECTS:
        return gettext(_SUBJECTS[subject])
    head, sep, step = subject.partition(": ")
    kind, _space, record_id = head.partition(" ")
    if sep and kind in kinds.NAMES and record_id and " " not in step.strip():
        return _("{kind} {id}: {step}", kind=kinds.kind(kind).zh, id=record_id, step=_step_label(step.strip(), kind)
                 if label("step", step.strip()) == step.strip() else label("step", step.strip()))
    if head == "sync" and step.startswith("merge "):
        return _("sync: merge {branch}", branch=step[6:])
    return _from_english(subject)


_PATTERNS: list = []


def _from_english(text: str) -> str:
    """A message written in English (a commit made with --lang en) in the language of now, when it is one of
    our messages (`callback plan 2026-11: 65 callbacks` -> `回访计划 2026-11：65 条回访`); else as it is."""
    import re

    from propcli.i18n import catalogue

    if not _PATTERNS:
        for msgid, translated in getattr(catalogue(), "messages", {}).items():
            if "{" in msgid and not msgid.startswith("{") and msgid.isascii():
                pattern = re.escape(msgid)
                pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>.+?)", pattern)
                try:
                    _PATTERNS.append((re.compile(pattern), translated))
                except re.error:  # a placeholder used twice
                    continue
        _PATTERNS.append((None, None))
    for pattern, translated in _PATTERNS:
        found = pattern.fullmatch(text) if pattern is not None else None
        if found:
            try:
                return translated.format(**found.groupdict())
            except (KeyError, IndexError, ValueError):
                return text
    return text


def _step_label(step: str, kind: str | None) -> str:
    from propcli import kinds

    names = [kind] if kind in kinds.NAMES else list(kinds.NAMES)
    for name in names:
        declared = kinds.kind(name)
        if step in declared.step_names:
            return declared.step_label(step)
    return step


def heading(column: str) -> str:
    return label("field", column)


# --- widths -----------------------------------------------------------------------------------------
def width_of(text: str) -> int:
    """Columns on a terminal: CJK characters count two (propcli.cli.table)."""
    from propcli.cli.table import width

    return width(text)


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns, ending in "…" when cut."""
    from propcli.cli.table import cut

    return cut(text, width)


def terminal_width() -> int | None:
    """The width tables must fit (docs/terminal.md): on a terminal, COLUMNS when set, else the terminal's;
    PROPCLI_COLUMNS when set (tests, `watch`); None otherwise: pipes, files (-o) and scripts get every
    character."""
    if _meta("output"):
        return None
    value = os.environ.get("PROPCLI_COLUMNS")
    if value and value.isdigit() and int(value) > 0:
        return max(int(value), MIN_WIDTH)
    try:
        on_terminal = sys.stdout.isatty()
    except (AttributeError, ValueError):
        on_terminal = False
    if not on_terminal:
        return None
    value = os.environ.get("COLUMNS")
    if value and value.isdigit() and int(value) > 0:
        return max(int(value), MIN_WIDTH)
    try:
        import shutil

        return max(shutil.get_terminal_size().columns, MIN_WIDTH)
    except (ValueError, OSError):
        return None


MIN_WIDTH = 40
"""Narrower terminals are treated as this wide (a table of nothing but cut cells helps nobody)."""
GAP = 2
"""Spaces between two columns."""
PRIORITY = {
    "records": ("id", "summary", "status", "received", "address", "name", "phone", "kind", "open"),
    "overdue": ("id", "rule", "minutes_late", "due", "assignee", "role", "kind", "clause", "escalated_to"),
    "deadlines": ("rule", "due", "state", "minutes_late", "done", "assignee", "clause"),
    "events": ("at", "step", "detail", "by"),
    "doctor": ("check", "status", "detail", "action"),
}
"""Which columns a narrow terminal keeps (docs/terminal.md): the first are kept longest (id, what, due or
state); columns are left out from the end of the list when even their narrowest does not fit. Columns not
named here come after those named, in the table's order."""
FLOORS = {"summary": 20, "rule": 24, "detail": 20, "action": 20, "figure": 24}
"""The narrowest a shortened column gets (terminal columns) before a column of lower priority is left out."""
FOLD = {"detail", "action", "figure", "findings", "outcome", "how", "text"}
"""Columns whose long cells continue on the next line inside the column (show's event details, doctor's
advice) instead of being cut with "…" (lists and overdue: one line a record)."""


def fold(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` terminal columns (CJK count two). A line breaks at its last space or
    beside a Chinese character (Chinese breaks between any two characters), a long word only where it must."""
    from propcli.cli.table import char_width

    out: list[str] = []
    for paragraph in str(text).split("\n"):
        line: list[str] = []
        widths: list[int] = []
        for char in paragraph:
            w = char_width(char)
            if sum(widths) + w > width and line:
                k = _break_at(line, widths, char, w)
                out.append("".join(line[:k]).rstrip())
                line, widths = line[k:], widths[k:]
                while line and line[0] == " ":
                    line, widths = line[1:], widths[1:]
                if char == " " and not line:
                    continue
            line.append(char)
            widths.append(w)
        out.append("".join(line).rstrip())
    return out or [""]


def _break_at(line: list[str], widths: list[int], char: str, w: int) -> int:
    """Where `line` breaks when `char` does not fit: the last place after a space or beside a wide character."""
    if char == " " or w > 1 or widths[-1] > 1:
        return len(line)
    for k in range(len(line) - 1, 0, -1):
        if line[k - 1] == " " or widths[k - 1] > 1 or widths[k] > 1:
            return k
    return len(line)


def _list_words(words: list[str]) -> str:
    from propcli.i18n import language

    return ("、" if language() == "zh_CN" else ", ").join(words)


def _layout(matrix: list[list[str]], headers: list[str], columns: list[str], limit: int | None,
            priority: tuple[str, ...] = (), shrink: set | None = None) -> tuple[list[int], list[int]]:
    """Which columns to show (indexes) and how wide, so that the table fits `limit` terminal columns."""
    natural = [max([width_of(headers[i])] + [width_of(line) for row in matrix for line in row[i].split("\n")])
               for i in range(len(columns))]
    if not limit:
        return list(range(len(columns))), natural
    shrinkable = set(TEXT_COLUMNS) | FOLD | set(FLOORS) | (shrink or set())
    floor = [min(natural[i], max(width_of(headers[i]), FLOORS.get(c, 10))) if c in shrinkable else natural[i]
             for i, c in enumerate(columns)]
    ranked = [columns.index(c) for c in priority if c in columns]
    ranked += [i for i in range(len(columns)) if i not in ranked]
    kept = list(ranked)
    while len(kept) > 1 and sum(floor[i] for i in kept) + GAP * (len(kept) - 1) > limit:
        kept.pop()
    kept.sort()
    widths = {i: natural[i] for i in kept}
    excess = sum(widths.values()) + GAP * (len(kept) - 1) - limit
    while excess > 0:
        candidates = [i for i in kept if widths[i] > floor[i]]
        if not candidates:  # one column left, wider than the terminal even at its narrowest
            candidates = [i for i in kept if widths[i] > 4]
            if not candidates:
                break
        i = max(candidates, key=lambda k: widths[k])
        others = sorted((widths[k] for k in candidates if k != i), reverse=True)
        target = max(others[0] if others else 0, floor[i] if widths[i] > floor[i] else 4)
        cut = min(max(widths[i] - target, 1), excess)
        widths[i] -= cut
        excess -= cut
    return kept, [widths[i] for i in kept]


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - width_of(text), 0)


_STYLES = {"late": "red", "soon": "yellow", "met": "green"}


def tone(row: dict) -> str | None:
    """late (overdue, missed), soon (pending, or a negative minutes_late), met — the colour of a row."""
    state = row.get("state")
    if state in ("overdue", "missed"):
        return "late"
    if state == "met":
        return "met"
    late = row.get("minutes_late")
    if isinstance(late, (int, float)):
        return "late" if late > 0 else "soon"
    if state == "pending":
        return "soon"
    return None


def _table(rows: list[dict], columns: list[str], headers: list[str] | None = None, priority=(),
           shrink: set | None = None) -> str:
    """A table for people: headings, a rule of dashes, one line a row (CJK counted as two columns). On a
    terminal it fits the width (docs/terminal.md): columns of low `priority` are left out, text is cut with
    "…" (FOLD columns continue on the next line) and nothing wraps; elsewhere every character is kept."""
    if not rows:
        return _("(none)")
    headers = [str(h) for h in (headers or [heading(c) for c in columns])]
    matrix = [[str(display(c, row.get(c), row)) for c in columns] for row in rows]
    limit = terminal_width()
    for cells in matrix:  # a line break inside a cell continues inside its column, never at the left margin
        for i, column in enumerate(columns):
            if "\n" in cells[i] and column not in FOLD:
                cells[i] = " ".join(cells[i].split())
    kept, widths = _layout(matrix, headers, columns, limit, priority, shrink)
    colour_on = use_color()
    out = ["  ".join(_pad(headers[i], w) for i, w in zip(kept, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row, cells in zip(rows, matrix):
        colour = _STYLES.get(tone(row) or "") if colour_on else None
        parts = []
        for i, w in zip(kept, widths):
            if limit and columns[i] in FOLD:
                parts.append(fold(cells[i], w))
            elif limit and width_of(cells[i]) > w:
                parts.append([shorten(cells[i], w)])
            else:
                parts.append(cells[i].split("\n"))
        for n in range(max(len(p) for p in parts)):
            line = []
            for (i, w), p in zip(zip(kept, widths), parts):
                text = p[n] if n < len(p) else ""
                padded = _pad(text, w)
                if colour and text and columns[i] in ("state", "minutes_late", "due", "id"):
                    padded = click.style(text, fg=colour) + padded[len(text):]
                line.append(padded)
            out.append("  ".join(line).rstrip())
    left_out = [headers[i] for i in range(len(columns)) if i not in kept]
    if left_out:
        note = _("(left out to fit the terminal: {columns})", columns=_list_words(left_out))
        out.append(shorten(note, limit) if limit else note)
    return "\n".join(out)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP "CSV Injection"; docs/privacy.md)."""


def csv_safe(value) -> str:
    """A value as a CSV cell no spreadsheet runs: text beginning with = + - @, a tab or a carriage return gets
    a single quote in front (OWASP "CSV Injection": `=HYPERLINK(...)` typed as a name stays text). Numbers
    the program computed (minutes_late -12.5, an amount) are numbers, not text a person typed: left as they
    are, so a spreadsheet still sums them."""
    cell = _cell(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _csv(rows: list[dict], columns: list[str]) -> str:
    import csv
    import io

    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writerow({c: csv_safe(c) for c in columns})
    for row in rows:
        writer.writerow({c: csv_safe(row.get(c)) for c in columns})
    return stream.getvalue().rstrip("\n")


def _xlsx(rows: list[dict], columns: list[str], title: str | None = None, headers: list[str] | None = None,
          total: str | None = None) -> None:
    from propcli.app.xlsx import write_rows
    from propcli.errors import BadInput

    path = _meta("output")
    if not path:
        raise BadInput(_("-o: -f xlsx writes a file; give -o FILE, e.g. -o list.xlsx"))
    cells = [[_xlsx_value(c, row.get(c), row) for c in columns] for row in rows]
    last = None
    if total is not None and total in columns:  # the table's total line, as the sheet's last row
        from decimal import Decimal

        amount = sum((Decimal(str(row.get(total) or 0)) for row in rows), Decimal("0"))
        last = [""] * len(columns)
        last[columns.index(total)] = float(amount)
        last[0 if columns.index(total) else -1] = _("Total")
    write_rows(path, headers or [heading(c) for c in columns], cells, title=title, total=last)


def _xlsx_value(column: str, value, row: dict):
    """Numbers stay numbers (amounts, minutes_late, counts), times stay times (an Excel date); everything else as
    the table shows it, untruncated."""
    from propcli.app.xlsx import as_moment

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if as_moment(value) is not None:
        return value
    return display(column, value, row)


def rows(data: list[dict], fmt: str, columns: list[str], total: str | None = None, title: str | None = None,
         labels: dict | None = None, priority: tuple[str, ...] = ()) -> None:
    """Rows as a table, JSON, CSV or xlsx; `total`: a column whose sum the table shows below it (JSON/CSV/xlsx:
    rows only); `labels` names a column where the usual heading would mislead (a price's `name`)."""
    headers = [labels.get(c) or heading(c) for c in columns] if labels else None
    _to_output(ROW_FORMATS.get(fmt, _rows_table), data, columns, headers, total, title, priority)


def _rows_json(data, columns, headers, total, title, priority) -> None:
    _echo(_json(data))


def _rows_csv(data, columns, headers, total, title, priority) -> None:
    _emit(_csv(data, columns))


def _rows_xlsx(data, columns, headers, total, title, priority) -> None:
    _xlsx(data, columns, title, headers, total)


def _rows_table(data, columns, headers, total, title, priority) -> None:
    text = _table(data, columns, headers, priority)
    if total is not None:
        from decimal import Decimal

        amount = sum((Decimal(str(row.get(total) or 0)) for row in data), Decimal("0"))
        text += "\n" + _("Total: {amount}", amount=f"{amount:.2f}")
    _emit_table(text)


ROW_FORMATS = {"json": _rows_json, "csv": _rows_csv, "xlsx": _rows_xlsx, "table": _rows_table}
"""One formatter per output format (issue 17 point 5): rows as JSON, CSV, xlsx or a table."""


def _emit_table(text: str) -> None:
    path = _meta("output")
    if _captured is not None:
        _captured.append(text)
        return
    if path:
        _write_file(path, click.unstyle(text) + "\n")
    else:
        _echo(text)


def print_json(data) -> None:
    """`data` as JSON on stdout, or to -o FILE."""
    _to_output(_echo, _json(data))


def _json(data) -> str:
    """A record pretty-printed; a list one item a line (the C encoder: fast for thousands of rows)."""
    if isinstance(data, list):
        if not data:
            return "[]"
        return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, default=str) for item in data) + "\n]"
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


RECORD_COLUMNS = ["id", "kind", "status", "open", "received", "name", "phone", "address", "summary"]


def _summary(record: dict) -> str:
    what = record.get("item") or record.get("detail") or record.get("reason") or record.get("title") \
        or record.get("subject") or ""
    where = record.get("location") if not record.get("address") else ""
    return " ".join(str(part) for part in (where, what) if part)


def records(data: list[dict], fmt: str) -> None:
    if fmt in ("table", "csv", "xlsx"):
        data = [dict(r, summary=_summary(r)) for r in data]
    rows(data, fmt, RECORD_COLUMNS, title=_("records"), priority=PRIORITY["records"])


AMEND_KEYS = ("corrections", "withdrawn", "voided")
"""What `correct`, `undo` and `void` did, as `show -f json` says it: shown apart from the fields in a table."""


def record(data: dict, fmt: str) -> None:
    _to_output(RECORD_FORMATS.get(fmt, _record_table), data, fmt)


def _record_json(data: dict, fmt: str) -> None:
    _echo(_json(data))


def _record_row(data: dict, fmt: str) -> None:
    rows([data], fmt, [k for k in data if k not in ("events", "deadlines", "history", *AMEND_KEYS)])


def _record_table(data: dict, fmt: str) -> None:
    skip = {"events", "deadlines", "history", *AMEND_KEYS} | _shadowed(data)
    data = _with_zh(data)
    labels = {key: heading(key) for key in data if key not in skip}
    width = max(width_of(v) for v in labels.values())
    voided = data.get("voided")
    if voided:  # 作废: said first, so nobody works from a voided record
        _echo(_("VOIDED (作废) {at} by {by}: {reason}", at=short_time(voided["at"]), by=voided["by"],
                reason=voided.get("reason") or ""))
    corrected = (data.get("corrections") or {}).get("fields", {})
    limit = terminal_width()
    for key, name in labels.items():
        value = str(display(key, data[key], data))
        if key in corrected:  # 更正: the value entered at intake stays on record
            value += "  " + _("(corrected; entered as {old})", old=display(key, corrected[key]["entered"]))
        parts = fold(value, limit - width - GAP) if limit else [value]
        for n, part in enumerate(parts):
            _echo((name if n == 0 else "") + " " * (width - (width_of(name) if n == 0 else 0)) + "  " + part)
    _echo("")
    _echo(_("Events:"))
    withdrawn = set(data.get("withdrawn") or ())
    all_events = data.get("events", [])
    events = [{"at": e.get("at"), "by": e.get("by"), "kind": data.get("kind"),
               "step": display("step", e.get("step"), data) + (" " + _("(withdrawn)") if n in withdrawn else ""),
               "detail": event_detail(e, data.get("kind"), all_events)}
              for n, e in enumerate(all_events)]
    _echo(_table(events, ["at", "step", "by", "detail"], priority=PRIORITY["events"]))
    if data.get("deadlines"):
        _echo("")
        _echo(_("Deadlines:"))
        _echo(_table(data["deadlines"], ["rule", "clause", "due", "done", "state", "minutes_late", "assignee"],
                     priority=PRIORITY["deadlines"]))
    if data.get("history"):
        _echo("")
        _echo(_table(data["history"], ["commit", "date", "author", "subject"]))


RECORD_FORMATS = {"json": _record_json, "csv": _record_row, "xlsx": _record_row, "table": _record_table}


OVERDUE_COLUMNS = ["id", "kind", "rule", "clause", "due", "minutes_late", "role", "escalated_to", "assignee"]


def overdue(data: list[dict], fmt: str) -> None:
    _to_output(OVERDUE_FORMATS.get(fmt, _overdue_rows), data, fmt)


def json_lines(lines: list[str]) -> None:
    """A JSON list whose items are already JSON text, one a line (`overdue -f json`: app.overdue.overdue_json).
    Written as it is: JSON holds no terminal escape (a control character is written \\u001b), so the megabytes of
    a long list are not searched for one to strip."""
    if _captured is not None or _meta("output"):
        _to_output(_echo, "[\n" + ",\n".join(lines) + "\n]" if lines else "[]")
        return
    if not lines:
        click.echo("[]")
        return
    click.echo("[", color=True)  # (piece by piece: a text of a few megabytes is not copied to add brackets)
    for number, text in enumerate(lines):
        click.echo(",\n" + text if number else text, nl=False, color=True)
    click.echo("\n]", color=True)


def _overdue_json(data: list[dict], fmt: str) -> None:
    _echo(_json([{k: v for k, v in row.items() if k != "escalation"} for row in data]))


def _overdue_rows(data: list[dict], fmt: str) -> None:
    rows(data, fmt, OVERDUE_COLUMNS, title=_("overdue"))


def _overdue_table(data: list[dict], fmt: str) -> None:
    """Late first, then those due soon; written to -o FILE as one plain table."""
    if _meta("output"):
        _overdue_rows(data, fmt)
        return
    late = [row for row in data if row.get("minutes_late", 0) > 0]
    soon = [row for row in data if row.get("minutes_late", 0) <= 0]
    _echo(_table(late, OVERDUE_COLUMNS, priority=PRIORITY["overdue"]))
    if soon:
        _echo("")
        _echo(_("Due soon ({count}):", count=len(soon)))
        _echo(_table(soon, OVERDUE_COLUMNS, priority=PRIORITY["overdue"]))


OVERDUE_FORMATS = {"json": _overdue_json, "csv": _overdue_rows, "xlsx": _overdue_rows, "table": _overdue_table}


def explain(data: dict, fmt: str) -> None:
    _to_output({"json": _record_json}.get(fmt, _explain_text), data, fmt)


def _explain_text(data: dict, fmt: str) -> None:
    from propcli.app.humanize import lateness

    _echo(_("{id} ({kind}) status {status}, {open}; as of {now}", id=data["id"], kind=display("kind", data["kind"]),
            status=display("status", data["status"], data), open=_("open") if data["open"] else _("closed"),
            now=short_time(data["now"])))
    if data.get("voided"):
        voided = data["voided"]
        _echo(_("VOIDED (作废) {at} by {by}: {reason}", at=short_time(voided["at"]), by=voided["by"],
                reason=voided.get("reason") or ""))
    _echo("")
    flat = [dict(event["detail"], step=event["step"], at=event["at"]) for event in data["events"]]
    events = [{"at": e["at"], "by": e["by"], "kind": data["kind"],
               "step": display("step", e["step"], data) + (" " + _("(withdrawn)") if e.get("withdrawn") else ""),
               "detail": event_detail(plain, data["kind"], flat)} for e, plain in zip(data["events"], flat)]
    _echo(_table(events, ["at", "step", "by", "detail"], priority=PRIORITY["events"]))
    _echo("")
    for d in data["deadlines"]:
        _echo(f"[{d['clause']}] {display('rule', d['rule'])}: {d['how']}")
        _echo("    " + _("started {start}; due {due}", start=short_time(d["start"] or ""),
                            due=short_time(d["due"] or "")))
        how = lateness(d["minutes_late"], d["state"])
        if d["state"] in ("met", "missed"):
            verdict = _("done {done}: {state}, {how}", done=short_time(d["done"] or ""),
                        state=display("state", d["state"]),
                        how=how)
        elif d["state"] == "overdue":
            verdict = _("not done: {state}, {how}", state=display("state", "overdue"), how=how)
        else:
            verdict = _("not done: {state}, {how}", state=display("state", "pending"), how=how)
        colour = _STYLES.get(tone(d) or "")
        _echo("    " + (click.style(verdict, fg=colour) if colour and use_color() else verdict))


# --- event details as sentences ----------------------------------------------------------------------
MONEY = {"price", "fee", "fee_total", "amount", "unit_price", "quote"}
"""Event data in yuan: `80.00 元`."""


def _shadowed(data: dict) -> set:
    """`type_zh` beside `type`: one field to a person (the Chinese value under the field's label)."""
    return {key for key in data if key.endswith("_zh") and key[:-3] in data}


def _with_zh(data: dict) -> dict:
    from propcli.i18n import language

    if language() != "zh_CN":
        return data
    return {key: (data[key + "_zh"] if data.get(key + "_zh") else value) for key, value in data.items()}


def event_detail(data: dict, kind: str | None = None, events: list | None = None) -> str:
    """An event's data as a person reads it (issue 19 point 2): `第四联交：工程部；联次：第 2、3 联`, a price item as
    `MC-03 开启户门 1 次 × 50.00 元`, a checklist one numbered line a step; never a Python or JSON repr. Keys
    without a label keep their name (the zh_CN test lists them)."""
    from propcli.i18n import language

    zh = language() == "zh_CN"
    parts = []
    step = data.get("step")
    if step in ("correct", "undo", "void"):  # a correction as `电话：OLD → NEW`, an undo naming the step it withdrew
        if step == "correct" and isinstance(data.get("changes"), dict):
            parts += [f"{heading(k)}{'：' if zh else ': '}{display(k, pair[0])} → {display(k, pair[1])}"
                      for k, pair in data["changes"].items() if isinstance(pair, list) and len(pair) == 2]
        elif step == "undo" and isinstance(data.get("undoes"), int) and 0 <= data["undoes"] < len(events or ()):
            withdrawn = events[data["undoes"]]
            parts.append(_("withdraws {step} of {at}", step=display("step", withdrawn.get("step"), {"kind": kind}),
                           at=short_time(str(withdrawn.get("at")))))
        if data.get("reason"):
            parts.append(_("why: {reason}", reason=data["reason"]))
        return ("；" if zh else "; ").join(parts)
    shadowed = _shadowed(data)
    data = _with_zh(data)
    for key, value in data.items():
        if key in shadowed or key in ("step", "at", "by") or value is None or value == "" or value == [] or value == {}:
            continue
        name = heading(key)
        if value is True:
            parts.append(name)
            continue
        text = _detail_value(key, value, kind)
        if value is False:
            text = _("no")
        colon = "：" if zh else ": "
        parts.append(f"{name}{colon}{text}" if "\n" not in text else f"{name}{colon.strip()}\n{text}")
    return ("；" if zh else "; ").join(p for p in parts if "\n" not in p) + \
        "".join("\n" + p for p in parts if "\n" in p)


def _detail_value(key: str, value, kind: str | None = None) -> str:
    from propcli.i18n import ROLES, find_label, language

    zh = language() == "zh_CN"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("copies", "copy"):
        numbers = value if isinstance(value, list) else [value]
        return _("copy {numbers}", numbers=("、" if zh else ", ").join(str(n) for n in numbers))
    if isinstance(value, (int, float)) and key in MONEY:
        return _("{amount} yuan", amount=f"{float(value):.2f}")
    if isinstance(value, str) and key in MONEY:
        try:
            return _("{amount} yuan", amount=f"{float(value):.2f}")
        except ValueError:
            return value
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            lines = [_item_sentence(v, kind) for v in value]
            if len(lines) == 1:
                return lines[0]
            return "\n".join(f"  {n}. {line}" for n, line in enumerate(lines, 1))
        return ("、" if zh else ", ").join(_detail_value(key, v, kind) for v in value)
    if isinstance(value, dict):
        if all(isinstance(v, list) and len(v) == 2 for v in value.values()):  # a correction: {field: [old, new]}
            return ("；" if zh else "; ").join(f"{heading(k)} {display(k, old) or '-'} → {display(k, new) or '-'}"
                                               for k, (old, new) in value.items())
        return ("，" if zh else ", ").join(f"{heading(k)} {_detail_value(k, v, kind)}" for k, v in value.items()
                                           if v is not None)
    if isinstance(value, str):
        if key in _ENUMS:
            return str(display(key, value, {"kind": kind}))
        if value in ROLES and ("to" in key or key in ("who", "role")):
            return label("role", value)
        if key in ("way", "category", "severity", "method", "result") and find_label("value", value) is not None:
            return label("value", value)
    return str(display(key, value, {"kind": kind}))


def _item_sentence(item: dict, kind: str | None = None) -> str:
    """One line of a list in an event: a price list item (`MC-03 开启户门 1 次 × 50.00 元，共 50.00 元`), a step
    of a checklist (`安管部值班负责人：通知…`), or any other mapping as `label value` pairs."""
    if "do" in item:
        who = label("role", item.get("who")) if item.get("who") else ""
        return f"{who}{'：' if who else ''}{item['do']}" if who else str(item["do"])
    if "qty" in item or "unit_price" in item or "amount" in item:
        code = item.get("code") or item.get("item") or ""
        name = item.get("name") or ""
        qty = item.get("qty") or 1
        unit = item.get("unit") or ""
        text = " ".join(p for p in (str(code), str(name)) if p)
        if item.get("unit_price") is not None:
            text += " " + _("{qty} {unit} × {price} yuan", qty=qty, unit=unit, price=f"{float(item['unit_price']):.2f}")
        else:
            text += f" {qty} {unit}".rstrip()
        if item.get("amount") is not None:
            text += _(", {amount} yuan in all", amount=f"{float(item['amount']):.2f}")
        return " ".join(text.split())
    return _detail_value("", item, kind)


def lines(items: list, err: bool = False) -> None:
    """One line each: a text, or a Problem as CLI.md writes it (`path:line: message`)."""
    for item in items:
        click.echo(str(item), err=err)


def _flatten(data, prefix="") -> list[dict]:
    items = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            items += _flatten(value, name + ".")
        else:
            items.append({"figure": name, "value": value})
    return items


def figure_label(path: str) -> str:
    """`repairs.on_time.repair.arrive` -> `维修单 · 按时率 · 维修人员到场` (a rule key stays whole)."""
    from propcli.i18n import find_label, language

    if language() != "zh_CN":
        return path
    parts = path.split(".")
    out = []
    i = 0
    while i < len(parts):
        pair = ".".join(parts[i:i + 2])
        if i + 1 < len(parts) and find_label("rule", pair) is not None:
            out.append(label("rule", pair))
            i += 2
            continue
        out.append(_stat_word(parts[i], parts[i - 1] if i else ""))
        i += 1
    return " · ".join(out)


def _stat_word(word: str, before: str = "") -> str:
    from propcli.i18n import find_label, label_text

    groups = ("value", "stat", "field") if before in ("by_category", "by_severity") else ("stat", "value", "field")
    for group in groups:
        found = find_label(group, word)
        if found is not None:
            return label_text(found)
    return word


SHARES = {"on_time", "coverage", "target", "handling_rate", "handling_target"}
"""Figures of `stats` that are shares (0.44): tables print them as percentages (44%); JSON and CSV keep the number."""


def is_share(path: str) -> bool:
    parts = path.split(".")
    return "on_time" in parts[:-1] or parts[-1] in SHARES or parts[-1].endswith("_rate")


def percent(value) -> str:
    """0.4444 -> `44%` (a share as people read it); None -> empty."""
    if value is None:
        return ""
    return f"{float(value) * 100:.0f}%"


def stats(data: dict, fmt: str) -> None:
    _to_output(STATS_FORMATS.get(fmt, _stats_table), data, fmt)


def _stats_rows(data: dict, fmt: str, labelled: bool = False) -> None:
    """The figures one a row (`repairs.on_time.repair.arrive`); `labelled`: named as people read them."""
    flat = _flatten({k: v for k, v in data.items() if k != "month"})
    if labelled:
        flat = [dict(r, figure=figure_label(r["figure"])) for r in flat]
    rows(flat, fmt, ["figure", "value"], title=data.get("month"))


def _stats_read(data: dict) -> list[dict]:
    """The figures as people read them: named, shares as percentages (44%)."""
    flat = _flatten({k: v for k, v in data.items() if k != "month"})
    flat = [dict(r, value=percent(r["value"])) if is_share(r["figure"]) and isinstance(r["value"], (int, float))
            else r for r in flat]
    return [dict(r, figure=figure_label(r["figure"])) for r in flat]


def _stats_table(data: dict, fmt: str) -> None:
    """Shares as percentages (44%), figures named; JSON and CSV keep the numbers and the paths."""
    _echo(_("Statistics for {month}", month=data["month"]))
    rows(_stats_read(data), fmt, ["figure", "value"], title=data.get("month"))


def _stats_md(data: dict, fmt: str) -> None:
    """A Markdown table (CLI.md: `stats` adds md where it fits), to paste into a chat or a wiki."""
    def cell(value) -> str:
        return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")

    out = ["## " + _("Statistics for {month}", month=data["month"]), "",
           f"| {heading('figure')} | {heading('value')} |", "|---|---:|"]
    out += [f"| {cell(r['figure'])} | {cell(display('value', r['value'], r))} |" for r in _stats_read(data)]
    _echo("\n".join(out))


STATS_FORMATS = {"json": _record_json, "csv": _stats_rows, "xlsx": lambda data, fmt: _stats_rows(data, fmt, True),
                 "table": _stats_table, "md": _stats_md}


# --- progress ---------------------------------------------------------------------------------------
def progress(label: str, length: int | None = None):
    """A `progress(items)` wrapper for long loops (import, reindex): a bar on stderr when stderr is a
    terminal; nothing at all otherwise (cron, pipes, scripts read clean output). With `length`, the items
    are counted as they come (results arriving from workers), not listed first."""
    def wrap(items):
        try:
            on_terminal = sys.stderr.isatty()
        except (AttributeError, ValueError):
            on_terminal = False
        if not on_terminal:
            yield from items
            return
        if length is None:
            items = list(items)
        with click.progressbar(items, length=length, label=label, file=sys.stderr, show_pos=True) as bar:
            yield from bar
    return wrap


def demo(result: dict) -> None:
    """What `propcli demo` shows of the ledger it built."""
    click.echo(_("Demo ledger at {path} (as of {now})", path=result["path"], now=result["now"]))
    click.echo("")
    click.echo(_("Open repairs ({count}):", count=len(result["open"])))
    records(result["open"], "table")
    click.echo("")
    click.echo(_("Overdue ({count}):", count=len(result["overdue"])))
    overdue(result["overdue"], "table")
    if result["sample"]:
        click.echo("")
        click.echo(_("A sample record:"))
        record(result["sample"], "table")
    click.echo("")
    click.echo(_("Next: cd {path} && propcli list --open; propcli explain ID; propcli overdue --within 15m",
                 path=result["path"]))
