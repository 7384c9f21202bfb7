"""Issue 11, points 3 and 4: paper leads back to the ledger.

A filled form carries a QR code `propcli:ID@COMMIT`, decoded here by zbar from the page Chromium printed;
`show` takes that text and prints the record as it was at that commit. Pre-numbered blank 维修单 reserve
their numbers in one commit and carry `propcli:FORM-NO`; a repair claims a number once; `check` reports
numbers still unused a month after they were issued.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import browser
from conftest import git, git_state, invoke, invoke_json, invoke_refused
from paperwork import FINANCE, RECEPTION, completed_repair, import_lines, ok
from propcli import i18n


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    yield
    i18n.reset()


def head(ledger) -> str:
    return git(ledger, "rev-parse", "HEAD").strip()


def test_the_qr_code_of_a_printed_form_names_the_record_and_commit_and_show_reads_it_back(ledger, tmp_path):
    browser.require("chromium", "pdftoppm", "zbarimg")
    record_id = completed_repair(ledger)
    printed_at = head(ledger)
    page = tmp_path / "order.html"
    ok(invoke(ledger, "form", "repair-order", record_id, "-f", "html", "-o", str(page), now="2026-11-10T17:00"))
    (pdf,) = browser.print_many([(page, tmp_path / "order.pdf")])
    pngs = browser.png_pages(pdf, tmp_path / "order", dpi=200)
    assert len(pngs) == 4
    codes = [browser.qr_codes(png) for png in pngs]
    assert codes == [[f"propcli:{record_id}@{printed_at}"]] * 4          # every copy carries it

    # the paper copy is signed; later the record moves on (finance collects the fee)
    ok(invoke(ledger, "repair", "paid", record_id, now="2026-11-12T10:00", as_=FINANCE))
    assert invoke_json(ledger, "show", record_id, now="2026-11-12T11:00")["status"] == "paid"
    then = invoke_json(ledger, "show", codes[0][0], now="2026-11-12T11:00")
    assert then["id"] == record_id and then["status"] == "finance" and then["as_of_commit"] == printed_at
    assert [e["step"] for e in then["events"]][-1] == "finance"
    # any command taking an ID takes the QR code's text
    explained = invoke_json(ledger, "explain", codes[0][0], now="2026-11-12T11:00")
    assert explained["id"] == record_id


def test_show_refuses_a_commit_the_ledger_does_not_have_or_one_before_the_record(ledger):
    first = head(ledger)
    record_id = completed_repair(ledger)
    assert "不在本台账的历史中" in invoke_refused(ledger, "show", f"propcli:{record_id}@{'0' * 40}")
    assert "还不存在" in invoke_refused(ledger, "show", f"propcli:{record_id}@{first}")
    assert "R-0000000000" in invoke_refused(ledger, "show", f"propcli:R-0000000000@{first}")


def test_every_filled_form_carries_its_qr_code(ledger, tmp_path):
    from propcli.app.qr import svg

    record_id = completed_repair(ledger)
    for args in (("repair-order", record_id), ("paid-service", "2026-11")):
        html = ok(invoke(ledger, "form", *args, "-f", "html", now="2026-11-10T17:00")).stdout
        key = args[1] if args[0] == "repair-order" else f"{args[0]}/{args[1]}"
        text = f"propcli:{key}@{head(ledger)}"
        assert svg(text) in html and text in html
    blank = ok(invoke(ledger, "form", "repair-order", "-f", "html")).stdout
    assert "<svg" not in blank                                                # a plain blank form has no record


# --- pre-numbered blank forms --------------------------------------------------------------------

def test_pre_numbered_forms_are_reserved_in_one_commit_and_printed_with_number_and_qr(ledger, tmp_path):
    browser.require("chromium", "pdftotext", "zbarimg")
    commits = int(git(ledger, "rev-list", "--count", "HEAD"))
    page = tmp_path / "book.html"
    ok(invoke(ledger, "form", "repair-order", "--blank", "--count", "3", "-f", "html", "-o", str(page),
              now="2026-11-02T09:00", as_=RECEPTION))
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == commits + 1
    assert git(ledger, "status", "--porcelain") == ""
    assert "forms/repair-order.yaml" in git(ledger, "ls-files")
    message = git(ledger, "log", "-1", "--format=%B")
    assert "HY01-2026-0001" in message and "HY01-2026-0003" in message and git(ledger, "log", "-1",
                                                                               "--format=%an").strip() == RECEPTION
    (pdf,) = browser.print_many([(page, tmp_path / "book.pdf")])
    pages = browser.pages_text(pdf)
    assert len(pages) == 12                                                   # 3 forms x 4 copies
    for number, first in zip(("HY01-2026-0001", "HY01-2026-0002", "HY01-2026-0003"), range(0, 12, 4)):
        for page_text in pages[first:first + 4]:
            assert number in page_text and "propcli:" not in page_text.replace(f"propcli:{number}", "")
    shots = [browser.screenshot(page, tmp_path / "book.png", tmp_path / "profile-shot", size="1000,1300")]
    assert set(browser.qr_codes(shots[0])) == {"propcli:HY01-2026-0001"}     # on screen as on paper
    pngs = browser.png_pages(pdf, tmp_path / "book", dpi=200)
    assert browser.qr_codes(pngs[4]) == ["propcli:HY01-2026-0002"]

    # the next reservation continues the book; another book starts at 1
    text = ok(invoke(ledger, "form", "repair-order", "--count", "2", now="2026-11-03T09:00")).stdout
    assert "HY01-2026-0004" in text and "HY01-2026-0005" in text and "HY01-2026-0003" not in text
    text = ok(invoke(ledger, "form", "repair-order", "--blank", "--count", "1", "--book", "2026a",
                     now="2026-11-03T09:00")).stdout
    assert "2026A-0001" in text and "propcli:2026A-0001" in text


def test_pre_numbering_refuses_bad_requests_and_writes_nothing(ledger):
    invoke_refused(ledger, "form", "repair-order", "--blank", "--count", "0")
    invoke_refused(ledger, "form", "repair-order", "--blank", "--count", "501")
    invoke_refused(ledger, "form", "call-log", "--blank", "--count", "3")
    invoke_refused(ledger, "form", "repair-order", "--blank", "--book", "2026A")
    invoke_refused(ledger, "form", "repair-order", "--blank", "--count", "2", "--book", "no spaces")
    record_id = completed_repair(ledger)
    invoke_refused(ledger, "form", "repair-order", record_id, "--count", "2")
    invoke_refused(ledger, "form", "repair-order", record_id, "--blank")


def _repair_with_form_no(ledger, tmp_path, number: str, day: str = "2026-11-05") -> str:
    import_lines(ledger, tmp_path, [{
        "kind": "repair", "public": False, "name": "张三", "phone": "13800138000", "address": "3栋0301",
        "item": "厨房水龙头漏水", "price_code": "SD-01", "price_name": "更换水龙头", "unit_price": 15.0, "unit": "个",
                                     "qty": 1,
        "form_no": number, "events": [{"step": "new", "at": f"{day}T09:00:00+08:00", "by": RECEPTION}]}],
        now=f"{day}T09:30")
    return next(r["id"] for r in invoke_json(ledger, "list", "--kind", "repair", now=f"{day}T09:30")
                if r.get("form_no") == number)


def test_a_form_number_is_claimed_once_and_show_finds_its_repair(ledger, tmp_path):
    from propcli.app.formbook import claim
    from propcli.app.session import Session
    from propcli.errors import BadInput

    ok(invoke(ledger, "form", "repair-order", "--blank", "--count", "2", now="2026-11-02T09:00"))
    session = Session(str(ledger), "2026-11-05T09:00", RECEPTION)
    assert claim(session.ledger, " hy01-2026-0001 ") == "HY01-2026-0001"
    with pytest.raises(BadInput, match="从未发放"):
        claim(session.ledger, "HY01-2026-0099")
    record_id = _repair_with_form_no(ledger, tmp_path, "HY01-2026-0001")
    with pytest.raises(BadInput, match=f"已被 {record_id} 使用"):
        claim(Session(str(ledger), "2026-11-05T10:00", RECEPTION).ledger, "HY01-2026-0001")
    assert invoke_json(ledger, "show", "propcli:HY01-2026-0001", now="2026-11-06T09:00")["id"] == record_id
    assert "尚未关联维修记录" in invoke_refused(ledger, "show", "propcli:HY01-2026-0002",
                                                         now="2026-11-06T09:00")
    order = ok(invoke(ledger, "form", "repair-order", record_id, now="2026-11-06T09:00")).stdout
    # the paper's number, and the ledger's
    assert "编号：HY01-2026-0001" in order and f"台账编号：{record_id}" in order


def test_check_reports_numbers_unused_a_month_after_they_were_issued(ledger, tmp_path):
    ok(invoke(ledger, "form", "repair-order", "--blank", "--count", "3", now="2026-11-02T09:00"))
    _repair_with_form_no(ledger, tmp_path, "HY01-2026-0001")
    assert invoke(ledger, "check", now="2026-12-01T09:00").exit_code == 0   # within the month
    result = invoke(ledger, "check", now="2026-12-03T09:00")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("forms/repair-order.yaml:") for line in lines)
    assert "HY01-2026-0002" in lines[0] and "HY01-2026-0003" in lines[1] and "HY01-2026-0001" not in result.stdout
    number_line = int(lines[0].split(":")[1])
    issued = (ledger / "forms" / "repair-order.yaml").read_text(encoding="utf-8").splitlines()
    assert "HY01-2026-0002" in issued[number_line - 1]


def test_pdf_without_the_extra_is_exit_2_saying_how_to_install_it(ledger):
    """The `pdf` extra missing: WeasyPrint cannot be imported (blocked here in a child process)."""
    code = ("import sys; sys.modules['weasyprint'] = None\n"
            "from propcli.cli import main\n"
            f"main(['--ledger', {str(ledger)!r}, '--as', 'x', 'form', 'repair-order', '--count', '2', '-f', 'pdf',"
            " '-o', 'x.pdf'])")
    before = git_state(ledger)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ledger,
                          env=dict(os.environ, PROPCLI_LANG="en"))
    assert done.returncode == 2, done.stderr
    assert "pip install 'propcli[pdf]'" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert git_state(ledger) == before and not (ledger / "x.pdf").exists()   # no numbers reserved, nothing written
