"""Issue 11, points 2 and 6: the monthly report `stats YYYY-MM -f html|pdf` and PDF through the `pdf` extra.

The report shows every figure of `stats -f json` beside its target and last month's value, draws its charts
as SVG, lists what needs attention and writes a short analysis; Chromium prints it on A4. WeasyPrint (the
`pdf` extra) renders the same templates to PDF.
"""
from __future__ import annotations

import html as htmllib
import os
import re
import subprocess
import sys

import pytest

import browser
from conftest import invoke, invoke_json, make_ledger
from paperwork import (SERVICE_DIRECTOR, callback_of, completed_repair, handled_complaint, ok,
                       public_repair, record_callback)
from propcli import i18n

NOW = "2026-11-30T18:00"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Two months of a small office: October all on time; November with a late technician, a late reply to a
    help request and a dissatisfied complaint callback still open."""
    ledger = make_ledger(tmp_path_factory.mktemp("report"))
    completed_repair(ledger, day="2026-10-14")
    completed_repair(ledger, day="2026-10-21", item="卫生间下水道堵塞")
    on_time = completed_repair(ledger, day="2026-11-10")
    late = completed_repair(ledger, day="2026-11-17", item="客厅灯不亮", late=True)
    public_repair(ledger)
    request = invoke_json(ledger, "request", "new", "--category", "enquiry", "--name", "李四", "--phone", "13900139000",
                          "--address", "5栋1201", "--detail", "咨询装修申报手续", now="2026-11-18T09:00",
                          as_="刘洋")["id"]
    ok(invoke(ledger, "request", "reply", request, now="2026-11-18T09:25", as_="刘洋"))
    complaint = handled_complaint(ledger, day="2026-11-05")
    callback = callback_of(ledger, complaint, "2026-11-06T09:00")
    record_callback(ledger, callback, "2026-11-07T15:00", satisfied=False)
    return {"ledger": ledger, "late": late, "on_time": on_time, "request": request, "complaint": complaint}


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    yield
    i18n.reset()


def report(ledger, tmp_path, fmt: str = "html", month: str = "2026-11"):
    out = tmp_path / f"report-{month}.{fmt}"
    ok(invoke(ledger, "stats", month, "-f", fmt, "-o", str(out), now=NOW, as_=SERVICE_DIRECTOR))
    return out


def row(html: str, label: str) -> list[str]:
    """The cells of the figures table's row whose first cell is `label`."""
    for match in re.finditer(r"<tr><td>(.*?)</td>(.*?)</tr>", html):
        if htmllib.unescape(re.sub(r"<[^>]+>", "", match.group(1))) == label:
            return [htmllib.unescape(re.sub(r"<br>.*|<[^>]+>", "", cell))
                    for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(2))]
    raise AssertionError(f"no row {label!r}")


def shares(stats: dict) -> dict:
    """Every rule's on-time share, from whichever section of `stats` carries it."""
    return {rule: share for section in stats.values() if isinstance(section, dict)
            for rule, share in (section.get("on_time") or {}).items()}


def pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def test_every_figure_beside_its_target_and_last_month(office, tmp_path, chinese):
    ledger = office["ledger"]
    html = report(ledger, tmp_path).read_text(encoding="utf-8")
    now, then = (invoke_json(ledger, "stats", m, now=NOW) for m in ("2026-11", "2026-10"))
    assert "和园物业管理处" in html and "2026-11 月度统计分析报告" in html
    assert "上月（2026-10）" in html                                       # names the month it compares with
    assert row(html, "求助")[:4] == ["9.4.10", str(now["requests"]["total"]), "", str(then["requests"]["total"])]
    assert row(html, "维修")[:4] == ["10.4", str(now["repairs"]["total"]), "", str(then["repairs"]["total"])]
    assert row(html, "已完成住户维修应收费用（元）")[1] == f"{now['repairs']['fees']:.2f}"
    assert row(html, "投诉")[1] == str(now["complaints"]["total"])
    now_shares, then_shares = shares(now), shares(then)
    assert {"repair.arrive", "repair.fill", "request.reply"} <= set(now_shares)
    for rule, share in now_shares.items():
        cells = next(row(html, label) for label in [m.group(1) for m in re.finditer(r"<tr><td>([^<]*)</td>", html)]
                     if label.startswith(rule + " "))
        assert cells[1:3] == [pct(share), "100 %"], rule
        assert cells[3] == (pct(then_shares[rule]) if rule in then_shares else "")
    assert now_shares["repair.arrive"] == 0.5 and now_shares["request.reply"] == 0.0
    for kind, label, target in (("complaint", "投诉", "≥ 50 %"), ("repair", "维修", "≥ 30 %"), ("event", "社区活动",
                                                                                                "≥ 10 %")):
        section = now["callbacks"][kind]
        assert row(html, f"{label}：回访率")[1:3] == [pct(section["coverage"]), target]
        assert row(html, f"{label}：已回访 / 应回访")[1] == f"{section['done']} / {section['eligible']}"
    assert row(html, "回访处理率")[1:3] == [pct(now["callbacks"]["handling_rate"]), "100 %"]
    assert "未达标" in html                                                 # a figure below its target is marked
    assert "其他指标" not in html                                           # every figure of stats has its row


