#!/usr/bin/env python3
"""propcli benchmark: build big ledgers fast, time whole commands, print a Markdown table.

    python bench/bench.py --records 10000 100000
    python bench/bench.py --records 20000 --taskwarrior

Ledgers go to /tmp/propcli-bench/<size> (reused when already built; --rebuild forces a new one).
Record files are written directly (never one propcli call per record) in exactly the format
propcli writes (checked against yamlio.dump on a sample), committed with one `git fast-import`,
then indexed with `propcli reindex`. Every command is timed as a whole process (python start-up,
imports, index freshness check, git), median and min–max of --runs runs.

Fair-measurement details: the real console script is run (not a pyenv bash shim, which adds ~30 ms
a call), propcli's modules are byte-compiled first (`python -m compileall`; a wheel install does that
at install time, while an editable install under PYTHONDONTWRITEBYTECODE=1 would recompile on every
call), each ledger's index is warmed with `propcli reindex` before timing, and taskwarrior is timed
the same way (its real binary, whole process, median).
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

BASE = Path("/tmp/propcli-bench")
TZ = ZoneInfo("Asia/Shanghai")


def _console_script() -> str:
    """The real `propcli` console script next to this interpreter; `which` may find a pyenv bash shim
    (a bash process plus `pyenv exec`, ~30 ms per call) that a normal install would not have."""
    beside = Path(sys.executable).parent / "propcli"
    if beside.exists():
        return str(beside)
    found = shutil.which("propcli")
    return os.path.realpath(found) if found else "propcli"


PROPCLI = [sys.executable, "-m", "propcli"] if os.environ.get("BENCH_MODULE") else [_console_script()]
TASK = os.path.realpath(shutil.which("task") or "task")

TARGETS = {  # command -> (target at 100k in ms, text)
    "repair new (+commit)": (125, "≤ 125 ms"),
    "list --open -f json": (None, "—"),
    "overdue -f json": (100, "≤ 100 ms"),
    "stats YYYY-MM -f json": (100, "≤ 100 ms"),
    "repair billing --month -f json": (None, "—"),
    "reindex (cold)": (60000, "≤ 60 s"),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
         "平", "刚", "桂英", "建华", "文", "华", "玉兰", "红", "志强", "海燕", "建国", "小红", "晓东", "子涵", "梓萱", "浩然", "雨欣",
         "宇轩", "欣怡", "俊杰", "佳怡", "思远", "嘉怡", "一鸣", "晨曦", "国平", "春兰", "立新", "美玲", "德明"]
UNLISTED = ["墙面渗水", "卫生间天花板漏水", "阳台推拉门卡顿", "厨房瓷砖空鼓", "入户门猫眼松动", "热水器不出热水", "空调外机异响",
            "晾衣架升降失灵", "地暖分水器漏水", "防盗窗生锈", "燃气报警器误报", "窗户密封条老化", "吊顶石膏板开裂", "橱柜门铰链脱落"]
PUBLIC = [("3栋电梯厅", "电梯按钮失灵"), ("地下车库B2", "照明灯不亮"), ("1栋大堂", "门禁读卡器故障"), ("中心花园", "喷灌管爆裂"),
          ("5栋楼梯间", "应急灯不亮"), ("东门岗亭", "道闸不抬杆"), ("会所", "卫生间水龙头漏水"), ("2栋天台", "防水层破损")]
STAFF = {"receptionist": ["赵丽娟", "孙晓燕"], "engineering_director": ["周志强"], "technician": ["吴海涛", "郑国平", "黄立新"],
         "finance": ["谢春兰"]}
NOTES = ["业主要求下午上门", "已电话回访，业主满意", "材料需外购，延后一天", "业主不在家，改约时间", "已拍照存档"]


# --- ledger generation ---------------------------------------------------------------------

def q(text: str) -> str:
    """A single-quoted YAML scalar, as ruamel writes strings that would otherwise read as numbers/times."""
    return "'" + text.replace("'", "''") + "'"


def iso(moment: datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def load_prices(ledger: Path) -> list[tuple[str, str, str, str]]:
    import yaml

    plain = yaml.safe_load((ledger / "prices.yaml").read_text(encoding="utf-8"))
    return [(str(p["code"]), str(p["name"]), str(p["price"]), str(p.get("unit") or "")) for p in plain["items"]]


def make_record(rng: random.Random, rid_of, now: datetime, start: datetime, span: float, prices,
                open_share: float | None = None) -> tuple[str, dict]:
    """One realistic repair: (relpath, plain) following the 10.4 workflow, its events in the past; `open_share`:
    the share left open part-way (else most old repairs are finished)."""
    received = start + timedelta(seconds=rng.random() * span)
    received = received.replace(microsecond=0)
    age_days = (now - received).total_seconds() / 86400
    # most old repairs are finished; recent ones are often still in progress
    open_chance = 0.25 if age_days < 3 else 0.08 if age_days < 30 else 0.004
    stop_early = rng.random() < (open_chance if open_share is None else open_share)
    public = rng.random() < 0.1
    rid = rid_of(received)
    recep = rng.choice(STAFF["receptionist"])
    fields: dict = {"office": "HY01", "public": public}
    if public:
        location, item = rng.choice(PUBLIC)
        fields["location"] = location
        fields["item"] = item
        listed = False
        appointment = None
    else:
        fields["name"] = rng.choice(SURNAMES) + rng.choice(GIVEN)
        fields["phone"] = "1" + rng.choice("35789") + "".join(rng.choice("0123456789") for _ in range(9))
        fields["address"] = f"{rng.randint(1, 28)}栋{rng.randint(1, 33):02d}{rng.randint(1, 4):02d}"
        listed = rng.random() < 0.65
        appointment = None
        if listed:
            code, name, price, unit = rng.choice(prices)
            fields["item"] = name
            fields.update(price_code=code, price_name=name, unit_price=price, unit=unit, qty=rng.choice((1, 1, 1, 2, 3)))
        else:
            fields["item"] = rng.choice(UNLISTED)
        if rng.random() < 0.25:
            day = (received + timedelta(days=rng.choice((0, 1, 1, 2)))).astimezone(TZ)
            appointment = day.replace(hour=rng.choice((9, 10, 14, 15, 16)), minute=rng.choice((0, 30)), second=0)
            if appointment < received + timedelta(minutes=40):
                appointment = received + timedelta(hours=2)
                appointment = appointment.replace(second=0)
            fields["appointment"] = iso(appointment)
    tech = rng.choice(STAFF["technician"])
    director = STAFF["engineering_director"][0]
    t = received
    events = [{"step": "new", "at": received, "by": recep}]

    def add(step, minutes_lo, minutes_hi, by, **data):
        nonlocal t
        t = t + timedelta(seconds=rng.randint(int(minutes_lo * 60), int(minutes_hi * 60)))
        events.append({"step": step, "at": t, "by": by, **data})

    fees = None
    if public:
        add("notify", 2, 15, recep)
        add("take", 3, 30, tech, to=tech, signed_for="《公共区域现场巡视表》第二联")
        add("arrive", 5, 40, tech)
        add("complete", 20, 180, tech, work="已更换损坏部件", cleanup="现场已清理")
    else:
        add("fill", 0.5, 3, recep)
        add("notify", 0.5, 4, recep)
        add("take", 2, 30, director, to=tech)
        if not listed:
            add("quote", 3, 20, director, price=f"{rng.choice((30, 45, 60, 80, 120, 150, 200))}.00")
            if rng.random() < 0.07:
                add("refuse", 5, 60, recep, reason="业主认为价格偏高", reminded="已提醒用户可随时再次报修", technician=tech,
                    director=director, signed_by=[tech, director], form_to="客户服务部")
            else:
                add("accept", 5, 90, recep)
        if events[-1]["step"] != "refuse":
            if appointment is not None and appointment - timedelta(minutes=5) > t:
                t = max(t, appointment - timedelta(minutes=rng.randint(5, 15)))
                add("arrive", 0, 12, tech)
            else:
                add("arrive", 4, 25, tech)
            if rng.random() < 0.2:
                add("note", 1, 20, tech, note=rng.choice(NOTES))
            if listed and rng.random() < 0.7:
                add("complete", 15, 150, tech)
            else:
                fees = [{"item": rng.choice(("更换阀芯", "更换密封圈", "人工费", "材料费", "疏通")),
                         "amount": f"{rng.choice((10, 15, 25, 30, 45, 60))}.00"} for _ in range(rng.choice((1, 1, 2)))]
                add("complete", 15, 150, tech, fees=fees, quoted_by=director)
            add("sign", 1, 15, recep, copy1_to="用户", signature=fields["name"])
            add("return", 30, 300, tech, copies=[2, 3])
            add("confirm", 5, 60, director, copies=[2, 3], handed_to="客户服务部前台接待员")
            add("finance", 60 * 4, 60 * 24 * 8, recep, copy=3)
            add("paid", 60 * 2, 60 * 24 * 10, STAFF["finance"][0])
    if stop_early:
        keep = rng.randint(1, max(1, len(events) - 2))
        events = events[:keep]
    events = [e for e in events if e["at"] <= now] or events[:1]
    local = received.astimezone(TZ)
    relpath = f"records/repair/{local:%Y}/{local:%m}/{rid}.yaml"
    return relpath, {"id": rid, "fields": fields, "events": events}


def to_yaml(record: dict) -> str:
    """The record file text, byte for byte as propcli (ruamel round-trip, see yamlio) writes it."""
    out = ["schema: 1", "kind: repair", f"id: {record['id']}"]
    for key, value in record["fields"].items():
        if isinstance(value, bool):
            out.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            out.append(f"{key}: {value}")
        elif key in ("phone", "unit_price", "appointment"):
            out.append(f"{key}: {q(value)}")
        else:
            out.append(f"{key}: {value}")
    out.append("events:")
    for event in record["events"]:
        out.append(f"- step: {event['step']}")
        out.append(f"  at: {q(iso(event['at']))}")
        out.append(f"  by: {event['by']}")
        for key, value in event.items():
            if key in ("step", "at", "by"):
                continue
            if key == "fees":
                out.append("  fees:")
                for line in value:
                    out.append(f"  - item: {line['item']}")
                    out.append(f"    amount: {q(line['amount'])}")
            elif key in ("copies", "signed_by"):
                out.append(f"  {key}:")
                out.extend(f"  - {n}" for n in value)
            elif isinstance(value, int):
                out.append(f"  {key}: {value}")
            elif key == "price":
                out.append(f"  {key}: {q(value)}")
            else:
                out.append(f"  {key}: {value}")
    return "\n".join(out) + "\n"


def check_format(samples: list[dict]) -> None:
    """The generated text must equal what propcli itself would write for the same record."""
    from propcli.store import yamlio
    from propcli.model import record_from_plain, record_to_plain

    for record in samples:
        text = to_yaml(record)
        plain = yamlio.parse_plain(text, "sample")
        again = yamlio.dump(record_to_plain(record_from_plain(plain, "Asia/Shanghai"), "Asia/Shanghai"))
        if again != text:
            sys.exit("bench: generated YAML differs from propcli's own output:\n--- bench\n" + text + "--- propcli\n" + again)


def run(cmd, cwd=None, env=None, input=None, check=True):
    done = subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=True)
    if check and done.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
    return done


def build_ledger(size: int, rebuild: bool, seed: int = 1, open_share: float | None = None) -> Path:
    """`open_share`: a ledger where that share of the repairs stopped part-way (most of them overdue), at
    BASE/<size>-open<percent>."""
    path = BASE / (str(size) if open_share is None else f"{size}-open{round(open_share * 100)}")
    marker = path / ".git" / "bench-built"
    if marker.exists() and not rebuild:
        return path
    shutil.rmtree(path, ignore_errors=True)
    BASE.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run(PROPCLI + ["init", str(path), "--office", "HY01"])
    import propcli.kinds  # noqa: F401  (registers the id prefixes)
    from propcli.ids import new_id

    rng = random.Random(seed + size)
    prices = load_prices(path)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    span_days = max(60, min(720, size // 150))  # ~150 repairs a day
    start = now - timedelta(days=span_days)
    seen = set()

    def rid_of(received):
        while True:
            rid = new_id("repair", received)
            if rid not in seen:
                seen.add(rid)
                return rid

    records = [make_record(rng, rid_of, now, start, (now - start).total_seconds() - 3600, prices, open_share)
               for _ in range(size)]
    check_format([plain for _p, plain in records[:200]])
    # one git fast-import stream: blobs + one commit on top of the init commit (a pack, not 100k loose objects)
    stream = bytearray()
    folders = set()
    for relpath, record in records:
        data = to_yaml(record).encode("utf-8")
        folder = path / relpath.rsplit("/", 1)[0]
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders.add(folder)
        with open(path / relpath, "wb") as handle:
            handle.write(data)
        stream += b"M 100644 inline %s\ndata %d\n%s\n" % (relpath.encode(), len(data), data)
    message = f"bench: {size} generated repair records\n".encode()
    when = int(time.time())
    head = b"commit refs/heads/main\ncommitter bench <bench@localhost> %d +0000\ndata %d\n%s\nfrom refs/heads/main^0\n" % (
        when, len(message), message)
    run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(head) + bytes(stream))
    run(["git", "reset", "-q"], cwd=path)  # the index (with stat data) matches the new HEAD
    written = time.perf_counter() - t0
    t1 = time.perf_counter()
    run(PROPCLI + ["--ledger", str(path), "reindex"])
    print(f"  built {size} records in {written:.1f} s (+ reindex {time.perf_counter() - t1:.1f} s) at {path}", file=sys.stderr)
    marker.write_text(str(size))
    return path


# --- timing --------------------------------------------------------------------------------

def bench_env(ledger: Path) -> dict:
    env = dict(os.environ)
    env.update(PROPCLI_LEDGER=str(ledger), PROPCLI_USER="赵丽娟", PROPCLI_LANG="C")
    env.pop("PROPCLI_NOW", None)
    return env


def compile_package() -> None:
    """Byte-compile propcli as a wheel install would (pip compiles at install time). With an editable
    install and PYTHONDONTWRITEBYTECODE=1 every call would otherwise recompile the modules (~15 ms)."""
    import propcli

    run([sys.executable, "-m", "compileall", "-q", str(Path(propcli.__file__).parent)])


def timed(cmd, env, runs: int, cwd=None, warm: int = 1, before=None) -> tuple[float, list[float]]:
    """Median wall time (ms) of the whole process over `runs` runs, after `warm` untimed runs.
    `cmd` may be a callable giving the command of each run (e.g. a new record each time)."""
    times = []
    for i in range(warm + runs):
        if before:
            before()
        argv = cmd() if callable(cmd) else cmd
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = (time.perf_counter() - t0) * 1000
        if done.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(map(str, argv))} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
        if i >= warm:
            times.append(elapsed)
    return statistics.median(times), times


def result(measured: tuple[float, list[float]], note: str = "") -> tuple[float, float, float, str]:
    median, times = measured
    return median, min(times), max(times), note


def has_command(name: str) -> bool:
    done = subprocess.run(PROPCLI + [name, "--help"], capture_output=True)
    return done.returncode == 0


def bench_size(size: int, args) -> dict:
    ledger = build_ledger(size, args.rebuild)
    env = bench_env(ledger)
    runs = args.runs
    now = datetime.now(TZ)
    month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # last full month
    results = {}
    counter = iter(range(10 ** 9))

    def new_cmd():
        n = next(counter)
        return PROPCLI + ["repair", "new", "--name", "王芳", "--phone", "13800138000", "--address", f"3栋{n % 3000:04d}",
                          "--item", "厨房水龙头漏水", "--price-code", "SD-01", "-f", "json"]

    # warm the index first: the schema may have changed since the build, and the first command on a
    # ledger would then rebuild it inside a timed run
    run(PROPCLI + ["reindex"], env=env)
    run(PROPCLI + ["overdue", "-f", "json"], env=env)
    compile_package()
    results["repair new (+commit)"] = result(timed(new_cmd, env, runs))
    results["list --open -f json"] = result(timed(PROPCLI + ["list", "--open", "-f", "json"], env,
                                                  1 if size >= 50000 else runs, warm=0))
    overdue_rows = len(json.loads(run(PROPCLI + ["overdue", "-f", "json"], env=env).stdout or b"[]"))
    results["overdue -f json"] = result(timed(PROPCLI + ["overdue", "-f", "json"], env, runs), f"{overdue_rows} rows")
    stats_cmd = PROPCLI + ["stats", month, "-f", "json"]
    done = subprocess.run(stats_cmd, env=env, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"bench: `propcli stats {month} -f json` failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
    results["stats YYYY-MM -f json"] = result(timed(stats_cmd, env, runs), f"month {month}")
    if not args.quick:
        results["repair billing --month -f json"] = result(
            timed(PROPCLI + ["repair", "billing", "--month", month, "-f", "json"], env, max(1, min(runs, 3))))
    # cold reindex: index deleted, page cache warm (the files were just read)
    index_path = ledger / ".git" / "propcli" / "index.sqlite"

    def drop_index():
        for suffix in ("", "-wal", "-shm"):
            Path(str(index_path) + suffix).unlink(missing_ok=True)

    reindex_runs = 1 if size >= 50000 else min(3, runs)
    results["reindex (cold)"] = result(timed(PROPCLI + ["reindex"], env, reindex_runs, warm=0, before=drop_index),
                                       "no index file")
    return results


# --- taskwarrior ---------------------------------------------------------------------------

def build_taskwarrior(size: int, rebuild: bool) -> tuple[dict, Path]:
    root = BASE / f"task-{size}"
    env = dict(os.environ)
    env["TASKRC"] = str(root / "taskrc")
    env["TASKDATA"] = str(root / "data")
    marker = root / "built"
    if marker.exists() and not rebuild:
        return env, root
    shutil.rmtree(root, ignore_errors=True)
    (root / "data").mkdir(parents=True)
    (root / "taskrc").write_text(f"data.location={root / 'data'}\nconfirmation=off\nverbose=nothing\n"
                                 "recurrence=off\ngc=on\nhooks=off\nnews.version=3.0.0\n")
    rng = random.Random(size)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    lines = []
    for i in range(size):
        entry = now - timedelta(days=rng.random() * 365)
        task = {"uuid": f"{i:08x}-0000-4000-8000-{rng.getrandbits(48):012x}", "status": "pending",
                "description": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)} {rng.randint(1, 28)}栋 {rng.choice(UNLISTED)}",
                "entry": entry.strftime("%Y%m%dT%H%M%SZ"), "project": "repair"}
        if rng.random() < 0.85:
            task["status"] = "completed"
            task["end"] = (entry + timedelta(hours=rng.randint(1, 72))).strftime("%Y%m%dT%H%M%SZ")
        if rng.random() < 0.5:
            task["due"] = (entry + timedelta(hours=rng.randint(1, 48))).strftime("%Y%m%dT%H%M%SZ")
        lines.append(json.dumps(task, ensure_ascii=False))
    run([TASK, "import", "-"], env=env, input="\n".join(lines).encode())
    marker.write_text(str(size))
    return env, root


def bench_taskwarrior(size: int, args, propcli_results: dict) -> list[tuple]:
    env, root = build_taskwarrior(size, args.rebuild)
    runs = args.runs
    counter = iter(range(10 ** 9))

    def add_cmd():
        return [TASK, "add", f"王芳 3栋{next(counter):04d} 厨房水龙头漏水", "project:repair", "due:tomorrow"]

    task_add = result(timed(add_cmd, env, runs))
    task_overdue = result(timed([TASK, "overdue"], env, runs))
    overdue_count = run([TASK, "+OVERDUE", "count"], env=env).stdout.decode().strip()
    new = propcli_results["repair new (+commit)"]
    over = propcli_results["overdue -f json"]
    return [("`repair new` (+git commit) vs `task add`", new, task_add, new[0] / task_add[0], "≤ 1.5×"),
            (f"`overdue -f json` vs `task overdue` ({overdue_count} overdue tasks)", over, task_overdue,
             over[0] / task_overdue[0], "≤ 0.5×")]


# --- report --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10000, 100000], metavar="N")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (median)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the ledgers even if present")
    parser.add_argument("--quick", action="store_true", help="skip the slow `repair billing` timing")
    parser.add_argument("--taskwarrior", action="store_true", help="also compare with taskwarrior at --tw-records")
    parser.add_argument("--tw-records", type=int, default=20000)
    args = parser.parse_args()

    sizes = sorted(set(args.records) | ({args.tw_records} if args.taskwarrior else set()))
    all_results = {}
    for size in sizes:
        print(f"bench: {size} records …", file=sys.stderr)
        all_results[size] = bench_size(size, args)

    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"## propcli benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load {load}, "
          f"Python {sys.version.split()[0]}, {git})\n")
    print(f"Whole-process wall time in ms: median (min–max) of {args.runs} runs, one untimed warm-up run first; "
          f"warm page cache, index fresh unless stated, modules byte-compiled, `{PROPCLI[-1]}` run directly.\n")
    header = "| command | " + " | ".join(f"{s:,} records" for s in sizes) + " | target (100k) | verdict | notes |"
    print(header)
    print("|" + "---|" * (len(sizes) + 4))
    biggest = max(sizes)
    for name, (limit, text) in TARGETS.items():
        if not any(name in r for r in all_results.values()):
            continue
        cells = [cell(all_results[size].get(name)) for size in sizes]
        value = all_results[biggest].get(name)
        verdict = "" if limit is None or value is None or biggest < 100000 else ("✅" if value[0] <= limit else "❌")
        notes = "; ".join(dict.fromkeys(r[name][3] for r in all_results.values() if name in r and r[name][3]))
        print(f"| `{name}` | " + " | ".join(cells) + f" | {text} | {verdict} | {notes} |")
    if args.taskwarrior:
        rows = bench_taskwarrior(args.tw_records, args, all_results[args.tw_records])
        version = subprocess.run([TASK, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"\n### Side by side with taskwarrior {version}, {args.tw_records:,} records / tasks\n")
        print("| comparison | propcli (ms) | taskwarrior (ms) | ratio of medians | target | verdict |")
        print("|---|---|---|---|---|---|")
        for label, ours, theirs, ratio, target in rows:
            limit = float(target.strip("≤ ×"))
            print(f"| {label} | {cell(ours)} | {cell(theirs)} | {ratio:.2f}× | {target} | "
                  f"{'✅' if ratio <= limit else '❌'} |")


def cell(value) -> str:
    """median (min–max) in ms, or seconds above 10 s; a single run shows just its time."""
    if value is None:
        return "—"
    median, lo, hi, _note = value

    def fmt(ms):
        return f"{ms / 1000:.1f} s" if ms > 10000 else f"{ms:.0f}"

    return fmt(median) if lo == hi else f"{fmt(median)} ({fmt(lo)}–{fmt(hi)})"

if __name__ == "__main__":
    main()
