"""`overdue` (the SQL list over the index, as-of replay, --within, --check, filters, formats),
`explain`, and time input (--now / --at in ISO 8601; garbage is exit 2 naming the option)."""
import csv
import io
import json

import pytest

from conftest import git_state, invoke, invoke_json, make_ledger

from timeline import RESIDENT, new_public, new_repair, step  # noqa: F401

COLUMNS = ["id", "kind", "rule", "clause", "due", "minutes_late", "role", "escalated_to", "assignee"]


@pytest.fixture
def ledger(tmp_path):
    return make_ledger(tmp_path)


def overdue(ledger, now, *options):
    result = invoke(ledger, "overdue", *options, "-f", "json", now=now)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def pairs(rows):
    return [(row["id"], row["rule"]) for row in rows]


@pytest.fixture
def busy(ledger):
    """Three repairs at different stages on 2026-11-28; returns (ledger, ids)."""
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")        # nothing done
    b = new_repair(ledger, "2026-11-28T09:05", "--price-code", "SD-02")
    for name, at, extra in (("fill", "09:06", ()), ("notify", "09:07", ()), ("take", "09:10", ("--to", "李师傅"))):
        step(ledger, b, name, f"2026-11-28T{at}", *extra)                        # arrive due 09:20
    c = new_public(ledger, "2026-11-28T09:30")                                   # public.notify due 09:40
    return ledger, {"a": a, "b": b, "c": c}


# --- the list -----------------------------------------------------------------------------------

def test_lists_open_deadlines_past_due_most_late_first(busy):
    ledger, ids = busy
    rows = overdue(ledger, "2026-11-28T09:45")
    assert pairs(rows) == [(ids["a"], "repair.fill"), (ids["a"], "repair.notify"), (ids["b"], "repair.arrive"),
                           (ids["c"], "public.notify")]
    assert [row["minutes_late"] for row in rows] == [43.0, 42.0, 25.0, 5.0]
    for row in rows:
        assert set(COLUMNS) <= set(row)
        assert row["kind"] == "repair"
        assert row["due"].endswith("+08:00")
    arrive = rows[2]
    assert (arrive["clause"], arrive["due"], arrive["role"], arrive["assignee"], arrive["escalated_to"]) == (
        "10.4.1-2①", "2026-11-28T09:20:00+08:00", "technician", "李师傅", None)
    assert (rows[0]["clause"], rows[0]["role"], rows[0]["assignee"]) == ("10.4.1-2", "receptionist", None)
    assert (rows[3]["clause"], rows[3]["role"]) == ("10.4.2-1", "receptionist")


def test_nothing_due_yet_is_an_empty_list_and_check_passes(busy):
    ledger, _ids = busy
    assert overdue(ledger, "2026-11-28T09:01") == []
    result = invoke(ledger, "overdue", "--check", now="2026-11-28T09:01")
    assert result.exit_code == 0, result.output


def test_done_deadlines_are_not_listed_even_when_missed(busy):
    ledger, ids = busy
    step(ledger, ids["a"], "fill", "2026-11-28T09:50")
    rows = overdue(ledger, "2026-11-28T09:50")
    assert (ids["a"], "repair.fill") not in pairs(rows)
    assert (ids["a"], "repair.notify") in pairs(rows)


def test_within_adds_soon_due_ones_with_negative_minutes(ledger):
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    rows = overdue(ledger, "2026-11-28T09:01", "--within", "15m")
    assert pairs(rows) == [(a, "repair.fill"), (a, "repair.notify")]
    assert [row["minutes_late"] for row in rows] == [-1.0, -2.0]
    assert overdue(ledger, "2026-11-28T09:01", "--within", "30s") == []
    assert pairs(overdue(ledger, "2026-11-28T09:01", "--within", "90s")) == [(a, "repair.fill")]
    result = invoke(ledger, "overdue", "--within", "15m", "--check", now="2026-11-28T09:01")
    assert result.exit_code == 0, result.output                        # due soon does not count for --check


def test_within_mixes_late_and_soon_sorted_by_lateness(ledger):
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    b = new_repair(ledger, "2026-11-28T09:02:30", "--price-code", "SD-01")
    rows = overdue(ledger, "2026-11-28T09:02:30", "--within", "3m")
    # b's notify falls due exactly 3m from now: "within 3m" includes it
    assert pairs(rows) == [(a, "repair.fill"), (a, "repair.notify"), (b, "repair.fill"), (b, "repair.notify")]
    assert [row["minutes_late"] for row in rows] == [0.5, -0.5, -2.0, -3.0]
    result = invoke(ledger, "overdue", "--within", "3m", "--check", now="2026-11-28T09:02:30")
    assert result.exit_code == 1


