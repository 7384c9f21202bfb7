"""Shell completion through click's protocol (issue 10.3): a real `python -m propcli` process with
_PROPCLI_COMPLETE=bash_complete, COMP_WORDS and COMP_CWORD, as the shell's script calls it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke, invoke_json, run_cli

REPO = Path(__file__).resolve().parents[2]


def complete(ledger, line: str, shell: str = "bash") -> list[str]:
    words = line.split(" ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    env.update({"PYTHONPATH": str(REPO), "_PROPCLI_COMPLETE": f"{shell}_complete", "COMP_WORDS": line,
                "COMP_CWORD": str(len(words) - 1), "PROPCLI_LEDGER": str(ledger), "PROPCLI_LANG": "en"})
    done = subprocess.run([sys.executable, "-m", "propcli"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if shell == "zsh":  # type, value, help: three lines each
        lines = done.stdout.splitlines()
        return [f"{lines[i + 1]} {lines[i + 2]}" for i in range(0, len(lines) - 2, 3)]
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


@pytest.fixture
def desk(ledger):
    resident = ("--name", "王女士", "--phone", "13800138000", "--address", "3栋0301")
    ids = {"old": invoke_json(ledger, "repair", "new", *resident, "--item", "漏水", now="2026-11-28T08:00")["id"],
           "new": invoke_json(ledger, "repair", "new", *resident, "--item", "灯不亮", now="2026-11-28T09:00")["id"],
           "complaint": invoke_json(ledger, "complaint", "new", *resident, "--detail", "噪音",
                                    now="2026-11-28T08:30")["id"]}
    done = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item", "按钮失灵",
                       now="2026-11-28T07:00")["id"]
    for step, extra in (("notify", ()), ("take", ("--to", "吴海涛")), ("arrive", ()),
                        ("complete", ("--work", "更换按钮", "--cleanup", "已清理"))):  # 10.4.2-4
        assert invoke(ledger, "repair", step, done, *extra, now="2026-11-28T07:30").exit_code == 0
    ids["closed"] = done
    invoke_json(ledger, "list")  # the index is built
    return ledger, ids


def test_commands_and_options(desk):
    ledger, _ = desk
    assert complete(ledger, "propcli rep") == ["repair"]
    assert complete(ledger, "propcli comp") == ["company", "complaint", "completion"]
    assert "--search" in complete(ledger, "propcli list --se")
    assert set(complete(ledger, "propcli list --f")) >= {"--format"}
    assert complete(ledger, "propcli completion ") == ["bash", "zsh", "fish"]


def test_open_record_ids_newest_first(desk):
    ledger, ids = desk
    assert complete(ledger, "propcli show ") == [ids["new"], ids["complaint"], ids["old"]]   # not the closed one
    assert complete(ledger, "propcli repair fill ") == [ids["new"], ids["old"]]              # repairs only
    assert complete(ledger, "propcli complaint handle ") == [ids["complaint"]]
    assert complete(ledger, f"propcli explain {ids['old'][:4]}") == [i for i in (ids["new"], ids["old"])
                                                                    if i.startswith(ids["old"][:4])]
    zsh = complete(ledger, "propcli show ", "zsh")
    assert zsh[0].startswith(ids["new"]) and "灯不亮" in zsh[0]                               # the summary as help


def test_a_step_offers_only_the_records_it_applies_to(desk):
    """Issue 19 point 5: `repair arrive <TAB>` offers repairs taken, not one not yet taken; the kind's own order
    check decides (an off-list item is quoted and accepted before arrival, 10.4.1-2③)."""
    ledger, ids = desk
    listed = invoke_json(ledger, "repair", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋1201",
                         "--item", "水龙头", "--price-code", "SD-01", now="2026-11-28T09:30")["id"]
    for record_id in (listed, ids["old"]):
        for step, extra in (("fill", ()), ("notify", ()), ("take", ("--to", "吴海涛"))):
            assert invoke(ledger, "repair", step, record_id, *extra, now="2026-11-28T09:40").exit_code == 0
    assert complete(ledger, "propcli repair take ") == []                      # none notified and not taken
    assert complete(ledger, "propcli repair fill ") == [ids["new"]]
    assert complete(ledger, "propcli repair arrive ") == [listed]               # taken, on the price list
    assert complete(ledger, "propcli repair quote ") == [ids["old"]]            # taken, off the list
    assert complete(ledger, "propcli repair accept ") == []                     # nothing quoted yet
    assert complete(ledger, "propcli complaint close ") == []                   # not handled (11.1.11)
    assert complete(ledger, "propcli complaint handle ") == [ids["complaint"]]
    assert complete(ledger, f"propcli repair arrive {listed[:6]}") == [listed]
    assert set(complete(ledger, "propcli show ")) >= {listed, ids["new"], ids["old"]}   # not a step: every open one


def test_staff_prices_categories_and_forms(desk):
    ledger, ids = desk
    staff = complete(ledger, "propcli --as ")
    assert "赵丽娟" in staff and "王建国" in staff
    assert "吴海涛" in complete(ledger, f"propcli repair take {ids['new']} --to ")
    codes = complete(ledger, "propcli repair new --price-code SD")
    assert codes and all(c.startswith("SD-") for c in codes) and "SD-01" in codes
    assert complete(ledger, "propcli request new --category me") == ["medical"]
    # every form the kinds declare, in the order of the procedure's clauses (visit-record: 11.1.6)
    assert complete(ledger, "propcli form ") == ["complaint-register", "call-log", "repair-order", "paid-service",
                                                 "public-inspection", "visit-record", "callback-record",
                                                 "callback-summary"]


def test_completion_scripts(ledger):
    bash = run_cli("completion", "bash")
    assert bash.exit_code == 0 and "_PROPCLI_COMPLETE=bash_complete" in bash.stdout
    assert "complete -o nosort -F _propcli_completion propcli" in bash.stdout
    assert "#compdef propcli" in run_cli("completion", "zsh").stdout
    assert "complete --no-files --command propcli" in run_cli("completion", "fish").stdout
    assert run_cli("completion", "tcsh").exit_code == 2
