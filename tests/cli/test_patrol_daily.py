"""12.2.2 每天巡楼 (issue 18 point 5): `patrol.daily` for the areas of propcli.yaml `patrol.areas`, every working
day by the calendar; `overdue` and the mail name the area missing its round. Derived, never stored. Through the
CLI on a fixed clock, with a real SMTP server on loopback for the mail."""
import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import git, git_state, invoke, invoke_json

OFFICER, PATROL = "刘洋", "高敏"


def configure(ledger, areas=("1栋及周边", "地下车库"), since="2026-11-09", closures=("2026-11-11",)):
    """propcli.yaml patrol.areas / since and a closure day in calendar.yaml (Wednesday 11 November), committed."""
    path = Path(ledger) / "propcli.yaml"
    lines = ["patrol:", f"  areas: [{', '.join(areas)}]"] + ([f"  since: \"{since}\""] if since else [])
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    calendar = Path(ledger) / "calendar.yaml"
    calendar.write_text("closures:\n" + "".join(f"  - \"{day}\"\n" for day in closures), encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "test: patrol areas", "--",
        "propcli.yaml", "calendar.yaml")


def patrol(ledger, area, at, as_=PATROL):
    invoke_json(ledger, "patrol", "new", "--area", area, now=at, as_=as_)


def daily(rows):
    return [(r["area"], r["day"], r["due"]) for r in rows if r["rule"] == "patrol.daily"]


@pytest.fixture
def week(ledger):
    """Monday 9 to Thursday 12 November 2026 (Wednesday closed): 1栋及周边 patrolled Mon, Tue, Thu; 地下车库 Mon."""
    configure(ledger)
    for day in ("09", "10", "12"):
        patrol(ledger, "1栋及周边", f"2026-11-{day}T10:00")
    patrol(ledger, "地下车库", "2026-11-09T15:00", as_=OFFICER)
    return ledger


def test_12_2_2_overdue_names_each_area_missing_its_round_on_a_working_day(week):
    rows = invoke_json(week, "overdue", now="2026-11-13T09:00")
    assert daily(rows) == [("地下车库", "2026-11-10", "2026-11-10T23:59:59+08:00"),
                           ("地下车库", "2026-11-12", "2026-11-12T23:59:59+08:00")]  # not the closed 11th
    row = next(r for r in rows if r["day"] == "2026-11-10")
    assert (row["kind"], row["clause"], row["role"]) == ("patrol", "12.2.2", "property_officer")
    assert "地下车库" in row["id"] and row["minutes_late"] == 3420.0  # 2 days 9 hours after 24:00 of the 10th
    table = invoke(week, "overdue", now="2026-11-13T09:00").stdout
    assert "地下车库" in table
    # due soon: today's rounds, with --within
    soon = daily(invoke_json(week, "overdue", "--within", "1d", now="2026-11-13T09:00"))
    assert ("1栋及周边", "2026-11-13", "2026-11-13T23:59:59+08:00") in soon
    # a round that day meets it; --now before the round shows it missing
    patrol(week, "地下车库", "2026-11-12T20:00", as_=OFFICER)
    assert daily(invoke_json(week, "overdue", now="2026-11-13T09:00")) == [
        ("地下车库", "2026-11-10", "2026-11-10T23:59:59+08:00")]
    assert [d for _a, d, _due in daily(invoke_json(week, "overdue", now="2026-11-11T09:00"))] == ["2026-11-10"]


def test_12_2_2_is_derived_never_stored_and_filtered_like_any_deadline(week):
    before = git_state(week)
    assert daily(invoke_json(week, "overdue", now="2026-11-13T09:00"))
    assert git_state(week) == before  # nothing written
    assert daily(invoke_json(week, "overdue", "--kind", "repair", now="2026-11-13T09:00")) == []
    assert daily(invoke_json(week, "overdue", "--role", "technician", now="2026-11-13T09:00")) == []
    assert len(daily(invoke_json(week, "overdue", "--kind", "patrol", now="2026-11-13T09:00"))) == 2
    assert len(invoke_json(week, "overdue", "--limit", "1", now="2026-11-13T09:00")) == 1
    assert invoke(week, "overdue", "--check", now="2026-11-13T09:00").exit_code == 1


def test_12_2_2_without_patrol_areas_nothing_is_due(ledger):
    patrol(ledger, "1栋及周边", "2026-11-09T10:00")
    assert daily(invoke_json(ledger, "overdue", now="2026-11-20T09:00")) == []


def test_12_2_2_since_defaults_to_the_first_record_and_bad_settings_are_loud(ledger):
    configure(ledger, since=None, closures=())
    assert daily(invoke_json(ledger, "overdue", now="2026-11-20T09:00")) == []  # no record yet: nothing to count from
    patrol(ledger, "1栋及周边", "2026-11-12T10:00")
    patrol(ledger, "地下车库", "2026-11-12T11:00")
    assert daily(invoke_json(ledger, "overdue", now="2026-11-13T08:00")) == []  # since the 12th, both patrolled
    path = Path(ledger) / "propcli.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  areas: [1栋及周边, 地下车库]", "  areas: 地下车库"),
                    encoding="utf-8")
    result = invoke(ledger, "overdue", now="2026-11-13T08:00")
    assert result.exit_code == 3 and "patrol.areas" in result.stderr


# --- the mail names the area --------------------------------------------------------------------------------

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    handler = Collector()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    try:
        yield handler
    finally:
        controller.stop()


def test_12_2_2_the_mail_names_the_area_missing_its_round(week, smtp):
    patrol(week, "地下车库", "2026-11-12T20:00", as_=OFFICER)  # only Tuesday the 10th is missing
    before = git_state(week)
    result = invoke(week, "--lang", "zh_CN", "overdue", "--mail-to", "a@example.com", "--smtp", smtp.url,
                    now="2026-11-11T09:00", as_="cron")
    assert result.exit_code == 0 and "1 项" in result.stdout + result.stderr, result.stderr
    (envelope,) = smtp.envelopes
    message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
    text = next(p.get_content() for p in message.walk() if p.get_content_type() == "text/plain")
    assert "地下车库" in text and "每日巡楼" in text and "12.2.2" in text
    assert git_state(week) == before  # derived: no notice recorded anywhere
    # the day after the one it names has passed: overdue keeps listing it, the mail no longer sends it
    assert daily(invoke_json(week, "overdue", now="2026-11-12T09:00"))
    invoke(week, "overdue", "--mail-to", "a@example.com", "--smtp", smtp.url, now="2026-11-12T09:00", as_="cron")
    assert len(smtp.envelopes) == 1
