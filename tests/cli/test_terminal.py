"""The clerk's terminal (issue 19 point 1, docs/terminal.md): every table fits the terminal it is printed on,
from 80 columns up, in Chinese, without a line wrapping; columns are left out by a stated priority and long
cells cut with "…"; pipes, files and -f csv/json keep every character. Driven in a real tmux at 80 and 100
columns over a demo ledger (a month of activity)."""
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from wcwidth import wcswidth

from conftest import invoke, invoke_json, run_cli

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-28T10:00"
COMMANDS = {
    "list": ["list", "--open"],
    "overdue": ["overdue", "--within", "30m"],
    "show": ["show", "{late}"],
    "doctor": ["doctor"],
    "stats": ["stats", "2026-11"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("terminal") / "demo"
    result = run_cli("--now", NOW, "demo", str(path))
    assert result.exit_code == 0, result.output
    return path


def late_repair(demo) -> str:
    """A record with a deadline table that has a late row (show's widest table)."""
    rows = invoke_json(demo, "overdue", now=NOW)
    return next(r["id"] for r in rows if r["kind"] == "repair")


def in_tmux(demo, width: int, tmp_path) -> dict[str, tuple[list[str], list[str]]]:
    """Each command's screen in a tmux pane `width` columns wide: (lines as shown, lines as printed)."""
    socket = f"propcli-terminal-{uuid.uuid4().hex[:8]}"
    late = late_repair(demo)
    script = ["cd " + str(demo)]
    for name, args in COMMANDS.items():
        words = " ".join(a.format(late=late) for a in args)
        script.append(f"echo '@@{name}@@'; {sys.executable} -m propcli --lang zh_CN --now {NOW} {words}")
    script.append("echo '@@end@@'; sleep 60")
    (tmp_path / "run.sh").write_text("\n".join(script) + "\n", encoding="utf-8")
    (tmp_path / "tmux.conf").write_text("set -g history-limit 50000\n", encoding="utf-8")
    env = f"env -u COLUMNS -u PROPCLI_COLUMNS -u NO_COLOR PYTHONPATH={REPO} PROPCLI_USER=赵丽娟 TERM=screen"

    def tmux(*args):
        return subprocess.run(["tmux", "-L", socket, "-f", str(tmp_path / "tmux.conf"), *args], capture_output=True,
                              text=True, check=False).stdout

    tmux("new-session", "-d", "-s", "desk", "-x", str(width), "-y", "40", f"{env} bash {tmp_path / 'run.sh'}")
    try:
        deadline = time.monotonic() + 120
        while "@@end@@" not in tmux("capture-pane", "-p", "-t", "desk", "-S", "-"):
            assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "desk", "-S", "-")
            time.sleep(0.2)
        shown = tmux("capture-pane", "-p", "-t", "desk", "-S", "-").splitlines()
        joined = tmux("capture-pane", "-p", "-J", "-t", "desk", "-S", "-").splitlines()
    finally:
        tmux("kill-server")
    return {name: (section(shown, name), section(joined, name)) for name in COMMANDS}


def section(lines: list[str], name: str) -> list[str]:
    start = lines.index(f"@@{name}@@")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("@@"))
    return [line.rstrip() for line in lines[start + 1:end]]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.parametrize("width", [80, 100])
def test_every_table_fits_the_terminal_nothing_wraps(demo, width, tmp_path):
    screens = in_tmux(demo, width, tmp_path)
    for name, (shown, printed) in screens.items():
        assert printed, name
        assert shown == printed, f"{name} wraps at {width} columns:\n" + "\n".join(shown)  # -J joins wrapped lines
        assert all(wcswidth(line) <= width for line in printed), (name, width)
    listed, _same = screens["list"]
    ids = [r["id"] for r in invoke_json(demo, "list", "--open", now=NOW)]
    assert all(any(line.startswith(i) for line in listed) for i in ids)          # one line a record, id first
    assert "当前环节" in listed[0] and "摘要" in listed[0]                          # the state and the what stay
    late, _same = screens["overdue"]
    assert "编号" in late[0] and "时限" in late[0] and "应完成时间" in late[0] and "超时" in late[0]
    shown, _same = screens["show"]
    deadlines = shown[shown.index("时限："):]
    assert "应完成时间" in deadlines[1] and "状态" in deadlines[1]
    doctor, _same = screens["doctor"]
    assert doctor[0].split()[:3] == ["检查项", "结果", "情况"]
    stats, _same = screens["stats"]
    assert any(line.endswith("%") for line in stats)


def test_narrow_tables_leave_out_columns_by_priority_and_say_so(demo):
    env = {"PROPCLI_COLUMNS": "80", "PROPCLI_LANG": "zh_CN"}
    table = invoke(demo, "overdue", now=NOW, env=env).stdout.splitlines()
    assert table[0].split()[:4] == ["编号", "时限", "应完成时间", "超时"]               # id, what, due first
    assert table[-1].startswith("（终端太窄，未显示：") and "条款" in table[-1]
    wide = invoke(demo, "overdue", now=NOW, env={"PROPCLI_COLUMNS": "200", "PROPCLI_LANG": "zh_CN"}).stdout
    assert "条款" in wide.splitlines()[0] and "未显示" not in wide


def test_pipes_files_and_scripts_keep_every_character(demo, tmp_path):
    long_rows = invoke(demo, "list", now=NOW, env={"COLUMNS": "80"}).stdout.splitlines()
    assert max(wcswidth(line) for line in long_rows) > 80 and "…" not in "".join(long_rows)
    out = tmp_path / "list.txt"
    assert invoke(demo, "list", "-o", str(out), now=NOW, env={"PROPCLI_COLUMNS": "80"}).exit_code == 0
    assert "…" not in out.read_text(encoding="utf-8")
    assert "…" not in invoke(demo, "list", "-f", "csv", now=NOW, env={"PROPCLI_COLUMNS": "80"}).stdout
