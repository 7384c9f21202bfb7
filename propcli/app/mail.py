"""The overdue mail for cron (`propcli overdue --mail-to ADDR --smtp URL`).

One digest (plain text + HTML, multipart/alternative) per run, grouped by the role each breach
has reached (CLI.md "Who is late, who is told").  Everything is judged at --now from the events
recorded on the records, so every clone and every cron job sees the same history:

* a breach (record id + rule) is mailed once, recorded as ``{step: notice, rule, to: ROLE}``;
* while still open it is mailed again as a reminder ``reminder_after`` (60m) after the last
  notice for it (``{step: notice, reminder: true, …}``);
* once it is late by more than ``escalate_after`` (30m) it escalates one role up its
  escalation chain, and again after each further ``escalate_after``: ``{step: escalate, rule, to}``;
* a due-soon item (``--within``, negative ``minutes_late``) is mailed once under 即将到期 and
  recorded as ``{step: notice, due_soon: true, due, …}``, which the breach logic ignores.

Events are recorded (one commit) only after the SMTP server accepted the message; a run that
sends nothing writes nothing.  smtplib/email are imported here only, and lazily.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from propcli.errors import BadInput, LedgerUnusable, PropcliError
from propcli.i18n import _
from propcli.timeutil import parse_duration, parse_time

from propcli.i18n import ROLES as ROLE_LABELS  # noqa: E402  (role key -> label msgid; the order of the chain)

NOTICE_STEPS = ("notice", "escalate")


def role_label(role: str | None) -> str:
    """`客户服务部前台接待员` in Chinese, `front-desk receptionist` in English: the label people read, the key
    only where there is none (issue 19 point 2)."""
    from propcli.i18n import label

    if not role:
        return "-"
    return label("role", role)


def rule_label(rule: str) -> str:
    """`填写维修单` (repair.fill): the catalogue's label in the reader's language, else the kind's declared one."""
    from propcli.i18n import label

    name = label("rule", rule)
    if name == rule:
        from propcli.kinds import rule_label as declared

        name = declared(rule) or rule
    return name  # the label people read (issue 19 point 2); the key only when there is none


def mask_phone(phone) -> str:
    """13800138000 -> 138****8000; short numbers keep at most their last 2 digits."""
    if phone is None:
        return ""
    digits = str(phone).strip()
    if len(digits) >= 8:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def job_of(row: dict, doc: dict) -> str:
    """What the job is, in the words it was taken down with: the kind's summary fields (a repair's item, a
    request's or complaint's detail, a patrol round's area), or the area a `patrol.daily` row names."""
    from propcli.kinds import NAMES, kind

    name = doc.get("kind") or row.get("kind")
    keys = kind(name).summary_keys if name in NAMES else ("item", "detail")
    for key in keys:
        value = doc.get(key)
        if value not in (None, "", [], {}):
            return " ".join(str(value).split())
    return str(row.get("area") or "")


# --- settings ---------------------------------------------------------------------------------
def _settings(ledger) -> dict:
    mail = ledger.config.get("mail") or {}
    return mail if isinstance(mail, dict) else {}


def _span(value, default: str, field: str) -> timedelta:
    duration = parse_duration(str(value or default), field)
    span = duration.exact
    if span is None or span.total_seconds() <= 0:
        raise BadInput(_("{field}: expected minutes or hours, e.g. {example}", field=field, example=default))
    return span


def _actor(session) -> str:
    try:
        return session.actor
    except BadInput:
        return "propcli"


# --- what to mail -----------------------------------------------------------------------------
def _doc(ledger, record_id: str) -> dict:
    import json

    from propcli.store import queries

    text = queries.doc_of(ledger.index, record_id)
    if text is None:
        return {}
    try:
        doc = json.loads(text) or {}
    except (TypeError, ValueError):
        return {}
    from propcli.app.derive import redacted

    return redacted(doc) if isinstance(doc, dict) else {}  # a confidential detail never goes by mail (9.4.3-4)


