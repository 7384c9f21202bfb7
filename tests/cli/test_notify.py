"""The overdue digest in the office's chat group (issue 19 point 6; CLI.md "The desk's terminal and channels").

A real HTTP server on 127.0.0.1 stands in for the vendors (propcli.yaml `notify.base_url`), answering as the
documented 企业微信群机器人 and 钉钉自定义机器人 webhooks do; a real ledger, real git, a fixed clock.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from click.testing import CliRunner

from propcli.cli import cli

ACTOR = "赵丽娟"
T0 = "2026-11-28T09:00:00+08:00"
LATE = "2026-11-28T09:20:00+08:00"  # repair.fill (2 min) and repair.notify (3 min) are long past
KEY = "693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa"
TOKEN = "d1e2a3b4c5"
SECRET = "SEC0123456789abcdef"


class Robot(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.posts.append({"path": self.path, "body": json.loads(body.decode("utf-8")),
                                  "type": self.headers.get("Content-Type")})
        status, answer = self.server.answer
        data = json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    server.posts = []
    server.answer = (200, {"errcode": 0, "errmsg": "ok"})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run(ledger, *args, now=LATE):
    head = ["--ledger", str(ledger), "--now", now, "--lang", "zh_CN", "--as", ACTOR]
    return CliRunner().invoke(cli, [*head, *map(str, args)], catch_exceptions=False)


def git(ledger, *args) -> str:
    return subprocess.run(["git", *args], cwd=ledger, capture_output=True, text=True, check=True).stdout


def set_notify(ledger: Path, text: str) -> None:
    path = ledger / "propcli.yaml"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "test: notify", "--", "propcli.yaml")


class LedgerPath(type(Path())):
    """The ledger's path, carrying the id of the repair made in it."""

    record_id = ""


