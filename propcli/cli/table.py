"""Plain text tables as a terminal shows them: CJK characters two columns wide, combining and format
characters none, colour codes none. The layout is tabulate's "simple" format (a heading line, dashes, two
spaces between columns, cells stripped and left-aligned, every column at least its heading plus two,
multi-line cells, trailing spaces cut), written here with Python's own unicodedata so that a command which
prints a table does not import tabulate, wcwidth and importlib.metadata (~50 ms at every start; issue 21).
tests/cli/test_tables.py checks it against tabulate itself."""
import re
import unicodedata

_CODES = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;;.*?\x1b\\")
"""Colour codes (SGR) and terminal hyperlinks: printed, never seen."""


def char_width(char: str) -> int:
    """Columns one character takes: 2 for East Asian wide and full-width, 0 for combining marks and
    format characters (zero-width space, joiners), 1 otherwise."""
    if char < "\u0300":
        return 1  # (a tab or another control character counts one, as len() would: no width is right for it)
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if "\u1160" <= char <= "\u11ff":  # Hangul medial vowels and final consonants join the syllable
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def width(text: str) -> int:
    """Columns `text` takes on a terminal (its widest line when it has several)."""
    if "\x1b" in text:
        text = _CODES.sub("", text)
    if "\n" in text or "\r" in text:
        return max(map(width, text.splitlines()), default=0)
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def cut(text: str, columns: int) -> str:
    """`text` cut to `columns` terminal columns, ending in "…" when cut."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > columns - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def simple(rows: list[list[str]], headers: list[str]) -> str:
    """The table: a heading line, a line of dashes, the rows (tabulate's "simple" format)."""
    columns = len(headers)
    cells = [[str(row[i]).strip() for i in range(columns)] for row in rows]
    widths = [max([width(headers[i]) + 2] + [width(row[i]) for row in cells]) for i in range(columns)]
    lines = []
    multiline = any("\n" in str(c) or "\r" in str(c) for row in [headers, *rows] for c in row)

    def emit(row: list[str]) -> None:
        parts = [cell.splitlines() for cell in row] if multiline else [[cell] for cell in row]
        height = max(len(p) for p in parts)  # (tabulate: a row of empty cells takes no line in a multi-line table)
        for n in range(height):
            lines.append("  ".join(_pad(p[n] if n < len(p) else "", w) for p, w in zip(parts, widths)).rstrip())

    emit(headers)
    lines.append("  ".join("-" * w for w in widths).rstrip())
    for row in cells:
        emit(row)
    return "\n".join(lines)
