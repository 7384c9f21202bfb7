"""Several propcli processes at once on one ledger: the lock serialises them, nothing is lost,
the repository stays sound; a lock held too long is exit 3."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time


from conftest import add_staff, git, git_state, invoke, invoke_json
from propcli.store.lock import ledger_lock

WORKERS = 8


def env(**extra) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    base.update(extra)
    return base


def spawn(ledger, *args, now="2026-11-28T09:00", as_="王芳", **extra_env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "propcli", "--ledger", str(ledger), "--now", now, "--as", as_, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(**extra_env))


def finish(processes) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        results.append((process.returncode, out, err))
    return results


def assert_sound(ledger):
    fsck = subprocess.run(["git", "fsck", "--full", "--strict"], cwd=ledger, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    assert git(ledger, "status", "--porcelain", "--untracked-files=all") == ""
    result = invoke(ledger, "check")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_parallel_new_records_are_all_there(ledger):
    add_staff(ledger, *(f"staff{n}" for n in range(WORKERS)))
    start = int(git(ledger, "rev-list", "--count", "HEAD"))
    processes = [spawn(ledger, "repair", "new", "--name", f"住户{n}", "--phone", f"1380013800{n}",
                       "--address", f"{n}栋0301", "--item", f"水龙头{n}", "-f", "json", as_=f"staff{n}")
                 for n in range(WORKERS)]
    results = finish(processes)
    for code, _out, err in results:
        assert code == 0, err
    made = {json.loads(out)["id"]: n for n, (code, out, err) in enumerate(results)}
    assert len(made) == WORKERS

    assert int(git(ledger, "rev-list", "--count", "HEAD")) == start + WORKERS
    # a linear history: each commit has the previous one as parent
    assert git(ledger, "rev-list", "--merges", "HEAD").strip() == ""
    subjects = git(ledger, "log", f"-{WORKERS}", "--format=%an|%s").splitlines()
    assert sorted(subjects) == sorted(f"staff{n}|repair {rid}: new" for rid, n in made.items())
    listed = {r["id"]: r for r in invoke_json(ledger, "list")}
    assert set(listed) == set(made)
    for record_id, n in made.items():
        assert listed[record_id]["name"] == f"住户{n}"
        assert len(list(ledger.glob(f"records/repair/2026/11/{record_id}.yaml"))) == 1
    assert_sound(ledger)


def test_parallel_notes_on_one_record_are_all_there(ledger):
    add_staff(ledger, *(f"staff{n}" for n in range(WORKERS)))
    record = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                         "--address", "3栋0301", "--item", "水龙头漏水", now="2026-11-28T09:00")
    record_id = record["id"]
    start = int(git(ledger, "rev-list", "--count", "HEAD"))
    processes = [spawn(ledger, "note", record_id, f"备注{n}", now="2026-11-28T09:05", as_=f"staff{n}")
                 for n in range(WORKERS)]
    for code, _out, err in finish(processes):
        assert code == 0, err
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == start + WORKERS
    events = invoke_json(ledger, "show", record_id, now="2026-11-28T09:05")["events"]
    notes = sorted(e["note"] for e in events if e["step"] == "note")
    assert notes == sorted(f"备注{n}" for n in range(WORKERS))
    assert sorted(e["by"] for e in events if e["step"] == "note") == sorted(f"staff{n}" for n in range(WORKERS))
    # every commit holds exactly one note
    for n in range(WORKERS):
        diff = git(ledger, "show", f"HEAD~{n}", "--format=")
        assert diff.count("step: note") == 1
    assert_sound(ledger)


def test_parallel_mixed_steps_and_reads(ledger):
    """Writers and readers at once: readers never fail, writers never lose each other's work."""
    ids = [invoke_json(ledger, "repair", "new", "--name", f"住户{n}", "--phone", "13800138000",
                       "--address", f"{n}栋", "--item", "漏水", "--price-code", "SD-01",
                       now="2026-11-28T09:00")["id"] for n in range(4)]
    processes = []
    for record_id in ids:
        processes.append(spawn(ledger, "repair", "fill", record_id, now="2026-11-28T09:01"))
        processes.append(spawn(ledger, "list", "-f", "json", now="2026-11-28T09:01"))
    results = finish(processes)
    for code, _out, err in results:
        assert code == 0, err
    listed = invoke_json(ledger, "list", now="2026-11-28T09:01")
    assert sorted(r["status"] for r in listed) == ["fill"] * 4
    assert_sound(ledger)


