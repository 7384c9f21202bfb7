"""What a kind's paper is made of (kinds/base.py `Register`): places to sign, 合计 lines, and the ways the forms
print a time, an amount and the events of a record as `show` prints it. Pure: the app layer reads the ledger
and hands the records over (propcli/app/forms.py `Sheet`)."""
from decimal import Decimal


class Sign:
    """A place to sign: left blank on paper, with the name the ledger recorded printed small beside it."""

    __slots__ = ("recorded",)

    def __init__(self, recorded: str = ""):
        self.recorded = recorded

    def __str__(self) -> str:
        return self.recorded

    def __repr__(self) -> str:
        return f"Sign({self.recorded!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Sign) and other.recorded == self.recorded

    def __hash__(self) -> int:
        return hash(self.recorded)


class Total(dict):
    """A 合计 / 小计 line of a register, keyed by column as any row: no line number, printed bold."""


def time_text(value: str | None) -> str:
    """`2026-11-08 15:00`: an ISO time as the forms print it."""
    return value[:16].replace("T", " ") if value else ""


def yuan(value) -> str:
    """An amount as forms print it: two decimals (CLI.md "Small points")."""
    return "" if value is None or value == "" else f"{Decimal(str(value)):.2f}"


def first_events(record: dict) -> dict:
    """step -> the first event of that step, of a record as `show` prints it."""
    found: dict = {}
    for event in (record or {}).get("events", []):
        found.setdefault(event["step"], event)
    return found


def event_of(record: dict, step: str) -> dict:
    """The first event of `step` ({} when there is none)."""
    return next((e for e in (record or {}).get("events", []) if e["step"] == step), {})


def last_event(record: dict, step: str) -> dict:
    """The last event of `step` ({} when there is none)."""
    return next((e for e in reversed((record or {}).get("events", [])) if e["step"] == step), {})
