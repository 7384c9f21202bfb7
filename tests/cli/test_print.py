"""Issue 11, point 1, 5, 7, 8: every form, blank and filled, printed by headless Chromium on A4 and read back.

Each form is rendered by `propcli form … -f html`, printed to PDF by a real Chromium (as an office prints it),
and the PDF is checked with poppler: the paper size (registers landscape), the title block, every column
heading and every value, rows at least 8 mm high, nothing outside the printable area, headings repeated
on each page of a long register, totals at its end. The text output is checked against golden files
(tests/cli/golden/; PROPCLI_UPDATE_GOLDEN=1 rewrites them).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import browser
from conftest import invoke, invoke_json, make_ledger
from paperwork import (DIRECTOR, RECEPTION, TECHNICIAN, call, callback_of, completed_repair, handled_complaint,
                       import_lines, ok, public_repair, record_callback)
from propcli import i18n

GOLDEN = Path(__file__).parent / "golden"
FORMS = {  # name -> (landscape, the column headings in Chinese)
    "complaint-register": (True, ["编号", "投诉时间", "投诉人", "房号/地址", "联系电话", "投诉方式", "投诉内容",
                                  "严重程度",
                                  "责任部门", "接待人", "处理措施及结果", "处理完毕时间", "回访", "复函", "主管审核"]),
    "call-log": (True, ["来电时间", "来电人", "联系电话", "房号", "来电事由", "处理情况/转办", "接听人", "备注"]),
    "repair-order": (False, ["报修时间", "预约维修时间", "用户名称", "联系电话", "地址", "报修内容", "接单时间",
                             "维修人员",
                             "到场时间", "完成时间", "应收费用合计（元）", "用户签名（试用/检查合格）",
                             "工程部主任确认"]),
    "paid-service": (True, ["日期", "编号", "房号", "用户名称", "服务项目", "收费金额（元）", "维修人员", "用户签名",
                            "交财务日期"]),
    "public-inspection": (True, ["巡视日期/时间", "巡视人", "区域/位置", "发现问题", "处理要求", "通知工程部时间",
                                 "工程部签收（第二联）", "到场时间", "维修情况", "现场清理", "完成时间"]),
    "callback-record": (True, ["编号", "回访日期", "回访方式", "回访对象/房号/电话", "回访事由", "客户意见", "满意度",
                               "需整改事项", "约定答复/下次回访时间", "回访人", "客户签名", "部门主任审阅意见"]),
    "callback-summary": (False, ["类别", "应回访数", "已回访", "回访率", "目标", "满意", "不满意", "整改完成",
                                 "处理率"]),
}
TITLES = {"complaint-register": "《客户投诉登记表》", "call-log": "《客户来电记录表》", "repair-order": "《维修单》",
          "paid-service": "《有偿服务记录表》", "public-inspection": "《公共区域现场巡视表》",
          "callback-record": "《回访记录表》", "callback-summary": "《客户回访记录》"}
ID = re.compile(r"\b[A-Z]-[0-9A-HJKMNP-TV-Z]{10}\b")


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    """The office's paper is Chinese (CLI.md: --lang defaults to zh_CN)."""
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    yield
    i18n.reset()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """One ledger holding a record for every form."""
    saved = os.environ.get("PROPCLI_LANG")
    os.environ["PROPCLI_LANG"] = "zh_CN"
    try:
        root = tmp_path_factory.mktemp("office")
        ledger = make_ledger(root)
        repair = completed_repair(ledger)
        public = public_repair(ledger)
        complaint = handled_complaint(ledger)
        callback = callback_of(ledger, complaint, "2026-11-06T09:00")
        record_callback(ledger, callback, "2026-11-07T15:00")
        call(ledger)
        return {"ledger": ledger, "repair": repair, "public": public, "complaint": complaint, "callback": callback}
    finally:
        os.environ["PROPCLI_LANG"] = saved or "en"


def render(ledger, tmp_path: Path, name: str, *args: str, now: str = "2026-11-30T09:00") -> Path:
    out = tmp_path / f"{name}{'-' + args[0] if args else ''}.html"
    ok(invoke(ledger, "form", name, *args, "-f", "html", "-o", str(out), now=now, as_=RECEPTION))
    return out


def print_all(pages: list[Path], tmp_path: Path) -> list[Path]:
    """Chromium prints each page to PDF."""
    browser.require("chromium", "pdfinfo", "pdftotext")
    return browser.print_many([(page, page.with_suffix(".pdf")) for page in pages])