def _events(doc: dict, tz: str, now: datetime) -> list[tuple[datetime, dict]]:
    out = []
    for raw in doc.get("events") or []:
        if not isinstance(raw, dict):
            continue
        try:
            at = parse_time(str(raw.get("at")), tz)
        except Exception:
            continue
        out.append((at, raw))
    return out


def plan(session, rows: list[dict], via: str | None = None) -> list[dict]:
    """The items this run must send, each with the event to record once the message was accepted.

    `via` names the channel (None: the mail; `wecom:…`/`dingtalk:…`: an office chat group, propcli.app.notify):
    each channel de-duplicates by the notices recorded for it alone, the same way."""
    ledger = session.ledger
    tz = ledger.tz
    now = session.now
    settings = _settings(ledger)
    remind = _span(settings.get("reminder_after"), "60m", "mail.reminder_after")
    step = _span(settings.get("escalate_after"), "30m", "mail.escalate_after")
    items = []
    for row in rows:
        if row.get("derived"):  # 12.2.2 patrol.daily: no record to note a notice on (see the module's docstring)
            item = _derived_item(row, tz, now)
            if item is not None:
                items.append(item)
            continue
        doc = _doc(ledger, row["id"])
        events = _events(doc, tz, now)
        if any(at > now for at, _raw in events):
            continue  # --now in the past: nothing can be recorded on this record, so nothing is mailed
        chain = [r for r in (row.get("escalation") or [row.get("role")]) if r]
        due = parse_time(row["due"], tz)
        late = (now - due).total_seconds()
        mine = [(at, raw) for at, raw in events
                if raw.get("step") in NOTICE_STEPS and str(raw.get("rule", "")) == row["rule"]
                and (raw.get("via") or None) == via]
        item = {"row": row, "doc": doc, "chain": chain, "due_at": due, "told_before": len(mine)}
        if late <= 0:
            if any(raw.get("due_soon") and str(raw.get("due", "")) == row["due"] for _at, raw in mine):
                continue
            item.update(kind="due_soon", to=chain[0] if chain else row.get("role"),
                        data={"rule": row["rule"], "to": chain[0] if chain else row.get("role"),
                              "clause": row["clause"], "due_soon": True, "due": row["due"]})
            items.append(item)
            continue
        breach = [(at, raw) for at, raw in mine if not raw.get("due_soon")]
        level = min(max(0, math.ceil(late / step.total_seconds()) - 1), max(0, len(chain) - 1))
        told = max((chain.index(raw.get("to")) for _at, raw in breach if raw.get("to") in chain), default=-1)
        if level > 0 and level > told:
            item.update(kind="escalate", to=chain[level],
                        data={"rule": row["rule"], "to": chain[level], "clause": row["clause"]}, step="escalate")
        elif not breach:
            item.update(kind="notice", to=chain[0],
                        data={"rule": row["rule"], "to": chain[0], "clause": row["clause"]})
        elif now - max(at for at, _raw in breach) >= remind:
            to = chain[max(level, told, 0)]
            item.update(kind="reminder", to=to,
                        data={"rule": row["rule"], "to": to, "clause": row["clause"], "reminder": True})
        else:
            continue
        items.append(item)
    return items


def _derived_item(row: dict, tz: str, now: datetime) -> dict | None:
    """A derived breach (`patrol.daily`, 12.2.2: an area without a round on a working day) has no record to keep
    a notice on: it is mailed on every run during the day after the one it names (and as due soon on that day,
    with --within), never recorded; `overdue` keeps listing it."""
    due = parse_time(row["due"], tz)
    late = (now - due).total_seconds()
    if late > 24 * 3600:
        return None
    chain = [r for r in (row.get("escalation") or [row.get("role")]) if r]
    kind = "due_soon" if late <= 0 else "notice"
    return {"row": row, "doc": {}, "chain": chain, "due_at": due, "kind": kind, "to": chain[0],
            "data": {"rule": row["rule"], "to": chain[0], "clause": row["clause"]}, "derived": True}


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+$")


