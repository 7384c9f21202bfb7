"""Durations as people say them (issue 10.2; CLI.md "Additions", small points): 超时 16 分钟, 还剩 3 分钟."""
import pytest

from propcli import i18n
from propcli.app.humanize import lateness, span


@pytest.fixture
def zh():
    i18n.set_language("zh_CN")
    yield
    i18n.reset()


@pytest.fixture
def en():
    i18n.set_language("en")
    yield
    i18n.reset()


@pytest.mark.parametrize("minutes, said", [
    (16.0, "超时 16 分钟"), (2.9, "超时 3 分钟"), (0.4, "超时 不到 1 分钟"), (59.4, "超时 59 分钟"),
    (60, "超时 1 小时"), (125, "超时 2 小时 5 分钟"), (24 * 60 - 1, "超时 23 小时 59 分钟"),
    (3 * 24 * 60, "超时 3 天"), (3 * 24 * 60 + 59, "超时 3 天"), (2 * 24 * 60 + 3 * 60 + 40, "超时 2 天 3 小时"),
    (-3, "还剩 3 分钟"), (-90, "还剩 1 小时 30 分钟"), (0, "正好到期"),
])
def test_chinese(zh, minutes, said):
    assert lateness(minutes) == said


@pytest.mark.parametrize("minutes, said", [
    (16, "16 min late"), (125, "2 h 5 min late"), (2 * 24 * 60 + 3 * 60, "2 d 3 h late"), (-3, "3 min left"),
    (0.5, "less than 1 min late"),
])
def test_english(en, minutes, said):
    assert lateness(minutes) == said


def test_a_deadline_met_reads_as_early_or_on_time(zh):
    assert lateness(-30, "met") == "提前 30 分钟"
    assert lateness(-0.5, "met") == "按时"
    assert lateness(1, "missed") == "超时 1 分钟"
    assert lateness(None) == ""


def test_span_is_unsigned(zh):
    assert span(-61) == span(61) == "1 小时 1 分钟"
