"""The overdue digest posted to the office's chat group (`propcli overdue --notify URL`).

Offices in China are told things in their 企业微信 or 钉钉 group. Two robots, each with its vendor's
documented webhook and its markdown message:

* ``wecom://KEY``: 企业微信群机器人, ``POST {base}/cgi-bin/webhook/send?key=KEY`` with
  ``{"msgtype": "markdown", "markdown": {"content": …}}`` (content at most 4096 bytes);
* ``dingtalk://TOKEN[?secret=S]``: 钉钉自定义机器人, ``POST {base}/robot/send?access_token=TOKEN`` with
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``; with a secret (加签) the URL also carries
  ``timestamp`` (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))).

Both answer ``{"errcode": 0, "errmsg": "ok"}`` when the message was taken. ``propcli.yaml`` ``notify:``
holds ``urls:`` (posted whenever the digest is sent and no ``--notify`` is given) and ``base_url:`` (a private
gateway or, in the tests, a server on loopback; the vendors' paths are appended to it).

The same breaches as the mail, planned the same way (propcli.app.mail.plan), de-duplicated per group: each
post is recorded on its records as ``notice``/``escalate`` events with ``via: wecom:…`` (a fingerprint of the
key, never the key). A post that is refused or cannot be made is exit 3 and records nothing as sent; a long
digest goes as several messages, and the items of the messages already taken are recorded.
"""
from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _

VENDOR_BASE = {"wecom": "https://qyapi.weixin.qq.com", "dingtalk": "https://oapi.dingtalk.com"}
MAX_BYTES = 4000  # 企业微信: markdown content ≤ 4096 bytes; 钉钉 takes more, one limit keeps both safe
_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")


class Channel(NamedTuple):
    vendor: str   # wecom | dingtalk
    token: str    # the robot's key / access_token
    secret: str | None
    via: str      # recorded on the notices: vendor and a fingerprint of the token

    @property
    def shown(self) -> str:
        """The URL as messages show it: the token cut to its first 4 characters."""
        return f"{self.vendor}://{self.token[:4]}…"


def parse(url: str) -> Channel:
    """`wecom://KEY` or `dingtalk://TOKEN[?secret=S]`; anything else is bad input (exit 2)."""
    from urllib.parse import parse_qs, urlsplit

    text = str(url).strip()
    expected = _("--notify: '{url}' is not a chat-group robot; expected wecom://KEY (企业微信群机器人) "
                 "or dingtalk://TOKEN[?secret=S] (钉钉自定义机器人)", url=text[:40])
    try:
        parts = urlsplit(text)
    except ValueError:
        raise BadInput(expected) from None
    vendor = (parts.scheme or "").lower()
    token = parts.netloc
    if vendor not in VENDOR_BASE or not _TOKEN.match(token or "") or parts.path not in ("", "/"):
        raise BadInput(expected)
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"secret"})
    if unknown or (vendor == "wecom" and query):
        raise BadInput(expected)
    secret = (query.get("secret") or [None])[0]
    if secret is not None and not secret.isprintable():
        raise BadInput(expected)
    fingerprint = hashlib.sha256(token.encode("utf-8")).hexdigest()[:10]
    return Channel(vendor, token, secret or None, f"{vendor}:{fingerprint}")


def sign(secret: str, timestamp_ms: int) -> str:
    """钉钉加签: base64(HMAC-SHA256 over "timestamp\\nsecret" keyed by the secret), URL-encoded."""
    import base64
    import hmac
    from urllib.parse import quote_plus

    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def endpoint(channel: Channel, base_url: str | None, timestamp_ms: int) -> str:
    from urllib.parse import quote

    base = (str(base_url).rstrip("/") if base_url else VENDOR_BASE[channel.vendor])
    if channel.vendor == "wecom":
        return f"{base}/cgi-bin/webhook/send?key={quote(channel.token)}"
    url = f"{base}/robot/send?access_token={quote(channel.token)}"
    if channel.secret:
        url += f"&timestamp={timestamp_ms}&sign={sign(channel.secret, timestamp_ms)}"
    return url


def payload(channel: Channel, title: str, text: str) -> dict:
    if channel.vendor == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _settings(ledger) -> dict:
    notify = ledger.config.get("notify") or {}
    return notify if isinstance(notify, dict) else {}


