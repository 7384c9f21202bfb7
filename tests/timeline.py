"""Recording repairs at given moments (`--at`), for the deadline and overdue tests."""
import json

from conftest import invoke

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def new_repair(ledger, at, *extra, now=None):
    result = invoke(ledger, "repair", "new", *RESIDENT, "--item", "厨房水龙头漏水", *extra, "--at", at, "-f", "json",
                    now=now or at)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["id"]


def new_public(ledger, at):
    result = invoke(ledger, "repair", "new", "--public", "--location", "3栋电梯厅", "--item", "电梯按钮失灵",
                    "--at", at, "-f", "json", now=at)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["id"]


def step(ledger, record_id, name, at, *extra, now=None):
    result = invoke(ledger, "repair", name, record_id, *extra, "--at", at, "-f", "json", now=now or at)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
