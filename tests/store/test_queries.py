"""Named queries whose numbers Python also computes: they must agree to the last digit printed (issue 21)."""
import json
import sqlite3

from propcli.store.queries import MINUTES_LATE
from propcli.timeutil import fixed_offset, minutes_late


def test_minutes_late_in_sql_is_the_python_number_and_prints_the_same():
    """Every whole second from a day early to two days late, ties (…3 s: half a tenth) over ten years either way, and
    far values: SQLite's JSON of MINUTES_LATE is Python's JSON of timeutil.minutes_late (a float written by each).
    (Nine million seconds were checked once by hand, 2026-12-06; SQLite's round() differs from Python's on ties.)"""
    database = sqlite3.connect(":memory:")
    spans = [(-86400, 2 * 86400, 1), (-10 * 365 * 86400 + 3, 10 * 365 * 86400 + 3, 6 * 997),
             (6 * 10 ** 9 - 50000, 6 * 10 ** 9, 1)]
    checked = 0
    for first, last, step in spans:
        rows = database.execute(
            "WITH RECURSIVE s(late) AS (SELECT ? UNION ALL SELECT late + ? FROM s WHERE late + ? <= ?) "
            f"SELECT late, json_object('m', {MINUTES_LATE}) FROM s", (first, step, step, last)).fetchall()
        for late, written in rows:
            assert written == json.dumps({"m": minutes_late(late)}, separators=(",", ":")), late
        checked += len(rows)
    assert checked > 350_000
    assert (minutes_late(3), minutes_late(-3), minutes_late(2.9), minutes_late(-0.4)) == (0.1, -0.1, 0.0, 0.0)
    assert str(minutes_late(-0.4)) == "0.0"  # never -0.0


def test_a_timezone_keeps_a_fixed_offset_only_between_its_changes():
    new_york_summer, new_york_winter = 1788000000, 1794000000  # 2026-08-29 and 2026-11-06 (summer time ends 11-01)
    assert fixed_offset("America/New_York", new_york_winter - 86400 * 4, new_york_winter) == -5 * 3600
    assert fixed_offset("America/New_York", new_york_summer, new_york_winter) is None
    assert fixed_offset("Asia/Shanghai", 700000000, new_york_winter) == 8 * 3600   # since 1992
    assert fixed_offset("Asia/Shanghai", 0, new_york_winter) is None               # 1986-1991 had summer time
    assert fixed_offset("UTC", 0, new_york_winter) == 0
