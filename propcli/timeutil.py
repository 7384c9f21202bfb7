"""Parsing and printing of times and durations (stdlib only: cheap on warm paths)."""
import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.values import Value, settable


_pendulum_zones = False


@lru_cache(maxsize=8)
def zone(name: str):
    if _pendulum_zones:
        import pendulum

        return pendulum.timezone(name)
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def prefer_pendulum_zones() -> None:
    """Bulk paths (reindex) that derive deadlines anyway: hand out pendulum's Timezone (a ZoneInfo
    subclass, same offsets) so that pendulum.instance() does not load the zone file again per call."""
    global _pendulum_zones
    if not _pendulum_zones:
        _pendulum_zones = True
        zone.cache_clear()


EARLIEST_YEAR, LATEST_YEAR = 1970, 2999
"""Times a ledger accepts (any record, --now, --at): outside, offsets, epochs and deadlines could overflow."""


def check_range(moment: datetime, field: str = "--at") -> datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise BadInput(_("{field}: {value} is out of range; expected a time between {first}-01-01 and {last}-12-31",
                         field=field, value=moment.isoformat(), first=EARLIEST_YEAR, last=LATEST_YEAR))
    return moment


def parse_time(text, tz: str, field: str = "--at") -> datetime:
    """ISO 8601 date-time; without an offset it is read in the ledger's timezone `tz`; years 1970-2999."""
    if isinstance(text, datetime):
        moment = text
    else:
        raw = str(text).strip()
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
        except ValueError:
            if field.startswith("--"):  # an option: typed at the desk (docs/terminal.md)
                raise BadInput(_("{field}: '{value}' is not a time; expected a time such as 15:35, 今天17点, "
                                 "明天下午3点, 11月30日 14:00 or 2026-11-28T09:30", field=field, value=raw)) from None
            raise BadInput(
                _("{field}: '{value}' is not a time; expected ISO 8601 such as 2026-11-28T09:30 or "
                  "2026-11-28T09:30:00+08:00",
                  field=field, value=raw)
            ) from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        check_range(moment, field)
    place = zone(tz)
    moment = moment.astimezone(place) if moment.tzinfo is not None else moment.replace(tzinfo=place)
    return moment.replace(microsecond=0) if moment.microsecond else moment


def format_time(moment: datetime | None, tz: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zone(tz)).isoformat(timespec="seconds")


def from_epoch(seconds: int | None, tz: str) -> datetime | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=zone(tz))


def minutes_late(seconds: float) -> float:
    """Seconds late (negative: early, or still to go) as CLI.md's `minutes_late`: minutes to a tenth, half a tenth
    (3 seconds) rounded away from zero, so that the index's SQL gives the same number (queries.MINUTES_LATE)."""
    tenths = math.floor(abs(seconds) / 6 + 0.5)
    return (tenths if seconds >= 0 else -tenths) / 10 + 0.0


def fixed_offset(tz: str, first: int, last: int) -> int | None:
    """The UTC offset in seconds that `tz` keeps from epoch `first` to `last`, or None when it changes between
    (summer time, a change of the zone's standard time). Read at both ends and on the 1st and 15th of every month
    between: no change of offset that the zone database holds lasts less than a fortnight."""
    place = zone(tz)
    offset = datetime.fromtimestamp(first, place).utcoffset()
    moment = datetime.fromtimestamp(first, timezone.utc).replace(day=1, hour=0, minute=0, second=0)
    end = datetime.fromtimestamp(last, timezone.utc)
    start = datetime.fromtimestamp(first, timezone.utc)
    while moment <= end:
        for day in (1, 15):
            sample = moment.replace(day=day)
            if start <= sample <= end and sample.astimezone(place).utcoffset() != offset:
                return None
        moment = moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)
    if datetime.fromtimestamp(last, place).utcoffset() != offset or offset is None:
        return None
    return int(offset.total_seconds())


def epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


_DURATION = re.compile(r"^\s*([+-]?)(\d+)\s*(mo|min|m|h|d|s)\s*$")


class Duration(Value):
    """A policy or command-line length: minutes/hours/seconds are exact, days and months are calendar periods."""

    __slots__ = ("amount", "unit")
    amount: int
    unit: str  # "s" | "m" | "h" | "d" | "mo"

    def __init__(self, amount: int, unit: str):
        settable(self, "amount", amount)
        settable(self, "unit", unit)

    @property
    def exact(self) -> timedelta | None:
        factor = {"s": 1, "m": 60, "h": 3600}.get(self.unit)
        return None if factor is None else timedelta(seconds=self.amount * factor)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(text, field: str = "duration") -> Duration:
    match = _DURATION.match(str(text))
    if not match:
        raise BadInput(
            _("{field}: '{value}' is not a duration; expected a number and a unit, e.g. 15m, 2h, 3d, 1mo",
              field=field, value=text)
        )
    sign, amount, unit = match.groups()
    unit = "m" if unit == "min" else unit
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "mo": 31 * 86400}[unit]
    if len(amount) > 12 or int(amount) * seconds > 100 * 366 * 86400:
        raise BadInput(_("{field}: '{value}' is too long; expected at most 100 years", field=field, value=text))
    return Duration(-int(amount) if sign == "-" else int(amount), unit)


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(month, field: str = "--month") -> str:
    """A month as YYYY-MM (lists, statistics, the monthly forms and plans)."""
    if month is None:
        raise BadInput(_("{field}: missing; expected a month YYYY-MM, e.g. 2026-11", field=field))
    if not _MONTH.match(str(month)):
        raise BadInput(_("{field}: '{value}' is not a month; expected YYYY-MM, e.g. 2026-11", field=field, value=month))
    if not EARLIEST_YEAR <= int(str(month)[:4]) <= LATEST_YEAR:
        raise BadInput(_("{field}: {value} is out of range; expected a month between {first}-01 and {last}-12",
                         field=field, value=month, first=EARLIEST_YEAR, last=LATEST_YEAR))
    return str(month)
