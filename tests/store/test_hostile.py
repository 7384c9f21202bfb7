"""Hostile content affects only its own record (issue 8, point 3): an alias bomb, an oversized file, deep
nesting, invalid UTF-8, a symbolic link, a wrong id and a duplicate id are refused while parsing, in bounded
memory and time, reported by `check` as path:line: message and skipped (with a warning naming the file) by
list, overdue, stats and export; every other record keeps working."""
import json
import os
import subprocess
import sys
import time

from conftest import invoke, invoke_json

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")
FOLDER = "records/repair/2026/11"


def good_record(ledger):
    record = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T09:00")
    path = next((ledger / "records").rglob(f"{record['id']}.yaml"))
    return record["id"], path


def bomb(record_id: str) -> str:
    lines = ["schema: 1", "kind: repair", f"id: {record_id}",
             'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    lines += ["events:", "- step: new", "  at: '2026-11-28T08:00:00+08:00'", "  by: 王芳"]
    return "\n".join(lines) + "\n"


def hostile_files(ledger, other_id: str) -> dict:
    """One file per kind of hostility, at a valid record path; returns name -> relpath."""
    folder = ledger / FOLDER
    files = {
        "alias": ("R-2QWG000001.yaml", bomb("R-2QWG000001")),
        "size": ("R-2QWG000002.yaml", "schema: 1\nkind: repair\nid: R-2QWG000002\nnote: '" + "x" * 1_200_000 + "'\n"),
        "deep": ("R-2QWG000003.yaml",
                 "schema: 1\nkind: repair\nid: R-2QWG000003\nx: " + "[" * 300_000 + "]" * 300_000 + "\n"),
        "deep_block": ("R-2QWG000004.yaml", "schema: 1\nkind: repair\nid: R-2QWG000004\nx:\n" + "- " * 300_000 + "x\n"),
        "utf8": ("R-2QWG000005.yaml", None),
        "wrong_id": ("R-2QWG000006.yaml", (folder / f"{other_id}.yaml").read_text(encoding="utf-8")),
        "digits": ("R-2QWG000007.yaml", "schema: 1\nkind: repair\nid: R-2QWG000007\nx: " + "9" * 5000 + "\n"),
    }
    made = {}
    for name, (filename, text) in files.items():
        path = folder / filename
        if text is None:
            path.write_bytes(b"schema: 1\nkind: repair\nid: R-2QWG000005\nname: \xe5\xbc\xa0\xff\n")
        else:
            path.write_text(text, encoding="utf-8")
        made[name] = f"{FOLDER}/{filename}"
    link = folder / "R-2QWG000008.yaml"
    os.symlink("/etc/passwd", link)
    made["symlink"] = f"{FOLDER}/R-2QWG000008.yaml"
    os.mkfifo(folder / "R-2QWG000009.yaml")  # opened for reading, a FIFO waits for a writer: it must not
    made["fifo"] = f"{FOLDER}/R-2QWG000009.yaml"
    return made


def run_measured(ledger, *args):
    """`python -m propcli ARGS` in a child; returns (exit, stdout, stderr, peak MB, seconds)."""
    probe = ("import resource, subprocess, sys, json, time; t = time.monotonic(); "
             "d = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(json.dumps([d.returncode, d.stdout, d.stderr, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, time.monotonic() - t]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")} | {"PROPCLI_LANG": "en"}
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "propcli", "--ledger", str(ledger),
                           "--now", "2026-11-28T10:00", "--as", "王芳", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    return json.loads(done.stdout)


def test_hostile_files_are_reported_and_skipped_and_the_rest_works(ledger):
    other_id, _path = good_record(ledger)
    made = hostile_files(ledger, other_id)
    code, out, err, peak, seconds = run_measured(ledger, "list", "-f", "json")
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)] == [other_id]
    assert peak <= 200, f"{peak} MB"
    assert seconds < 30
    for relpath in made.values():
        assert relpath in err, (relpath, err)

    code, out, err, _peak, seconds = run_measured(ledger, "check")  # a child: a reader waiting on the FIFO times out
    assert code == 1 and made["fifo"] + ":1: not a regular file" in out, (code, out, err)
    check = invoke(ledger, "check", now="2026-11-28T10:00")
    assert check.exit_code == 1
    lines = check.stdout.splitlines()
    expected = {"alias": "alias", "size": "larger than 1000000 bytes", "deep": "nested more than",
                "deep_block": "nested more than", "utf8": "not UTF-8", "symlink": "symbolic link",
                "wrong_id": "also used by", "digits": "", "fifo": "not a regular file"}
    for name, words in expected.items():
        found = [line for line in lines if line.startswith(made[name] + ":")]
        assert any(words in line for line in found), (name, found)
        assert all(line.split(":")[1].isdigit() for line in found)
    assert any(line.startswith(made["utf8"] + ":4: ") for line in lines)  # the line of the bad byte
    assert any(line.startswith(made["wrong_id"] + ":1: ") and "should be at" in line for line in lines)

    # every other record keeps working, reads and writes
    assert invoke_json(ledger, "show", other_id, now="2026-11-28T10:00")["id"] == other_id
    assert invoke(ledger, "repair", "fill", other_id, now="2026-11-28T10:01").exit_code == 0
    assert invoke(ledger, "repair", "new", *RESIDENT, now="2026-11-28T10:02").exit_code == 0
    for args in (("overdue",), ("stats", "2026-11")):
        result = invoke(ledger, *args, now="2026-11-28T10:03")
        assert result.exit_code == 0, result.stderr
        assert made["alias"] in result.stderr and made["utf8"] in result.stderr
    export = invoke(ledger, "export", now="2026-11-28T10:03")
    assert export.exit_code == 1 and len(export.stdout.splitlines()) == 2 and made["symlink"] in export.stderr
    # the hostile record itself: exit 3 naming its file, for reads and writes
    result = invoke(ledger, "show", "R-2QWG000001", now="2026-11-28T10:03")
    assert result.exit_code == 3 and made["alias"] in result.stderr
    result = invoke(ledger, "note", "R-2QWG000001", "x", now="2026-11-28T10:03")
    assert result.exit_code == 3 and made["alias"] in result.stderr


def test_an_alias_bomb_in_a_settings_file_is_refused_not_expanded(ledger):
    text = bomb("R-2QWG000001").replace("schema: 1\nkind: repair\nid: R-2QWG000001\n", "")
    (ledger / "prices.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    code, out, err, peak, seconds = run_measured(ledger, "prices")
    assert code == 3 and "prices.yaml" in err and "alias" in err
    assert peak <= 200 and time.monotonic() - started < 30
