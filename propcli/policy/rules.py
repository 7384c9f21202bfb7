"""Deadline rules as data (`policy.yaml`), interpreted by pure functions over pendulum times.

A rule has a key (CLI.md "Deadline rule keys"), the clause it cites, the record kind and
conditions it applies to, the step that starts it, the step(s) that meet it, and one way
of computing the due time:

- `length: 10m | 2h | 3d | 1mo`: minutes and hours run from the exact moment, 24x7; days and
  months are calendar periods (SPEC.md "Callbacks", Civil Code arts. 201-203): the start day
  is not counted and the period ends at 24:00 of its last day (shown as 23:59:59); a month
  with no such date ends on its last day. `working_days: true` counts only China's working
  days (official holidays and 调休 from chinese_calendar) less the ledger's calendar.yaml closures.
- `offset: {from: FIELD, by: -5m}`: a time relative to a field of the record (an appointment).
- `cutoff: "17:00"`: that time on the start day; started at or after it, the next day (10.4.1-7).
- `cutoff_day: 25`: end of that day of the start month; started after it, of the next month (10.4.1-7).
- `agreed: KEY`: the time given as KEY on the starting event (an agreed reply time, 11.1.9).

`sooner: FIELD`: a field of the record that may bring the due time forward, never later (11.2.2: a
complaint's callback date set at handling, `callback_by`).

`end_when: {KEY: VALUE}` narrows which event meets a rule: its data must hold those values (`request.report`
is met by an escalation to the manager, not to a director; `rule: null`: by the desk, not by the overdue
mail's own escalation, which names the rule it chases).
"""
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from collections.abc import Mapping

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.model import Event, Record
from propcli.policy.roles import ROLES  # noqa: F401  (re-exported)
from propcli.timeutil import Duration, parse_duration, parse_time
from propcli.values import Value, settable

DUE_FORMS = ("length", "offset", "cutoff", "cutoff_day", "agreed")
RULE_KEYS = {"key", "clause", "kind", "when", "start", "end", "end_when", "role", "escalate", "assignee",
             "working_days", "note", "sooner", *DUE_FORMS}


class Rule(Value):
    __slots__ = ("key", "clause", "kind", "start", "end", "role", "escalate", "when", "assignee", "length",
                 "offset_from", "offset_by", "cutoff", "cutoff_day", "agreed", "working_days", "line", "end_when",
                 "sooner")
    key: str
    clause: str
    kind: str
    start: str
    end: tuple[str, ...]
    role: str
    escalate: tuple[str, ...]
    when: Mapping[str, Any]
    assignee: str | None
    length: Duration | None
    offset_from: str | None
    offset_by: Duration | None
    cutoff: time | None
    cutoff_day: int | None
    agreed: str | None
    working_days: bool
    line: int
    end_when: Mapping[str, Any]
    sooner: str | None
    """A field of the record that may set an earlier due time than the rule's (11.2.2: `callback_by`)."""

    def __init__(self, key: str, clause: str, kind: str, start: str, end: tuple[str, ...], role: str,
                 escalate: tuple[str, ...] = (), when: Mapping[str, Any] | None = None, assignee: str | None = None,
                 length: Duration | None = None, offset_from: str | None = None, offset_by: Duration | None = None,
                 cutoff: time | None = None, cutoff_day: int | None = None, agreed: str | None = None,
                 working_days: bool = False, line: int = 0, end_when: Mapping[str, Any] | None = None,
                 sooner: str | None = None):
        settable(self, "key", key)
        settable(self, "clause", clause)
        settable(self, "kind", kind)
        settable(self, "start", start)
        settable(self, "end", end)
        settable(self, "role", role)
        settable(self, "escalate", escalate)
        settable(self, "when", {} if when is None else when)
        settable(self, "assignee", assignee)
        settable(self, "length", length)
        settable(self, "offset_from", offset_from)
        settable(self, "offset_by", offset_by)
        settable(self, "cutoff", cutoff)
        settable(self, "cutoff_day", cutoff_day)
        settable(self, "agreed", agreed)
        settable(self, "working_days", working_days)
        settable(self, "line", line)
        settable(self, "end_when", {} if end_when is None else end_when)
        settable(self, "sooner", sooner)

    def applies(self, facts: Mapping[str, Any]) -> bool:
        return all(facts.get(name) == value for name, value in self.when.items())


