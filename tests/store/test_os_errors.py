"""Operating-system errors while writing are exit 3 with one clear line, never exit 4, and nothing is lost
(CLI.md "Failures that are loud"): a real full disk (a small tmpfs mounted by the test) and a real read-only
ledger (a read-only bind mount: the suite runs as root, whom chmod does not stop). Both need root and mount(8);
elsewhere they are skipped with the reason."""
import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import git, git_state, invoke, invoke_json, make_ledger

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} failed ({done.stderr.strip()}): no permission to mount here")


@contextlib.contextmanager
def _mounted(target: Path, *args: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs or a read-only bind needs root (the suite runs as root in CI)")
    if shutil.which("mount") is None:
        pytest.skip("mount(8) is not installed")
    target.mkdir(parents=True, exist_ok=True)
    _mount(*args, str(target))
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Write a filler file until the file system is full (less `leave` bytes freed again)."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"x" * size)
            except OSError:
                pass
        if leave:
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return filler


def _one_line_exit_3(result, *words) -> str:
    assert result.exit_code == 3, f"exit {result.exit_code}: {result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def test_a_full_disk_is_exit_3_and_loses_nothing(tmp_path):
    with _mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=3m", "tmpfs") as disk:
        ledger = make_ledger(disk)
        first = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")["id"]
        before = git_state(ledger)
        committed = (ledger / first_path(ledger, first)).read_text(encoding="utf-8")
        filler = _fill(disk)
        _one_line_exit_3(invoke(ledger, "repair", "new", *RESIDENT), "no space left")
        _one_line_exit_3(invoke(ledger, "note", first, "楼上也漏"), "no space left")
        _one_line_exit_3(invoke(ledger, "list"), "no space left")
        filler.unlink()
        assert git_state(ledger) == before
        assert (ledger / first_path(ledger, first)).read_text(encoding="utf-8") == committed
        assert [r["id"] for r in invoke_json(ledger, "list")] == [first]
        assert invoke(ledger, "note", first, "楼上也漏").exit_code == 0  # space again: it works


@pytest.mark.parametrize("pages", range(0, 40, 3))
def test_a_disk_filling_at_any_point_of_a_write_is_exit_0_or_3_never_a_half_change(tmp_path, pages):
    """A few KB left: the write fails in the journal, the record file, git's objects or the index. Whatever
    the point, the change is whole (exit 0) or absent (exit 3); the ledger stays usable once space is freed."""
    with _mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=3m", "tmpfs") as disk:
        ledger = make_ledger(disk)
        first = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")["id"]
        assert invoke(ledger, "list").exit_code == 0
        head = git(ledger, "rev-parse", "HEAD").strip()
        filler = _fill(disk, leave=pages * 4096)
        detail = "漏水很严重" * 3000  # a record file of about 45 KB
        result = invoke(ledger, "note", first, detail)
        assert result.exit_code in (0, 3), f"exit {result.exit_code}: {result.stderr}"
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        filler.unlink()
        moved = git(ledger, "rev-parse", "HEAD").strip() != head
        assert moved == (result.exit_code == 0), result.stderr
        check = invoke(ledger, "check")
        assert check.exit_code == 0, check.stdout + check.stderr
        notes = [e for e in invoke_json(ledger, "show", first)["events"] if e["step"] == "note"]
        assert len(notes) == (1 if moved else 0)
        assert git(ledger, "status", "--porcelain") == ""
        assert invoke(ledger, "note", first, "再记一条").exit_code == 0


def test_a_read_only_ledger_is_exit_3_naming_it(tmp_path):
    ledger = make_ledger(tmp_path / "rw")
    first = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")["id"]
    before = git_state(ledger)
    with _mounted(tmp_path / "ro", "--bind", str(tmp_path / "rw")) as view:
        _mount("-o", "remount,ro,bind", str(view))
        ro = view / "ledger"
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")  # root, and still refused: the mount is read-only
        _one_line_exit_3(invoke(ro, "repair", "new", *RESIDENT), "read-only")
        _one_line_exit_3(invoke(ro, "note", first, "再次来电"), "read-only")
    assert git_state(ledger) == before
    assert invoke(ledger, "note", first, "再次来电").exit_code == 0


def test_the_message_is_chinese_by_default(tmp_path, monkeypatch):
    from propcli import i18n

    make_ledger(tmp_path / "rw")
    with _mounted(tmp_path / "ro", "--bind", str(tmp_path / "rw")) as view:
        _mount("-o", "remount,ro,bind", str(view))
        monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
        i18n.reset()
        try:
            result = invoke(view / "ledger", "repair", "new", *RESIDENT)
        finally:
            monkeypatch.setenv("PROPCLI_LANG", "en")
            i18n.reset()
        _one_line_exit_3(result, "只读")


def first_path(ledger: Path, record_id: str) -> str:
    return next(p for p in git(ledger, "ls-files").splitlines() if record_id in p)
