"""Excel output (issue 10.6): `-f xlsx -o FILE` for list, overdue, repair billing, stats and the registers;
phones and unit numbers stay text, headings in the chosen language, column widths set; `--bom` for CSV.
Read back with openpyxl."""
import pytest

from conftest import invoke, invoke_json

openpyxl = pytest.importorskip("openpyxl")

RESIDENT = ("--name", "王女士", "--phone", "13800138000", "--address", "3栋0301")


def read(path):
    sheet = openpyxl.load_workbook(path).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def busy(ledger):
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "厨房水龙头漏水", "--price-code", "SD-01",
                            now="2026-11-10T09:00")["id"]
    for step, at in (("fill", "09:01"), ("notify", "09:05"), ("take", "09:06"), ("arrive", "09:10"),
                     ("complete", "09:40"), ("sign", "09:41"), ("return", "16:00"), ("confirm", "16:10"),
                     ("finance", "16:30")):
        extra = ("--signature", "王女士") if step == "sign" else ()
        assert invoke(ledger, "repair", step, record_id, *extra, now=f"2026-11-10T{at}").exit_code == 0
    invoke_json(ledger, "repair", "new", "--name", "李", "--phone", "02088886666", "--address", "5栋0102",
                "--item", "灯不亮", now="2026-11-28T09:00")
    return ledger, record_id


def test_list_in_chinese_phones_and_units_as_text(busy, tmp_path):
    ledger, record_id = busy
    out = tmp_path / "列表.xlsx"
    result = invoke(ledger, "list", "-f", "xlsx", "-o", out, now="2026-11-28T09:30", env={"PROPCLI_LANG": "zh_CN"})
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    sheet, rows = read(out)
    assert rows[0] == ["编号", "类别", "当前环节", "未结", "受理时间", "姓名", "电话", "地址", "摘要"]
    newest, oldest = rows[1], rows[2]                                           # newest first, as the table
    assert oldest[0] == record_id and oldest[1] == "维修单" and oldest[5:] == ["王女士", "13800138000", "3栋0301",
                                                                            "厨房水龙头漏水"]
    assert newest[6] == "02088886666" and isinstance(newest[6], str)          # a leading zero survives
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["I"].width >= 16                            # 厨房水龙头漏水: 14 columns wide
    english = tmp_path / "list.xlsx"
    assert invoke(ledger, "list", "-f", "xlsx", "-o", english, now="2026-11-28T09:30").exit_code == 0
    assert read(english)[1][0][:3] == ["id", "kind", "status"]


def test_overdue_billing_stats_and_a_register(busy, tmp_path):
    ledger, record_id = busy
    late = tmp_path / "overdue.xlsx"
    assert invoke(ledger, "overdue", "-f", "xlsx", "-o", late, now="2026-11-28T09:30").exit_code == 0
    rows = read(late)[1]
    assert rows[0][:6] == ["id", "kind", "rule", "clause", "due", "minutes_late"]
    assert {r[2] for r in rows[1:]} == {"repair.fill", "repair.notify"} and rows[1][5] == 28.0   # a number
    billing = tmp_path / "billing.xlsx"
    assert invoke(ledger, "repair", "billing", "--month", "2026-11", "-f", "xlsx", "-o", billing,
                  now="2026-11-28T09:30").exit_code == 0
    rows = read(billing)[1]
    assert rows[1][rows[0].index("id")] == record_id and rows[1][rows[0].index("fee_total")] == 15.0
    stats = tmp_path / "stats.xlsx"
    assert invoke(ledger, "stats", "2026-11", "-f", "xlsx", "-o", stats, now="2026-11-28T09:30",
                  env={"PROPCLI_LANG": "zh_CN"}).exit_code == 0
    rows = dict(read(stats)[1][1:])
    assert rows["维修 · 总数"] == 2 and rows["维修 · 费用（元）"] == 15.0
    register = tmp_path / "有偿服务记录表.xlsx"
    assert invoke(ledger, "form", "paid-service", "2026-11", "-f", "xlsx", "-o", register,
                  now="2026-11-28T09:30").exit_code == 0
    sheet, rows = read(register)
    assert rows[0][:3] == ["日期", "编号", "房号"] and rows[1][1] == record_id and rows[1][2] == "3栋0301"
    assert rows[-1][0] == "合计" and rows[-1][5] == 15.0


def test_xlsx_needs_a_file(busy):
    ledger, _ = busy
    result = invoke(ledger, "list", "-f", "xlsx", now="2026-11-28T09:30")
    assert result.exit_code == 2 and "-o" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_csv_with_a_bom_for_excel(busy, tmp_path):
    ledger, _ = busy
    plain = invoke(ledger, "list", "-f", "csv", now="2026-11-28T09:30").stdout
    assert not plain.startswith("\ufeff")
    with_bom = invoke(ledger, "list", "-f", "csv", "--bom", now="2026-11-28T09:30").stdout
    assert with_bom.startswith("\ufeffid,kind,status,open,received,name,phone,address,summary")
    out = tmp_path / "list.csv"
    assert invoke(ledger, "list", "-f", "csv", "--bom", "-o", out, now="2026-11-28T09:30").exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "王女士".encode() in data