class Deadline(Value):
    __slots__ = ("rule", "clause", "role", "escalate", "assignee", "start", "due", "done", "cancelled")
    rule: str
    clause: str
    role: str
    escalate: tuple[str, ...]
    assignee: str | None
    start: datetime
    due: datetime
    done: datetime | None
    cancelled: datetime | None

    def __init__(self, rule: str, clause: str, role: str, escalate: tuple[str, ...], assignee: str | None,
                 start: datetime, due: datetime, done: datetime | None, cancelled: datetime | None = None):
        settable(self, "rule", rule)
        settable(self, "clause", clause)
        settable(self, "role", role)
        settable(self, "escalate", escalate)
        settable(self, "assignee", assignee)
        settable(self, "start", start)
        settable(self, "due", due)
        settable(self, "done", done)
        settable(self, "cancelled", cancelled)

    def state(self, now: datetime) -> str:
        if self.done is not None and self.done <= now:
            return "met" if self.done <= self.due else "missed"
        return "overdue" if now > self.due else "pending"

    def minutes_late(self, now: datetime) -> float:
        """Positive: late by; negative: early (done) or still to go (open)."""
        end = self.done if self.done is not None and self.done <= now else now
        from propcli.timeutil import minutes_late

        return minutes_late((end - self.due).total_seconds())


class PolicyProblem(Exception):
    """A malformed part of policy.yaml: `line` (1 when unknown), and `where`, the keys that lead to it
    (`("rules", 3, "length")`), from which the caller finds the line in the file (`FILE:LINE: message`)."""

    def __init__(self, line: int, message: str, field: str | None = None, where: tuple = ()):
        super().__init__(message)
        self.line, self.message, self.field, self.where = line, message, field, where


class Policy(Value):
    __slots__ = ("rules", "step_roles", "travel_time")
    rules: tuple[Rule, ...]
    step_roles: Mapping[str, tuple[str, ...]]
    """`KIND.STEP` -> the roles that do that step (policy.yaml `steps:`); a step not listed: its kind's default."""
    travel_time: Any
    """policy.yaml `travel_time`, as written: what a technician needs to reach a unit (10.4.1-2②); `travel()`."""

    def __init__(self, rules: tuple[Rule, ...], step_roles: Mapping[str, tuple[str, ...]] | None = None,
                 travel_time: Any = "10m"):
        settable(self, "rules", rules)
        settable(self, "step_roles", {} if step_roles is None else step_roles)
        settable(self, "travel_time", travel_time)

    def travel(self) -> timedelta:
        """`travel_time` as a span; PolicyProblem when it is not minutes or hours."""
        try:
            span = parse_duration(self.travel_time, "policy.yaml: travel_time").exact
        except BadInput as error:
            raise PolicyProblem(1, error.message) from None
        if span is None or span.total_seconds() < 0:
            raise PolicyProblem(1, _("policy.yaml: travel_time: expected minutes or hours, e.g. 10m"))
        return span

    def rule(self, key: str, facts: Mapping[str, Any] | None = None) -> Rule | None:
        for candidate in self.rules:
            if candidate.key == key and (facts is None or candidate.applies(facts)):
                return candidate
        return None

    def for_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    def keys(self) -> list[str]:
        return list(dict.fromkeys(r.key for r in self.rules))


_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


CALLER = "caller"
"""A `callback.*` entry of `steps:` may name `caller`: the role the callback itself names (11.1.3-6)."""
FINANCE_ONLY = frozenset({"repair.paid", "request.paid"})
"""Steps `steps:` may not give to anyone but finance (10.4.3-1: 一切费用由财务部收取); listing another role is
a malformed policy (exit 3, FILE:LINE), not a setting quietly ignored."""