def test_within_needs_a_duration(ledger):
    for bad in ("soon", "15x", "-5m"):
        result = invoke(ledger, "overdue", "--within", bad, now="2026-11-28T09:00")
        assert result.exit_code == 2, (bad, result.output)
        assert "--within" in result.stderr
        assert result.stderr.count("\n") == 1


def test_check_exits_1_only_when_something_is_overdue(busy):
    ledger, _ids = busy
    result = invoke(ledger, "overdue", "--check", now="2026-11-28T09:02:01")
    assert result.exit_code == 1
    assert invoke(ledger, "overdue", "--check", now="2026-11-28T09:02:00").exit_code == 0   # exactly at due: not late
    assert invoke(ledger, "overdue", "--check", "--kind", "request", now="2026-11-28T09:45").exit_code == 0


def test_filters_kind_role_assignee(busy):
    ledger, ids = busy
    now = "2026-11-28T09:45"
    assert len(overdue(ledger, now, "--kind", "repair")) == 4
    assert overdue(ledger, now, "--kind", "request") == []
    assert pairs(overdue(ledger, now, "--role", "technician")) == [(ids["b"], "repair.arrive")]
    assert {r["rule"] for r in overdue(ledger, now, "--role", "receptionist")} == {
        "repair.fill", "repair.notify", "public.notify"}
    assert pairs(overdue(ledger, now, "--assignee", "李师傅")) == [(ids["b"], "repair.arrive")]
    assert overdue(ledger, now, "--assignee", "王师傅") == []
    assert pairs(overdue(ledger, now, "--role", "technician", "--assignee", "李师傅", "--kind", "repair")) == [
        (ids["b"], "repair.arrive")]


def test_csv_and_table(busy):
    ledger, ids = busy
    result = invoke(ledger, "overdue", "-f", "csv", now="2026-11-28T09:45")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == COLUMNS
    assert [(r["id"], r["rule"]) for r in rows] == pairs(overdue(ledger, "2026-11-28T09:45"))
    assert rows[2]["assignee"] == "李师傅" and rows[2]["clause"] == "10.4.1-2①"
    assert float(rows[0]["minutes_late"]) == 43.0
    table = invoke(ledger, "overdue", now="2026-11-28T09:45")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert all(c in lines[0] for c in ("id", "rule", "clause", "due", "minutes_late", "role", "assignee"))
    for value in (ids["a"], ids["b"], ids["c"], "public.notify", "李师傅", "10.4.1-2①"):
        assert value in table.stdout
    order = [next(i for i, line in enumerate(lines) if ids[k] in line) for k in ("a", "b", "c")]
    assert order == sorted(order)
    empty = invoke(ledger, "overdue", now="2026-11-28T09:00")
    assert empty.exit_code == 0


# --- as-of replay ---------------------------------------------------------------------------------

def test_as_of_replay_reproduces_the_list_of_that_moment(ledger):
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:05")):
        step(ledger, a, name, f"2026-11-28T{at}")
    step(ledger, a, "arrive", "2026-11-28T09:40", now="2026-11-28T10:00")
    late = new_repair(ledger, "2026-11-28T09:50", "--price-code", "SD-01", now="2026-11-28T10:00")
    # now (10:00): arrive done late, not listed; the later repair's fill and notify are
    assert pairs(overdue(ledger, "2026-11-28T10:00")) == [(late, "repair.fill"), (late, "repair.notify")]
    # 09:30: arrive (due 09:15) was open and late; the 09:50 repair did not exist
    rows = overdue(ledger, "2026-11-28T09:30")
    assert pairs(rows) == [(a, "repair.arrive")] and rows[0]["minutes_late"] == 15.0
    # 09:10: arrive not yet due; fill and notify done in time
    assert overdue(ledger, "2026-11-28T09:10") == []
    assert pairs(overdue(ledger, "2026-11-28T09:10", "--within", "6m")) == [(a, "repair.arrive")]
    # 09:40 exactly: arrive recorded at that moment, so no longer open
    assert overdue(ledger, "2026-11-28T09:40") == []
    assert pairs(overdue(ledger, "2026-11-28T09:39:59")) == [(a, "repair.arrive")]
    # before the first record
    assert overdue(ledger, "2026-11-28T08:00") == []
    assert invoke(ledger, "overdue", "--check", now="2026-11-28T09:30").exit_code == 1
    assert invoke(ledger, "overdue", "--check", now="2026-11-28T09:45").exit_code == 0


