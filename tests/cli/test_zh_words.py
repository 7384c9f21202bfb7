"""Chinese all the way through (issue 19 point 2): every command's table and text output in zh_CN, over a
demo-like ledger (the demo's month, plus a major medical emergency with its checklist, a patrol round, an
event, a visit, a call, an open letter and the month's callback plan), and the monthly report and the overdue
mail, hold no English word of three letters or more that is not an id, a code, a unit, a command or an
option name. Event details read as sentences, never as Python or JSON."""
import html as html_module
import re
import socket

import pytest

from conftest import invoke, invoke_json, run_cli


@pytest.fixture(autouse=True, scope="module")
def _english_again():
    """Commands run here in zh_CN settle the process's language; the library tests after them read English."""
    yield
    from propcli import i18n

    i18n.reset()

NOW = "2026-11-28T10:30"
ZH = {"PROPCLI_LANG": "zh_CN"}
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
KEPT = [
    re.compile(r"\b[A-Z]{1,3}-[0-9A-Z]{2,}\b"),           # ids (R-2QG9RGJC7P), price codes (SD-01, MC-03)
    re.compile(r"--[a-z][a-z0-9-]*"),                      # option names
    re.compile(r"propcli(?: [a-z][a-z-]*)*"),              # commands as typed (propcli request escalate)
    re.compile(r"\S+@\S+"),                                # e-mail addresses (the roster's)
    re.compile(r"[\w./~-]*/[\w./-]+|\b[\w-]+\.(?:yaml|py|txt|html|pdf|csv|xlsx|json)\b"),  # paths, file names
    re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![A-Za-z0-9])"),  # acronyms: PVC, PPR, HY01
    re.compile(r"(?<![A-Za-z0-9])[0-9a-f]{7,40}(?![A-Za-z0-9])"),  # commits
    re.compile(r"\bpip install -U \S+"),                  # the command doctor tells the reader to run
    re.compile(r"\bgit version [\d.]+"),                  # git's own words, quoted by doctor
    re.compile(r"\bgit [a-z][a-z-]*"),                    # git commands as typed (git fsck)
]
ALLOWED = {
    "git", "min",                                          # a command; a unit
    "roles", "warn", "enforce",                            # a setting of propcli.yaml, as written there
    "main", "master", "origin",                            # git branch names (data)
    "cron",                                                # the roster's name for the scripts' entry (data)
    "chinesecalendar",                                     # a package's name (doctor: pip install -U …)
    "https", "http", "smtp", "smtps",                      # schemes of addresses
}