def parse_policy(plain, lines: Mapping[int, int] | None = None) -> tuple[Policy, list[PolicyProblem]]:
    """Rules from parsed policy.yaml; every malformed rule is a problem, the rest still load."""
    problems: list[PolicyProblem] = []
    lines = lines or {}
    if not isinstance(plain, dict) or not isinstance(plain.get("rules"), list):
        where = ("rules",) if isinstance(plain, dict) and "rules" in plain else ()
        return Policy(()), [PolicyProblem(1, _("policy.yaml: expected a mapping with a 'rules' list"), where=where)]
    rules = []
    for index, raw in enumerate(plain["rules"]):
        line = lines.get(index, 1)
        try:
            rules.append(_parse_rule(raw, line))
        except PolicyProblem as problem:
            problem.where = ("rules", index) + ((problem.field,) if problem.field else ())
            problems.append(problem)
    step_roles = {}
    raw_steps = plain.get("steps") or {}
    if not isinstance(raw_steps, dict):
        problems.append(PolicyProblem(1, _("steps: expected a mapping of KIND.STEP to a list of role keys"),
                                      where=("steps",)))
        raw_steps = {}
    for key, roles in raw_steps.items():
        listed = [roles] if isinstance(roles, str) else roles
        known = ROLES + ((CALLER,) if str(key).startswith("callback.") else ())
        unknown = ([r for r in listed or [] if not isinstance(r, str) or r not in known] if isinstance(listed, list)
                   else [str(roles)])
        if unknown or not listed:
            problems.append(PolicyProblem(1, _("steps: {key}: expected a list of role keys of SPEC.md, not {roles}",
                                               key=key, roles=roles), where=("steps", key)))
            continue
        if key in FINANCE_ONLY and tuple(listed) != ("finance",):
            problems.append(PolicyProblem(1, _("steps: {key}: only finance collects (10.4.3); an office may relax "
                                               "other steps, never this one; expected [finance], not {roles}",
                                               key=key, roles=roles), where=("steps", key)))
            continue
        step_roles[str(key)] = tuple(listed)
    return Policy(tuple(rules), step_roles, plain.get("travel_time", "10m")), problems


def _parse_rule(raw, line: int) -> Rule:
    def need(name):
        value = raw.get(name)
        if value in (None, "", []):
            raise PolicyProblem(line, _("rule {key}: '{name}' is required", key=raw.get("key", "?"), name=name), name)
        return value

    def text(name, value):
        if not isinstance(value, str):
            raise PolicyProblem(line, _("rule {key}: '{name}' must be text, not {value}", key=raw.get("key", "?"),
                                        name=name, value=value), name)
        return value

    if not isinstance(raw, dict):
        raise PolicyProblem(line, _("a rule must be a mapping"))
    key = text("key", need("key"))
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise PolicyProblem(line, _("rule {key}: unknown setting(s) {names}; expected {expected}",
                                    key=key, names=", ".join(sorted(map(str, unknown))),
                                    expected=", ".join(sorted(RULE_KEYS))), str(sorted(map(str, unknown))[0]))
    forms = [name for name in DUE_FORMS if name in raw]
    if len(forms) != 1:
        raise PolicyProblem(line, _("rule {key}: give exactly one of {forms}", key=key, forms=", ".join(DUE_FORMS)),
                            forms[1] if len(forms) > 1 else None)
    role = text("role", need("role"))
    escalate = raw.get("escalate") or []
    if not isinstance(escalate, list):
        raise PolicyProblem(line, _("rule {key}: 'escalate' must be a list of role keys, e.g. [manager, leadership]",
                                    key=key), "escalate")
    for name, value in (("role", role), *(("escalate", item) for item in escalate)):
        if not isinstance(value, str) or value not in ROLES:
            raise PolicyProblem(line, _("rule {key}: '{role}' is not a role key; expected one of {roles}",
                                        key=key, role=value, roles=", ".join(ROLES)), name)
    escalate = tuple(escalate)
    end = need("end")
    end = tuple(end) if isinstance(end, list) else (end,)
    for step in end:
        text("end", step)
    for name in ("clause", "kind", "start"):
        text(name, need(name))
    for name in ("assignee", "note"):
        if raw.get(name) is not None:
            text(name, raw[name])
    if not isinstance(raw.get("working_days", False), bool):
        raise PolicyProblem(line, _("rule {key}: 'working_days' must be true or false, not {value}",
                                    key=key, value=raw.get("working_days")), "working_days")
    when = raw.get("when") or {}
    if not isinstance(when, dict):
        raise PolicyProblem(line, _("rule {key}: 'when' must map facts to values", key=key), "when")
    end_when = raw.get("end_when") or {}
    if not isinstance(end_when, dict):
        raise PolicyProblem(line, _("rule {key}: 'end_when' must map event data to values", key=key), "end_when")
    values: dict[str, Any] = {}
    form = forms[0]
    try:
        if "length" in raw:
            values["length"] = parse_duration(raw["length"], f"rule {key}: length")
            if values["length"].amount <= 0:
                raise PolicyProblem(line, _("rule {key}: length must be positive, not {value}", key=key,
                                            value=raw["length"]), "length")
        elif "offset" in raw:
            offset = raw["offset"]
            if not isinstance(offset, dict) or "from" not in offset or "by" not in offset \
                    or not isinstance(offset["from"], str) or set(offset) - {"from", "by"}:
                raise PolicyProblem(line, _("rule {key}: offset needs 'from' (a field) and 'by' (e.g. -5m)", key=key),
                                    "offset")
            values["offset_from"] = str(offset["from"])
            values["offset_by"] = parse_duration(offset["by"], f"rule {key}: offset.by")
            if values["offset_by"].exact is None:
                raise PolicyProblem(line, _("rule {key}: offset.by must be minutes or hours, e.g. -5m", key=key),
                                    "offset")
        elif "cutoff" in raw:
            match = _TIME_OF_DAY.match(str(raw["cutoff"])) if isinstance(raw["cutoff"], str) else None
            if not match:
                raise PolicyProblem(line, _("rule {key}: cutoff must be a time of day such as \"17:00\"", key=key),
                                    "cutoff")
            values["cutoff"] = time(int(match.group(1)), int(match.group(2)))
        elif "cutoff_day" in raw:
            day = raw["cutoff_day"]
            if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 28:
                raise PolicyProblem(line, _("rule {key}: cutoff_day must be a day of the month from 1 to 28", key=key),
                                    "cutoff_day")
            values["cutoff_day"] = day
        else:
            values["agreed"] = text("agreed", need("agreed"))
    except PolicyProblem:
        raise
    except Exception as error:
        raise PolicyProblem(line, getattr(error, "message", str(error)), form) from None
    return Rule(key=key, clause=str(need("clause")), kind=str(need("kind")), start=str(need("start")),
                end=end, role=role, escalate=escalate, when=dict(when), assignee=raw.get("assignee"),
                working_days=bool(raw.get("working_days", False)), line=line, end_when=dict(end_when),
                sooner=str(raw["sooner"]) if raw.get("sooner") else None, **values)


