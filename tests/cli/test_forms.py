"""Paper forms against golden files (tests/cli/golden/); set PROPCLI_UPDATE_GOLDEN=1 to rewrite them after a deliberate
change. The commit a form was printed from and its QR code's drawing differ from run to run: they are masked."""
import os
import re
from pathlib import Path

import pytest

from conftest import invoke, invoke_json

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    """The office's paper forms, in Chinese (the suite's default language is English)."""
    from propcli import i18n

    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    yield
    i18n.reset()


def golden(name: str, text: str) -> None:
    text = re.sub(r"@[0-9a-f]{40}", "@COMMIT", text)
    text = re.sub(r"<svg.*?</svg>", "<svg class=\"qr\">…</svg>", text, flags=re.S)
    path = GOLDEN / name
    if os.environ.get("PROPCLI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def completed_repair(ledger) -> str:
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                            "--item", "厨房水龙头漏水", "--price-code", "SD-01", "--appointment", "2026-11-28T10:00",
                            now="2026-11-28T09:00")["id"]
    for step, at, extra in (("fill", "09:01", ()), ("notify", "09:02", ()), ("take", "09:05", ("--to", "陈建国")),
                            ("arrive", "09:54", ()), ("material", "09:56", ("--result", "合格")),
                            ("complete", "10:30", ("--fee", "更换阀芯=25", "--fee", "密封圈=5.50", "--quoted-by",
                                                   "周志强")),
                            ("sign", "10:35", ("--signature", "张三")), ("return", "16:00", ()),
                            ("confirm", "16:10", ()), ("finance", "16:30", ())):
        result = invoke(ledger, "repair", step, record_id, *extra, now=f"2026-11-28T{at}")
        assert result.exit_code == 0, result.stderr
    return record_id


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("html", "html")])
def test_repair_order_four_copies(ledger, fmt, suffix):
    record_id = completed_repair(ledger)
    text = invoke(ledger, "form", "repair-order", record_id, "-f", fmt, now="2026-11-29T09:00").stdout
    assert text.count("《维修单》") >= 4 and "第四联 工程部" in text
    golden(f"repair-order.{suffix}", text.replace(record_id, "R-XXXXXXXXXX"))


def test_blank_forms_print_their_columns(ledger):
    text = invoke(ledger, "form", "complaint-register").stdout
    assert "《客户投诉登记表》（8.7.1）" in text and "严重程度" in text
    golden("repair-order-blank.txt", invoke(ledger, "form", "repair-order").stdout)


def test_paid_service_month_total(ledger, tmp_path):
    completed_repair(ledger)
    out = tmp_path / "paid.html"
    assert invoke(ledger, "form", "paid-service", "2026-11", "-f", "html", "-o", str(out),
                  now="2026-11-29T09:00").exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<td>合计</td>" in html and "<td>30.50</td>" in html


def test_unknown_form_is_bad_input(ledger, monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "en")
    result = invoke(ledger, "form", "nonsense")
    assert result.exit_code == 2 and "NAME" in result.stderr


def test_call_log_of_a_month(ledger):
    result = invoke(ledger, "call", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋1201",
                    "--reason", "咨询停车费", "--handled", "已答复", now="2026-11-20T10:00")
    assert result.exit_code == 0, result.stderr
    text = invoke(ledger, "form", "call-log", "2026-11", now="2026-11-21T09:00").stdout
    assert "2026-11-20 10:00 | 李四 | 13900139000 | 5栋1201 | 咨询停车费 | 已答复 | 王芳" in text
    assert invoke(ledger, "form", "call-log", "11/2026").exit_code == 2


def test_complaint_register_callback_record_and_summary(ledger):
    complaint = invoke_json(ledger, "complaint", "new", "--name", "王五", "--phone", "13700137000", "--address",
                            "2栋0502", "--detail", "夜间装修噪音", "--severity", "important",
                            now="2026-11-05T10:00")["id"]
    assert invoke(ledger, "complaint", "handle", complaint, "--outcome", "已协调停工",
                  now="2026-11-06T10:00").exit_code == 0
    (planned,) = invoke_json(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-07T09:00")
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-07T09:00").stdout
    assert f"{complaint} | 2026-11-05 10:00 | 王五 | 2栋0502 | 13700137000 | 来电 | 夜间装修噪音 | 重要" in register
    assert "已协调停工 | 2026-11-06 10:00 | 待回访" in register
    result = invoke(ledger, "callback", "record", planned["id"], "--method", "phone", "--result", "dissatisfied",
                    "--rectification", "加装隔音提示", "--next", "2026-11-10T15:00", now="2026-11-08T15:00", as_="陈静")
    assert result.exit_code == 0, result.stderr
    record = invoke(ledger, "form", "callback-record", planned["id"], now="2026-11-09T09:00").stdout
    assert "2026-11-08 15:00 | 电话回访 | 王五 2栋0502 13700137000 | 投诉" in record
    assert "不满意 | 加装隔音提示" in record
    summary = invoke(ledger, "form", "callback-summary", "2026-11", now="2026-11-09T09:00").stdout
    assert "投诉 | 1 | 1 | 100% 达标 | ≥50% | 0 | 1 | 0 | 0% 未达标（0/1）" in summary  # issue 9, 11.1.11 marked
    register = invoke(ledger, "form", "complaint-register", "2026-11", now="2026-11-09T09:00").stdout
    assert "2026-11-08 15:00 陈静 不满意" in register
