"""Times as people type them, read against the command's clock (issue 10.4)."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from propcli.humantime import parse_human

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("text, expected", [
    ("14:00", (11, 28, 14, 0)),
    ("今天 15:30", (11, 28, 15, 30)),
    ("明天下午3点", (11, 29, 15, 0)),
    ("后天上午9点半", (11, 30, 9, 30)),
    ("明天晚上八点", (11, 29, 20, 0)),
    ("中午12点", (11, 28, 12, 0)),
    ("中午1点", (11, 28, 13, 0)),
    ("下午3点15分", (11, 28, 15, 15)),
    ("12月1日 14:00", (12, 1, 14, 0)),
    ("tomorrow 9:30", (11, 29, 9, 30)),
    ("3pm", (11, 28, 15, 0)),
    ("昨天 18:05", (11, 27, 18, 5)),
])
def test_desk_times_are_read_against_the_clock(text, expected):
    moment = parse_human(text, NOW)
    assert (moment.month, moment.day, moment.hour, moment.minute) == expected
    assert moment.tzinfo == NOW.tzinfo


@pytest.mark.parametrize("text", ["2026-11-28T14:00", "明天", "25:00", "下午", "hello", "", "13月1日 9:00"])
def test_anything_else_is_left_to_the_iso_reader(text):
    assert parse_human(text, NOW) is None
