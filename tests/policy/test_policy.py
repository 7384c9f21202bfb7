"""Deadline engine, the rules as data: ledger/policy.yaml against CLI.md "Deadline rule keys",
`check` on a malformed policy, an office changing a number, and the pure period arithmetic of
policy.due_at (SPEC.md "Callbacks": Civil Code counting; chinese_calendar working days)."""
import calendar as stdcal
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from propcli.cli import cli
from propcli.model import Event, Record
from propcli.policy.rules import WorkCalendar, deadlines, due_at, parse_policy
from propcli.timeutil import zone

REPO = Path(__file__).resolve().parents[2]
POLICY = REPO / "ledger" / "policy.yaml"
TZ = zone("Asia/Shanghai")
ENV = {"PROPCLI_LEDGER": None, "PROPCLI_NOW": None, "PROPCLI_USER": None}

# CLI.md "Deadline rule keys": key -> the clause(s) it cites.
FIXED = {
    "request.reply": {"9.4.1-2"},
    "repair.fill": {"10.4.1-2"},
    "repair.notify": {"10.4.1-2"},
    "repair.quote": {"10.4.1-2③"},
    "repair.arrive": {"10.4.1-2①", "10.4.1-2②"},
    "repair.return": {"10.4.1-7"},
    "repair.finance": {"10.4.1-7"},
    "public.notify": {"10.4.2-1"},
    "public.arrive": {"10.4.2-3"},
    "callback.complaint": {"11.1.3"},
    "callback.repair": {"11.1.4"},
    "callback.event": {"11.1.5"},
    "callback.reply": {"11.1.9"},
}


# --- private helpers (tests/conftest.py may offer the same; these keep this file standalone) ---

def _make_ledger(tmp_path) -> Path:
    path = tmp_path / "ledger"
    result = CliRunner().invoke(cli, ["init", str(path)], env=ENV)
    assert result.exit_code == 0, result.output
    return path


def _invoke(ledger, *args, now=None, as_="前台小李"):
    argv = ["--ledger", str(ledger)]
    if now:
        argv += ["--now", now]
    if as_:
        argv += ["--as", as_]
    return CliRunner().invoke(cli, argv + [str(a) for a in args], env=ENV)


def _rule(**raw):
    base = {"key": "test.rule", "clause": "0.0", "kind": "callback", "start": "new", "end": "record",
            "role": "area_officer"}
    base.update(raw)
    policy, problems = parse_policy({"rules": [base]})
    assert not problems, [p.message for p in problems]
    return policy.rules[0]


def _record(at: datetime, **fields) -> Record:
    return Record("callback", "B-TEST000001", MappingProxyType(fields), (Event("new", at, "x"),))


def _due(rule, start: datetime, cal: WorkCalendar | None = None, **fields):
    return due_at(rule, start, _record(start, **fields), None, cal or WorkCalendar())


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def _end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(23, 59, 59), tzinfo=TZ)


# --- the shipped policy --------------------------------------------------------------------

def _shipped():
    policy, problems = parse_policy(yaml.safe_load(POLICY.read_text(encoding="utf-8")))
    assert not problems, [p.message for p in problems]
    return policy


def test_every_fixed_key_is_in_the_policy_with_its_clause():
    policy = _shipped()
    found: dict[str, set] = {}
    for rule in policy.rules:
        found.setdefault(rule.key, set()).add(rule.clause)
    for key, clauses in FIXED.items():
        assert found.get(key) == clauses, key


def test_shipped_rules_have_the_lengths_of_cli_md():
    policy = _shipped()
    minutes = {"request.reply": 10, "repair.fill": 2, "repair.notify": 3, "repair.quote": 15,
               "public.notify": 10, "public.arrive": 15}
    for key, value in minutes.items():
        rule = policy.rule(key)
        assert rule.length.exact == timedelta(minutes=value), key
    arrive = [r for r in policy.rules if r.key == "repair.arrive"]
    assert {r.clause for r in arrive if r.length is not None} == {"10.4.1-2①"}
    assert all(r.length.exact == timedelta(minutes=10) for r in arrive if r.length is not None)
    assert all(r.offset_by.exact == timedelta(minutes=-5) and r.offset_from == "appointment"
               for r in arrive if r.length is None)
    # arrive counts from take for listed items, from accept after a quote
    assert {(r.when["listed"], r.start) for r in arrive} == {(True, "take"), (False, "accept")}
    assert policy.rule("repair.quote").start == "take"
    assert policy.rule("repair.return").cutoff == time(17, 0)
    assert policy.rule("repair.finance").cutoff_day == 25
    assert policy.rule("callback.complaint").length.unit == "d" and policy.rule("callback.complaint").length.amount == 3
    for key in ("callback.repair", "callback.event"):
        assert (policy.rule(key).length.unit, policy.rule(key).length.amount) == ("mo", 1)
    roles = {"request.reply": "property_officer", "repair.fill": "receptionist", "repair.notify": "receptionist",
             "repair.finance": "receptionist", "public.notify": "receptionist",
             "repair.quote": "engineering_director", "repair.arrive": "technician",
             "repair.return": "technician", "public.arrive": "technician"}
    for key, role in roles.items():
        assert {r.role for r in policy.rules if r.key == key} == {role}, key


