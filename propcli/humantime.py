"""Times as people at the desk type them: `14:00`, `今天 15:30`, `明天下午3点`, `后天上午9点半`, `11月30日 14:00`,
`tomorrow 9:30`. Read against the command's clock (`--now`) in the ledger's timezone.

`parse_human(text, now)` returns the moment, or None when the text is not such a time (the caller then
reads it as ISO 8601, with its usual error naming the field). Pure: no clock of its own.
"""
import re
from datetime import datetime, timedelta

_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "前天": -2,
         "today": 0, "tomorrow": 1, "yesterday": -1}
_PERIODS = {"凌晨": "am", "早上": "am", "早晨": "am", "上午": "am", "中午": "noon", "下午": "pm", "傍晚": "pm",
            "晚上": "pm",
            "am": "am", "pm": "pm"}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10}

_PATTERN = re.compile(
    r"^\s*(?P<day>今天|今日|明天|明日|后天|昨天|前天|today|tomorrow|yesterday)?"
    r"\s*(?:(?P<month>\d{1,2})\s*月\s*(?P<mday>\d{1,2})\s*[日号]|(?P<iso>\d{4}-\d{2}-\d{2}))?"
    r"\s*(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?"
    r"\s*(?P<hour>\d{1,2}|[零一二两三四五六七八九十]{1,3})"
    r"\s*(?P<sep>(?::|：)(?P<minute>\d{2})|点\s*(?P<half>半)?(?:(?P<cn_minute>\d{1,2})\s*分?)?|时)?"
    r"\s*(?P<ampm>am|pm)?\s*$", re.IGNORECASE)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if len(text) == 3 and text[1] == "十":
        return _CN_DIGITS[text[0]] * 10 + _CN_DIGITS[text[2]]
    if len(text) == 2 and text[1] == "十":
        return _CN_DIGITS[text[0]] * 10
    return _CN_DIGITS[text]


def parse_human(text, now: datetime) -> datetime | None:
    """The moment `text` names, read against `now` (an aware datetime in the ledger's timezone)."""
    if not isinstance(text, str):
        return None
    match = _PATTERN.match(text.strip().lower() if text.isascii() else text.strip())
    if not match:
        return None
    parts = match.groupdict()
    if not parts["sep"] and not parts["ampm"]:
        return None
    try:
        hour = _number(parts["hour"])
    except (KeyError, IndexError):
        return None
    minute = int(parts["minute"] or parts["cn_minute"] or (30 if parts["half"] else 0))
    period = _PERIODS.get(parts["period"] or "") or _PERIODS.get((parts["ampm"] or "").lower())
    if period == "pm" and hour < 12:
        hour += 12
    elif period == "noon" and hour < 6:
        hour += 12
    elif period == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    day = now.date()
    if parts["iso"]:
        try:
            day = datetime.strptime(parts["iso"], "%Y-%m-%d").date()
        except ValueError:
            return None
    elif parts["month"]:
        try:
            day = day.replace(month=int(parts["month"]), day=int(parts["mday"]))
        except ValueError:
            return None
    day += timedelta(days=_DAYS.get((parts["day"] or "").lower(), 0))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo)
