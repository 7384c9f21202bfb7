"""Tables for a terminal (issue 10.2): CJK counted as two columns, fitted to the terminal's width with "…"
(tables only: JSON and CSV keep every character), lateness as people say it, due soon apart from late,
colour by state (--color, NO_COLOR). JSON keeps minutes_late as a number."""
import csv
import io
import json
import re

from wcwidth import wcswidth

from conftest import invoke, invoke_json

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG = "厨房水龙头漏水，水一直滴到楼下邻居家的天花板上，邻居已经来物业投诉两次了，请尽快派师傅上门处理"


def new(ledger, name, phone, item, at, *extra):
    return invoke_json(ledger, "repair", "new", "--name", name, "--phone", phone, "--address", "3栋0301",
                       "--item", item, *extra, now=at)["id"]


def column_of(line: str, text: str) -> int:
    """The terminal column where `text` starts in `line` (CJK count two)."""
    return wcswidth(line[:line.index(text)])


def test_cjk_names_line_up(ledger):
    new(ledger, "王女士", "13800138000", "漏水", "2026-11-28T09:00")
    new(ledger, "Li", "13900139000", "门锁坏了", "2026-11-28T09:01")
    new(ledger, "欧阳修远", "13700137000", "灯不亮", "2026-11-28T09:02")
    lines = invoke(ledger, "list", now="2026-11-28T09:05").stdout.splitlines()
    starts = {column_of(line, phone) for line, phone in zip(lines[2:], ["13700137000", "13900139000", "13800138000"])}
    assert starts == {column_of(lines[0], "phone")}, lines


def test_tables_fit_the_terminal_text_is_shortened_only_there(ledger):
    record_id = new(ledger, "王女士", "13800138000", LONG, "2026-11-28T09:00", "--price-code", "SD-01")
    table = invoke(ledger, "list", now="2026-11-28T09:05", env={"PROPCLI_COLUMNS": "100"}).stdout
    assert all(wcswidth(line) <= 100 for line in table.splitlines()), table
    assert "…" in table and LONG not in table and record_id in table and "13800138000" in table
    wide = invoke(ledger, "list", now="2026-11-28T09:05", env={"PROPCLI_COLUMNS": "400"}).stdout
    assert LONG in wide and "…" not in wide
    piped = invoke(ledger, "list", now="2026-11-28T09:05", env={"COLUMNS": "60"}).stdout
    assert LONG in piped and "…" not in piped                   # not a terminal: COLUMNS does not shorten a pipe
    assert invoke_json(ledger, "list", now="2026-11-28T09:05", env={"COLUMNS": "60"})[0]["item"] == LONG
    rows = list(csv.DictReader(io.StringIO(invoke(ledger, "list", "-f", "csv", now="2026-11-28T09:05",
                                                  env={"COLUMNS": "60"}).stdout)))
    assert rows[0]["summary"] == LONG and rows[0]["name"] == "王女士" and rows[0]["phone"] == "13800138000"
    shown = invoke(ledger, "show", record_id, now="2026-11-28T09:30", env={"PROPCLI_COLUMNS": "100"}).stdout
    deadlines = shown[shown.index("Deadlines:"):].splitlines()
    assert all(wcswidth(line) <= 100 for line in deadlines), deadlines    # show's deadline table no longer wraps


def test_lateness_as_people_say_it_and_due_soon_apart(ledger):
    late = new(ledger, "王女士", "13800138000", "漏水", "2026-11-28T07:00", "--price-code", "SD-01")
    soon = new(ledger, "李先生", "13900139000", "灯不亮", "2026-11-28T09:29", "--price-code", "SD-01")
    table = invoke(ledger, "overdue", "--within", "5m", now="2026-11-28T09:30").stdout
    head, _, tail = table.partition("Due soon (2):")
    assert late in head and soon not in head and soon in tail and late not in tail
    assert "2 h 28 min late" in head and "1 min left" in tail and "2 min left" in tail
    rows = invoke_json(ledger, "overdue", "--within", "5m", now="2026-11-28T09:30")
    assert {type(r["minutes_late"]) for r in rows} == {float}
    assert sorted(r["minutes_late"] for r in rows if r["id"] == soon) == [-2.0, -1.0]
    zh = invoke(ledger, "overdue", "--within", "5m", now="2026-11-30T11:30", env={"PROPCLI_LANG": "zh_CN"}).stdout
    assert "超时 2 天 4 小时" in zh and "超时 2 天 1 小时" in zh                 # 2 d 4 h 28 min, 2 d 1 h 59 min


def test_colour_by_state(ledger):
    new(ledger, "王女士", "13800138000", "漏水", "2026-11-28T09:00", "--price-code", "SD-01")
    plain = invoke(ledger, "overdue", "--within", "30m", now="2026-11-28T09:02").stdout
    assert not ANSI.search(plain)                                          # auto: not a terminal here
    coloured = invoke(ledger, "--color", "always", "overdue", "--within", "30m", now="2026-11-28T09:02").stdout
    assert "\x1b[31m" not in coloured and "\x1b[33m" in coloured           # nothing late yet: due soon is yellow
    late = invoke(ledger, "--color", "always", "overdue", now="2026-11-28T09:10").stdout
    assert "\x1b[31m" in late and ANSI.sub("", late) == invoke(ledger, "overdue", now="2026-11-28T09:10").stdout
    shown = invoke(ledger, "--color", "always", "show", invoke_json(ledger, "list")[0]["id"],
                   now="2026-11-28T09:10").stdout
    assert "\x1b[31m" in shown                                             # overdue deadlines red
    never = invoke(ledger, "--color", "never", "overdue", now="2026-11-28T09:10").stdout
    assert not ANSI.search(never)
    assert not ANSI.search(invoke(ledger, "overdue", now="2026-11-28T09:10", env={"NO_COLOR": "1"}).stdout)
    assert not ANSI.search(invoke(ledger, "--color", "always", "overdue", "-f", "csv", now="2026-11-28T09:10").stdout)
    assert json.loads(invoke(ledger, "--color", "always", "overdue", "-f", "json", now="2026-11-28T09:10").stdout)