def check_paper(pdf: Path, landscape: bool) -> tuple[str, list]:
    """A4 in the right orientation on every page, and nothing outside the printable area (12 mm margins)."""
    sizes = browser.page_sizes(pdf)
    assert sizes and all(browser.is_a4(size, landscape) for size in sizes), (pdf.name, sizes)
    page_sizes, words = browser.words(pdf)
    for word in words:
        width, height = page_sizes[word.page - 1]
        if re.fullmatch(r"\d+|/", word.text) and word.y0 > height - 14 * browser.MM:
            continue  # the page number, in the bottom margin
        assert 11 * browser.MM <= word.x0 and word.x1 <= width - 11 * browser.MM, (pdf.name, word)
        assert word.y1 <= height - 13 * browser.MM, (pdf.name, word)
    return "\n".join(browser.pages_text(pdf)), words


def row_pitch(words, page: int = 1) -> list[float]:
    """Vertical distance between consecutive 序号 (line numbers) of a register's first page, in mm."""
    left = min(w.x0 for w in words if w.page == page)
    numbers = sorted((w for w in words if w.page == page and w.text.isdigit() and w.x0 < left + 9 * browser.MM
                      and 0 < int(w.text) < 100), key=lambda w: w.y0)
    return [(b.y0 - a.y0) / browser.MM for a, b in zip(numbers, numbers[1:])]


def columns_text(words, headings: list[str]) -> list[str]:
    """The text of each register column below its heading, top to bottom (wrapped cells joined up)."""
    found = []
    for page in sorted({w.page for w in words}):
        heads = sorted((w for w in words if w.page == page and w.text in headings), key=lambda w: w.x0)
        for head, following in zip(heads, heads[1:] + [None]):
            right = following.x0 - 1 if following else 1e9
            found.append(browser.column_text(words, page, head.x0 - 4, right, y0=head.y1))
    return found


def text_form(ledger, name: str, *args: str, now: str = "2026-11-30T09:00") -> str:
    return ok(invoke(ledger, "form", name, *args, now=now, as_=RECEPTION)).stdout


