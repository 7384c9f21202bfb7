"""Complaints 投诉 (8.6, 8.7.1, 11.1.12-13), community events (11.1.5) and open letters 公开信 (11.1.10)."""
from propcli.kinds import complaint as complaints
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.app.services import show
from propcli.timeutil import format_time, parse_time
from propcli.store.unit import append, create, load


def _text(value, field: str, expected: str, required: bool = True) -> str | None:
    if value is None or not str(value).strip():
        if required:
            raise BadInput(_("{field}: missing; expected {expected}", field=field, expected=expected))
        return None
    return str(value).strip()


def new_complaint(session, name=None, phone=None, address=None, detail=None, severity=None, anonymous=False,
                  channel=None, written_reply_only=False, at=None) -> dict:
    """Register a complaint in the 《客户投诉登记表》 (8.7.1); prefix T-."""
    ledger = session.ledger
    received = session.at(at)
    detail = _text(detail, "--detail", _("what the complaint is about"))
    severity = severity or "general"
    if severity not in complaints.SEVERITIES:
        raise BadInput(_("--severity: expected one of {values}", values="|".join(complaints.SEVERITIES)))
    if written_reply_only:
        if channel not in (None, complaints.FORWARDED):
            raise BadInput(_("--written-reply-only: a 复函 case is forwarded by a higher authority (11.1.13); "
                             "expected --channel {channel}", channel=complaints.FORWARDED))
        channel = complaints.FORWARDED
    channel = channel or "来电"
    if channel not in complaints.CHANNELS:
        raise BadInput(_("--channel: expected one of {values}", values="|".join(complaints.CHANNELS)))
    required = not anonymous
    fields = {"office": ledger.office,
              "name": _text(name, "--name", _("the complainant's name (or --anonymous)"), required),
              "phone": _text(phone, "--phone", _("the complainant's phone number, e.g. 13800138000 (or --anonymous)"), required),
              "address": _text(address, "--address", _("building and unit, e.g. 3栋0301 (or --anonymous)"), required),
              "detail": detail, "severity": severity, "channel": channel,
              "anonymous": bool(anonymous), "written_reply_only": bool(written_reply_only)}
    if fields["phone"] is not None and not complaints.PHONE.match(fields["phone"]):
        raise BadInput(_("--phone: '{value}' is not a phone number; expected digits such as 13800138000", value=phone))
    fields = {k: v for k, v in fields.items() if v is not None}
    record = create(ledger, "complaint", fields, received, session.actor, session.now)
    return show(session, record.id)


def complaint_step(session, text_id: str, step: str, at=None, **options) -> dict:
    """reply [--note], assign --to, handle [--outcome], merge --into, close (CLI.md `complaint STEP`)."""
    ledger = session.ledger
    record_id = ledger.resolve(text_id, "complaint")
    data: dict = {}
    target = None
    if step == "reply":
        data["note"] = _text(options.get("note"), "--note", "", required=False)
    elif step == "assign":
        data["to"] = _text(options.get("to"), "--to", _("the responsible department or person, e.g. 工程部"))
    elif step == "handle":
        data["outcome"] = _text(options.get("outcome"), "--outcome", "", required=False)
    elif step == "merge":
        into = _text(options.get("into"), "--into", _("the id of the complaint this one duplicates"))
        target_id = ledger.resolve(into)
        target = load(ledger, target_id)
        data["into"] = target_id
    elif step == "close":
        data["note"] = _text(options.get("note"), "--note", "", required=False)

    def validate(record, event):
        complaints.check_step(record, step)
        if target is not None:
            complaints.check_merge(record, target)

    summary = data.get("outcome") or data.get("note") or (f"→ {data['into']}" if "into" in data else None)
    append(ledger, record_id, step, data, session.at(at) if at else None, session.actor, session.now, validate,
           summary=summary)
    return show(session, record_id)


def new_event(session, title=None, ended=None, households=None, at=None) -> dict:
    """A community event 文体活动 (11.1.5), the source of its callbacks; prefix E-. Complete once recorded."""
    ledger = session.ledger
    received = session.at(at)
    title = _text(title, "--title", _("the event's name, e.g. 中秋游园会"))
    ended_text = _text(ended, "--ended", _("when the event ended, e.g. 2026-11-14T21:00"))
    end = parse_time(ended_text, ledger.tz, field="--ended")
    if end > session.now:
        raise BadInput(_("--ended: {at} is later than now ({now}); record an event once it has ended",
                         at=end.isoformat(), now=session.now.isoformat()))
    if households is not None and households < 0:
        raise BadInput(_("--households: expected a whole number of at least 0 (participating households)"))
    fields = {"office": ledger.office, "title": title, "ended": format_time(end, ledger.tz)}
    if households is not None:
        fields["households"] = households
    record = create(ledger, "event", fields, received, session.actor, session.now)
    return show(session, record.id)


def new_letter(session, subject=None, text=None, complaint_ids=(), at=None) -> dict:
    """An open letter 公开信 answering one issue raised by many (11.1.10), filed in the callback archive."""
    ledger = session.ledger
    received = session.at(at)
    subject = _text(subject, "--subject", _("the letter's subject"))
    body = _text(text, "--text", _("the letter's text"))
    linked = []
    for value in complaint_ids or ():
        for part in str(value).replace(",", " ").split():
            record_id = ledger.resolve(part, "complaint", "--complaints")
            if record_id not in linked:
                linked.append(record_id)
    fields = {"office": ledger.office, "subject": subject, "text": body, "complaints": linked,
              "archive": "回访档案"}
    record = create(ledger, "letter", fields, received, session.actor, session.now)
    return show(session, record.id)
