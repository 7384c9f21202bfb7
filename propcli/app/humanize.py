"""Durations as people at the desk say them (CLI.md "Additions", small points):
超时 16 分钟 · 超时 2 小时 5 分钟 · 超时 3 天 · 超时 2 天 3 小时 · 还剩 3 分钟; English: 16 min late, 3 min left.

Whole minutes under an hour, hours and minutes under a day, days and hours beyond (minutes dropped);
under a minute: "不到 1 分钟". JSON keeps `minutes_late` as a number: this is for tables, text and mail.
"""
from propcli.i18n import _


def span(minutes: float) -> str:
    """A length of time, unsigned: `16 分钟`, `2 小时 5 分钟`, `3 天`, `2 天 3 小时`."""
    total = abs(float(minutes))
    if total < 1:
        return _("less than 1 min")
    whole = int(total + 0.5) if total < 60 else int(total)
    if whole < 60:
        return _("{m} min", m=whole)
    hours, mins = divmod(whole, 60)
    if hours < 24:
        return _("{h} h", h=hours) if not mins else _("{h} h {m} min", h=hours, m=mins)
    days, hours = divmod(hours, 24)
    return _("{d} d", d=days) if not hours else _("{d} d {h} h", d=days, h=hours)


def lateness(minutes_late: float | None, state: str | None = None) -> str:
    """How late (positive) or how much time is left (negative), as said at the desk.

    With a deadline `state`: `met` reads as done early (or on time)."""
    if minutes_late is None:
        return ""
    value = float(minutes_late)
    if state == "met":
        return _("on time") if value > -1 else _("{span} early", span=span(value))
    if value > 0:
        return _("{span} late", span=span(value))
    if value == 0:
        return _("due now")
    return _("{span} left", span=span(value))