@pytest.fixture
def ledger(tmp_path, robot) -> Path:
    path = LedgerPath(tmp_path / "ledger")
    result = CliRunner().invoke(cli, ["init", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    set_notify(path, f"notify:\n  base_url: {robot.base_url}\n")
    result = run(path, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                 "--item", "厨房水龙头漏水", "--price-code", "SD-01", "--at", T0, "-f", "json", now=T0)
    assert result.exit_code == 0, result.stderr
    path.record_id = json.loads(result.stdout)["id"]
    return path


def commits(ledger) -> int:
    return int(git(ledger, "rev-list", "--count", "HEAD").strip())


def test_wecom_gets_the_documented_markdown_message_with_the_job_and_each_breach_once(ledger, robot):
    result = run(ledger, "overdue", "--notify", f"wecom://{KEY}")
    assert result.exit_code == 0, result.stderr
    assert len(robot.posts) == 1
    post = robot.posts[0]
    url = urlsplit(post["path"])
    assert url.path == "/cgi-bin/webhook/send" and parse_qs(url.query) == {"key": [KEY]}
    assert post["type"].startswith("application/json")
    assert set(post["body"]) == {"msgtype", "markdown"} and post["body"]["msgtype"] == "markdown"
    content = post["body"]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert ledger.record_id in content and "厨房水龙头漏水" in content  # what the job is, on every line
    lines = [line for line in content.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and all("厨房水龙头漏水" in line for line in lines)
    assert all("超时" in line for line in lines)
    assert "138****8000" not in content or "13800138000" not in content

    # recorded as notices of this group, so the next run (another cron minute) posts nothing new
    record = json.loads(run(ledger, "show", ledger.record_id, "-f", "json").stdout)
    vias = {e.get("via") for e in record["events"] if e["step"] == "notice"}
    assert len(vias) == 1 and next(iter(vias)).startswith("wecom:")
    before = commits(ledger)
    again = run(ledger, "overdue", "--notify", f"wecom://{KEY}", now="2026-11-28T09:21:00+08:00")
    assert again.exit_code == 0, again.stderr
    assert len(robot.posts) == 1 and commits(ledger) == before

    # the key is a secret of the group: never in the ledger's files or its history
    assert KEY not in git(ledger, "log", "-p", "--format=%an %ae %s %b")
    assert not any(KEY in p.read_text(encoding="utf-8", errors="replace")
                   for p in ledger.rglob("*.yaml") if ".git" not in p.parts)


def test_dingtalk_is_signed_with_hmac_sha256_of_timestamp_and_secret(ledger, robot):
    result = run(ledger, "overdue", "--notify", f"dingtalk://{TOKEN}?secret={SECRET}")
    assert result.exit_code == 0, result.stderr
    assert len(robot.posts) == 1
    url = urlsplit(robot.posts[0]["path"])
    assert url.path == "/robot/send"
    query = parse_qs(url.query)
    assert query["access_token"] == [TOKEN]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest())
    assert query["sign"][0] == expected.decode()  # parse_qs has already undone the URL encoding once
    assert unquote_plus(url.query.split("sign=")[1]) == expected.decode()
    body = robot.posts[0]["body"]
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert ledger.record_id in body["markdown"]["text"] and "厨房水龙头漏水" in body["markdown"]["text"]


def test_without_a_secret_dingtalk_is_not_signed(ledger, robot):
    assert run(ledger, "overdue", "--notify", f"dingtalk://{TOKEN}").exit_code == 0
    assert set(parse_qs(urlsplit(robot.posts[0]["path"]).query)) == {"access_token"}


@pytest.mark.parametrize("answer", [(200, {"errcode": 93000, "errmsg": "invalid webhook url"}), (500, {}),
                                    (200, ["not", "the", "robot"])])
def test_a_failed_post_is_exit_3_and_records_nothing_as_sent(ledger, robot, answer):
    robot.answer = answer
    before = commits(ledger)
    result = run(ledger, "overdue", "--notify", f"wecom://{KEY}")
    assert result.exit_code == 3, result.output
    assert "wecom://" in result.stderr and KEY not in result.stderr  # the key is shown cut short
    assert commits(ledger) == before
    robot.answer = (200, {"errcode": 0, "errmsg": "ok"})
    result = run(ledger, "overdue", "--notify", f"wecom://{KEY}", now="2026-11-28T09:21:00+08:00")
    assert result.exit_code == 0 and len(robot.posts) == 2  # the same breaches, posted now
    assert commits(ledger) == before + 1


def test_an_unreachable_robot_is_exit_3(ledger, robot):
    path = ledger / "propcli.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(robot.base_url, "http://127.0.0.1:9"), encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "test: closed port", "--", "propcli.yaml")
    before = commits(ledger)
    result = run(ledger, "overdue", "--notify", f"dingtalk://{TOKEN}")
    assert result.exit_code == 3 and commits(ledger) == before


@pytest.mark.parametrize("url", ["wecom://", "slack://abc", "wecom://ab cd", "https://qyapi.weixin.qq.com/x",
                                 "wecom://KEY?secret=x", "dingtalk://tok/path", "dingtalk://tok?token=x"])
def test_a_bad_notify_url_is_exit_2_and_nothing_is_sent(ledger, robot, url):
    before = commits(ledger)
    result = run(ledger, "overdue", "--notify", url)
    assert result.exit_code == 2, result.output
    assert "--notify" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert robot.posts == [] and commits(ledger) == before


def test_each_group_and_the_mail_are_told_once_each(ledger, robot):
    other = "aaaa1111-2222-3333-4444-555566667777"
    result = run(ledger, "overdue", "--notify", f"wecom://{KEY}", "--notify", f"wecom://{other}")
    assert result.exit_code == 0, result.stderr
    keys = sorted(parse_qs(urlsplit(p["path"]).query)["key"][0] for p in robot.posts)
    assert keys == sorted([KEY, other])
    again = run(ledger, "overdue", "--notify", f"wecom://{other}", now="2026-11-28T09:22:00+08:00")
    assert again.exit_code == 0 and len(robot.posts) == 2


def test_configured_urls_go_with_the_mail_run(ledger, robot):
    aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

    class Collector:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.envelopes.append(envelope)
            return "250 OK"

    handler = Collector()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        set_notify(ledger, f"  urls: [wecom://{KEY}]\n")
        plain = run(ledger, "overdue")  # listing at the desk posts nothing
        assert plain.exit_code == 0 and robot.posts == []
        result = run(ledger, "overdue", "--mail-to", "desk@example.com", "--smtp", f"smtp://127.0.0.1:{port}")
        assert result.exit_code == 0, result.stderr
        assert len(handler.envelopes) == 1 and len(robot.posts) == 1
        mail = handler.envelopes[0].content.decode("utf-8", errors="replace")
        from email import message_from_bytes, policy

        message = message_from_bytes(handler.envelopes[0].content, policy=policy.default)
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "厨房水龙头漏水" in text and "厨房水龙头漏水" in html  # the mail names the job too
        assert "___" not in html and "____" not in mail  # not the blank paper form's header
    finally:
        controller.stop()
