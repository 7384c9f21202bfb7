"""propcli/cli/table.py lays tables out as tabulate's "simple" format did (issue 21: the table commands no
longer import tabulate, wcwidth and importlib.metadata): the same text for CJK, full-width, combining and
zero-width characters, colour codes, empty and multi-line cells, checked against tabulate itself."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.cli import table

tabulate = pytest.importorskip("tabulate")
wcwidth = pytest.importorskip("wcwidth")

PIECES = list("ab c1-:.") + list("维修单受理王芳栋（）") + ["\u0301", "\u200b", "é", "Ａ", "😀", "\n", " ",
                                                        "\x1b[31m", "\x1b[0m"]
"""(A tab has no width a table could use: tabulate pads it as -1 columns, cli/table.py as one.)"""
cells = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
headings = st.lists(st.sampled_from(list("abc时限状态")), min_size=1, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(headings, min_size=n, max_size=n),
    st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=4))))
def test_the_layout_is_tabulates_simple_format(headers_rows):
    headers, rows = headers_rows
    tabulate.WIDE_CHARS_MODE = True
    assert table.simple(rows, headers) == tabulate.tabulate(rows, headers=headers, disable_numparse=True)


@pytest.mark.parametrize("text", ["abc", "维修单", "Ａ１", "e\u0301", "a\u200bb", "王芳（业主）", "😀", "한국어",
                                  "\x1b[31m超时\x1b[0m", ""])
def test_width_is_what_a_terminal_shows(text):
    plain = text.replace("\x1b[31m", "").replace("\x1b[0m", "")
    assert table.width(text) == wcwidth.wcswidth(plain)


def test_cut_ends_in_an_ellipsis_within_the_columns():
    assert table.cut("厨房水龙头漏水", 9) == "厨房水龙…"
    assert table.width(table.cut("厨房水龙头漏水", 9)) <= 9
    assert table.cut("abc", 3) == "abc"
    assert table.width("a\tb") == 3
