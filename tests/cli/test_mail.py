"""The overdue mail (issue "Deadline engine" point 6; CLI.md "Who is late, who is told").

No mocks: a real aiosmtpd SMTP server on 127.0.0.1, a real ledger made by `propcli init`,
real git commits; everything driven through the CLI with a fixed clock (--now).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from propcli.cli import cli

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

ACTOR = "赵丽娟"
T0 = "2026-11-28T09:00:00+08:00"


class Collector:
    """An aiosmtpd handler keeping every accepted envelope."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Collector()
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield handler
    finally:
        controller.stop()


def run(ledger, *args, now=T0, as_=ACTOR):
    head = ["--ledger", str(ledger), "--now", now, "--lang", "zh_CN"]  # the mail is read in Chinese here
    if as_:
        head += ["--as", as_]
    return CliRunner().invoke(cli, [*head, *map(str, args)], catch_exceptions=False)


def commits(ledger) -> int:
    out = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=ledger, capture_output=True, text=True)
    return int(out.stdout.strip())


@pytest.fixture
def ledger(tmp_path) -> Path:
    path = tmp_path / "ledger"
    result = CliRunner().invoke(cli, ["init", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


def new_repair(ledger) -> str:
    result = run(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                 "--item", "水龙头漏水", "--price-code", "SD-01", "--at", T0, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["id"]


def mail(ledger, smtp, now, *extra):
    return run(ledger, "overdue", "--mail-to", "a@example.com", "--smtp", smtp.url, *extra, now=now)


def parsed(envelope):
    return message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)


def parts(message) -> dict:
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")}


def notices(ledger, record_id, now="2026-11-30T00:00:00+08:00") -> list[dict]:
    result = run(ledger, "show", record_id, "-f", "json", now=now)
    assert result.exit_code == 0, result.stderr
    return [e for e in json.loads(result.stdout)["events"] if e["step"] in ("notice", "escalate")]


def overdue_json(ledger, now) -> list[dict]:
    result = run(ledger, "overdue", "-f", "json", now=now)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_staff_have_emails(ledger):
    result = run(ledger, "staff", "-f", "json")
    assert result.exit_code == 0, result.stderr
    roles = {m["role"] for m in json.loads(result.stdout)}
    assert {"receptionist", "service_director", "manager", "leadership"} <= roles


def test_digest_once_then_quiet_then_escalate_then_remind(ledger, smtp):
    record_id = new_repair(ledger)
    before = commits(ledger)

    # 09:10: repair.fill (2 min) and repair.notify (3 min) are late: one digest, one commit
    result = mail(ledger, smtp, "2026-11-28T09:10:00+08:00")
    assert result.exit_code == 0, result.stderr
    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert "a@example.com" in envelope.rcpt_tos
    # the responsible role (receptionist) is told (staff.yaml)
    assert {"zhao.lijuan@example.com", "sun.xiaoyan@example.com"} <= set(envelope.rcpt_tos)
    assert "chen.jing@example.com" not in envelope.rcpt_tos
    message = parsed(envelope)
    assert message.get_content_type() == "multipart/alternative"
    assert "【propcli】超时提醒 HY01 2026-11-28 09:10: 2 项超时, 0 项即将到期" == message["Subject"]
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    for body in bodies.values():
        assert record_id in body
        assert "138****8000" in body and "13800138000" not in body
        assert "10.4.1-2" in body                       # clause cited
        assert "repair.fill" not in body and "填写维修单" in body          # the rule's label, not its key
        assert "客户服务部前台接待员" in body
    assert commits(ledger) == before + 1
    recorded = notices(ledger, record_id)
    assert sorted((e["step"], e["rule"], e["to"]) for e in recorded) == [
        ("notice", "repair.fill", "receptionist"), ("notice", "repair.notify", "receptionist")]
    assert all(e["by"] == ACTOR for e in recorded)

    # a minute later: nothing new, nothing sent, nothing committed
    result = mail(ledger, smtp, "2026-11-28T09:11:00+08:00")
    assert result.exit_code == 0, result.stderr
    assert len(smtp.envelopes) == 1
    assert commits(ledger) == before + 1

    # 09:35: fill is 33 min late, notify 32 -> one role up: service_director
    result = mail(ledger, smtp, "2026-11-28T09:35:00+08:00")
    assert result.exit_code == 0, result.stderr
    assert len(smtp.envelopes) == 2
    assert "chen.jing@example.com" in smtp.envelopes[1].rcpt_tos
    assert "zhao.lijuan@example.com" in smtp.envelopes[1].rcpt_tos
    assert "li.xiumei@example.com" not in smtp.envelopes[1].rcpt_tos
    assert "客户服务部主任" in parts(parsed(smtp.envelopes[1]))["text/plain"]
    assert commits(ledger) == before + 2
    escalations = [e for e in notices(ledger, record_id) if e["step"] == "escalate"]
    assert sorted((e["rule"], e["to"]) for e in escalations) == [
        ("repair.fill", "service_director"), ("repair.notify", "service_director")]
    rows = overdue_json(ledger, "2026-11-28T09:36:00+08:00")
    assert {r["rule"]: r["escalated_to"] for r in rows} == {
        "repair.fill": "service_director", "repair.notify": "service_director"}

    # 10:05 -> manager; 10:35 -> leadership (top of the chain)
    assert mail(ledger, smtp, "2026-11-28T10:05:00+08:00").exit_code == 0
    assert "li.xiumei@example.com" in smtp.envelopes[2].rcpt_tos
    assert mail(ledger, smtp, "2026-11-28T10:35:00+08:00").exit_code == 0
    assert "wang.jianguo@example.com" in smtp.envelopes[3].rcpt_tos
    assert {r["escalated_to"] for r in overdue_json(ledger, "2026-11-28T10:36:00+08:00")} == {"leadership"}
    count = commits(ledger)

    # at the top nothing escalates further; 59 min later nothing, 61 min later a reminder
    assert mail(ledger, smtp, "2026-11-28T11:34:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 4 and commits(ledger) == count
    assert mail(ledger, smtp, "2026-11-28T11:36:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 5 and commits(ledger) == count + 1
    reminders = [e for e in notices(ledger, record_id) if e.get("reminder")]
    assert sorted((e["step"], e["rule"], e["to"]) for e in reminders) == [
        ("notice", "repair.fill", "leadership"), ("notice", "repair.notify", "leadership")]


def test_reminder_after_an_hour(ledger, smtp):
    """With escalation set far off (propcli.yaml mail.escalate_after), a reminder comes 60 min after the notice."""
    config = ledger / "propcli.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("escalate_after: 30m", "escalate_after: 600m"),
                      encoding="utf-8")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "slow escalation"],
                   cwd=ledger, check=True)
    record_id = new_repair(ledger)
    assert mail(ledger, smtp, "2026-11-28T09:10:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 1
    count = commits(ledger)
    assert mail(ledger, smtp, "2026-11-28T10:09:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 1 and commits(ledger) == count
    assert mail(ledger, smtp, "2026-11-28T10:11:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 2 and commits(ledger) == count + 1
    assert "再次提醒" in parts(parsed(smtp.envelopes[1]))["text/plain"]
    recorded = notices(ledger, record_id)
    assert [e.get("reminder") for e in recorded if e["rule"] == "repair.fill"] == [None, True]
    assert all(e["step"] == "notice" and e["to"] == "receptionist" for e in recorded)


def test_technician_breach_reaches_engineering_director(ledger, smtp):
    record_id = new_repair(ledger)
    for step, extra, who in (("fill", (), ACTOR), ("notify", (), ACTOR), ("take", ("--to", "吴海涛"), "周志强")):
        result = run(ledger, "repair", step, record_id, *extra, "--at", "2026-11-28T09:01:00+08:00",
                     now="2026-11-28T09:01:00+08:00", as_=who)
        assert result.exit_code == 0, result.stderr
    # repair.arrive: 10 min from take (10.4.1-2①) -> due 09:11; at 09:45 it is 34 min late
    assert mail(ledger, smtp, "2026-11-28T09:45:00+08:00").exit_code == 0
    envelope = smtp.envelopes[0]
    assert {"zhou.zhiqiang@example.com", "wu.haitao@example.com"} <= set(envelope.rcpt_tos)
    text = parts(parsed(envelope))["text/plain"]
    assert "维修人员到场" in text and "repair.arrive" not in text and "10.4.1-2①" in text and "吴海涛" in text
    assert [(e["step"], e["to"]) for e in notices(ledger, record_id)] == [("escalate", "engineering_director")]
    row = overdue_json(ledger, "2026-11-28T09:46:00+08:00")[0]
    assert row["escalated_to"] == "engineering_director" and row["assignee"] == "吴海涛"


def test_due_soon_mailed_once(ledger, smtp):
    new_repair(ledger)
    # at 09:01 nothing is late; --within 5m shows fill (09:02) and notify (09:03) as due soon
    result = mail(ledger, smtp, "2026-11-28T09:01:00+08:00", "--within", "5m")
    assert result.exit_code == 0, result.stderr
    message = parsed(smtp.envelopes[0])
    assert message["Subject"].endswith("0 项超时, 2 项即将到期")
    assert "即将到期" in parts(message)["text/plain"] and "due soon" not in parts(message)["text/plain"]
    count = commits(ledger)
    assert mail(ledger, smtp, "2026-11-28T09:01:30+08:00", "--within", "5m").exit_code == 0
    assert len(smtp.envelopes) == 1 and commits(ledger) == count
    # once late, the breach itself is still mailed as a first notice
    assert mail(ledger, smtp, "2026-11-28T09:05:00+08:00").exit_code == 0
    assert len(smtp.envelopes) == 2
    assert parsed(smtp.envelopes[1])["Subject"].endswith("2 项超时, 0 项即将到期")


def test_nothing_overdue_sends_nothing(ledger, smtp):
    new_repair(ledger)
    count = commits(ledger)
    result = mail(ledger, smtp, "2026-11-28T09:01:00+08:00")
    assert result.exit_code == 0, result.stderr
    assert smtp.envelopes == [] and commits(ledger) == count


def test_smtp_down_is_exit_3_and_records_nothing(ledger):
    record_id = new_repair(ledger)
    count = commits(ledger)
    result = run(ledger, "overdue", "--mail-to", "a@example.com", "--smtp", f"smtp://127.0.0.1:{_free_port()}",
                 now="2026-11-28T09:10:00+08:00")
    assert result.exit_code == 3
    assert result.stderr.strip() and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert commits(ledger) == count
    assert notices(ledger, record_id) == []
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ledger, capture_output=True, text=True).stdout
    assert status.strip() == ""


def test_bad_smtp_url_is_exit_2(ledger):
    new_repair(ledger)
    count = commits(ledger)
    result = run(ledger, "overdue", "--mail-to", "a@example.com", "--smtp", "http://example.com",
                 now="2026-11-28T09:10:00+08:00")
    assert result.exit_code == 2
    assert commits(ledger) == count


def test_two_cron_jobs_at_the_same_minute_mail_a_breach_once(ledger, smtp):
    """The mail run holds the ledger lock from reading the list to recording the notices."""
    import os
    import sys

    new_repair(ledger)
    command = [sys.executable, "-m", "propcli", "--ledger", str(ledger), "--now", "2026-11-28T09:10:00+08:00",
               "--lang", "zh_CN", "--as", ACTOR, "overdue", "--mail-to", "a@example.com", "--smtp", smtp.url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPCLI_")}
    jobs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    results = [job.communicate(timeout=60) for job in jobs]
    assert all(job.returncode == 0 for job in jobs), results
    assert len(smtp.envelopes) == 1
    assert git_notice_commits(ledger) == 1


def git_notice_commits(ledger) -> int:
    out = subprocess.run(["git", "log", "--format=%s"], cwd=ledger, capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if line.startswith("notice:"))


class KillingCollector(Collector):
    """Keeps the envelope, then kills the sending propcli before it reads the 250: the message is delivered
    and its notice never recorded, as when the machine dies between the two (issue 16, point 6)."""

    victim: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        if self.victim is not None:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
        return "250 OK"


def test_a_resend_after_a_crash_before_the_record_is_the_same_message(ledger):
    """Delivery is at-least-once (docs/notify.md): the resend carries the same Message-ID, so a mail client
    shows it once; a later reminder is a new message."""
    handler = KillingCollector()
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    url = handler.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        record_id = new_repair(ledger)
        late = "2026-11-28T09:40:00+08:00"
        process = subprocess.Popen([sys.executable, "-m", "propcli", "--ledger", str(ledger), "--now", late,
                                    "--lang", "zh_CN", "--as", ACTOR, "overdue", "--mail-to", "a@example.com",
                                    "--smtp", url],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        handler.victim = process.pid
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        assert len(handler.envelopes) == 1 and notices(ledger, record_id) == []  # sent, not recorded

        assert mail(ledger, handler, late).exit_code == 0  # the next run sends it again, and records it
        assert len(handler.envelopes) == 2 and len(notices(ledger, record_id)) >= 1
        first, again = (parsed(e) for e in handler.envelopes)
        assert first["Message-ID"] == again["Message-ID"]
        assert first["Message-ID"].startswith("<overdue.") and first["Message-ID"].endswith("@propcli>")
        assert parts(first)["text/plain"] == parts(again)["text/plain"]

        assert mail(ledger, handler, late).exit_code == 0  # recorded: nothing more to send
        assert len(handler.envelopes) == 2
        assert mail(ledger, handler, "2026-11-28T10:45:00+08:00").exit_code == 0  # a reminder or escalation
        assert len(handler.envelopes) == 3
        assert parsed(handler.envelopes[2])["Message-ID"] != first["Message-ID"]
    finally:
        controller.stop()


def test_the_message_id_is_one_per_breach_set_recipients_and_office():
    """Only what a resend shares makes the id: the same items to the same people of the same office."""
    from types import SimpleNamespace

    from propcli.app.mail import message_id

    row = {"id": "R-6K2M9Q7XF4", "rule": "repair.fill", "due": "2026-11-28T09:15:00+08:00"}
    item = {"row": row, "kind": "notice", "to": "receptionist", "told_before": 0}
    here, there = SimpleNamespace(office="HY01"), SimpleNamespace(office="HY02")
    first = message_id(here, [item], ["a@example.com", "b@example.com"])
    assert first == message_id(here, [item], ["B@example.com", "a@example.com"])  # order and case of addresses
    assert first != message_id(there, [item], ["a@example.com", "b@example.com"])
    assert first != message_id(here, [item], ["a@example.com"])
    assert first != message_id(here, [{**item, "told_before": 1, "kind": "reminder"}], ["a@example.com",
                                                                                       "b@example.com"])
    assert first != message_id(here, [{**item, "row": {**row, "due": "2026-11-28T09:16:00+08:00"}}],
                               ["a@example.com", "b@example.com"])