def is_address(address) -> bool:
    """A bare e-mail address: one @, no spaces, no line breaks (a header cannot be injected through it)."""
    text = str(address).strip()
    return bool(_ADDRESS.match(text)) and text.isprintable() and len(text) <= 254


def check_addresses(addresses, field: str = "--mail-to") -> list[str]:
    for address in addresses:
        if not is_address(address):
            raise BadInput(_("{field}: '{value}' is not an e-mail address; expected one address such as "
                             "zhang.wei@example.com",
                             field=field, value=address))
    return [str(a).strip() for a in addresses]


def recipients(ledger, items: list[dict], mail_to: list[str]) -> list[str]:
    roles = set()
    for item in items:
        roles.add(item["to"])
        if item["chain"]:
            roles.add(item["chain"][0])
    seen, out = set(), []
    for address in [*mail_to, *(m.email for m in ledger.staff if m.email and m.role in roles)]:
        address = str(address).strip()
        if address and is_address(address) and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


# --- the message ------------------------------------------------------------------------------
def _local(moment: datetime, tz: str) -> str:
    from propcli.timeutil import zone

    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")


def _line_fields(item: dict, tz: str) -> dict:
    row, doc = item["row"], item["doc"]
    from propcli.app.humanize import lateness

    how = lateness(row["minutes_late"])  # 超时 16 分钟 / 还剩 3 分钟
    mark = {"notice": _("first notice"), "reminder": _("reminder"),
            "escalate": _("escalated to {role}", role=role_label(item["to"])), "due_soon": _("due soon")}[item["kind"]]
    where = doc.get("address") or doc.get("location") or row.get("area") or ""
    return {
        "id": row["id"], "what": rule_label(row["rule"]), "item": job_of(row, doc), "clause": _("clause {clause}",
                                                                                                clause=row["clause"]),
        "due": _("due {due}", due=_local(item["due_at"], tz)), "how": how, "mark": mark,
        "where": str(where), "phone": mask_phone(doc.get("phone")) if doc.get("phone") else "",
        "assignee": _("assignee {name}", name=row["assignee"]) if row.get("assignee") else "",
    }


def _groups(items: list[dict]) -> list[tuple[str, list[dict]]]:
    breaches = [i for i in items if i["kind"] != "due_soon"]
    soon = [i for i in items if i["kind"] == "due_soon"]
    order = list(ROLE_LABELS)
    roles = sorted({i["to"] for i in breaches}, key=lambda r: (order.index(r) if r in order else len(order), r))
    groups = [(_("told: {role}", role=role_label(role)), [i for i in breaches if i["to"] == role]) for role in roles]
    if soon:
        groups.append((_("Due soon"), soon))  # zh: 即将到期 due soon (CLI.md: mailed under "due soon")
    return groups


def message_id(ledger, items: list[dict], to: list[str]) -> str:
    """The digest's Message-ID, the same whenever the same notices go to the same people (issue 16, point 6).

    Delivery is at-least-once: the notice is recorded after the SMTP server's 250, so a run killed between the
    two mails the same items again on the next run. That resend must be the same message to a mail client
    (which drops a second copy with a Message-ID it holds), so the id is not random: it is a hash of the
    ledger's office, the recipients, and per item its record id, rule, due time, what it is (notice,
    reminder, escalation, due soon), whom it tells and how many notices of that breach were recorded before
    it. A reminder an hour later, or an escalation, has recorded notices the first message had not: a new id."""
    import hashlib

    parts = [str(ledger.office or ""), *sorted(str(a).strip().lower() for a in to)]
    parts += sorted("|".join(str(x) for x in (i["row"]["id"], i["row"]["rule"], i["row"]["due"], i["kind"],
                                                 i.get("to") or "", i.get("told_before", 0))) for i in items)
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:40]
    return f"<overdue.{digest}@propcli>"


