"""Finding things at the desk (issue 10.3): `list --search TEXT` over name, phone (and its last four digits),
address and item/detail; `--limit N`; newest first in the table, with name, phone and address columns."""
import csv
import io

from conftest import invoke, invoke_json


def setup(ledger):
    ids = {}
    ids["wang"] = invoke_json(ledger, "repair", "new", "--name", "王女士", "--phone", "13800138000", "--address",
                              "3栋0301", "--item", "厨房水龙头漏水", now="2026-11-28T08:00")["id"]
    ids["li"] = invoke_json(ledger, "repair", "new", "--name", "李先生", "--phone", "13912345678", "--address",
                            "5栋1201", "--item", "客厅灯不亮", now="2026-11-28T08:30")["id"]
    ids["help"] = invoke_json(ledger, "request", "new", "--category", "medical", "--name", "张阿姨", "--phone",
                              "13700008000", "--address", "3栋0302", "--detail", "老人在家晕倒",
                              now="2026-11-28T09:00")["id"]
    ids["public"] = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item",
                                "电梯按钮失灵",
                                now="2026-11-28T09:10")["id"]
    return ids


def found(ledger, *args):
    return [r["id"] for r in invoke_json(ledger, "list", *args, now="2026-11-28T10:00")]


def test_search_each_field(ledger):
    ids = setup(ledger)
    assert found(ledger, "--search", "王女士") == [ids["wang"]]                       # name
    assert found(ledger, "--search", "13912345678") == [ids["li"]]                  # phone
    assert found(ledger, "--search", "5678") == [ids["li"]]                         # its last four digits
    assert found(ledger, "--search", "8000") == [ids["wang"], ids["help"]]          # two phones end in 8000
    assert found(ledger, "--search", "3栋") == [ids["wang"], ids["help"]]           # address
    assert found(ledger, "--search", "0302") == [ids["help"]]                       # a unit number
    assert found(ledger, "--search", "水龙头") == [ids["wang"]]                      # item
    assert found(ledger, "--search", "晕倒") == [ids["help"]]                       # detail
    assert found(ledger, "--search", "电梯厅") == [ids["public"]]                   # a public repair's location
    assert found(ledger, "--search", "5栋", "--kind", "repair") == [ids["li"], ids["public"]]
    assert found(ledger, "--search", "没有这个人") == []
    assert found(ledger, "--search", "王芳") == []                                   # who recorded it is not searched


def test_limit_newest_first_and_columns(ledger):
    ids = setup(ledger)
    assert found(ledger, "--limit", "2") == [ids["help"], ids["public"]]            # JSON: the 2 newest, in time order
    table = invoke(ledger, "list", "--limit", "3", now="2026-11-28T10:00").stdout.splitlines()
    order = [next(i for i, line in enumerate(table) if ids[k] in line) for k in ("public", "help", "li")]
    assert order == sorted(order) and not any(ids["wang"] in line for line in table)   # newest first
    assert all(word in table[0] for word in ("id", "kind", "status", "open", "received", "name", "phone",
                                             "address", "summary"))
    rows = list(csv.DictReader(io.StringIO(invoke(ledger, "list", "--search", "李先生", "-f", "csv",
                                                  now="2026-11-28T10:00").stdout)))
    assert [(r["id"], r["name"], r["phone"], r["address"], r["summary"]) for r in rows] == [
        (ids["li"], "李先生", "13912345678", "5栋1201", "客厅灯不亮")]


def test_bad_limit_is_bad_input(ledger):
    result = invoke(ledger, "list", "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.stderr
