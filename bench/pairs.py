#!/usr/bin/env python3
"""Paired timings (issue 21): A and B run in turn, A B A B …, the ratio taken pair by pair, the median quoted.

    python bench/pairs.py --runs 9           # side by side with taskwarrior at 20k, growth 20k -> 200k

Ledgers: bench.py's (/tmp/propcli-bench/<size>, built when missing), and for a second `overdue` pair one where two
repairs in three stopped part-way (<size>-open67: about as many late deadlines as taskwarrior has overdue tasks).
taskwarrior: 20,000 tasks, every one pending with a due date, about two in three overdue, in its own
TASKRC/TASKDATA (/tmp/propcli-bench/tw-pending).
Whole processes (python start-up and imports included), modules byte-compiled, one untimed warm-up pair.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench  # noqa: E402

TW = bench.BASE / "tw-pending"


def taskwarrior(size: int = 20000) -> dict:
    env = dict(os.environ, TASKRC=str(TW / "taskrc"), TASKDATA=str(TW / "data"))
    if (TW / "built").exists():
        return env
    (TW / "data").mkdir(parents=True, exist_ok=True)
    (TW / "taskrc").write_text(f"data.location={TW / 'data'}\nconfirmation=off\nverbose=nothing\nrecurrence=off\n"
                               "gc=on\nhooks=off\nnews.version=2.6.0\n")
    rng = random.Random(1)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    lines = []
    for i in range(size):
        entry = now - timedelta(days=rng.random() * 365)
        due = entry + timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.67 else now + timedelta(days=rng.randint(1, 60))
        lines.append(json.dumps({"uuid": f"{i:08x}-0000-4000-8000-{rng.getrandbits(48):012x}", "status": "pending",
                                 "description": f"王芳 {i % 28 + 1}栋 {rng.choice(bench.UNLISTED)}", "project": "repair",
                                 "entry": entry.strftime("%Y%m%dT%H%M%SZ"), "due": due.strftime("%Y%m%dT%H%M%SZ")},
                                ensure_ascii=False))
    subprocess.run([bench.TASK, "import", "-"], env=env, input="\n".join(lines).encode(), capture_output=True, check=True)
    (TW / "built").write_text(str(size))
    return env


def once(argv, env) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - t0) * 1000
    if done.returncode not in (0, 1):
        sys.exit(f"pairs: {' '.join(map(str, argv))} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def paired(a, env_a, b, env_b, runs: int) -> dict:
    """`a`, `b`: argv or a callable giving each run's argv. Medians and the median of the pairwise ratios."""
    ta, tb = [], []
    for i in range(runs + 1):
        x = once(a() if callable(a) else a, env_a)
        y = once(b() if callable(b) else b, env_b)
        if i:
            ta.append(x)
            tb.append(y)
    ratios = [x / y for x, y in zip(ta, tb)]
    return {"a": statistics.median(ta), "b": statistics.median(tb), "ratio": statistics.median(ratios),
            "ratio_min": min(ratios), "ratio_max": max(ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--small", type=int, default=20000)
    parser.add_argument("--big", type=int, default=200000)
    parser.add_argument("--open-share", type=float, default=0.67,
                        help="the share of repairs left open part-way in the ledger of the second overdue pair")
    args = parser.parse_args()
    bench.compile_package()
    small, big = bench.build_ledger(args.small, False), bench.build_ledger(args.big, False)
    busy = bench.build_ledger(args.small, False, open_share=args.open_share)
    env_s, env_b, env_busy = bench.bench_env(small), bench.bench_env(big), bench.bench_env(busy)
    for env in (env_s, env_b, env_busy):
        bench.run(bench.PROPCLI + ["overdue", "-f", "json"], env=env)  # index fresh before timing
    tw = taskwarrior(args.small)
    counter = iter(range(10 ** 9))

    def new():
        return bench.PROPCLI + ["repair", "new", "--name", "王芳", "--phone", "13800138000", "--address",
                                f"3栋{next(counter) % 3000:04d}", "--item", "厨房水龙头漏水", "-f", "json"]

    def task_add():
        return [bench.TASK, "add", f"王芳 3栋{next(counter) % 3000:04d} 厨房水龙头漏水", "project:repair", "due:tomorrow"]

    month = (datetime.now(bench.TZ).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    rows_over = len(json.loads(bench.run(bench.PROPCLI + ["overdue", "-f", "json"], env=env_s).stdout or b"[]"))
    rows_busy = len(json.loads(bench.run(bench.PROPCLI + ["overdue", "-f", "json"], env=env_busy).stdout or b"[]"))
    tw_over = bench.run([bench.TASK, "+OVERDUE", "count"], env=tw).stdout.decode().strip()
    out = {"side_by_side": {}, "growth": {}, "overdue_rows": rows_over, "overdue_rows_busy": rows_busy,
           "task_overdue": tw_over, "month": month}
    out["side_by_side"]["repair new (+commit) / task add"] = paired(new, env_s, task_add, tw, args.runs)
    out["side_by_side"]["overdue -f json / task overdue"] = paired(
        bench.PROPCLI + ["overdue", "-f", "json"], env_s, [bench.TASK, "overdue"], tw, args.runs)
    out["side_by_side"]["overdue -f json, most repairs open / task overdue"] = paired(
        bench.PROPCLI + ["overdue", "-f", "json"], env_busy, [bench.TASK, "overdue"], tw, args.runs)
    some_id = {}
    for label, env in (("s", env_s), ("b", env_b)):
        listed = json.loads(bench.run(bench.PROPCLI + ["overdue", "-f", "json", "--limit", "1"], env=env).stdout)
        some_id[label] = listed[0]["id"]
    growth = [
        ("repair new (+commit)", new, new),
        ("show ID", bench.PROPCLI + ["show", some_id["b"]], bench.PROPCLI + ["show", some_id["s"]]),
        ("note ID (+commit: a step on a record the shared index holds)",
         bench.PROPCLI + ["note", some_id["b"], "业主来电催问"], bench.PROPCLI + ["note", some_id["s"], "业主来电催问"]),
        (f"stats {month} -f json", bench.PROPCLI + ["stats", month, "-f", "json"], None),
        ("overdue --limit 50 -f json", bench.PROPCLI + ["overdue", "--limit", "50", "-f", "json"], None),
    ]
    for label, big_cmd, small_cmd in growth:
        out["growth"][label] = paired(big_cmd, env_b, small_cmd or big_cmd, env_s, args.runs)
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
