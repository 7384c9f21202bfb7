"""Progress bars (issue 10.7): on stderr, only on a terminal (a real pseudo-terminal here), for import
(checking, writing) and reindex; nothing when stderr is a pipe (cron, scripts)."""
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def lines_file(tmp_path, count=40) -> Path:
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps({"kind": "call", "name": f"住户{i}", "phone": "13800138000",
                                          "reason": "咨询停车费", "at": f"2026-11-2{i % 8}T09:{i % 60:02d}"},
                                         ensure_ascii=False) for i in range(count)) + "\n", encoding="utf-8")
    return path


def env():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    return {**clean, "PYTHONPATH": str(REPO), "PROPCLI_LANG": "en", "PROPCLI_NOW": "2026-11-30T12:00",
            "PROPCLI_USER": "赵丽娟", "COLUMNS": "100"}


def on_a_terminal(*args) -> tuple[int, str]:
    """Run propcli with stdin, stdout and stderr on a pseudo-terminal; what the terminal showed."""
    master, slave = pty.openpty()
    job = subprocess.Popen([sys.executable, "-m", "propcli", *args], stdin=slave, stdout=slave, stderr=slave,
                           env=env(), close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the other side closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return job.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_import_and_reindex_show_a_bar_on_a_terminal(ledger, tmp_path):
    code, screen = on_a_terminal("--ledger", str(ledger), "import", str(lines_file(tmp_path)))
    assert code == 0, screen
    assert "checking" in screen and "writing" in screen and "40/40" in screen and "40 records imported" in screen
    code, screen = on_a_terminal("--ledger", str(ledger), "reindex")
    assert code == 0, screen
    assert "indexing" in screen and "/40" in screen


def test_nothing_but_the_result_through_a_pipe(ledger, tmp_path):
    done = subprocess.run([sys.executable, "-m", "propcli", "--ledger", str(ledger), "import",
                           str(lines_file(tmp_path))], env=env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "40 records imported" and done.stderr == ""
    done = subprocess.run([sys.executable, "-m", "propcli", "--ledger", str(ledger), "reindex"], env=env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "" and "indexed" in done.stdout
