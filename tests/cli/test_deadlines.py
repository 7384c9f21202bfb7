"""Deadline engine through the CLI: each rule's reading in `show -f json` deadlines
(`rule`, `clause`, `due`, `done`, `state`), on real ledgers with a fixed clock (--now/--at)."""
import json

import pytest

from conftest import invoke, make_ledger

from timeline import new_public, new_repair, step

LATE = "2027-06-30T12:00"           # a --now after everything below


def steps(ledger, record_id, *pairs):
    for name, at in pairs:
        step(ledger, record_id, name, at)


def deadline(ledger, record_id, rule, now=LATE):
    result = invoke(ledger, "show", record_id, "-f", "json", now=now)
    assert result.exit_code == 0, result.output
    found = [d for d in json.loads(result.stdout)["deadlines"] if d["rule"] == rule]
    assert len(found) <= 1
    return found[0] if found else None


def rules(ledger, record_id, now=LATE):
    result = invoke(ledger, "show", record_id, "-f", "json", now=now)
    return [d["rule"] for d in json.loads(result.stdout)["deadlines"]]


@pytest.fixture
def ledger(tmp_path):
    return make_ledger(tmp_path)


def listed_through_complete(ledger, complete_at, day="2026-11-30"):
    record_id = new_repair(ledger, f"{day}T00:01", "--price-code", "SD-01")
    steps(ledger, record_id, ("fill", f"{day}T00:02"), ("notify", f"{day}T00:03"), ("take", f"{day}T00:04", ),
          ("arrive", f"{day}T00:05"), ("complete", complete_at))
    return record_id


# --- 10.4.1-2 fill, notify --------------------------------------------------------------------

