"""A ledger with a little of everything the paper forms and the monthly report print, made through the CLI
(real git, real files, a fixed clock). Used by test_print.py, test_qr.py and test_report.py."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import invoke, invoke_json, run_cli

RECEPTION, DIRECTOR, TECHNICIAN, FINANCE = "赵丽娟", "周志强", "吴海涛", "谢春兰"
SERVICE_DIRECTOR, PATROL = "陈静", "高敏"
RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return result


def has_option(*command_and_option: str) -> bool:
    """Does `propcli COMMAND --help` offer OPTION? (options landing from other branches)."""
    *command, option = command_and_option
    return option in run_cli(*command, "--help").output


def completed_repair(ledger, day: str = "2026-11-10", item: str = "厨房水龙头漏水", late: bool = False,
                     fees=("更换阀芯=25", "密封圈=5.50"), signature: str = "张三") -> str:
    """A resident repair through to finance (10.4.1); `late`: the technician arrives 25 minutes after taking it."""
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", item, "--price-code", "SD-01",
                            now=f"{day}T09:00", as_=RECEPTION)["id"]
    complete = ["complete"] + [x for fee in fees for x in ("--fee", fee)]
    if fees and has_option("repair", "complete", "--quoted-by"):
        complete += ["--quoted-by", DIRECTOR]
    steps = [(["fill"], "09:01", RECEPTION), (["notify"], "09:02", RECEPTION),
             (["take", "--to", TECHNICIAN], "09:05", DIRECTOR),
             (["arrive"], "09:30" if late else "09:12", TECHNICIAN),
             (["material", "--result", "合格"], "09:35", TECHNICIAN), (complete, "10:30", TECHNICIAN),
             (["sign", "--signature", signature], "10:35", TECHNICIAN), (["return"], "16:00", TECHNICIAN)]
    if "confirm" in run_cli("repair", "--help").output:  # the director confirms copies 2-3 before 返单 (10.4.1-7)
        steps.append((["confirm"], "16:10", DIRECTOR))
    steps.append((["finance"], "16:30", RECEPTION))
    for args, at, who in steps:
        ok(invoke(ledger, "repair", args[0], record_id, *args[1:], now=f"{day}T{at}", as_=who))
    return record_id


def public_repair(ledger, day: str = "2026-11-12") -> str:
    record_id = invoke_json(ledger, "repair", "new", "--public", "--location", "5栋电梯厅", "--item",
                            "电梯厅照明灯不亮",
                            now=f"{day}T10:00", as_=PATROL)["id"]
    for args, at, who in ((["notify"], "10:05", RECEPTION), (["take", "--to", TECHNICIAN], "10:08", DIRECTOR),
                          (["arrive"], "10:20", TECHNICIAN),
                          (["complete", "--work", "更换灯管", "--cleanup", "已清理"], "10:50", TECHNICIAN)):
        ok(invoke(ledger, "repair", args[0], record_id, *args[1:], now=f"{day}T{at}", as_=who))
    return record_id


def handled_complaint(ledger, day: str = "2026-11-05", detail: str = "夜间装修噪音",
                      severity: str = "important") -> str:
    complaint = invoke_json(ledger, "complaint", "new", "--name", "王五", "--phone", "13700137000", "--address",
                            "2栋0502",
                            "--detail", detail, "--severity", severity, now=f"{day}T10:00", as_=RECEPTION)["id"]
    ok(invoke(ledger, "complaint", "reply", complaint, now=f"{day}T10:05", as_=RECEPTION))   # within 10 min (9.4.1-2)
    ok(invoke(ledger, "complaint", "handle", complaint, "--outcome", "已协调停工", now=f"{day}T15:00",
              as_=SERVICE_DIRECTOR))
    return complaint


def callback_of(ledger, source: str, now: str) -> str:
    """The callback planned for `source` (planned at handling or by `callback plan`)."""
    month = now[:7]
    invoke(ledger, "callback", "plan", "--month", month, now=now, as_=SERVICE_DIRECTOR)
    callbacks = invoke_json(ledger, "list", "--kind", "callback", now=now)
    return next(c["id"] for c in callbacks if c.get("source") == source and c.get("open", True))


def record_callback(ledger, callback: str, now: str, satisfied: bool = True, signature: str = "王五") -> None:
    args = ["callback", "record", callback, "--method", "visit", "--signature", signature]
    if satisfied:
        args += ["--result", "satisfied", "--note", "满意"]
    else:
        args += ["--result", "dissatisfied", "--note", "噪音仍在"]
        if has_option("callback", "record", "--rectification"):
            args += ["--rectification", "加装隔音提示"]
        if has_option("callback", "record", "--next"):
            day = now[:10]
            args += ["--next", f"{day[:8]}{int(day[8:]) + 2:02d}T10:00"]
        if has_option("callback", "record", "--fix-by"):
            args += ["--fix-by", PATROL]
    ok(invoke(ledger, *args, now=now))  # as the role the callback names (11.1.3; conftest.CALLERS)


def call(ledger, day: str = "2026-11-20", reason: str = "咨询停车费") -> None:
    ok(invoke(ledger, "call", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋1201",
              "--reason", reason, "--handled", "已答复", now=f"{day}T10:00", as_=RECEPTION))


def import_lines(ledger, tmp: Path, rows: list[dict], now: str) -> None:
    """Many records in one commit, as `export` writes them (long registers)."""
    path = tmp / "import.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    ok(invoke(ledger, "import", str(path), now=now, as_=RECEPTION))