def compose(session, items: list[dict], to: list[str], sender: str):
    from email.message import EmailMessage
    from email.utils import formatdate

    ledger = session.ledger
    tz = ledger.tz
    late_n = sum(1 for i in items if i["kind"] != "due_soon")
    soon_n = len(items) - late_n
    subject = _("[propcli] deadlines {office} {now}: {late} overdue, {soon} due soon",
                office=ledger.office or "", now=_local(session.now, tz), late=late_n, soon=soon_n)
    intro = _("{office} deadline reminder ({now}). These deadlines, counted by the clauses of the procedures, have "
              "passed or fall due soon; please deal with them and record it in propcli.",
              office=getattr(ledger, "office", "") or "", now=_local(session.now, tz))
    groups = _groups(items)
    text = [intro, ""]
    for title, members in groups:
        text += [f"== {title} ==", ""]
        for item in members:
            f = _line_fields(item, tz)
            parts = [f["id"], f["what"], f["item"], f["clause"], f["due"], f["how"], f"[{f['mark']}]",
                     f["where"], f["phone"], f["assignee"]]
            text.append("- " + "  ".join(p for p in parts if p))
        text.append("")
    footer = _("Sent by propcli overdue; every message sent is recorded on its record (notice / escalate).")
    text.append(footer)
    html = _html(ledger, subject, intro, groups, footer, tz)

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id(ledger, items, to)
    message.set_content("\n".join(text))
    message.add_alternative(html, subtype="html")
    return message


def _html(ledger, subject: str, intro: str, groups, footer: str, tz: str) -> str:
    """The HTML part: the forms' templates and labels (propcli.app.forms), durations as people say them."""
    from propcli.app.forms import render_mail_html

    shaped = []
    for title, members in groups:
        rows = []
        for item in members:
            f = _line_fields(item, tz)
            rows.append({"id": f["id"], "rule": item["row"]["rule"], "item": f["item"], "clause": f["clause"],
                         "due": _local(item["due_at"], tz), "minutes_late": item["row"]["minutes_late"],
                         "mark": f["mark"], "where": f["where"], "phone": f["phone"],
                         "role": item["row"].get("role"), "assignee": item["row"].get("assignee")})
        shaped.append((title, rows))
    return render_mail_html(ledger, subject, intro, shaped, footer)


# --- SMTP -------------------------------------------------------------------------------------
def _endpoint(url: str) -> tuple[str, str, int, str | None]:
    from urllib.parse import unquote, urlsplit

    try:
        if not str(url).isprintable() or " " in str(url):
            raise ValueError(url)
        parts = urlsplit(url)
        scheme, hostname = (parts.scheme or "").lower(), parts.hostname
    except ValueError:  # e.g. smtp://[::1 (an unclosed IPv6 address)
        scheme, hostname = "", None
    if scheme not in ("smtp", "smtps") or not hostname:
        raise BadInput(_("--smtp: '{url}' is not an SMTP address; expected smtp://host:port or smtps://host:port",
                         url=url))
    try:
        port = parts.port or (465 if scheme == "smtps" else 25)
    except ValueError:
        raise BadInput(_("--smtp: '{url}' has a bad port", url=url)) from None
    return scheme, parts.hostname, port, unquote(parts.username) if parts.username else None


def deliver(url: str, settings: dict, message, sender: str, to: list[str]) -> dict:
    """Hand the message to the SMTP server; LedgerUnusable (exit 3) when it is not accepted."""
    import os
    import smtplib
    import ssl

    scheme, host, port, user = _endpoint(url)
    user = user or settings.get("username")
    password_env = settings.get("password_env") or "PROPCLI_SMTP_PASSWORD"
    password = os.environ.get(str(password_env)) if user else None
    timeout = float(settings.get("timeout") or 30)
    try:
        if scheme == "smtps":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        try:
            server.ehlo()
            if scheme == "smtp" and server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if user:
                if password is None:
                    raise BadInput(_("mail.username is set but the password variable {var} is empty; set it in the "
                                     "environment",
                                     var=password_env))
                try:
                    server.login(str(user), password)
                except UnicodeEncodeError:  # smtplib sends AUTH as ASCII only
                    raise BadInput(_("mail.username and the password in {var} must be ASCII (SMTP AUTH); nothing was "
                                     "sent",
                                     var=password_env)) from None
            refused = server.send_message(message, from_addr=sender, to_addrs=to)
        finally:
            try:
                server.quit()
            except Exception:
                server.close()
    except BadInput:
        raise
    except (OSError, smtplib.SMTPException) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise LedgerUnusable(_("--smtp {url}: the overdue mail was not sent ({reason}); nothing was recorded",
                               url=url, reason=reason)) from None
    return refused or {}