def test_fill_2_min_and_notify_3_min_from_received(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00:00", "--price-code", "SD-01")
    fill = deadline(ledger, record_id, "repair.fill", now="2026-11-28T09:00")
    notify = deadline(ledger, record_id, "repair.notify", now="2026-11-28T09:00")
    assert (fill["clause"], fill["due"], fill["done"], fill["state"]) == (
        "10.4.1-2", "2026-11-28T09:02:00+08:00", None, "pending")
    assert (notify["clause"], notify["due"], notify["state"]) == ("10.4.1-2", "2026-11-28T09:03:00+08:00", "pending")
    assert deadline(ledger, record_id, "repair.fill", now="2026-11-28T09:02:00")["state"] == "pending"
    assert deadline(ledger, record_id, "repair.fill", now="2026-11-28T09:02:01")["state"] == "overdue"
    step(ledger, record_id, "fill", "2026-11-28T09:01:30")
    step(ledger, record_id, "notify", "2026-11-28T09:03:10")
    fill = deadline(ledger, record_id, "repair.fill")
    notify = deadline(ledger, record_id, "repair.notify")
    assert (fill["done"], fill["state"]) == ("2026-11-28T09:01:30+08:00", "met")
    assert (notify["done"], notify["state"]) == ("2026-11-28T09:03:10+08:00", "missed")


def test_received_with_at_counts_from_the_at_not_from_now(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01", now="2026-11-28T09:30")
    fill = deadline(ledger, record_id, "repair.fill", now="2026-11-28T09:30")
    assert (fill["due"], fill["state"]) == ("2026-11-28T09:02:00+08:00", "overdue")


def test_done_exactly_at_due_is_met_and_a_second_late_is_missed_for_good(ledger):
    on_time = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    step(ledger, on_time, "fill", "2026-11-28T09:02:00")
    late = new_repair(ledger, "2026-11-28T10:00", "--price-code", "SD-01")
    step(ledger, late, "fill", "2026-11-28T10:02:01")
    assert deadline(ledger, on_time, "repair.fill")["state"] == "met"
    assert deadline(ledger, late, "repair.fill", now="2026-11-28T10:02:01")["state"] == "missed"
    steps(ledger, late, ("notify", "2026-11-28T10:02:30"), ("take", "2026-11-28T10:05"))
    for now in ("2026-11-28T10:05", "2026-12-31T00:00", LATE):
        assert deadline(ledger, late, "repair.fill", now=now)["state"] == "missed"
    # as of a moment before the fill was recorded: due, not yet late
    assert deadline(ledger, late, "repair.fill", now="2026-11-28T10:02:00")["state"] == "pending"


# --- 10.4.1-2 ① ② arrive ----------------------------------------------------------------------

def test_arrive_10_min_after_take_clause_1(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    steps(ledger, record_id, ("fill", "2026-11-28T09:01"), ("notify", "2026-11-28T09:02"))
    assert "repair.arrive" not in rules(ledger, record_id)
    step(ledger, record_id, "take", "2026-11-28T09:20", "--to", "李师傅")
    arrive = deadline(ledger, record_id, "repair.arrive", now="2026-11-28T09:20")
    assert (arrive["clause"], arrive["due"], arrive["state"]) == ("10.4.1-2①", "2026-11-28T09:30:00+08:00", "pending")
    assert arrive["assignee"] == "李师傅"
    step(ledger, record_id, "arrive", "2026-11-28T09:30")
    assert deadline(ledger, record_id, "repair.arrive")["state"] == "met"


def test_arrive_with_an_appointment_is_5_min_before_it_clause_2(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01", "--appointment", "2026-11-28T14:00")
    steps(ledger, record_id, ("fill", "2026-11-28T09:01"), ("notify", "2026-11-28T09:02"), ("take", "2026-11-28T09:10"))
    arrive = deadline(ledger, record_id, "repair.arrive", now="2026-11-28T09:10")
    assert (arrive["clause"], arrive["due"], arrive["state"]) == ("10.4.1-2②", "2026-11-28T13:55:00+08:00", "pending")
    step(ledger, record_id, "arrive", "2026-11-28T13:56")
    assert deadline(ledger, record_id, "repair.arrive")["state"] == "missed"


def test_off_list_item_quote_15_min_from_take_then_arrive_from_accept(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00")
    steps(ledger, record_id, ("fill", "2026-11-28T09:01"), ("notify", "2026-11-28T09:02"), ("take", "2026-11-28T09:10"))
    quote = deadline(ledger, record_id, "repair.quote", now="2026-11-28T09:10")
    assert (quote["clause"], quote["due"], quote["state"]) == ("10.4.1-2③", "2026-11-28T09:25:00+08:00", "pending")
    assert "repair.arrive" not in rules(ledger, record_id, now="2026-11-28T09:10")
    step(ledger, record_id, "quote", "2026-11-28T09:24", "--price", "80")
    assert deadline(ledger, record_id, "repair.quote")["state"] == "met"
    assert "repair.arrive" not in rules(ledger, record_id)      # not counted from take
    step(ledger, record_id, "accept", "2026-11-28T10:00")
    arrive = deadline(ledger, record_id, "repair.arrive")
    assert (arrive["clause"], arrive["due"]) == ("10.4.1-2①", "2026-11-28T10:10:00+08:00")
    assert arrive["state"] == "overdue"


def test_off_list_item_with_appointment_clause_2_after_the_quote(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--appointment", "2026-11-29T10:00")
    steps(ledger, record_id, ("fill", "2026-11-28T09:01"), ("notify", "2026-11-28T09:02"), ("take", "2026-11-28T09:10"))
    step(ledger, record_id, "quote", "2026-11-28T09:30", "--price", "120")
    step(ledger, record_id, "accept", "2026-11-28T11:00")
    assert deadline(ledger, record_id, "repair.quote")["state"] == "missed"
    arrive = deadline(ledger, record_id, "repair.arrive", now="2026-11-28T11:00")
    assert (arrive["clause"], arrive["due"], arrive["state"]) == ("10.4.1-2②", "2026-11-29T09:55:00+08:00", "pending")


def test_unrepairable_quote_meets_the_quote_and_starts_no_arrive(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00")
    steps(ledger, record_id, ("fill", "2026-11-28T09:01"), ("notify", "2026-11-28T09:02"), ("take", "2026-11-28T09:10"))
    step(ledger, record_id, "quote", "2026-11-28T09:20", "--unrepairable")
    assert deadline(ledger, record_id, "repair.quote")["state"] == "met"
    assert "repair.arrive" not in rules(ledger, record_id)


# --- 10.4.1-7 return, finance --------------------------------------------------------------------

@pytest.mark.parametrize("completed, due", [
    ("2026-11-30T16:59", "2026-11-30T17:00:00+08:00"),
    ("2026-11-30T16:59:59", "2026-11-30T17:00:00+08:00"),
    ("2026-11-30T17:00", "2026-12-01T17:00:00+08:00"),
    ("2026-11-30T18:30", "2026-12-01T17:00:00+08:00"),
    ("2026-11-30T23:50", "2026-12-01T17:00:00+08:00"),
])
def test_return_by_17_that_day_or_the_next(ledger, completed, due):
    record_id = listed_through_complete(ledger, completed)
    ret = deadline(ledger, record_id, "repair.return", now=completed)
    assert (ret["clause"], ret["due"], ret["state"]) == ("10.4.1-7", due, "pending")
    assert ret["assignee"] is None or isinstance(ret["assignee"], str)


def test_return_rolls_over_month_and_year_end(ledger):
    record_id = listed_through_complete(ledger, "2026-12-31T23:50", day="2026-12-31")
    assert deadline(ledger, record_id, "repair.return")["due"] == "2027-01-01T17:00:00+08:00"


def test_return_completed_at_17_utc_counts_in_local_time(ledger):
    # 08:30Z is 16:30 in Shanghai: still the same day
    record_id = listed_through_complete(ledger, "2026-11-30T08:30:00Z")
    assert deadline(ledger, record_id, "repair.return")["due"] == "2026-11-30T17:00:00+08:00"


def _returned(ledger, return_at):
    day = return_at[:10]
    record_id = listed_through_complete(ledger, f"{day}T00:10", day=day)
    step(ledger, record_id, "sign", f"{day}T00:15", "--signature", "张三")
    steps(ledger, record_id, ("return", return_at))
    return record_id


@pytest.mark.parametrize("returned, due", [
    ("2026-11-25T00:30", "2026-11-25"),
    ("2026-11-25T23:59", "2026-11-25"),
    ("2026-11-24T12:00", "2026-11-25"),
    ("2026-11-26T00:30", "2026-12-25"),
    ("2026-12-26T09:00", "2027-01-25"),
    ("2026-12-31T23:00", "2027-01-25"),
    ("2027-01-30T10:00", "2027-02-25"),
])
def test_finance_by_the_end_of_the_25th(ledger, returned, due):
    record_id = _returned(ledger, returned)
    fin = deadline(ledger, record_id, "repair.finance", now=returned)
    assert fin["clause"] == "10.4.1-7"
    assert fin["due"] in (f"{due}T23:59:59+08:00", f"{due}T24:00:00+08:00")
    assert fin["state"] == "pending"


def test_finance_handed_over_on_the_25th_late_evening_is_met(ledger):
    record_id = _returned(ledger, "2026-11-25T10:00")
    step(ledger, record_id, "confirm", "2026-11-25T10:30")
    step(ledger, record_id, "finance", "2026-11-25T23:59:59")
    fin = deadline(ledger, record_id, "repair.finance")
    assert (fin["done"], fin["state"]) == ("2026-11-25T23:59:59+08:00", "met")
    assert deadline(ledger, record_id, "repair.return")["state"] == "met"


def test_finance_handed_over_on_the_26th_is_missed(ledger):
    record_id = _returned(ledger, "2026-11-25T10:00")
    step(ledger, record_id, "confirm", "2026-11-25T10:30")
    step(ledger, record_id, "finance", "2026-11-26T08:00")
    assert deadline(ledger, record_id, "repair.finance")["state"] == "missed"


# --- 10.4.2 public repairs ----------------------------------------------------------------------

def test_public_notify_10_min_and_arrive_15_min_from_take(ledger):
    record_id = new_public(ledger, "2026-11-28T09:00")
    assert rules(ledger, record_id, now="2026-11-28T09:00") == ["public.notify"]
    notify = deadline(ledger, record_id, "public.notify", now="2026-11-28T09:00")
    assert (notify["clause"], notify["due"], notify["state"]) == ("10.4.2-1", "2026-11-28T09:10:00+08:00", "pending")
    step(ledger, record_id, "notify", "2026-11-28T09:10")
    step(ledger, record_id, "take", "2026-11-28T09:30", "--to", "王师傅")
    arrive = deadline(ledger, record_id, "public.arrive", now="2026-11-28T09:30")
    assert (arrive["clause"], arrive["due"], arrive["assignee"]) == ("10.4.2-3", "2026-11-28T09:45:00+08:00", "王师傅")
    step(ledger, record_id, "arrive", "2026-11-28T09:46")
    assert deadline(ledger, record_id, "public.notify")["state"] == "met"
    assert deadline(ledger, record_id, "public.arrive")["state"] == "missed"
    assert not {"repair.fill", "repair.notify", "repair.return", "repair.finance"} & set(rules(ledger, record_id))


# --- the JSON shape -----------------------------------------------------------------------------

def test_deadline_json_shape(ledger):
    record_id = new_repair(ledger, "2026-11-28T09:00", "--price-code", "SD-01")
    result = invoke(ledger, "show", record_id, "-f", "json", now="2026-11-28T09:05")
    data = json.loads(result.stdout)
    assert data["deadlines"]
    for d in data["deadlines"]:
        assert {"rule", "clause", "due", "done", "state"} <= set(d)
        assert d["state"] in ("pending", "met", "missed", "overdue")
        assert d["due"].endswith("+08:00")
    assert {d["rule"]: d["state"] for d in data["deadlines"]} == {"repair.fill": "overdue", "repair.notify": "overdue"}