def test_as_of_replay_matches_show(ledger):
    """The SQL list and the record's own replay (`show`) agree at every moment."""
    a = new_repair(ledger, "2026-11-28T09:00")
    steps = [("fill", "09:03"), ("notify", "09:04"), ("take", "09:10"), ("quote", "09:30", "--price", "60"),
             ("accept", "09:35"), ("arrive", "09:50")]
    for name, at, *extra in steps:
        step(ledger, a, name, f"2026-11-28T{at}", *extra)
    for minute in range(0, 60, 1):
        now = f"2026-11-28T09:{minute:02d}:30"
        listed = sorted(row["rule"] for row in overdue(ledger, now))
        shown = json.loads(invoke(ledger, "show", a, "-f", "json", now=now).stdout)
        expected = sorted(d["rule"] for d in shown["deadlines"] if d["state"] == "overdue")
        assert listed == expected, now


def test_closed_records_are_not_overdue(ledger):
    a = new_repair(ledger, "2026-11-28T09:00")
    for name, at in (("fill", "09:01"), ("notify", "09:02"), ("take", "09:05")):
        step(ledger, a, name, f"2026-11-28T{at}")
    step(ledger, a, "quote", "2026-11-28T09:10", "--price", "200")
    step(ledger, a, "refuse", "2026-11-28T09:30", "--reason", "太贵", "--technician", "吴海涛", "--director", "周志强")
    assert overdue(ledger, "2026-11-29T09:00") == []


# --- explain ----------------------------------------------------------------------------------------

def test_explain_prints_timeline_and_rules(ledger):
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    step(ledger, a, "fill", "2026-11-28T09:01")
    step(ledger, a, "notify", "2026-11-28T09:04")
    step(ledger, a, "take", "2026-11-28T09:05", "--to", "李师傅")
    result = invoke(ledger, "explain", a, now="2026-11-28T09:30")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for value in (a, "repair.fill", "repair.notify", "repair.arrive", "10.4.1-2", "10.4.1-2①",
                  "2026-11-28 09:02", "2026-11-28 09:15", "met", "missed", "overdue",
                  "fill", "notify", "take", "李师傅"):
        assert value in text, value
    data = json.loads(invoke(ledger, "explain", a, "-f", "json", now="2026-11-28T09:30").stdout)
    assert data["id"] == a
    assert [e["step"] for e in data["events"]] == ["new", "fill", "notify", "take"]
    assert data["events"][1]["at"] == "2026-11-28T09:01:00+08:00"
    verdicts = {d["rule"]: d for d in data["deadlines"]}
    assert {k: v["state"] for k, v in verdicts.items()} == {
        "repair.fill": "met", "repair.notify": "missed", "repair.arrive": "overdue"}
    arrive = verdicts["repair.arrive"]
    assert (arrive["clause"], arrive["start"], arrive["due"], arrive["done"]) == (
        "10.4.1-2①", "2026-11-28T09:05:00+08:00", "2026-11-28T09:15:00+08:00", None)
    notify = verdicts["repair.notify"]
    assert (notify["start"], notify["due"], notify["done"]) == (
        "2026-11-28T09:00:00+08:00", "2026-11-28T09:03:00+08:00", "2026-11-28T09:04:00+08:00")


def test_explain_as_of_the_past(ledger):
    a = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    step(ledger, a, "fill", "2026-11-28T09:05")
    data = json.loads(invoke(ledger, "explain", a, "-f", "json", now="2026-11-28T09:03").stdout)
    assert [e["step"] for e in data["events"]] == ["new"]
    assert {d["rule"]: d["state"] for d in data["deadlines"]} == {"repair.fill": "overdue", "repair.notify": "pending"}
    before = invoke(ledger, "explain", a, now="2026-11-28T08:59")
    assert before.exit_code == 2


# --- time input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-11-28T09:00", "2026-11-28T09:00:00", "2026-11-28T09:00:00+08:00",
                                  "2026-11-28T01:00:00Z", "2026-11-28T01:00:00+00:00", "2026-11-27T20:00:00-05:00"])
def test_now_and_at_accept_iso_8601_with_and_without_offset(ledger, text):
    record_id = new_repair(ledger, text, "--price-code", "SD-01", now=text)
    shown = json.loads(invoke(ledger, "show", record_id, "-f", "json", now=text).stdout)
    assert shown["events"][0]["at"] == "2026-11-28T09:00:00+08:00"
    assert shown["received"] == "2026-11-28T09:00:00+08:00"
    assert {d["rule"]: d["due"] for d in shown["deadlines"]}["repair.fill"] == "2026-11-28T09:02:00+08:00"