def configured_urls(ledger) -> list[str]:
    urls = _settings(ledger).get("urls") or []
    return [str(u) for u in urls] if isinstance(urls, list) else [str(urls)]


# --- the message ------------------------------------------------------------------------------
def _md(text) -> str:
    """A cell's text made inert in the robots' markdown: no line breaks, no markup characters."""
    cleaned = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", cleaned)


def messages(session, items: list[dict]) -> list[tuple[str, str, list[dict]]]:
    """The digest as markdown messages of at most MAX_BYTES each: (title, text, the items it carries)."""
    from propcli.app.mail import _groups, _line_fields, _local

    ledger = session.ledger
    tz = ledger.tz
    late_n = sum(1 for i in items if i["kind"] != "due_soon")
    title = _("[propcli] deadlines {office} {now}: {late} overdue, {soon} due soon",
              office=ledger.office or "", now=_local(session.now, tz), late=late_n, soon=len(items) - late_n)
    head = f"### {_md(title)}\n"
    out: list[tuple[str, str, list[dict]]] = []
    text, carried = head, []
    for heading, members in _groups(items):
        section = f"\n**{_md(heading)}**\n"
        for item in members:
            f = _line_fields(item, tz)
            cells = [f"**{f['id']}**", _md(f["what"]), _md(f["item"]), _md(f["how"]), _md(f["due"]),
                     _md(f["where"]), _md(f["assignee"]), _md(f["clause"]), f"[{_md(f['mark'])}]"]
            line = "- " + " · ".join(c for c in cells if c and c != "[]") + "\n"
            if len((text + section + line).encode("utf-8")) > MAX_BYTES and carried:
                out.append((title, text, carried))
                text, carried = head + _md(_("(continued)")) + "\n", []
                section = f"\n**{_md(heading)}**\n"
            text += section + line
            section = ""
            carried.append(item)
    if carried:
        out.append((title, text, carried))
    return out


# --- HTTP ------------------------------------------------------------------------------------
def post(channel: Channel, url: str, body: dict, timeout: float) -> None:
    """One POST; LedgerUnusable (exit 3) unless the robot answers errcode 0."""
    import json
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen

    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = Request(url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 (the scheme is ours: http/https)
            answer = response.read(65536)
    except HTTPError as error:
        reason = f"HTTP {error.code}"
    except (URLError, OSError, ValueError) as error:
        reason = " ".join(str(getattr(error, "reason", error)).split()) or type(error).__name__
    else:
        try:
            parsed = json.loads(answer.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if isinstance(parsed, dict) and parsed.get("errcode") == 0:
            return
        if isinstance(parsed, dict):
            reason = f"errcode {parsed.get('errcode')}: {' '.join(str(parsed.get('errmsg', '')).split())[:120]}"
        else:
            reason = _("an answer that is not the robot's JSON")
    raise LedgerUnusable(_("--notify {url}: the digest was not posted ({reason}); nothing was recorded as sent",
                           url=channel.shown, reason=reason))


def post_digest(session, rows: list[dict], url: str) -> str:
    """Post what is new for this group since its last notices and record it; returns a one-line summary."""
    import time

    from propcli.app.mail import plan, record_sent

    channel = parse(url)
    ledger = session.ledger
    settings = _settings(ledger)
    items = plan(session, rows, via=channel.via)
    if not items:
        return _("{url}: nothing new to post", url=channel.shown)
    timeout = float(settings.get("timeout") or 10)
    posted: list[dict] = []
    failure = None
    for title, text, carried in messages(session, items):
        try:
            post(channel, endpoint(channel, settings.get("base_url"), int(time.time() * 1000)),
                 payload(channel, title, text), timeout)
        except LedgerUnusable as error:
            failure = error
            break
        posted += carried
    if posted:
        record_sent(
            session, posted, _("notice: overdue digest posted to {url}", url=channel.shown),
            _("the digest was posted but could not be recorded ({reason}); the next run will post it again"),
            via=channel.via)
    if failure is not None:
        raise failure
    counts = {k: sum(1 for i in posted if i["kind"] == k) for k in ("notice", "reminder", "escalate", "due_soon")}
    return _("{url}: posted {n} item(s): {notice} new, {reminder} reminder(s), {escalate} escalation(s), {soon} due "
             "soon",
             url=channel.shown, n=len(posted), notice=counts["notice"], reminder=counts["reminder"],
             escalate=counts["escalate"], soon=counts["due_soon"])