def english_words(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for pattern in KEPT:
            line = pattern.sub(" ", line)
        found += [w for w in WORD.findall(line) if w.lower() not in ALLOWED]
    return found


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The demo's month and every kind's steps, as the desk records them."""
    path = tmp_path_factory.mktemp("zh") / "demo"
    assert run_cli("--now", "2026-11-28T10:00", "demo", str(path)).exit_code == 0

    def do(at, *args, as_="赵丽娟"):
        result = invoke(path, *args, now=at, as_=as_)
        assert result.exit_code == 0, (args, result.stderr)
        return result

    medical = invoke_json(path, "request", "new", "--category", "急救病人", "--major", "--name", "李四", "--phone",
                          "13900139000", "--address", "3栋301", "--detail", "老人摔倒", now="2026-11-28T10:01",
                          as_="赵丽娟")["id"]
    do("2026-11-28T10:02", "request", "medical", medical, "--way", "escort", as_="刘洋")
    do("2026-11-28T10:03", "request", "escalate", medical, "--to", "manager", as_="刘洋")
    do("2026-11-28T10:05", "patrol", "new", "--area", "3栋及周边", "--finding", "3栋电梯厅灯不亮", "--officer", "刘洋",
       as_="刘洋")
    do("2026-11-28T10:06", "event", "new", "--title", "中秋游园会", "--ended", "2026-11-28T09:00", "--households", "3",
       as_="梁小雨")
    do("2026-11-28T10:07", "visit", "new", "--type", "holiday", "--address", "3栋0301", "--name", "张三", "--phone",
       "13800138000", "--households", "1")
    do("2026-11-28T10:08", "call", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
       "--reason", "咨询停车", "--category", "enquiry")
    complaint = invoke_json(path, "list", "--kind", "complaint", now=NOW)[0]["id"]
    do("2026-11-28T10:09", "letter", "new", "--subject", "关于电梯维修的公开信", "--text", "电梯已修", "--complaints",
       complaint)
    do("2026-11-28T10:10", "callback", "plan", "--month", "2026-11", as_="陈静")  # the service director (11.1.2)
    return path


def outputs(ledger) -> dict[str, str]:
    def run(*args, as_="赵丽娟"):
        result = invoke(ledger, *args, now=NOW, as_=as_, env=ZH)
        assert result.exit_code in (0, 1, 2), (args, result.stderr)
        return result.stdout + result.stderr

    shown = {"list": run("list"), "list --open": run("list", "--open"), "overdue": run("overdue", "--within", "1h"),
             "stats": run("stats", "2026-11"), "doctor": run("doctor"), "staff": run("staff"), "prices": run("prices"),
             "log": run("log"), "check": run("check"),
             "callback plan": run("callback", "plan", "--month", "2026-11", as_="陈静"),
             "repair billing": run("repair", "billing", "--month", "2026-11", as_="谢春兰"),
             "list --status": run("list", "--status", "没有这个状态")}
    seen = set()
    for record in invoke_json(ledger, "list", now=NOW):
        shape = (record["kind"], tuple(e["step"] for e in record["events"]))
        if shape not in seen:
            seen.add(shape)
            shown["show " + record["id"]] = run("show", record["id"])
            shown["explain " + record["id"]] = run("explain", record["id"])
    return shown


def test_every_table_and_text_is_chinese(desk):
    shown = outputs(desk)
    assert len(shown) > 30                                     # every kind and many steps were walked
    leaks = {name: sorted(set(words)) for name, text in shown.items() if (words := english_words(text))}
    assert not leaks, {name: (words, [line for line in shown[name].splitlines() if any(w in line for w in words)][:3])
                       for name, words in leaks.items()}


def test_event_details_read_as_sentences(desk):
    shown = outputs(desk)
    text = "\n".join(shown.values())
    assert not re.search(r"\w=", text)                        # never key=value
    for raw in ("[{", "{\"", "': ", "None", "True", "False", "null", "true", "[2, 3]"):
        assert raw not in text, raw
    medical = next(v for k, v in shown.items() if k.startswith("show Q-") and "处理步骤" in v)
    assert "1. 物业管理员：通知安管(保安)部值班负责人" in medical and "帮助方式：送医院" in medical
    repair = "\n".join(v for k, v in shown.items() if k.startswith("show R-"))
    assert "联次：第 2、3 联" in repair and "交给：客户服务部前台接待员" in repair
    assert "当前环节 charge" not in text and "有偿服务已计费" in text
    assert "自“来源办结时间”起" in text and "field:" not in text
    shares = "\n".join(line for line in shown["stats"].splitlines() if "元" not in line)  # not money (9.4.9: 0.00 元)
    assert re.search(r"\d+%", shares) and not re.search(r"\b0\.\d\d\b", shares)  # shares as 44%


def test_the_monthly_report_and_the_mail_are_chinese(desk, tmp_path):
    report = tmp_path / "report.html"
    assert invoke(desk, "stats", "2026-11", "-f", "html", "-o", str(report), now=NOW, env=ZH).exit_code == 0
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", report.read_text(encoding="utf-8"), flags=re.S)
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", page))
    assert not english_words(text), sorted(set(english_words(text)))
    assert "维修人员到场" in text and "repair.arrive" not in text

    controller_module = pytest.importorskip("aiosmtpd.controller")

    class Collector:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collector()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sent = invoke(desk, "overdue", "--within", "1h", "--mail-to", "desk@example.com", "--smtp",
                      f"smtp://127.0.0.1:{port}", now=NOW, as_="cron", env=ZH)
        assert sent.exit_code == 0, sent.stderr
    finally:
        controller.stop()
    from email import message_from_bytes, policy

    (envelope,) = handler.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    plain = message.get_body(("plain",)).get_content()
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", message.get_body(("html",)).get_content(), flags=re.S)
    body = html_module.unescape(re.sub(r"<[^>]+>", " ", body))
    for text in (str(message["Subject"]), plain, body):
        assert not english_words(text), sorted(set(english_words(text)))
    assert "due soon" not in plain and "即将到期" in plain
