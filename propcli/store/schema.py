"""What the store needs to know about records without importing the procedures (kinds/).

The store keeps files, git and the index; what a record *means* (its status, deadlines, the columns the
index stores, whether its steps are allowed) is derived above it. The app layer installs a `Schema` once
(`propcli.app.schema`), and the store calls it: arrows point down, hooks point up.
"""
from datetime import datetime
from typing import Protocol
from collections.abc import Sequence
from propcli.values import Value, settable


class IndexColumns(Value):
    """The derived columns the index stores for one record (handed in by the caller)."""

    __slots__ = ("status", "open", "closed_at", "done_at", "fee_cents", "deadlines", "needs_callback", "uncounted_at",
                 "fee_at", "billed_at")
    status: str
    open: bool
    closed_at: datetime | None
    done_at: datetime | None
    fee_cents: int | None
    deadlines: Sequence  # objects with rule, clause, role, escalate, assignee, start, due, done, cancelled
    needs_callback: bool
    uncounted_at: datetime | None
    fee_at: datetime | None  # when the fee became owed (paid-service month, stats fees)
    billed_at: datetime | None  # when it went to finance for billing (repair billing)

    def __init__(self, status: str, open: bool, closed_at: datetime | None, done_at: datetime | None,
                 fee_cents: int | None, deadlines: Sequence, needs_callback: bool = False,
                 uncounted_at: datetime | None = None, fee_at: datetime | None = None,
                 billed_at: datetime | None = None):
        settable(self, "status", status)
        settable(self, "open", open)
        settable(self, "closed_at", closed_at)
        settable(self, "done_at", done_at)
        settable(self, "fee_cents", fee_cents)
        settable(self, "deadlines", deadlines)
        settable(self, "needs_callback", needs_callback)
        settable(self, "uncounted_at", uncounted_at)
        settable(self, "fee_at", fee_at)
        settable(self, "billed_at", billed_at)


class Schema(Protocol):
    def index_columns(self, ledger, record) -> IndexColumns: ...

    def record_file_problems(self, ledger, relpath: str) -> list: ...

    def kind_label(self, kind: str | None) -> str: ...

    def policy_of(self, ledger): ...

    def calendar_of(self, ledger): ...

    def check_settings(self, ledger, name: str, plain) -> None:
        """Raise LedgerUnusable (`FILE:LINE: message`) when settings file `name` is malformed."""

    def kind_of_id(self, record_id: str) -> str | None: ...


_installed: list = []


def install(schema: Schema) -> None:
    _installed[:] = [schema]


def current() -> Schema:
    if not _installed:
        raise RuntimeError("no record schema installed: import propcli.app.schema first")
    return _installed[0]
