"""The ledger lock: one writer at a time, across processes (fcntl.flock); re-entrant within a process,
so a command may hold it across several changes (the overdue mail: read, send, record)."""
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from propcli.errors import LedgerUnusable
from propcli.i18n import _

_held: dict[str, int] = {}


@contextmanager
def ledger_lock(lock_path: Path, timeout: float):
    """Hold the exclusive lock; exit 3 when it cannot be had within `timeout` seconds."""
    key = str(lock_path)
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LedgerUnusable(
                        _("the ledger is locked by another propcli command (waited {seconds} s); try again, or raise "
                          "lock_timeout in propcli.yaml",
                          seconds=int(timeout))
                    ) from None
                time.sleep(0.02)
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)
    finally:
        os.close(handle)