def test_lock_held_too_long_is_exit_3(ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                            "--address", "3栋0301", "--item", "水龙头漏水")["id"]
    before = git_state(ledger)
    lock_path = ledger / ".git" / "propcli" / "lock"
    with ledger_lock(lock_path, timeout=5):
        started = time.monotonic()
        process = spawn(ledger, "note", record_id, "被锁住", now="2026-11-28T09:05", PROPCLI_LOCK_TIMEOUT="1")
        code, out, err = finish([process])[0]
        waited = time.monotonic() - started
        assert code == 3, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "lock" in lines[0].lower()
        assert "Traceback" not in err
        assert waited >= 1
        # a new record waits for the lock as well
        process = spawn(ledger, "repair", "new", "--name", "a", "--phone", "13800138000", "--address", "b",
                        "--item", "c", PROPCLI_LOCK_TIMEOUT="1")
        code, out, err = finish([process])[0]
        assert code == 3, err
        assert git_state(ledger) == before
    # once the lock is free the same command works
    process = spawn(ledger, "note", record_id, "不再锁", now="2026-11-28T09:05", PROPCLI_LOCK_TIMEOUT="1")
    code, out, err = finish([process])[0]
    assert code == 0, err
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"repair {record_id}: note"


def test_a_waiting_command_goes_ahead_when_the_lock_is_released(ledger):
    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                            "--address", "3栋0301", "--item", "水龙头漏水")["id"]
    lock_path = ledger / ".git" / "propcli" / "lock"
    with ledger_lock(lock_path, timeout=5):
        process = spawn(ledger, "note", record_id, "等锁", now="2026-11-28T09:05", PROPCLI_LOCK_TIMEOUT="30")
        time.sleep(1.5)
        assert process.poll() is None  # still waiting
    code, out, err = finish([process])[0]
    assert code == 0, err
    assert_sound(ledger)


def test_reads_do_not_need_the_write_lock(ledger):
    invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                "--address", "3栋0301", "--item", "水龙头漏水")
    lock_path = ledger / ".git" / "propcli" / "lock"
    with ledger_lock(lock_path, timeout=5):
        process = spawn(ledger, "list", "-f", "json", PROPCLI_LOCK_TIMEOUT="1")
        code, out, err = finish([process])[0]
    assert code == 0, err
    assert len(json.loads(out)) == 1


def test_parallel_first_commands_in_a_fresh_clone(ledger, tmp_path):
    add_staff(ledger, *(f"staff{n}" for n in range(WORKERS)))
    """The first commands in a plain `git clone` set up what it needs locally; eight at once must not trip
    over each other (.git/config.lock, the index cache)."""
    invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                "--address", "3栋0301", "--item", "水龙头漏水")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ledger), str(clone))
    processes = [spawn(clone, "repair", "new", "--name", f"住户{n}", "--phone", "13800138000",
                       "--address", f"{n}栋", "--item", "漏水", as_=f"staff{n}") if n % 2 else
                 spawn(clone, "list", "-f", "json") for n in range(WORKERS)]
    for code, _out, err in finish(processes):
        assert code == 0, err
    assert len(invoke_json(clone, "list")) == 1 + WORKERS // 2
    assert_sound(clone)


def test_without_now_a_step_waiting_for_the_lock_is_stamped_when_it_is_made_and_at_stays_as_given(ledger):
    """The wall clock is read again once the lock is held (store.unit.Clock): `now` None means "now", an --at
    given is kept as given."""
    from datetime import datetime, timezone

    record_id = invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                            "--address", "3栋0301", "--item", "水龙头漏水")["id"]
    lock_path = ledger / ".git" / "propcli" / "lock"

    def waiting(*args):
        return subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(ledger), "--as", "王芳", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env(PROPCLI_LOCK_TIMEOUT="30"))

    with ledger_lock(lock_path, timeout=5):
        started = datetime.now(timezone.utc)
        processes = [waiting("note", record_id, "等锁"),
                     *(waiting("call", "new", "--name", name, "--phone", "13900139000", "--address", "3栋0302",
                               "--reason", "问停水时间", *at) for name, at in (("李四", ()),
                                                                         ("赵六", ("--at", "2026-11-28T09:05"))))]
        time.sleep(2.5)
        released = datetime.now(timezone.utc).replace(microsecond=0)
    results = finish(processes)
    assert all(code == 0 for code, _out, _err in results), [(code, err) for code, _out, err in results]
    shown = invoke_json(ledger, "show", record_id, now=None)
    notes = {e["note"]: datetime.fromisoformat(e["at"]) for e in shown["events"] if e["step"] == "note"}
    assert notes["等锁"] >= released > started, (notes, started, released)
    calls = {r["name"]: datetime.fromisoformat(r["received"]) for r in invoke_json(ledger, "list", "--kind", "call",
                                                                                     now=None)}
    assert calls["李四"] >= released
    assert calls["赵六"] == datetime.fromisoformat("2026-11-28T09:05+08:00")
