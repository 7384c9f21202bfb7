"""Only what a command uses is imported (issue 21, point 3): the modules `repair new` and `overdue` load, listed
from sys.modules in a fresh interpreter, hold none of the heavy ones they do not need. Each costs whole
milliseconds at every start (tabulate and importlib.metadata ~50 ms together, wcwidth ~13 ms); the tables
are laid out by propcli/cli/table.py, a record's commit starts no git process (no subprocess)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke_json

ROOT = Path(__file__).resolve().parents[1]

NEVER = ("tabulate", "wcwidth", "importlib.metadata", "jinja2", "markupsafe", "openpyxl", "xlsxwriter",
         "weasyprint", "segno", "pendulum", "chinese_calendar", "ruamel", "yaml", "pygit2", "email", "http",
         "urllib.request", "csv", "multiprocessing", "concurrent", "xml", "zipfile", "tarfile", "ssl", "socket",
         "asyncio", "argparse", "textwrap", "secrets", "random", "tempfile", "shutil", "pkg_resources", "hashlib")
"""Not for these commands (the ledger's settings are read from their JSON cache: no YAML parser either; SHA-1 of small
data from CPython's `_sha1`, propcli/digest.py: no OpenSSL start-up)."""

LISTER = """
import json, runpy, sys
before = set(sys.modules)
sys.argv = ["propcli", *sys.argv[1:]]
try:
    runpy.run_module("propcli", run_name="__main__")
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "new": sorted(set(sys.modules) - before)}) + "\\n")
"""


def loaded(ledger, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PROPCLI_LEDGER=str(ledger), PROPCLI_USER="王芳",
               PROPCLI_NOW="2026-11-28T09:30:00+08:00", PROPCLI_LANG="zh_CN")
    done = subprocess.run([sys.executable, "-c", LISTER, *args], env=env, capture_output=True, text=True)
    line = done.stderr.rsplit("MODULES ", 1)[-1]
    report = json.loads(line)
    assert report["code"] in (0, 1, None), done.stderr
    return report["new"]


def heavy(modules):
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NEVER))


@pytest.fixture
def busy_ledger(ledger):
    invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                "--item", "厨房水龙头漏水", now="2026-11-27T09:00")
    loaded(ledger, "list")  # the first command after init settles git settings and the settings' JSON cache
    return ledger


@pytest.mark.parametrize("args", [
    ("repair", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋1201", "--item", "阳台漏水"),
    ("repair", "new", "--name", "李四", "--phone", "13900139000", "--address", "5栋1201", "--item", "阳台漏水",
     "-f", "json"),
    ("overdue",),
    ("overdue", "-f", "json"),
])
def test_a_command_imports_only_what_it_uses(busy_ledger, args):
    modules = loaded(busy_ledger, *args)
    assert "propcli.store.unit" in modules or args[0] == "overdue"  # the lister saw the command run
    assert heavy(modules) == []
    assert "difflib" not in modules  # `-f` is read as `--format` (click builds a "no such option" error first)
    if args[0] == "repair":
        assert "subprocess" not in modules  # the commit is made in-process (store/objects.py)
        # a new record is no callback source done yet: the callback loop is not loaded
        assert not {"propcli.app.callbacks", "propcli.kinds.callback"} & set(modules)


def test_a_step_appends_to_the_file_without_a_yaml_library(busy_ledger):
    """A step on a record propcli wrote (`note`, `repair take`, …) adds its event's lines at the end of the file:
    the text before is kept byte for byte and no YAML library is loaded (ruamel's round trip cost ~100 ms a step)."""
    record_id = invoke_json(busy_ledger, "list", "--open")[0]["id"]
    path = next((busy_ledger / "records").rglob(f"{record_id}.yaml"))
    before = path.read_bytes()
    modules = loaded(busy_ledger, "note", record_id, "业主来电催问：yes, 12:30")
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert after[len(before):].decode().startswith("- step: note\n")
    assert heavy(modules) == [] and "propcli.store.unit" in modules
    shown = invoke_json(busy_ledger, "show", record_id, now="2026-11-28T10:00")
    assert shown["events"][-1]["note"] == "业主来电催问：yes, 12:30"
