"""What the desk hands on (issue 19 point 5): `log` in the ledger's timezone, workbooks with real dates and
their total, and every QR code propcli prints resolving with `show`. Real ledger, real git, a fixed clock."""
import re
from datetime import datetime

import pytest

from conftest import git, invoke, invoke_json

openpyxl = pytest.importorskip("openpyxl")

RESIDENT = ("--name", "王女士", "--phone", "13800138000", "--address", "3栋0301")
ZH = {"PROPCLI_LANG": "zh_CN"}


@pytest.fixture
def paid(ledger):
    """A paid-for repair handed to finance on 2026-11-10."""
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "厨房水龙头漏水", "--price-code", "SD-01",
                            now="2026-11-10T09:00")["id"]
    steps = (("fill", "09:01", "王芳"), ("notify", "09:05", "王芳"), ("take", "09:06", "周志强"),
             ("arrive", "09:10", "吴海涛"), ("complete", "09:40", "吴海涛"), ("sign", "09:41", "吴海涛"),
             ("return", "16:00", "吴海涛"), ("confirm", "16:10", "周志强"), ("finance", "16:30", "王芳"))
    for step, at, who in steps:
        extra = ("--signature", "王女士") if step == "sign" else ("--to", "吴海涛") if step == "take" else ()
        result = invoke(ledger, "repair", step, record_id, *extra, now=f"2026-11-10T{at}", as_=who)
        assert result.exit_code == 0, result.stderr
    return ledger, record_id


def test_log_dates_are_in_the_ledgers_timezone_whatever_zone_git_used(ledger, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # a server's clock: git stamps commits +00:00
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "灯不亮", now=None)["id"]
    stamped = git(ledger, "log", "-1", "--format=%aI").strip()
    rows = invoke_json(ledger, "log", record_id, now=None)
    assert rows and rows[0]["date"].endswith("+08:00")  # the ledger's zone (Asia/Shanghai), as the events
    assert datetime.fromisoformat(rows[0]["date"]) == datetime.fromisoformat(stamped)  # the same moment


def test_workbooks_hold_dates_as_dates_and_the_total_as_the_last_row(paid, tmp_path):
    ledger, record_id = paid
    out = tmp_path / "list.xlsx"
    assert invoke(ledger, "list", "-f", "xlsx", "-o", out, now="2026-11-28T09:30", env=ZH).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    heads = [c.value for c in sheet[1]]
    received = sheet.cell(row=2, column=heads.index("受理时间") + 1)
    assert isinstance(received.value, datetime) and received.value == datetime(2026, 11, 10, 9, 0)
    assert received.number_format == "yyyy-mm-dd hh:mm"

    billing = tmp_path / "billing.xlsx"
    result = invoke(ledger, "repair", "billing", "--month", "2026-11", "-f", "xlsx", "-o", billing, env=ZH,
                    now="2026-11-28T09:30")
    assert result.exit_code == 0, result.stderr
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(billing).active.iter_rows()]
    assert len(rows) == 3  # heading, the repair, the total
    last = rows[-1]
    assert "合计" in [v for v in last if isinstance(v, str)]
    numbers = [v for v in last if isinstance(v, (int, float))]
    assert numbers == [15]  # SD-01: 15.00 yuan, the sum of the one row

    register = tmp_path / "paid.xlsx"
    assert invoke(ledger, "form", "paid-service", "2026-11", "-f", "xlsx", "-o", register, env=ZH,
                  now="2026-11-28T09:30").exit_code == 0
    first = [c.value for c in list(openpyxl.load_workbook(register).active.iter_rows())[1]]
    assert any(isinstance(v, datetime) for v in first)  # the register's 日期 is a date, not text


def _qr_texts(html: str) -> list[str]:
    return re.findall(r'class="qr" title="(propcli:[^"]+)"', html)


@pytest.mark.parametrize("name", ["complaint-register", "call-log", "paid-service", "callback-summary",
                                  "public-inspection", "callback-record"])
def test_every_registers_qr_code_resolves_with_show(paid, name):
    ledger, _record_id = paid
    html = invoke(ledger, "form", name, "2026-11", "-f", "html", now="2026-11-28T09:30", env=ZH)
    assert html.exit_code == 0, html.stderr
    texts = _qr_texts(html.stdout)
    assert texts, "the register prints a QR code"
    for text in texts:
        shown = invoke(ledger, "show", text, now="2026-11-28T09:30", env=ZH)
        assert shown.exit_code == 0, shown.stderr
        assert "《" in shown.stdout  # the register's title, as `form` prints it
        data = invoke_json(ledger, "show", text, now="2026-11-28T09:30")
        assert data["form"] == name and data["key"] == "2026-11"


def test_a_records_form_and_a_register_qr_both_resolve(paid):
    ledger, record_id = paid
    html = invoke(ledger, "form", "repair-order", record_id, "-f", "html", now="2026-11-28T09:30", env=ZH).stdout
    for text in set(_qr_texts(html)):
        assert invoke_json(ledger, "show", text, now="2026-11-28T09:30")["id"] == record_id


def test_a_qr_text_naming_no_register_is_exit_2(paid):
    ledger, _record_id = paid
    result = invoke(ledger, "show", "propcli:no-such-form/2026-11@abcdef1", now="2026-11-28T09:30")
    assert result.exit_code == 2 and "propcli:NAME/YYYY-MM" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_o_file_gets_what_stdout_would_in_every_format(paid, tmp_path, fmt):
    """`-o FILE` writes the command's output to FILE, in every format, and nothing to stdout: a script's
    `list -f json -o out.json` must not find an empty file beside JSON on its terminal (it did)."""
    ledger, record_id = paid
    now = "2026-11-12T09:00"
    for args in (("list",), ("show", record_id), ("overdue", "--within", "1d"), ("explain", record_id),
                 ("stats", "2026-11")):
        if fmt == "csv" and args[0] == "explain":
            continue
        printed = invoke(ledger, *args, "-f", fmt, now=now, env=ZH)
        assert printed.exit_code == 0, (args, printed.stderr)
        target = tmp_path / f"{args[0]}.{fmt}"
        written = invoke(ledger, *args, "-f", fmt, "-o", str(target), now=now, env=ZH)
        assert written.exit_code == 0, (args, written.stderr)
        assert written.stdout == "", (args, written.stdout[:200])
        assert target.read_text(encoding="utf-8") == printed.stdout, args