# --- the calendar -------------------------------------------------------------------------

class WorkCalendar(Value):
    __slots__ = ("closures",)
    closures: frozenset

    def __init__(self, closures: frozenset = frozenset()):
        settable(self, "closures", closures)

    def is_working_day(self, day: date) -> bool:
        if day in self.closures:
            return False
        try:
            import chinese_calendar

            return chinese_calendar.is_workday(day)
        except (ImportError, NotImplementedError):
            return day.weekday() < 5

    def add_working_days(self, day: date, count: int) -> date:
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def end_of_day(day: date, tz) -> datetime:
    """24:00 of `day`, shown as 23:59:59 (CLI.md: "End of a day")."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


# --- pure deadline functions --------------------------------------------------------------

def _add_exact(moment: datetime, span: timedelta) -> datetime:
    """`moment + span` as elapsed time: aware datetimes of one zone add wall-clock time (wrong across DST)."""
    from datetime import timezone

    return (moment.astimezone(timezone.utc) + span).astimezone(moment.tzinfo)


NO_CLOSURES = WorkCalendar()
"""China's working days with no closures of the office's own (calendar.yaml empty)."""


def _calendar_date(moment: datetime):
    """The local date of `moment` as a pendulum Date (calendar arithmetic: months clamp to their last day)."""
    import pendulum

    return pendulum.date(moment.year, moment.month, moment.day)


def due_at(rule: Rule, start: datetime, record: Record, start_event: Event | None,
           calendar: WorkCalendar = NO_CLOSURES) -> datetime | None:
    """When `rule`, started at `start`, falls due; None when the record lacks what it needs."""
    tz = start.tzinfo
    if rule.length is not None:
        exact = rule.length.exact
        if exact is not None:
            return _add_exact(start, exact)
        if rule.length.unit == "d":
            last = (calendar.add_working_days(start.date(), rule.length.amount) if rule.working_days
                    else _calendar_date(start).add(days=rule.length.amount))
        else:
            last = _calendar_date(start).add(months=rule.length.amount)
            if rule.working_days:
                last = calendar.next_working_day(last)
        return end_of_day(date(last.year, last.month, last.day), tz)
    if rule.offset_from is not None:
        anchor = record.get(rule.offset_from)
        if not anchor:
            return None
        moment = parse_time(anchor, str(tz), field=rule.offset_from)
        return _add_exact(moment, rule.offset_by.exact) if rule.offset_by.exact is not None else moment
    if rule.cutoff is not None:
        day = start.date() if start.timetz().replace(tzinfo=None) < rule.cutoff else start.date() + timedelta(days=1)
        if rule.working_days:
            day = calendar.next_working_day(day)
        return datetime.combine(day, rule.cutoff, tzinfo=tz)
    if rule.cutoff_day is not None:
        month_start = _calendar_date(start).replace(day=1)
        if start.day > rule.cutoff_day:
            month_start = month_start.add(months=1)
        return end_of_day(date(month_start.year, month_start.month, rule.cutoff_day), tz)
    if rule.agreed is not None and start_event is not None:
        agreed = start_event.get(rule.agreed)
        return parse_time(agreed, str(tz), field=rule.agreed) if agreed else None
    return None


def facts_of(record: Record) -> dict[str, Any]:
    """What rule conditions (`when`) can test."""
    facts = {k: v for k, v in record.fields.items() if isinstance(v, (str, bool, int))}
    facts["public"] = bool(record.get("public"))
    facts["listed"] = bool(record.get("price_code"))
    facts["appointment"] = bool(record.get("appointment"))
    facts["major"] = bool(record.get("major"))
    return facts


def _start_of(rule: Rule, record: Record) -> tuple[datetime | None, Event | None]:
    if rule.start.startswith("field:"):
        value = record.get(rule.start[6:])
        return (parse_time(value, str(record.received.tzinfo)) if value else None), None
    event = record.first(rule.start)
    return (event.at if event else None), event


def deadlines(record: Record, policy: Policy, closed_at: datetime | None = None,
              calendar: WorkCalendar = NO_CLOSURES) -> list["Deadline"]:
    """Every deadline the record has started, in rule order, replayed from its events."""
    facts = facts_of(record)
    result = []
    seen = set()
    for rule in policy.for_kind(record.kind):
        if rule.key in seen or not rule.applies(facts):
            continue
        start, start_event = _start_of(rule, record)
        if start is None:
            continue
        due = due_at(rule, start, record, start_event, calendar)
        if due is None:
            continue
        if rule.sooner and record.get(rule.sooner):  # 11.2.2: a date set sooner than the rule's, never later
            due = min(due, parse_time(record.get(rule.sooner), str(start.tzinfo), field=rule.sooner))
        seen.add(rule.key)
        done_event = next((e for e in record.events if e.step in rule.end and e.at >= start
                           and all(e.get(name) == value for name, value in rule.end_when.items())), None)
        assignee = None
        if rule.assignee:
            assigning = record.first(rule.assignee)
            assignee = assigning.get("to") if assigning else None
        done = done_event.at if done_event else None
        cancelled = closed_at if done is None and closed_at is not None else None
        result.append(Deadline(rule.key, rule.clause, rule.role, rule.escalate, assignee,
                               start, due, done, cancelled))
    return result


def describe_limit(rule: Rule) -> str:
    """A rule's time limit as a person says it (`2 分钟`, `17:00`, `25日`), for help texts and reports."""
    from propcli.i18n import _

    if rule.length is not None:
        units = {"s": _("{n} s"), "m": _("{n} min"), "h": _("{n} h"), "d": _("{n} days"), "mo": _("{n} month(s)")}
        text = units[rule.length.unit].format(n=rule.length.amount)
        return text + (_(" (working days)") if rule.working_days else "")
    if rule.offset_by is not None:
        minutes = rule.offset_by.amount
        return _("{n} min before the {field}", n=abs(minutes), field=rule.offset_from) if minutes < 0 else \
            _("{n} min after the {field}", n=minutes, field=rule.offset_from)
    if rule.cutoff is not None:
        return _("by {time}", time=rule.cutoff.strftime("%H:%M"))
    if rule.cutoff_day is not None:
        return _("by the {day}th of the month", day=rule.cutoff_day)
    if rule.agreed:
        return _("the agreed time")
    return ""
