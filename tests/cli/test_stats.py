"""`stats YYYY-MM`: the JSON shape of CLI.md, counts, fees and on-time shares from the index."""
from conftest import invoke, invoke_json

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def test_month_figures(ledger):
    listed = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                         now="2026-11-10T09:00")["id"]
    for step, at in (("fill", "09:01"), ("notify", "09:05"), ("take", "09:06"), ("arrive", "09:10"),
                     ("complete", "09:40"), ("sign", "09:41"), ("return", "16:00"), ("confirm", "16:10"),
                     ("finance", "16:30")):
        extra = ("--signature", "张三") if step == "sign" else ()
        assert invoke(ledger, "repair", step, listed, *extra, now=f"2026-11-10T{at}").exit_code == 0
    finance = next(p["name"] for p in invoke_json(ledger, "staff") if p["role"] == "finance")
    assert invoke(ledger, "repair", "paid", listed, now="2026-11-11T10:00", as_=finance).exit_code == 0
    invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "灯不亮",
                now="2026-11-12T09:00")
    invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "门锁坏了", "--price-code", "SD-01",
                now="2026-12-01T09:00")
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-30T12:00")
    assert stats["month"] == "2026-11"
    repairs = stats["repairs"]
    unit = next(p["price"] for p in invoke_json(ledger, "prices") if p["code"] == "SD-01")
    assert (repairs["total"], repairs["public"], repairs["paid"], repairs["fees"]) == (2, 1, 1, unit)
    assert repairs["on_time"]["repair.fill"] == 1.0
    assert repairs["on_time"]["repair.notify"] == 0.0          # 5 min > 3 min
    assert stats["public_repairs"]["on_time"]["public.notify"] == 0.0  # never notified: overdue counts as not on time
    assert set(stats["requests"]["by_category"]) >= {"medical", "repair", "complaint", "enquiry"}
    assert stats["complaints"]["by_severity"] == {"general": 0, "important": 0, "major": 0}
    assert stats["callbacks"]["repair"]["target"] == 0.3 and stats["callbacks"]["handling_rate"] == 1.0
    earlier = invoke_json(ledger, "stats", "2026-11", now="2026-11-10T09:03")   # as of that moment
    assert earlier["repairs"]["total"] == 1 and "repair.notify" not in earlier["repairs"]["on_time"]


def test_bad_month_is_bad_input(ledger):
    result = invoke(ledger, "stats", "11-2026")
    assert result.exit_code == 2 and "YYYY-MM" in result.stderr


def test_stats_as_markdown_names_each_figure_and_gives_shares_as_percentages(ledger):
    """`stats M -f md` (CLI.md: stats adds md where it fits): a Markdown table, one row a figure, as the table
    names it; shares as percentages; a `|` in a cell cannot break the table."""
    record = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", now="2026-11-10T09:00")["id"]
    assert invoke(ledger, "repair", "fill", record, now="2026-11-10T09:01").exit_code == 0
    shown = invoke(ledger, "stats", "2026-11", "-f", "md", now="2026-11-30T12:00", env={"PROPCLI_LANG": "zh_CN"})
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "## 2026-11 月度统计" and lines[2] == "| 项目 | 数值 |" and lines[3] == "|---|---:|"
    body = lines[4:]
    assert body and all(line.startswith("| ") and line.endswith(" |") and line.count(" | ") == 1 for line in body)
    assert "| 维修 · 按时 · 填写维修单 | 100% |" in body
    table = invoke(ledger, "stats", "2026-11", now="2026-11-30T12:00", env={"PROPCLI_LANG": "zh_CN"}).stdout
    assert len(body) == len(table.strip().splitlines()) - 3   # the same figures as the table (title, heading, rule)