def test_init_ledger_gets_the_same_policy_and_check_passes(tmp_path):
    ledger = _make_ledger(tmp_path)
    assert (ledger / "policy.yaml").read_text(encoding="utf-8") == POLICY.read_text(encoding="utf-8")
    result = _invoke(ledger, "check")
    assert result.exit_code == 0, result.output


# --- check on a malformed policy ---------------------------------------------------------------

def _break_rule(ledger: Path, key: str, old: str, new: str, changed: list | None = None) -> int:
    """Replace `old` by `new` inside the rule `key`; return the line number of that rule's '- key:' (and append
    the line number of the changed line to `changed`)."""
    path = ledger / "policy.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- key: {key}")
    for i in range(start + 1, len(lines)):
        if lines[i].strip().startswith("- key:"):
            raise AssertionError(f"{old!r} not in rule {key}")
        if old in lines[i]:
            lines[i] = lines[i].replace(old, new)
            if changed is not None:
                changed.append(i + 1)
            break
    path.write_text("\n".join(lines), encoding="utf-8")
    return start + 1


@pytest.mark.parametrize("key, old, new, words", [
    ("repair.fill", "length: 2m", "length: 2m\n    colour: red", ["colour"]),
    ("repair.fill", "length: 2m", "length: 10x", ["length", "10x"]),
    ("repair.notify", "role: receptionist", "", ["role"]),
    ("repair.return", 'cutoff: "17:00"', 'cutoff: "25:00"', ["cutoff"]),
    ("repair.arrive", "role: technician", "role: plumber", ["plumber"]),
    ("repair.fill", "length: 2m", "length: 2m\n    cutoff: \"17:00\"", ["one of"]),
    ("repair.finance", "cutoff_day: 25", "cutoff_day: 31", ["cutoff_day"]),
])
def test_check_rejects_a_malformed_rule_with_its_line(tmp_path, key, old, new, words):
    ledger = _make_ledger(tmp_path)
    changed: list = []
    line = _break_rule(ledger, key, old, new, changed)
    result = _invoke(ledger, "check")
    assert result.exit_code == 1, result.output
    problems = [line for line in result.stdout.splitlines() if line.startswith("policy.yaml:")]
    assert len(problems) == 1, result.output
    assert re.match(r"^policy\.yaml:\d+: \S", problems[0])
    # the line of the setting at fault (ruamel.yaml's marks), or the rule's own line when the setting is missing
    reported = int(problems[0].split(":")[1])
    assert reported in (line, changed[0], changed[0] + 1), (problems[0], line, changed)
    if new.strip():
        text = (ledger / "policy.yaml").read_text(encoding="utf-8").split("\n")[reported - 1]
        assert any(word in text for word in words) or reported == line or "one of" in words, text
    assert key in problems[0]
    for word in words:
        assert word in problems[0]


def test_check_reports_every_broken_rule(tmp_path):
    ledger = _make_ledger(tmp_path)
    lines: list = []  # each problem at the line of the setting at fault
    _break_rule(ledger, "repair.fill", "length: 2m", "length: 10x", lines)
    _break_rule(ledger, "public.arrive", "length: 15m", "length: soon", lines)
    first, second = lines
    result = _invoke(ledger, "check")
    assert result.exit_code == 1
    assert {line.split(":")[1] for line in result.stdout.splitlines()
            if line.startswith("policy.yaml:")} == {str(first), str(second)}


def test_check_rejects_a_policy_that_is_not_yaml(tmp_path):
    ledger = _make_ledger(tmp_path)
    (ledger / "policy.yaml").write_text("rules:\n  - key: [unclosed\n", encoding="utf-8")
    result = _invoke(ledger, "check")
    assert result.exit_code == 1
    assert re.search(r"^policy\.yaml:\d+: ", result.stdout, re.M), result.output


# --- an office changes a number: deadlines follow, without code changes ------------------------