def golden(name: str, text: str) -> None:
    text = re.sub(r"@[0-9a-f]{40}", "@COMMIT", ID.sub("X-XXXXXXXXXX", text))
    path = GOLDEN / name
    if os.environ.get("PROPCLI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; PROPCLI_UPDATE_GOLDEN=1 rewrites it"


# --- blank forms ---------------------------------------------------------------------------------

def test_every_blank_form_prints_on_a4_with_its_headings_and_rows_to_write_in(ledger, tmp_path):
    pages = [render(ledger, tmp_path, name) for name in FORMS]
    for name, pdf in zip(FORMS, print_all(pages, tmp_path)):
        landscape, headings = FORMS[name]
        text, words = check_paper(pdf, landscape)
        assert "和园物业管理处" in text and TITLES[name] in text, name
        assert "编号" in text and "月份" in text and "______年____月" in text, name  # the title block, blank
        for heading in headings + (["序号"] if name != "repair-order" else []):
            assert heading in text, (name, heading)
        assert "propcli:" not in text, name  # a plain blank form carries no record, so no QR code
        if name != "repair-order":
            pitch = row_pitch(words)
            assert len(pitch) >= 2 and min(pitch) >= 8.0, (name, pitch)  # rows at least 8 mm high to write in
    order = "\n".join(browser.pages_text(tmp_path / "repair-order.pdf"))
    assert order.count("《维修单》") == 4


@pytest.mark.parametrize("name", [n for n in FORMS if n != "repair-order"])  # its golden is in test_forms.py
def test_blank_form_text_is_golden(ledger, name):
    golden(f"blank-{name}.txt", text_form(ledger, name, now="2026-11-28T09:00"))


# --- filled forms --------------------------------------------------------------------------------

def keys(office) -> dict:
    return {"complaint-register": "2026-11", "call-log": "2026-11", "repair-order": office["repair"],
            "paid-service": "2026-11", "public-inspection": office["public"], "callback-record": office["callback"],
            "callback-summary": "2026-11"}


def values_of(text: str, name: str) -> list[str]:
    """Every value the text form prints (rows 'a | b | c', or 'label：value' on the 维修单)."""
    values = []
    for line in text.splitlines():
        if name == "repair-order":
            # the text's one-line summaries (items done, who signed the refusal) are the fee table and the
            # signature lines on paper, checked in test_repair_order_prints_four_labelled_copies_on_separate_pages
            if "：" in line and not line.startswith(("打印于", "去向", "实际维修项目及收费：", "拒修签名：")):
                values.append(line.split("：", 1)[1].split("（台账")[0].replace("________", ""))
        elif " | " in line and not line.startswith(tuple(FORMS[name][1][:1])):
            values += line.split(" | ")
    return [v.strip() for v in values if v.strip()]


@pytest.fixture(scope="module")
def printed(office, tmp_path_factory):
    """Every filled form rendered as HTML and printed by Chromium once: name -> (html, pdf)."""
    saved = os.environ.get("PROPCLI_LANG")
    os.environ["PROPCLI_LANG"] = "zh_CN"
    try:
        tmp = tmp_path_factory.mktemp("printed")
        pages = {name: render(office["ledger"], tmp, name, key) for name, key in keys(office).items()}
    finally:
        os.environ["PROPCLI_LANG"] = saved or "en"
    pdfs = print_all(list(pages.values()), tmp)
    return {name: (page, pdf) for (name, page), pdf in zip(pages.items(), pdfs)}


def test_every_filled_form_prints_every_heading_and_value(office, printed):
    ledger, forms = office["ledger"], keys(office)
    head = browser._run(["git", "-C", str(ledger), "rev-parse", "HEAD"]).stdout.strip()
    for name, key in forms.items():
        page, pdf = printed[name]
        landscape, headings = FORMS[name]
        text, words = check_paper(pdf, landscape)
        flat = re.sub(r"\s+", "", text)
        assert "和园物业管理处" in text and TITLES[name] in text, name
        assert "2026年11月" in text, name                                   # the month of the title block
        number = key if key.startswith(("R-", "B-")) else "HY01-"
        assert number in text, (name, number)                              # its number
        for heading in headings:
            assert heading in text, (name, heading)
        columns = columns_text(words, headings)
        for value in values_of(text_form(ledger, name, key), name):
            for token in value.split():  # a value wrapped in its cell is read down its column
                assert token in text or token in flat or any(token in c for c in columns), (name, value, token)
        assert f"@{head}" in flat, name                                     # printed from HEAD (the QR's text)
        assert re.search(r'<svg [^>]*class="qr"', page.read_text(encoding="utf-8")), name


def test_filled_register_text_is_golden(office):
    ledger = office["ledger"]
    for name in ("complaint-register", "call-log", "paid-service", "callback-summary"):
        golden(f"filled-{name}.txt", text_form(ledger, name, "2026-11"))


def test_signature_places_are_blank_with_the_recorded_name_small_beside(office, tmp_path):
    ledger = office["ledger"]
    order = render(ledger, tmp_path, "repair-order", office["repair"]).read_text(encoding="utf-8")
    assert "已签" not in order
    assert ('用户签名（试用/检查合格）：<span class="sign-line"></span>'
            '<small class="recorded">（台账：张三）</small>') in order
    assert f'维修人员：<span class="sign-line"></span><small class="recorded">（台账：{TECHNICIAN}）</small>' in order
    paid = render(ledger, tmp_path, "paid-service", "2026-11").read_text(encoding="utf-8")
    assert '<td class="sign-cell"><small class="recorded">台账：张三</small></td>' in paid and "已签" not in paid
    record = render(ledger, tmp_path, "callback-record", office["callback"]).read_text(encoding="utf-8")
    assert '<td class="sign-cell"><small class="recorded">台账：王五</small></td>' in record


# --- the 维修单: four copies -----------------------------------------------------------------------

def test_repair_order_prints_four_labelled_copies_on_separate_pages(printed):
    pages = browser.pages_text(printed["repair-order"][1])
    labels = ["第一联 客户（缴费依据）", "第二联 客户服务部留存", "第三联 财务部（计收依据）", "第四联 工程部"]
    goes = ["维修人员交给用户，作为缴费依据", "返单后由客户服务部留存", "25日前送财务部作为计收依据", "工程部留存"]
    assert len(pages) == 4
    for page, label, where in zip(pages, labels, goes):
        flat = re.sub(r"\s+", "", page)
        assert label.replace(" ", "") in flat and where in flat, label
        assert [x for x in labels if x.replace(" ", "") in flat] == [label]      # one copy a page
        for fee in ("更换阀芯", "25.00", "密封圈", "5.50", "30.50", "工程部主任确认", "台账：张三",
                    f"台账：{TECHNICIAN}"):
            assert fee in flat, (label, fee)


def test_copy4_destination_comes_from_the_ledger(tmp_path):
    ledger = make_ledger(tmp_path)
    config = ledger / "propcli.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("copy4: 工程部", "copy4: 物业部"), encoding="utf-8")
    browser._run(["git", "-C", str(ledger), "commit", "-qam", "copy 4 to the property department"])
    text = text_form(ledger, "repair-order")
    assert "第四联 物业部" in text and "去向：物业部留存" in text


# --- long registers ------------------------------------------------------------------------------

def _calls(count: int) -> list[dict]:
    return [{"kind": "call", "name": f"住户{n:02d}", "phone": f"139{n:08d}", "address": f"{n % 12 + 1}栋{n:02d}01",
             "reason": "咨询物业费缴纳方式以及停车位租赁的办理手续和所需材料" if n % 5 == 0 else "咨询停车费",
             "handled": "已答复", "events": [{"step": "new", "at": f"2026-11-{n % 28 + 1:02d}T10:{n:02d}:00+08:00",
                                            "by": RECEPTION}]} for n in range(45)]


def _paid_repairs(count: int) -> list[dict]:
    rows = []
    for n in range(count):
        day = f"2026-11-{n % 25 + 1:02d}"
        events = [{"step": "new", "at": f"{day}T09:00:00+08:00", "by": RECEPTION}]
        for step, minute, who, data in (("fill", 1, RECEPTION, {}), ("notify", 2, RECEPTION, {}),
                                        ("take", 5, DIRECTOR, {"to": TECHNICIAN, "copy4_to": "工程部"}),
                                        ("arrive", 12, TECHNICIAN, {}), ("complete", 40, TECHNICIAN, {}),
                                        ("sign", 45, TECHNICIAN, {"signature": f"业主{n:02d}", "copy1_to": "用户"})):
            events.append({"step": step, "at": f"{day}T09:{minute:02d}:00+08:00", "by": who, **data})
        rows.append({"kind": "repair", "public": False, "name": f"业主{n:02d}", "phone": f"138{n:08d}",
                     "address": f"{n % 12 + 1}栋{n:02d}02", "item": "厨房水龙头漏水", "price_code": "SD-01",
                     "price_name": "更换水龙头", "unit_price": 15.0, "unit": "个", "qty": 1, "events": events})
    return rows


def test_long_registers_repeat_their_heading_on_every_page_and_end_with_the_total(tmp_path):
    ledger = make_ledger(tmp_path)
    import_lines(ledger, tmp_path, _calls(45) + _paid_repairs(30), now="2026-11-30T09:00")
    calls, paid = print_all([render(ledger, tmp_path, "call-log", "2026-11"),
                             render(ledger, tmp_path, "paid-service", "2026-11")], tmp_path)
    for pdf, name in ((calls, "call-log"), (paid, "paid-service")):
        pages = browser.pages_text(pdf)
        assert len(pages) >= 2, name
        for page in pages:
            assert TITLES[name] in page and all(h in page for h in FORMS[name][1]), name
    text = "\n".join(browser.pages_text(calls))
    assert all(f"住户{n:02d}" in text and f"139{n:08d}" in text for n in range(45))
    _sizes, found = browser.words(calls)
    long = "咨询物业费缴纳方式以及停车位租赁的办理手续和所需材料"
    assert sum(c.count(long) for c in columns_text(found, FORMS["call-log"][1])) == 9   # long text wraps, whole
    pages = browser.pages_text(paid)
    total = f"{30 * 15:.2f}"
    assert "合计" in pages[-1] and total in pages[-1]
    assert not any("合计" in page for page in pages[:-1])
    assert all(f"业主{n:02d}" in "\n".join(pages) for n in range(30))


# --- the overdue mail ----------------------------------------------------------------------------

def test_overdue_mail_html_uses_the_forms_paper_and_says_durations_as_people_do(ledger, tmp_path):
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from email import message_from_bytes, policy

    from test_mail import Collector, _free_port

    handler = Collector()
    server = controller_module.Controller(handler, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        late = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                           "--item", "水龙头漏水", "--price-code", "SD-01", now="2026-11-28T06:55", as_=RECEPTION)["id"]
        result = invoke(ledger, "overdue", "--within", "15m", "--mail-to", "desk@example.com",
                        "--smtp", f"smtp://127.0.0.1:{server.port}", now="2026-11-28T09:00", as_="cron")
        assert result.exit_code == 0, result.stderr
    finally:
        server.stop()
    (envelope,) = handler.envelopes
    message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
    html = next(p.get_content() for p in message.walk() if p.get_content_type() == "text/html")
    assert "paper.css" not in html and "table-header-group" in html           # the forms' stylesheet, inline
    assert "超时 2 小时 3 分钟" in html and "超时 2 小时 2 分钟" in html           # fill 2 min, notify 3 min
    assert "客户服务部前台接待员" in html and "填写维修单" in html and late in html
    page = tmp_path / "mail.html"
    page.write_text(html, encoding="utf-8")
    (pdf,) = print_all([page], tmp_path)
    text, _words = check_paper(pdf, landscape=True)
    for expected in ("和园物业管理处", late, "repair.fill", "10.4.1-2", "超时 2 小时 3 分钟", "138****8000"):
        assert expected in text, expected


def test_humanized_durations():
    from propcli.app.forms import humanize_minutes

    assert humanize_minutes(16) == "超时 16 分钟"
    assert humanize_minutes(125) == "超时 2 小时 5 分钟"
    assert humanize_minutes(3 * 1440) == "超时 3 天"
    assert humanize_minutes(-3) == "还剩 3 分钟"
    i18n.set_language("en")
    try:
        assert humanize_minutes(16) == "16 min late" and humanize_minutes(-3) == "3 min left"
    finally:
        i18n.reset()