# --- the command ------------------------------------------------------------------------------
def send_digest(session, rows: list[dict], mail_to: list[str], smtp_url: str | None) -> str:
    """Mail what is new since the last notices and record it; returns a one-line summary."""
    ledger = session.ledger
    settings = _settings(ledger)
    url = smtp_url or settings.get("smtp") or "smtp://localhost:25"
    _endpoint(url)  # bad input before anything else
    mail_to = check_addresses(mail_to)
    items = plan(session, rows)
    if not items:
        return _("overdue mail: nothing new to send (each breach is mailed once, again after {remind}; CLI.md)",
                 remind=settings.get("reminder_after") or "60m")
    to = recipients(ledger, items, mail_to)
    if not to:
        return _("overdue mail: not sent: no recipients (give --mail-to, or e-mail addresses in staff.yaml); nothing "
                 "recorded")
    sender = str(settings.get("from") or "propcli@localhost")
    message = compose(session, items, to, sender)
    refused = deliver(url, settings, message, sender, to)

    summary = summarise(items)
    record_sent(session, items, _("notice: overdue mail to {count} recipient(s)", count=len(to)),
                _("the overdue mail was sent but could not be recorded ({reason}); the next run will mail it again"))
    result = _("{summary}; sent to {count} recipient(s)", summary=summary, count=len(to) - len(refused))
    if refused:
        result += _("; refused by the server: {addresses}", addresses=", ".join(sorted(refused)))
    return result


def summarise(items: list[dict]) -> str:
    counts = {k: sum(1 for i in items if i["kind"] == k) for k in ("notice", "reminder", "escalate", "due_soon")}
    return _("overdue mail: {n} item(s): {notice} new, {reminder} reminder(s), {escalate} escalation(s), {soon} due "
             "soon",
             n=len(items), notice=counts["notice"], reminder=counts["reminder"],
             escalate=counts["escalate"], soon=counts["due_soon"])


def record_sent(session, items: list[dict], subject: str, unrecorded: str, via: str | None = None) -> None:
    """Record each item sent as its notice/escalate event (one commit), with `via` for a chat group.
    `unrecorded` is the message (with {reason}) when the message went out but the record failed."""
    from types import MappingProxyType

    from propcli.model import Event
    from propcli.store.unit import append_many

    ledger = session.ledger
    by = _actor(session)
    now = session.now
    events: dict[str, list] = {}
    for item in items:
        if item.get("derived"):
            continue  # nothing to record it on (12.2.2 patrol.daily is derived, never stored)
        step = item.get("step") or "notice"
        data = dict(item["data"], via=via) if via else dict(item["data"])
        events.setdefault(item["row"]["id"], []).append(Event(step, now, by, MappingProxyType(data)))
    lines = [f"{i['row']['id']} {i['row']['rule']} ({i['row']['clause']}): {i['kind']} -> {i['to']}" for i in items]
    commit = "\n".join([subject, "", summarise(items), "", *lines, "", "Step: notice"]) + "\n"
    if not events:
        return
    try:
        append_many(ledger, events, by, now, commit)
    except PropcliError as error:
        message_text = getattr(error, "message", None) or str(error)
        raise LedgerUnusable(unrecorded.format(reason=" ".join(message_text.split()))) from None