def test_charts_lists_and_analysis(office, tmp_path, chinese):
    ledger = office["ledger"]
    html = report(ledger, tmp_path).read_text(encoding="utf-8")
    charts = re.findall(r'<svg viewBox="[^"]+" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="([^"]+)"',
                        html)
    assert charts == ["各时限按时完成率（目标 100 %；◆ 为上月 2026-10）", "近六个月求助、维修、投诉件数",
                      "回访率与规定比例（11.1.3-5）"]
    assert "<img" not in html and "url(" not in html                        # no image files
    trend = html.split('aria-label="近六个月求助、维修、投诉件数"')[1].split("</svg>")[0]
    for month in ("06月", "07月", "08月", "09月", "10月", "11月"):
        assert f">{month}</text>" in trend
    assert "规定 50 %" in html and "规定 30 %" in html and "规定 10 %" in html
    # what needs attention: missed deadlines by rule and by person, the open dissatisfied loop
    assert int(re.search(r"超时事项（(\d+) 项）", html).group(1)) >= 2
    assert office["late"] in html and office["request"] in html and office["on_time"] not in html.split("超时事项")[1]
    assert re.search(r"<td>吴海涛</td><td class=\"num\">1</td><td>repair\.arrive</td>", html)
    assert re.search(r"<td>物业管理员</td><td class=\"num\">1</td><td>request\.reply</td>", html)
    assert html.count("超时 15 分钟") >= 2  # on site 25 min after taking it; replied 25 min after receipt
    assert "回访不满意、尚未闭环（1 项）" in html and office["complaint"] in html.split("回访不满意")[1]
    analysis = re.sub(r"<[^>]+>", "", html.split("分析与小结</h2>")[1].split("<h2>")[0])
    assert "本月：求助 1 件（2026-10：0 件），维修 3 件（2026-10：2 件），投诉 1 件（2026-10：0 件）。" in analysis
    assert "与 2026-10 相比变化最大的是：" in analysis
    assert "“repair.arrive 维修人员到场”按时率 -50 个百分点（100 % → 50 %）" in analysis
    worst = min(shares(invoke_json(ledger, "stats", "2026-11", now=NOW)).values())
    assert worst == 0.0 and "完成最差的时限：" in analysis and "按时率 0 %（目标 100 %），超时 1 件" in analysis
    assert "回访未达规定比例：维修回访率 0 %" in analysis
    assert f"有 1 项回访不满意尚未闭环（11.2.3）：{office['complaint']}。" in analysis


def test_the_report_prints_on_a4(office, tmp_path, chinese):
    browser.require("chromium", "pdfinfo", "pdftotext")
    (pdf,) = browser.print_many([(report(office["ledger"], tmp_path), tmp_path / "report.pdf")])
    sizes = browser.page_sizes(pdf)
    assert sizes and all(browser.is_a4(size, landscape=False) for size in sizes)
    text = re.sub(r"\s+", "", "\n".join(browser.pages_text(pdf)))
    for expected in ("和园物业管理处", "2026-11月度统计分析报告", "上月（2026-10）", "近六个月求助、维修、投诉件数",
                     "repair.arrive", office["late"], office["complaint"], "规定50%", "完成最差的时限"):
        assert expected in text, expected
    page_sizes, words = browser.words(pdf)
    for word in words:  # nothing outside the printable area (the page number is in the margin)
        width, height = page_sizes[word.page - 1]
        assert word.x1 <= width - 11 * browser.MM and (word.y1 <= height - 13 * browser.MM or word.text.isdigit()
                                                       or word.text == "/"), word