def test_changing_a_number_moves_the_deadlines(tmp_path):
    ledger = _make_ledger(tmp_path)
    made = _invoke(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                   "--item", "水龙头漏水", "--price-code", "SD-01", "-f", "json", now="2026-11-28T09:00")
    assert made.exit_code == 0, made.output
    record_id = json.loads(made.stdout)["id"]

    def fill_due():
        shown = json.loads(_invoke(ledger, "show", record_id, "-f", "json", now="2026-11-28T09:04").stdout)
        return next(d for d in shown["deadlines"] if d["rule"] == "repair.fill")

    def overdue_rules():
        result = _invoke(ledger, "overdue", "-f", "json", now="2026-11-28T09:04")
        assert result.exit_code == 0, result.output
        return {row["rule"] for row in json.loads(result.stdout)}

    assert fill_due()["due"] == "2026-11-28T09:02:00+08:00"
    assert overdue_rules() == {"repair.fill", "repair.notify"}      # the index is built on the old policy
    _break_rule(ledger, "repair.fill", "length: 2m", "length: 5m")
    assert _invoke(ledger, "check").exit_code == 0
    assert fill_due()["due"] == "2026-11-28T09:05:00+08:00"
    assert fill_due()["state"] == "pending"
    assert overdue_rules() == {"repair.notify"}                     # the index recomputed


def test_a_closure_added_to_calendar_yaml_is_honoured(tmp_path):
    """calendar.yaml closures reach working-day rules through the ledger (and the index digest)."""
    ledger = _make_ledger(tmp_path)
    policy = ledger / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "    length: 3d\n", "    length: 3d\n    working_days: true\n"), encoding="utf-8")
    (ledger / "calendar.yaml").write_text('closures:\n  - "2026-11-10"\n', encoding="utf-8")
    assert _invoke(ledger, "check").exit_code == 0
    from propcli.store.ledger import Ledger

    opened = Ledger(ledger)
    assert date(2026, 11, 10) in opened.calendar.closures
    record = Record("callback", "B-TEST000001",
                    MappingProxyType({"source_kind": "complaint", "source_done": "2026-11-06T10:00:00+08:00"}),
                    (Event("new", _local("2026-11-06T11:00"), "x"),))
    found = deadlines(record, opened.policy, None, opened.calendar)
    # Fri 11-06: Mon 09 (1), Tue 10 closed, Wed 11 (2), Thu 12 (3)
    assert [(d.rule, d.due) for d in found] == [("callback.complaint", _end_of("2026-11-12"))]


# --- policy parsing, by hypothesis ------------------------------------------------------------

UNITS = {"m": 60, "min": 60, "h": 3600, "s": 1}


@given(st.integers(1, 100000), st.sampled_from(sorted(UNITS)))
def test_any_exact_length_parses_and_adds_exactly(amount, unit):
    rule = _rule(length=f"{amount}{unit}")
    start = _local("2026-03-08T01:30:00")
    assert _due(rule, start) - start == timedelta(seconds=amount * UNITS[unit])


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)), st.integers(1, 600),
       st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Shanghai"]))
def test_exact_lengths_are_elapsed_time_also_across_dst(start, minutes, tz):
    """Minute and hour limits run from the exact moment (SPEC.md), whatever the ledger's timezone."""
    from datetime import timezone

    start = start.replace(microsecond=0, tzinfo=timezone.utc).astimezone(zone(tz))
    assert _due(_rule(length=f"{minutes}m"), start).timestamp() - start.timestamp() == minutes * 60
    rule = _rule(offset={"from": "appointment", "by": "-5m"})
    appointment = start + timedelta(days=1)
    assert _due(rule, start, appointment=appointment.isoformat()).timestamp() == appointment.timestamp() - 300


def test_ten_minutes_across_the_autumn_dst_change():
    from propcli.timeutil import parse_time

    start = parse_time("2026-10-25T00:55:00Z", "Europe/Berlin")          # 02:55 CEST
    due = _due(_rule(length="10m"), start)
    assert due.timestamp() - start.timestamp() == 600                     # 02:05 CET, not 03:05 CET


@given(st.text(max_size=12))
def test_a_bad_length_is_a_problem_with_the_line_never_a_crash(text):
    assume(not re.match(r"^\s*\+?0*[1-9]\d*\s*(mo|min|m|h|d|s)\s*$", text))
    raw = {"key": "x.y", "clause": "1", "kind": "repair", "start": "new", "end": "fill", "role": "receptionist",
           "length": text}
    policy, problems = parse_policy({"rules": [raw]}, {0: 7})
    assert policy.rules == ()
    assert len(problems) == 1 and problems[0].line == 7 and "x.y" in problems[0].message


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_time_of_day_is_a_cutoff(hour, minute):
    assert _rule(cutoff=f"{hour:02d}:{minute:02d}").cutoff == time(hour, minute)


