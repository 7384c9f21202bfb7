"""A malformed policy.yaml, calendar.yaml, staff.yaml or prices.yaml stops every command that needs it with exit 3
and `FILE:LINE: message` (CLI.md "Failures that are loud"): never "(none)" and exit 0 from `overdue --check`."""
import re

import pytest

from conftest import git_state, invoke, invoke_json

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def _edit(ledger, name: str, old: str, new: str) -> int:
    """Replace the first `old` in settings file `name` by `new`; return the 1-based line of the change."""
    path = ledger / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _loud(result, name: str, line: int | None, *words: str) -> str:
    assert result.exit_code == 3, f"exit {result.exit_code}: {result.stdout}{result.stderr}"
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    found = re.match(rf"^propcli: {re.escape(name)}:(\d+): \S", message)
    assert found, message
    if isinstance(line, tuple):  # a YAML syntax error: where the parser noticed it (that line or the next)
        assert int(found.group(1)) in line, message
    elif line is not None:
        assert int(found.group(1)) == line, message
    for word in words:
        assert word in message, message
    assert "(none)" not in result.stdout
    return message


POLICY_CASES = [  # (old, new, words): rule request.reply's `length: 10m`, then other settings
    ("length: 10m", 'length: "abc"', ["request.reply", "abc"]),
    ("length: 10m", "length: null", ["request.reply", "length"]),
    ("length: 10m", "length: -5m", ["request.reply", "positive"]),
    ("length: 10m", "length: 10m\n    colour: red", ["colour"]),
    ("length: 10m", "length: [10m", ["expected"]),  # not YAML at all
    ("role: property_officer", "role: 物业主任", ["物业主任"]),
    ("kind: request", "kind: reqest", ["reqest"]),
    ("travel_time: 10m", "travel_time: soon", ["travel_time"]),
    ("travel_time: 10m", "travel_time: 10m\nrulez: []", ["rulez"]),
]


@pytest.mark.parametrize("old, new, words", POLICY_CASES)
def test_a_malformed_policy_stops_overdue_list_stats_and_new_records(ledger, old, new, words):
    made = invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")["id"]
    line = _edit(ledger, "policy.yaml", old, new)
    if "\n" in new:
        line += 1  # the added setting's own line
    elif "[" in new:
        line = (line, line + 1)
    for args in (["overdue", "--check"], ["overdue"], ["list"], ["stats", "2026-11"], ["show", made]):
        _loud(invoke(ledger, *args), "policy.yaml", line, *words)
    before = git_state(ledger)
    _loud(invoke(ledger, "repair", "new", *RESIDENT), "policy.yaml", line, *words)
    assert git_state(ledger) == before  # nothing written
    check = invoke(ledger, "check")
    assert check.exit_code == 1 and check.stdout.startswith("policy.yaml:")


def test_a_malformed_policy_is_loud_on_an_empty_ledger_too(ledger):
    """No record to derive deadlines for: the rules are still read, so the cron job's `overdue --check` fails."""
    line = _edit(ledger, "policy.yaml", "length: 10m", 'length: "abc"')
    for args in (["overdue", "--check"], ["list"], ["stats", "2026-11"]):
        _loud(invoke(ledger, *args), "policy.yaml", line, "abc")


def test_an_index_built_before_the_policy_broke_does_not_hide_it(ledger):
    invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")
    assert invoke(ledger, "overdue", "--check").exit_code == 1  # the index is fresh and holds late deadlines
    line = _edit(ledger, "policy.yaml", "length: 2m", "length: 2")
    _loud(invoke(ledger, "overdue", "--check"), "policy.yaml", line, "repair.fill")
    _loud(invoke(ledger, "overdue", "--check"), "policy.yaml", line)  # and again: never "fixed" by running twice


CALENDAR_CASES = [
    ("closures: []", 'closures: ["2026-13-01"]', ["2026-13-01"]),
    ("closures: []", "closures: [2026-12-01, 12月3日]", ["12月3日"]),
    ("closures: []", "closures: monday", ["closures"]),
    ("closures: []", "closure: [2026-12-01]", ["closure"]),
    ("closures: []", "closures: [2026-12-01", ["expected"]),
]