def test_now_without_offset_is_shanghai_time(ledger):
    new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    assert len(overdue(ledger, "2026-11-28T09:02:01")) == 1
    assert len(overdue(ledger, "2026-11-28T01:02:01Z")) == 1
    assert overdue(ledger, "2026-11-28T01:01:59Z") == []


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T09:00", "2026-11-28T25:00", "28/11/2026 09:00", ""])
def test_garbage_now_is_exit_2_naming_the_option(ledger, bad):
    for args in (("overdue",), ("repair", "new", *RESIDENT, "--item", "x")):
        before = git_state(ledger)
        result = invoke(ledger, *args, now=bad)
        if bad == "":
            continue            # an empty --now is "not given": the real clock
        assert result.exit_code == 2, (args, result.output)
        assert "--now" in result.stderr
        assert "Traceback" not in result.output
        assert git_state(ledger) == before


@pytest.mark.parametrize("bad", ["tomorrow", "2026-11-28 9h", "2026-02-30T09:00"])
def test_garbage_at_is_exit_2_naming_the_option(ledger, bad):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    before = git_state(ledger)
    result = invoke(ledger, "repair", "fill", record_id, "--at", bad, now="2026-11-28T09:05")
    assert result.exit_code == 2, result.output
    assert "--at" in result.stderr and "Traceback" not in result.output
    result = invoke(ledger, "repair", "new", *RESIDENT, "--item", "x", "--at", bad, now="2026-11-28T09:05")
    assert result.exit_code == 2 and "--at" in result.stderr
    result = invoke(ledger, "repair", "new", *RESIDENT, "--item", "x", "--appointment", bad, now="2026-11-28T09:05")
    assert result.exit_code == 2 and "--appointment" in result.stderr
    assert git_state(ledger) == before


def test_overdue_limit_lists_the_n_most_overdue(ledger):
    """CLI.md `overdue --limit N`: the N most overdue, in the order the whole list has (issue 21)."""
    for hour in ("07", "08", "09", "10"):
        invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                    "--item", "漏水", now=f"2026-11-27T{hour}:00")
    every = invoke_json(ledger, "overdue", now="2026-11-28T09:00")
    assert len(every) > 3
    first = invoke_json(ledger, "overdue", "--limit", "3", now="2026-11-28T09:00")
    assert first == every[:3]
    assert invoke(ledger, "overdue", "--limit", "0", now="2026-11-28T09:00").exit_code == 2


@pytest.mark.parametrize("patrol", [True, False])
@pytest.mark.parametrize("timezone", ["Asia/Shanghai", "America/New_York"])
def test_the_json_rows_are_the_rows_every_other_format_prints(tmp_path, timezone, patrol):
    """`overdue -f json` is written by the index (issue 21): the same rows, values and order as the rows the table,
    CSV and mail print (app.overdue.overdue), with filters, --within, --limit, and with a daily-patrol breach placed
    among them or (no patrol areas) the whole list joined by SQLite; in a zone with summer time (New York's ends on
    1 November 2026, between the due times) the rows are written one by one."""
    from propcli.app.overdue import overdue as rows_of, overdue_json
    from propcli.app.session import Session
    from test_patrol_daily import configure

    ledger = make_ledger(tmp_path, "ledger", "--office", "HY01", "--timezone", timezone)
    if patrol:
        configure(ledger, areas=("1栋及周边",), since="2026-11-02", closures=())
    for day, hour in (("10-30", "09"), ("10-31", "16"), ("11-02", "10"), ("11-03", "08"), ("11-03", "08")):
        new_repair(ledger, f"2026-{day}T{hour}:00")
    taken = new_repair(ledger, "2026-11-03T09:00", "--price-code", "SD-01")
    for name, at, extra in (("fill", "09:01", ()), ("notify", "09:02", ()), ("take", "09:05", ("--to", "吴海涛"))):
        step(ledger, taken, name, f"2026-11-03T{at}", *extra)
    now = "2026-11-03T12:00"
    for options in ((), ("--limit", "3"), ("--kind", "repair"), ("--role", "technician"), ("--assignee", "吴海涛"),
                    ("--within", "1d"), ("--within", "2h", "--limit", "4")):
        printed = invoke_json(ledger, "overdue", *options, now=now)
        values = dict(zip(options[::2], options[1::2]))
        session = Session(str(ledger), now_text=now, actor_text="赵丽娟")
        expected = [{k: v for k, v in row.items() if k != "escalation"} for row in rows_of(
            session, values.get("--within"), values.get("--kind"), values.get("--role"), values.get("--assignee"),
            int(values["--limit"]) if "--limit" in values else None)]
        assert printed == expected, options
        assert len(printed) >= (1 if options[:1] in (("--assignee",), ("--role",)) else 3), options
    every = invoke_json(ledger, "overdue", now=now)
    assert any(row["rule"] == "patrol.daily" for row in every) == patrol
    assert len({row["due"][-6:] for row in every}) == (2 if timezone == "America/New_York" else 1)
    lines, late = overdue_json(Session(str(ledger), now_text=now, actor_text="赵丽娟"))
    assert late and json.loads("[" + ",\n".join(lines) + "]") == every