@given(st.integers(24, 99) | st.integers(-9, -1), st.integers(0, 99))
def test_no_bad_hour_is_a_cutoff(hour, minute):
    raw = {"key": "x.y", "clause": "1", "kind": "repair", "start": "new", "end": "fill", "role": "receptionist",
           "cutoff": f"{hour:02d}:{minute:02d}"}
    _policy, problems = parse_policy({"rules": [raw]})
    assert len(problems) == 1 and "cutoff" in problems[0].message


_scalars = st.none() | st.booleans() | st.integers(-5, 40) | st.text(max_size=8) | st.sampled_from(
    ["10m", "3d", "1mo", "17:00", "25:00", "10x", "receptionist", "new", "take", "repair", "-5m"])
_junk = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["key", "clause", "kind", "start", "end", "role", "length", "offset", "cutoff", "cutoff_day",
                     "agreed", "when", "escalate", "from", "by", "colour"]), inner, max_size=8), max_leaves=20)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_junk, max_size=4))
def test_parse_policy_never_raises_on_junk(rules):
    policy, problems = parse_policy({"rules": rules}, {i: 10 + i for i in range(len(rules))})
    assert len(policy.rules) + len(problems) == len(rules)
    for problem in problems:
        assert problem.line in {10 + i for i in range(len(rules))} and problem.message


# --- period counting (SPEC.md "Callbacks") -------------------------------------------------------

def test_three_days_from_the_6th_end_with_the_9th():
    rule = _rule(length="3d")
    for clock in ("00:00:00", "10:00:00", "23:59:59"):
        assert _due(rule, _local(f"2026-11-06T{clock}")) == _end_of("2026-11-09")


@pytest.mark.parametrize("start, end", [
    ("2026-11-02T15:00", "2026-12-02"),
    ("2026-01-31T09:00", "2026-02-28"),
    ("2028-01-31T09:00", "2028-02-29"),
    ("2026-03-31T09:00", "2026-04-30"),
    ("2026-12-15T09:00", "2027-01-15"),
    ("2026-12-31T23:59", "2027-01-31"),
])
def test_one_month_ends_with_the_same_date_or_the_months_last_day(start, end):
    assert _due(_rule(length="1mo"), _local(start)) == _end_of(end)


def test_the_shipped_callback_rules_count_from_the_source(tmp_path):
    policy = _shipped()
    received = _local("2026-12-01T09:00")
    cases = [("complaint", "2026-11-06T16:00:00+08:00", "callback.complaint", "11.1.3", "2026-11-09"),
             ("repair", "2026-11-02T10:00:00+08:00", "callback.repair", "11.1.4", "2026-12-02"),
             ("event", "2026-01-31T20:00:00+08:00", "callback.event", "11.1.5", "2026-02-28")]
    for source_kind, done, key, clause, end in cases:
        record = Record("callback", "B-TEST000001", MappingProxyType({"source_kind": source_kind, "source_done": done}),
                        (Event("new", received, "x"),))
        found = [d for d in deadlines(record, policy) if d.rule.startswith("callback.") and d.rule != "callback.reply"]
        assert [(d.rule, d.clause, d.due) for d in found] == [(key, clause, _end_of(end))]
        assert found[0].start == datetime.fromisoformat(done)


def test_working_days_skip_national_day_and_weekends_and_honour_tiaoxiu():
    rule = _rule(length="3d", working_days=True)
    # Wed 09-30; 10-01..07 holidays; Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 is a 调休 working day (3)
    assert _due(rule, _local("2026-09-30T10:00")) == _end_of("2026-10-10")
    # Fri 11-06: Mon 11-09 (1), Tue (2), Wed 11-11 (3)
    assert _due(rule, _local("2026-11-06T10:00")) == _end_of("2026-11-11")
    # started on a holiday: 10-03 -> 08, 09, 10
    assert _due(rule, _local("2026-10-03T10:00")) == _end_of("2026-10-10")
    assert _due(_rule(length="1d", working_days=True), _local("2026-10-10T10:00")) == _end_of("2026-10-12")


def test_working_days_honour_the_offices_closures():
    rule = _rule(length="3d", working_days=True)
    closed = WorkCalendar(frozenset({date(2026, 11, 10)}))
    assert _due(rule, _local("2026-11-06T10:00"), closed) == _end_of("2026-11-12")


