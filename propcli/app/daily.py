"""Daily patrol (12.2.2 每天巡楼): `patrol.daily`, a deadline derived for every area the office patrols, never
stored on any record; the patrol kind declares it (`Derived`: its rule, clause and who answers for a breach), this
is the service `overdue` asks for its breaches (`propcli.app.overdue.SERVICES`).

`propcli.yaml` lists the areas (`patrol.areas`) and, optionally, from when (`patrol.since`, a date; default:
the day of the ledger's first record). Every working day (calendar.yaml and the official calendar) from then
up to --now, each area is due a patrol round (`patrol new --area AREA`, the area as listed) recorded that
day; the round is due by the end of the day (24:00, shown 23:59:59). A day with none is a breach that
`overdue` lists and the mail names, with the area. Who answers for it, as the kind declares it: the property
officer (12.1: 物业管理员), then the property director, the manager, leadership.
"""
from datetime import date, datetime, timedelta

from propcli.errors import LedgerUnusable
from propcli.i18n import _
from propcli.store import queries
from propcli.timeutil import format_time, minutes_late, zone


def settings(ledger, kind: str) -> tuple[list[str], date | None]:
    """(areas, since) of the kind's section of propcli.yaml (`patrol:`); malformed: exit 3 naming the setting."""
    plain = ledger.config.get(kind)
    if plain is None:
        return [], None
    if not isinstance(plain, dict):
        raise LedgerUnusable(_("propcli.yaml: patrol: expected a mapping with areas: [AREA, ...] (12.2.2)"))
    areas = plain.get("areas") or []
    if not isinstance(areas, list) or not all(isinstance(a, str) and a.strip() for a in areas):
        raise LedgerUnusable(_("propcli.yaml: patrol.areas: expected a list of area names, e.g. [1栋及周边, 地下车库] "
                               "(12.2.2)"))
    since = plain.get("since")
    if since is not None and not isinstance(since, date):
        try:
            since = date.fromisoformat(str(since))
        except ValueError:
            raise LedgerUnusable(_("propcli.yaml: patrol.since: expected a date YYYY-MM-DD, not {value}",
                                   value=since)) from None
    return [a.strip() for a in areas], since


def breaches(session, kind: str, derived, limit: int) -> list[dict]:
    """The rows of `overdue` of the kind's daily rounds (`derived`: `patrol.daily`) whose due (the end of a working
    day) is before `limit` (epoch seconds), as of --now: one per area and working day with no round of that area
    that day."""
    ledger = session.ledger
    areas, since = settings(ledger, kind)
    if not areas:
        return []
    tz = zone(ledger.tz)
    now = session.now
    index = ledger.index.fresh()
    if since is None:
        first = queries.first_received(index)
        if first is None:
            return []
        since = datetime.fromtimestamp(first, tz).date()
    today = now.astimezone(tz).date()
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    done: set[tuple[date, str]] = set()
    for received, area in queries.field_received_between(index, kind, "area", int(start.timestamp()),
                                                         int(end.timestamp()), int(now.timestamp())):
        if isinstance(area, str):
            done.add((datetime.fromtimestamp(received, tz).date(), area.strip()))
    calendar = ledger.calendar
    rows = []
    day = since
    while day <= today:
        due = datetime.combine(day, datetime.max.time().replace(microsecond=0), tzinfo=tz)
        if int(due.timestamp()) > limit:
            break
        if calendar.is_working_day(day):
            for area in areas:
                if (day, area) not in done:
                    rows.append(row(kind, derived, area, day, due, now, ledger.tz))
        day += timedelta(days=1)
    return rows


def row(kind: str, derived, area: str, day: date, due: datetime, now: datetime, tz: str) -> dict:
    """A row of `overdue` for an area's missing round: its `id` names the rule, the day and the area."""
    return {"id": f"{derived.rule}:{day.isoformat()}:{area}", "kind": kind, "rule": derived.rule,
            "clause": derived.clause, "due": format_time(due, tz),
            "minutes_late": minutes_late((now - due).total_seconds()),
            "role": derived.role, "escalated_to": None, "assignee": None, "escalation": list(derived.escalation),
            "area": area, "day": day.isoformat(), "derived": True}