@pytest.mark.parametrize("old, new, words", CALENDAR_CASES)
def test_a_malformed_calendar_stops_what_counts_days(ledger, old, new, words):
    invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")
    line = _edit(ledger, "calendar.yaml", old, new)
    if new.count("[") > new.count("]"):
        line = (line, line + 1)
    for args in (["overdue", "--check"], ["list"], ["stats", "2026-11"]):
        _loud(invoke(ledger, *args), "calendar.yaml", line, *words)
    before = git_state(ledger)
    _loud(invoke(ledger, "repair", "new", *RESIDENT), "calendar.yaml", line, *words)
    assert git_state(ledger) == before
    check = invoke(ledger, "check")
    assert check.exit_code == 1 and "calendar.yaml:" in check.stdout


STAFF_CASES = [
    ("{name: 李秀梅, role: manager,", "{name: 李秀梅, role: boss,", ["boss"]),
    ("{name: 李秀梅, role: manager,", "{name: null, role: manager,", ["name"]),
    ("{name: 李秀梅, role: manager,", "{name: 李秀梅, role: manager, rank: 2,", ["rank"]),
    ("email: li.xiumei@example.com", "email: [li.xiumei@example.com]", ["email"]),
    ("{name: 李秀梅, role: manager,", "{name: \"李\u200b秀梅\", role: manager,", ["invisible"]),
    ("staff:\n", "staf:\n", ["staf"]),
]


@pytest.mark.parametrize("old, new, words", STAFF_CASES)
def test_a_malformed_roster_stops_whoever_acts_and_the_overdue_list(ledger, old, new, words):
    invoke_json(ledger, "repair", "new", *RESIDENT, now="2026-11-28T08:00")
    line = _edit(ledger, "staff.yaml", old, new)
    before = git_state(ledger)
    _loud(invoke(ledger, "repair", "new", *RESIDENT), "staff.yaml", line, *words)
    assert git_state(ledger) == before
    _loud(invoke(ledger, "overdue", "--check"), "staff.yaml", line, *words)  # the people breaches go to
    _loud(invoke(ledger, "staff"), "staff.yaml", line, *words)
    check = invoke(ledger, "check")
    assert check.exit_code == 1 and f"staff.yaml:{line}: " in check.stdout


PRICES_CASES = [
    ('{code: SD-02, name: 更换角阀, price: "15.00"', '{code: SD-02, name: 更换角阀, price: "abc"', ["SD-02", "abc"]),
    ('{code: SD-02, name: 更换角阀, price: "15.00"', '{code: SD-02, name: 更换角阀, price: "-15"', ["SD-02"]),
    ('{code: SD-02, name: 更换角阀, price: "15.00"', '{code: SD-02, name: 更换角阀, price: null', ["SD-02"]),
    ('{code: SD-02, name: 更换角阀, price: "15.00"', '{code: SD-01, name: 更换角阀, price: "15.00"', ["SD-01"]),
    ('{code: SD-02, name: 更换角阀, price: "15.00"', '{code: SD-02, name: 更换角阀, cost: "15.00"', ["cost"]),
]


@pytest.mark.parametrize("old, new, words", PRICES_CASES)
def test_a_malformed_price_list_stops_what_prices_a_repair(ledger, old, new, words):
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--price-code", "SD-01",
                            now="2026-11-28T08:00")["id"]
    line = _edit(ledger, "prices.yaml", old, new)
    _loud(invoke(ledger, "prices"), "prices.yaml", line, *words)
    before = git_state(ledger)
    _loud(invoke(ledger, "repair", "new", *RESIDENT, "--price-code", "SD-01"), "prices.yaml", line, *words)
    _loud(invoke(ledger, "repair", "complete", record_id, "--item", "SD-01", "--work", "换了", "--cleanup", "清理了"),
          "prices.yaml", line, *words)
    assert git_state(ledger) == before
    check = invoke(ledger, "check")
    assert check.exit_code == 1 and f"prices.yaml:{line}: " in check.stdout


def test_the_shipped_settings_pass_the_strict_checks(ledger):
    assert invoke(ledger, "check").exit_code == 0
    assert invoke(ledger, "overdue", "--check").exit_code == 0


def test_messages_are_chinese_by_default(ledger, monkeypatch):
    from propcli import i18n

    _edit(ledger, "policy.yaml", "length: 10m", "length: -5m")
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    try:
        result = invoke(ledger, "overdue", "--check")
    finally:
        monkeypatch.setenv("PROPCLI_LANG", "en")
        i18n.reset()
    assert result.exit_code == 3
    assert re.search(r"policy\.yaml:\d+: .*[\u4e00-\u9fff]", result.stderr), result.stderr