def test_a_working_day_month_ending_on_a_holiday_moves_to_the_next_working_day():
    rule = _rule(length="1mo", working_days=True)
    # 09-01 + 1 month = 10-01 (National Day) -> 10-08
    assert _due(rule, _local("2026-09-01T10:00")) == _end_of("2026-10-08")


def test_calendar_knows_2026():
    import chinese_calendar

    cal = WorkCalendar()
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.is_working_day(date(2026, 10, 10))          # Saturday, 调休
    assert cal.is_working_day(date(2026, 10, 10)) == chinese_calendar.is_workday(date(2026, 10, 10))


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)), st.integers(1, 40))
def test_day_periods_end_at_the_end_of_the_last_day(start, days):
    start = start.replace(microsecond=0, tzinfo=TZ)
    due = _due(_rule(length=f"{days}d"), start)
    assert due.timetz().replace(tzinfo=None) == time(23, 59, 59)
    assert due.date() == start.date() + timedelta(days=days)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)), st.integers(1, 12),
       st.integers(1, 10))
def test_working_day_periods_count_only_working_days(start, days, seed):
    start = start.replace(microsecond=0, tzinfo=TZ)
    cal = WorkCalendar()
    due = _due(_rule(length=f"{days}d", working_days=True), start, cal)
    assert due.timetz().replace(tzinfo=None) == time(23, 59, 59)
    between = [start.date() + timedelta(days=n) for n in range(1, (due.date() - start.date()).days + 1)]
    assert sum(cal.is_working_day(d) for d in between) == days
    assert cal.is_working_day(due.date())


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)), st.integers(1, 14))
def test_month_periods_end_on_the_same_date_or_the_last_day(start, months):
    start = start.replace(microsecond=0, tzinfo=TZ)
    due = _due(_rule(length=f"{months}mo"), start)
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = stdcal.monthrange(year, month)[1]
    assert due == _end_of(date(year, month, min(start.day, last)).isoformat())


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)))
def test_cutoff_17_is_that_day_before_it_and_the_next_day_from_it(start):
    start = start.replace(microsecond=0, tzinfo=TZ)
    due = _due(_rule(cutoff="17:00"), start)
    expected_day = start.date() if start.time() < time(17) else start.date() + timedelta(days=1)
    assert due == datetime.combine(expected_day, time(17), tzinfo=TZ)
    assert due > start and due - start <= timedelta(hours=24)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)))
def test_cutoff_day_25_is_this_or_next_months_25th(start):
    start = start.replace(microsecond=0, tzinfo=TZ)
    due = _due(_rule(cutoff_day=25), start)
    if start.day <= 25:
        assert due == _end_of(date(start.year, start.month, 25).isoformat())
    else:
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        assert due == _end_of(date(year, month, 25).isoformat())
    assert due >= start


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)), st.integers(-120, 120))
def test_offset_is_relative_to_the_field(moment, minutes):
    moment = moment.replace(microsecond=0, tzinfo=TZ)
    rule = _rule(offset={"from": "appointment", "by": f"{minutes}m"})
    received = moment - timedelta(days=1)
    assert _due(rule, received, appointment=moment.isoformat()) == moment + timedelta(minutes=minutes)
    assert _due(rule, received) is None          # no appointment: no such deadline


def test_a_deadline_done_exactly_at_due_is_met():
    start = _local("2026-11-28T09:00")
    record = Record("callback", "B-TEST000001", MappingProxyType({}),
                    (Event("new", start, "x"), Event("record", start + timedelta(minutes=2), "x")))
    policy, _problems = parse_policy({"rules": [{"key": "t.k", "clause": "0", "kind": "callback", "start": "new",
                                                 "end": "record", "length": "2m", "role": "area_officer"}]})
    (deadline,) = deadlines(record, policy)
    assert deadline.state(start + timedelta(minutes=5)) == "met"
    assert deadline.state(start + timedelta(minutes=1)) == "pending"   # done later than the moment asked
    late = Record("callback", "B-TEST000001", MappingProxyType({}),
                  (Event("new", start, "x"), Event("record", start + timedelta(minutes=2, seconds=1), "x")))
    (deadline,) = deadlines(late, policy)
    assert deadline.state(start + timedelta(days=30)) == "missed"
    assert deadline.state(start + timedelta(minutes=2, seconds=1)) == "missed"
    assert deadline.state(start + timedelta(minutes=2)) == "pending"
    assert deadline.state(start + timedelta(minutes=2, seconds=0.5)) == "overdue"