def test_the_report_in_english(office, tmp_path, monkeypatch):
    monkeypatch.setenv("PROPCLI_LANG", "en")
    i18n.reset()
    try:
        html = report(office["ledger"], tmp_path).read_text(encoding="utf-8")
    finally:
        i18n.reset()
    assert '<html lang="en">' in html and "Monthly report 2026-11" in html and "Last month (2026-10)" in html
    assert "Worst rule: " in html and ", 0 % on time against 100 %" in html
    assert "月度统计" not in html and "15 min late" in html


def test_bad_month(office):
    assert invoke(office["ledger"], "stats", "2026-13", "-f", "html").exit_code == 2


def test_stats_json_and_table_import_no_template_or_pdf_library(office):
    code = ("import sys\nfrom propcli.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('jinja2', 'segno', 'weasyprint') if m in sys.modules), file=sys.stderr)")
    for fmt in ("json", "table"):
        done = subprocess.run([sys.executable, "-c", code, "--ledger", str(office["ledger"]), "--now", NOW,
                               "stats", "2026-11", "-f", fmt], capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr.strip().splitlines()[-1] == "[]", done.stderr


# --- PDF through the `pdf` extra (WeasyPrint) ----------------------------------------------------

def weasyprint():
    try:
        import weasyprint as module  # noqa: F401
    except (ImportError, OSError) as error:
        if os.environ.get("CI"):
            pytest.fail(f"the pdf extra is not installed in CI: {error}")
        pytest.skip(f"WeasyPrint not installed (pip install 'propcli[pdf]'): {error}")


def test_pdf_of_the_report_and_of_forms(office, tmp_path, chinese):
    weasyprint()
    browser.require("pdfinfo", "pdftotext")
    ledger = office["ledger"]
    pdf = report(ledger, tmp_path, "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert all(browser.is_a4(size, landscape=False) for size in browser.page_sizes(pdf))
    text = re.sub(r"\s+", "", "\n".join(browser.pages_text(pdf)))
    for expected in ("和园物业管理处", "上月（2026-10）", "repair.arrive", office["late"],
                     "近六个月求助、维修、投诉件数"):
        assert expected in text, expected
    register = tmp_path / "register.pdf"
    ok(invoke(ledger, "form", "complaint-register", "2026-11", "-f", "pdf", "-o", str(register), now=NOW))
    assert all(browser.is_a4(size, landscape=True) for size in browser.page_sizes(register))
    text = "\n".join(browser.pages_text(register))
    for heading in ("编号", "投诉时间", "处理措施及结果", "复函", "主管审核", office["complaint"]):
        assert heading in text, heading
    result = invoke(ledger, "form", "repair-order", office["late"], "-f", "pdf", now=NOW)   # to stdout, not a terminal
    assert result.exit_code == 0 and result.stdout_bytes[:5] == b"%PDF-"
    order = tmp_path / "order.pdf"
    order.write_bytes(result.stdout_bytes)
    pages = browser.pages_text(order)
    assert len(pages) == 4 and all(browser.is_a4(size, landscape=False) for size in browser.page_sizes(order))
    assert "第四联" in re.sub(r"\s+", "", pages[3]).replace("第四联工程部", "第四联")


def test_a_figure_stats_adds_later_is_still_shown():
    from propcli.app.forms import translator
    from propcli.app.report import _sections

    now = {"month": "2026-11", "requests": {"total": 2}, "visits": {"total": 4, "coverage": 0.5}}
    then = {"month": "2026-10", "requests": {"total": 1}, "visits": {"total": 1, "coverage": 0.25}}
    sections = _sections(now, then, translator("en"), "en", {})
    assert sections[-1]["title"] == "Other figures"
    assert [(r["label"], r["value"], r["last"], r["change"]) for r in sections[-1]["rows"]] == [
        ("visits.total", "4", "1", "+3"), ("visits.coverage", "50 %", "25 %", "+25 pp")]
