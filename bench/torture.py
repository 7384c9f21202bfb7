#!/usr/bin/env python3
"""Crash torture: propcli processes killed with SIGKILL at random moments during parallel writes.

    python bench/torture.py                 # 1,000 kills (about 2,000 writes), prints the figures
    python bench/torture.py --kills 200 --workers 4 --seed 7

Each write is a whole `python -m propcli` process in its own process group: a new repair, a new
complaint, a note on one of a few shared records, or an import of 5 records. About half are killed
with SIGKILL, at a random moment within the time such a command takes, either the process alone (its
git children live on) or its whole process group. Afterwards it checks (`verify`):

- every record file parses (`propcli check` exit 0), `git fsck --strict` is clean;
- every acknowledged change (exit 0) is committed: new ids, note tokens, all 5 names of an import;
- an import is all or nothing (its 5 names all committed, or none);
- every commit touches only its own record's file (an import's commit: exactly its new files);
- no `.tmp` file is left anywhere in the ledger, `git status` is clean after the next command,
  and that next command works with no manual step.

tests/store/test_crash.py runs the same with 200 writes.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ACTOR = "王芳"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    env["PROPCLI_LOCK_TIMEOUT"] = "120"
    env["PROPCLI_LANG"] = "en"  # the figures parse English messages
    return env


def propcli(ledger: Path, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "propcli", "--ledger", str(ledger), "--as", ACTOR, *args],
                          capture_output=True, text=True, env=_env())
    if check and done.returncode != 0:
        raise RuntimeError(f"propcli {args}: exit {done.returncode}: {done.stderr}")
    return done


def git(ledger: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=ledger, capture_output=True, text=True, check=True).stdout


def make_ledger(folder: Path, shared: int = 3) -> tuple[Path, list[str]]:
    ledger = folder / "ledger"
    subprocess.run([sys.executable, "-m", "propcli", "init", str(ledger)], check=True, capture_output=True,
                   env=_env())
    ids = []
    for n in range(shared):
        done = propcli(ledger, "repair", "new", "--name", f"共享{n}", "--phone", "13800138000",
                       "--address", f"{n}栋0101", "--item", "共享记录", "-f", "json")
        ids.append(json.loads(done.stdout)["id"])
    return ledger, ids


class Torture:
    """Runs `writes` propcli writes on `workers` threads, killing about `kill_share` of them."""

    def __init__(self, ledger: Path, shared: list[str], seed: int = 1, kill_share: float = 0.5):
        self.ledger, self.shared = ledger, shared
        self.rng = random.Random(seed)
        self.kill_share = kill_share
        self.lock = threading.Lock()
        self.counter = 0
        self.acked = {"new": [], "note": [], "import": []}  # what exit 0 promised
        self.attempted_imports: list[list[str]] = []
        self.kills = {"process": 0, "group": 0}
        self.exits: dict[int, int] = {}
        self.durations: list[float] = []
        self.warnings: list[str] = []
        self.recoveries = 0  # commands that found a killed one's leftovers and rolled them back
        self.folder = Path(tempfile.mkdtemp(prefix="torture-imports-"))

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _command(self, n: int, rng: random.Random):
        choice = rng.random()
        if choice < 0.3:
            return "new", (), ["repair", "new", "--name", f"住户{n}", "--phone", "13800138000", "--address",
                               f"{n % 30 + 1}栋0301", "--item", f"水龙头{n}", "-f", "json"]
        if choice < 0.45:
            return "new", (), ["complaint", "new", "--name", f"投诉人{n}", "--phone", "13800138000",
                               "--address", f"{n % 30 + 1}栋0302", "--detail", f"噪音{n}", "-f", "json"]
        if choice < 0.85:
            target = rng.choice(self.shared)
            token = f"备注{n}"
            return "note", (target, token), ["note", target, token]
        names = [f"导入{n}-{k}" for k in range(5)]
        path = self.folder / f"import-{n}.jsonl"
        path.write_text("".join(json.dumps({"kind": "call", "name": name, "phone": "13800138000",
                                            "reason": "咨询"}, ensure_ascii=False) + "\n" for name in names),
                        encoding="utf-8")
        with self.lock:
            self.attempted_imports.append(names)
        return "import", tuple(names), ["import", str(path)]

    def one(self, rng: random.Random) -> None:
        n = self._next()
        kind, detail, args = self._command(n, rng)
        kill = rng.random() < self.kill_share
        typical = (sorted(self.durations)[len(self.durations) // 2] if len(self.durations) > 5 else 0.4)
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(self.ledger), "--as", ACTOR,
                                    *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=_env(), start_new_session=True)
        how = None
        if kill:
            delay = rng.uniform(0.3, 1.2) * typical
            try:
                out, err = process.communicate(timeout=delay)
            except subprocess.TimeoutExpired:
                how = rng.choice(("process", "group"))
                try:
                    if how == "group":
                        os.killpg(process.pid, signal.SIGKILL)
                    else:
                        process.send_signal(signal.SIGKILL)
                except ProcessLookupError:
                    pass
                out, err = process.communicate()
        else:
            out, err = process.communicate(timeout=300)
        with self.lock:
            self.exits[process.returncode] = self.exits.get(process.returncode, 0) + 1
            self.recoveries += "interrupted" in (err or "")
            for line in (err or "").splitlines():
                if "warning" in line and "interrupted" not in line:
                    self.warnings.append(line)
            if how and process.returncode == -signal.SIGKILL:
                self.kills[how] += 1
            if process.returncode == 0:
                if not kill:
                    self.durations.append(time.monotonic() - started)
                if kind == "new":
                    self.acked["new"].append(json.loads(out)["id"])
                elif kind == "note":
                    self.acked["note"].append(detail)
                else:
                    self.acked["import"].append(list(detail))
            elif process.returncode not in (-signal.SIGKILL,):
                raise RuntimeError(f"propcli {args}: exit {process.returncode}: {err}\n" + "\n".join(self.warnings))

    def run(self, writes: int, workers: int) -> None:
        seeds = [self.rng.randrange(1 << 30) for _w in range(workers)]
        errors = []

        def work(seed):
            rng = random.Random(seed)
            try:
                while True:
                    with self.lock:
                        if self.counter >= writes or errors:
                            return
                    self.one(rng)
            except Exception as error:  # noqa: BLE001 - reported by run()
                errors.append(error)

        threads = [threading.Thread(target=work, args=(seed,)) for seed in seeds]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    @property
    def killed(self) -> int:
        return sum(self.kills.values())


def verify(ledger: Path, torture: Torture, start_commit: str) -> dict:
    """The checks of the module docstring; raises AssertionError naming the first broken one."""
    figures = {}
    # the next command works with no manual step (and cleans what the last kill left)
    started = time.monotonic()
    done = propcli(ledger, "note", torture.shared[0], "after the torture", check=False)
    assert done.returncode == 0, done.stderr
    figures["next_command_s"] = round(time.monotonic() - started, 2)
    figures["next_command_recovered"] = "interrupted" in done.stderr
    leftovers = [str(p) for p in ledger.rglob("*.tmp")] + [str(p) for p in ledger.rglob(".*.tmp")]
    assert not leftovers, leftovers
    status = git(ledger, "status", "--porcelain", "--untracked-files=all")
    assert status == "", status
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=ledger, capture_output=True, text=True)
    assert fsck.returncode == 0 and "error" not in fsck.stderr and "broken" not in fsck.stderr, fsck.stderr
    check = propcli(ledger, "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    # what HEAD holds
    exported = propcli(ledger, "export", check=False)
    assert exported.returncode == 0, exported.stderr
    records = {r["id"]: r for r in map(json.loads, exported.stdout.splitlines())}
    names = {r.get("name") for r in records.values()}
    notes = {}
    for record in records.values():
        for event in record["events"]:
            if event["step"] == "note":
                notes.setdefault(event["note"], []).append(record["id"])
    for record_id in torture.acked["new"]:
        assert record_id in records, f"acknowledged {record_id} is not committed"
    for target, token in torture.acked["note"]:
        assert notes.get(token) == [target], f"acknowledged note {token} on {target}: {notes.get(token)}"
    for group in torture.acked["import"]:
        assert all(name in names for name in group), f"acknowledged import {group[0]}… is not committed"
    partial = [g for g in torture.attempted_imports if 0 < sum(name in names for name in g) < len(g)]
    assert not partial, f"imports half committed: {partial[:3]}"
    for token, where in notes.items():
        assert len(where) == 1, f"note {token} recorded twice: {where}"
    # every commit touches only its own record's file (an import: exactly its new files)
    log = git(ledger, "log", "--format=%x00%s", "--name-status", "--no-renames", f"{start_commit}..HEAD")
    commits = 0
    for chunk in log.split("\0")[1:]:
        lines = [line for line in chunk.splitlines() if line.strip()]
        subject, changes = lines[0], [line.split("\t") for line in lines[1:]]
        commits += 1
        if subject.startswith("import: "):
            count = int(subject.split()[1])
            assert len(changes) == count and all(status == "A" for status, _path in changes), (subject, changes)
            continue
        kind_id = subject.split(":")[0].split()
        assert len(kind_id) == 2, subject
        record_id = kind_id[1]
        assert [path.rsplit("/", 1)[-1] for _status, path in changes] == [f"{record_id}.yaml"], (subject, changes)
    figures.update(commits=commits, records=len(records), acknowledged=sum(len(v) for v in torture.acked.values()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000, help="SIGKILLs to deliver (default 1000)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="propcli-torture-"))
    ledger, shared = make_ledger(folder)
    start = git(ledger, "rev-parse", "HEAD").strip()
    torture = Torture(ledger, shared, args.seed)
    started = time.monotonic()
    batch = args.kills
    while torture.killed < args.kills:
        torture.run(torture.counter + max(batch, 20), args.workers)
        missing = args.kills - torture.killed
        batch = int(missing / max(torture.killed / max(torture.counter, 1), 0.1)) + 1
    elapsed = time.monotonic() - started
    figures = verify(ledger, torture, start)
    print(f"ledger: {ledger}")
    print(f"writes started: {torture.counter} on {args.workers} workers in {elapsed:.0f} s")
    print(f"SIGKILLs delivered: {torture.killed} (process alone {torture.kills['process']}, "
          f"process group {torture.kills['group']})")
    print("exit codes: " + ", ".join(f"{code}: {count}" for code, count in sorted(torture.exits.items())))
    print(f"commands that found a killed one's leftovers and rolled them back first: {torture.recoveries}")
    print(f"other warnings on stderr: {len(torture.warnings)}" + (f" (first: {torture.warnings[0]})" if torture.warnings else ""))
    print(f"acknowledged changes (exit 0): {figures['acknowledged']}, all committed")
    print(f"commits: {figures['commits']}, each touching only its own record (imports: their files)")
    print(f"imports attempted: {len(torture.attempted_imports)}, acknowledged: {len(torture.acked['import'])}, "
          f"half committed: 0")
    print(f"records in the ledger: {figures['records']}; git fsck --strict clean; check clean; no .tmp left")
    print(f"next command after the last kill: exit 0 in {figures['next_command_s']} s")


if __name__ == "__main__":
    main()
