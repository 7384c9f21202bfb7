"""`import` at the size of an office's old spreadsheet (issue 8, point 8): records without ids, dated by day
(thousands share one second), never get colliding ids, within the batch or with the ledger; the whole file
is one commit; a progress bar shows on stderr only when stderr is a terminal. (The 100,000-line run is
measured once in docs/faults.md; this test uses 5,000.)"""
import json
import os
import pty
import subprocess
import sys

import pytest

from conftest import git, invoke, invoke_json


def day_dated(path, count: int, days: int = 2):
    with open(path, "w", encoding="utf-8") as stream:
        for n in range(count):
            stream.write(json.dumps({"kind": "call", "name": f"住户{n}", "phone": "13800138000",
                                     "reason": "咨询物业费", "at": f"2026-10-{1 + n % days:02d}"},
                                    ensure_ascii=False) + "\n")


def test_five_thousand_day_dated_records_without_ids_import_in_one_commit(ledger, tmp_path):
    day_dated(tmp_path / "old.jsonl", 5000)
    before = int(git(ledger, "rev-list", "--count", "HEAD"))
    result = invoke(ledger, "import", str(tmp_path / "old.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no progress bar: not a terminal
    assert int(git(ledger, "rev-list", "--count", "HEAD")) == before + 1
    records = invoke_json(ledger, "list", "--kind", "call")
    assert len(records) == 5000 and len({r["id"] for r in records}) == 5000
    assert {r["received"][:10] for r in records} == {"2026-10-01", "2026-10-02"}
    assert git(ledger, "status", "--porcelain") == ""


def test_an_id_the_ledger_took_meanwhile_is_drawn_again_under_the_lock(ledger):
    import propcli.app.schema  # noqa: F401
    from propcli.errors import BadInput
    from propcli.model import Record
    from propcli.store.ledger import Ledger
    from propcli.store.unit import create_many, load

    taken = invoke_json(ledger, "call", "new", "--name", "张三", "--phone", "13800138000", "--reason", "咨询",
                        now="2026-11-28T09:00")["id"]
    store = Ledger(ledger)
    existing = load(store, taken)
    copy = Record(existing.kind, existing.id, existing.fields, existing.events, existing.path)
    with pytest.raises(BadInput, match="already in the ledger"):
        create_many(store, [copy], "王芳", "import: 1 records\n")
    made = create_many(Ledger(ledger), [copy], "王芳", "import: 1 records\n", renumber={taken})
    assert made[0].id != taken and made[0].id[:8] == taken[:8]  # same kind and received second
    assert {r["id"] for r in invoke_json(ledger, "list")} == {taken, made[0].id}


def test_a_progress_bar_on_a_terminal_only(ledger, tmp_path):
    day_dated(tmp_path / "old.jsonl", 300)
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")} | {"PROPCLI_LANG": "en"}
    process = subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(ledger), "--now",
                                "2026-11-28T09:00", "--as", "王芳", "import", str(tmp_path / "old.jsonl")],
                               stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _err = process.communicate(timeout=120)
    os.close(master)
    assert process.returncode == 0
    assert "300" in out.decode("utf-8")
    shown = seen.decode("utf-8", "replace")
    assert "checking" in shown and "writing" in shown and "300/300" in shown, shown
