"""Complaints 投诉 (8.6, 8.7.1, 9.4.1-2, 11.1.12-13): rules over a Record, how `complaint new` and each
`complaint STEP` shape their data, and the declaration. Callbacks are propcli/kinds/callback.py.

A complaint goes new → [reply | assign]* → handle (处理完毕, once) → [reply]* → close, or is merged into
the complaint it duplicates (11.1.12) before it is handled. Status is the last step; it is open until
`close` or `merge`. `handle` may directly follow `new` (CLI.md "Clarifications").

- 9.4.1-2: every complaint gets a first answer within 10 minutes (`complaint.reply`, met by reply, assign
  or handle).
- `handle` creates the complaint's first callback in the same commit (11.1.3: due by `callback.complaint`,
  called back by the role of its severity), unless 11.1.13 exempts it (anonymous, or 复函 only).
- 11.1.12: the first complaint is the one kept; a later one is merged into it, never the other way round.
- 11.1.13: a 复函-only complaint closes once its written reply is attached (`reply --text`).
"""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Append, CallbackSource, Change, Column, Create, Field, Kind, Option, Register, Stat, Step
from propcli.model import Record

SEVERITY_ZH = {"general": "一般", "important": "重要", "major": "重大"}
SEVERITIES = tuple(SEVERITY_ZH)
CHANNELS = ("来电", "来访", "信函", "上级转办")
FORWARDED = "上级转办"
STEPS = ("reply", "assign", "handle", "merge", "close")

CALLER_ROLE = {"general": "patrol_officer", "important": "service_director", "major": "manager"}
"""Who calls back after a complaint, by severity (11.1.3)."""
IN_PERSON_SEVERITIES = ("major",)
"""The "third category" of 11.1.9 (not defined in the text we have): a major complaint, always in person."""


# --- complaints -------------------------------------------------------------------------------

def closing_event(record: Record):
    """The event that closed the complaint: close, or merge into the one it duplicates (11.1.12)."""
    return next((e for e in record.workflow_events() if e.step in ("close", "merge")), None)


def handled_event(record: Record):
    """处理完毕: the `handle` event, which starts the 3-day callback window (11.1.3)."""
    return record.first("handle")


def check_step(record: Record, step: str) -> None:
    """Refuse a complaint step the procedure does not allow now (exit 2, naming why)."""
    if step not in STEPS:
        raise BadInput(_("step: '{step}' is not a complaint step; expected one of {steps}",
                         step=step, steps=", ".join(STEPS)))
    closing = closing_event(record)
    if closing is not None:
        raise BadInput(_("complaint {id}: closed by '{closing}' at {at}; '{step}' is not possible",
                         id=record.id, closing=closing.step, at=closing.at.isoformat(), step=step))
    handled = handled_event(record)
    if step == "handle" and handled is not None:
        raise BadInput(_("complaint {id}: 'handle' (处理完毕) is already recorded at {at}; it is done once",
                         id=record.id, at=handled.at.isoformat()))
    if step == "assign" and handled is not None:
        raise BadInput(_("complaint {id}: already handled at {at}; 'assign' routes a complaint before it is handled",
                         id=record.id, at=handled.at.isoformat()))
    if step == "merge" and handled is not None:
        raise BadInput(_("complaint {id}: already handled at {at}; a duplicate is merged before handling (11.1.12)",
                         id=record.id, at=handled.at.isoformat()))
    if step == "close" and handled is None:
        raise BadInput(_("complaint {id}: 'close' must follow 'handle' (处理完毕); every matter gets an outcome "
                         "(11.1.11)",
                         id=record.id))
    if step == "close" and record.get("written_reply_only") and not written_replies(record):
        raise BadInput(_("complaint {id}: a 复函-only complaint closes once its written reply is attached (11.1.13); "
                         "first: propcli complaint reply {id} --text TEXT", id=record.id))


def written_replies(record: Record) -> list:
    """The written replies (复函) attached to the complaint (11.1.13): `reply --text`."""
    return [e for e in record.events if e.step == "reply" and e.get("text")]


def check_merge(record: Record, target: Record) -> None:
    """11.1.12: the same complainant (phone) about the same issue is recorded once."""
    if target.kind != "complaint":
        raise BadInput(_("--into: {id} is not a complaint", id=target.id))
    if target.id == record.id:
        raise BadInput(_("--into: a complaint cannot be merged into itself"))
    merged = target.first("merge")
    if merged is not None:
        raise BadInput(_("--into: {id} is itself merged into {other}; merge into that one (11.1.12)",
                         id=target.id, other=merged.get("into")))
    if target.received > record.received:
        raise BadInput(_("--into: {target} was received at {at}, after {id}; the first complaint is the one kept "
                         "(11.1.12): merge {target} into {id} instead", target=target.id,
                         at=target.received.isoformat(), id=record.id))
    phone, other = fields.digits(record.get("phone")), fields.digits(target.get("phone"))
    if not phone or not other:
        raise BadInput(_("--into: the same complainant is known by phone (11.1.12); {id} has no phone",
                         id=record.id if not phone else target.id))
    if phone != other:
        raise BadInput(_("--into: {id} is from another complainant (phone {phone}); only the same complainant's "
                         "complaint is merged (11.1.12); many residents on one issue: an open letter (11.1.10)",
                         id=target.id, phone=target.get("phone")))


# --- shaping the data of `complaint new` and `complaint STEP` ------------------------------------

def new_complaint(session, name=None, phone=None, address=None, detail=None, severity=None, anonymous=False,
                  channel=None, written_reply_only=False, at=None, request=None, forwarded_by=None) -> Create:
    """Register a complaint in the 《客户投诉登记表》 (8.7.1); prefix T-. One forwarded by a higher authority
    (上级转办, `--forwarded-by`, 11.1.13) may come without the resident's name, phone or address. Planned."""
    ledger = session.ledger
    received = session.at(at)
    detail = fields.text(detail, "--detail", _("what the complaint is about"))
    severity = severity or "general"
    if severity not in SEVERITIES:
        raise BadInput(_("--severity: expected one of {values}", values="|".join(SEVERITIES)))
    forwarded_by = fields.optional(forwarded_by)
    if forwarded_by is not None:
        if channel not in (None, FORWARDED):
            raise BadInput(_("--forwarded-by: a complaint forwarded by a higher authority comes by {channel} "
                             "(11.1.13); "
                             "expected no --channel or --channel {channel}", channel=FORWARDED))
        channel = FORWARDED
    if written_reply_only:
        if channel not in (None, FORWARDED):
            raise BadInput(_("--written-reply-only: a 复函 case is forwarded by a higher authority (11.1.13); "
                             "expected --channel {channel}", channel=FORWARDED))
        channel = FORWARDED
    channel = channel or "来电"
    if channel not in CHANNELS:
        raise BadInput(_("--channel: expected one of {values}", values="|".join(CHANNELS)))
    required = not anonymous and channel != FORWARDED  # 11.1.13: anonymous, or forwarded (上级转办)
    values = {"office": ledger.office,
              "name": fields.text(name, "--name", _("the complainant's name (or --anonymous)"), required),
              "phone": fields.text(phone, "--phone",
                                   _("the complainant's phone number, e.g. 13800138000 (or --anonymous)"), required),
              "address": fields.unit_number(fields.text(address, "--address",
                                                        _("building and unit, e.g. 3栋0301 (or --anonymous)"),
                                                        required)),
              "detail": detail, "severity": severity, "channel": channel,
              "anonymous": bool(anonymous), "written_reply_only": bool(written_reply_only),
              "forwarded_by": forwarded_by}
    if values["phone"] is not None and not fields.PHONE.match(values["phone"]):
        raise BadInput(_("--phone: '{value}' is not a phone number; expected digits such as 13800138000", value=phone))
    values = {k: v for k, v in values.items() if v is not None}
    if request:
        values["request"] = request  # the help request it came from (9.4.4)
    return Create("complaint", values, received if at else None)


def complaint_step(session, record_id: str, step: str, at=None, **options):
    """reply [--note], assign --to, handle [--outcome], merge --into, close (CLI.md `complaint STEP`), planned."""
    ledger = session.ledger
    data: dict = {}
    target = None
    if step == "reply":
        data["note"] = fields.text(options.get("note"), "--note", "", is_required=False)
        data["text"] = fields.text(options.get("text"), "--text", "", is_required=False)
        if "text" in options and options.get("text") is not None and data["text"] is None:
            raise BadInput(_("--text: empty; expected the written reply (复函, 11.1.13)"))
    elif step == "assign":
        data["to"] = fields.text(options.get("to"), "--to", _("the responsible department or person, e.g. 工程部"))
    elif step == "handle":
        data["outcome"] = fields.text(options.get("outcome"), "--outcome", "", is_required=False)
        if options.get("callback_by"):
            data["callback_by"] = options["callback_by"]
    elif step == "merge":
        into = fields.text(options.get("into"), "--into", _("the id of the complaint this one duplicates"))
        target_id = ledger.resolve(into)
        target = session.load(target_id)
        data["into"] = target_id
    elif step == "close":
        data["note"] = fields.text(options.get("note"), "--note", "", is_required=False)

    def check(record, event):
        if target is not None:
            check_merge(record, target)

    summary = data.get("outcome") or data.get("note") or (f"→ {data['into']}" if "into" in data else None)
    if step == "handle":
        return _handle(session, record_id, data, at, summary)
    return Append(record_id, step, data, session.at(at) if at else None, check=check, summary=summary)


def _handle(session, record_id: str, data: dict, at, summary) -> Change:
    """处理完毕 and, in the same commit, the complaint's first callback (11.1.3) unless 11.1.13 exempts it."""
    from types import MappingProxyType

    from propcli.kinds.callback import first_callback
    from propcli.model import Event
    from propcli.timeutil import format_time

    ledger = session.ledger
    record = session.load(record_id)
    when = session.at(at) if at else session.now
    callback_by = data.pop("callback_by", None)
    if callback_by is not None:
        data["callback_by"] = format_time(_callback_by(ledger, record, callback_by, when), ledger.tz)
    handled = record.with_event(Event("handle", when, session.actor, MappingProxyType(dict(data))))
    creates = []
    if not needs_no_callback(record):
        creates.append(first_callback(ledger, handled, when, session.actor, when))

    def validate(records):
        check_step(records[record_id], "handle")

    return Change(appends=((record_id, "handle", data, when),), creates=tuple(creates), validate=validate,
                  subject=(record, "handle", summary), trailer=f"Callback: {creates[0].id}\n" if creates else "")


def _callback_by(ledger, record: Record, text: str, handled):
    """11.2.2: the callback date set at handling, by the complaint's degree: after the handling, never later than
    11.1.3's 3 days (`callback.complaint`); a later or earlier time is exit 2."""
    from propcli.policy.rules import describe_limit, due_at
    from propcli.timeutil import parse_time

    if needs_no_callback(record):
        raise BadInput(_("--callback-by: complaint {id} needs no callback (11.1.13: anonymous or 复函 only)",
                         id=record.id))
    moment = parse_time(text, ledger.tz, field="--callback-by")
    if moment <= handled:
        raise BadInput(_("--callback-by: {at} is not after the handling ({when}); expected the callback date (11.2.2)",
                         at=moment.isoformat(), when=handled.isoformat()))
    rule = ledger.policy.rule("callback.complaint", {"source_kind": "complaint", "role": caller_of(record)})
    if rule is None or not rule.sooner:
        raise BadInput(_("--callback-by: this ledger's policy.yaml does not read a per-complaint callback date yet "
                         "(11.2.2); run propcli upgrade (it adds 'sooner: callback_by' to the callback.complaint "
                         "rules)"))
    latest = due_at(rule, handled, record, None, ledger.calendar)
    if latest is not None and moment > latest:
        raise BadInput(_("--callback-by: {at} is later than the {limit} of 11.1.3 (due {due}); expected a time up to "
                         "then (11.2.2)", at=moment.isoformat(), limit=describe_limit(rule), due=latest.isoformat()))
    return moment


def handled_at(record: Record):
    """处理完毕 starts the 3-day callback window (11.1.3)."""
    handled = handled_event(record)
    return handled.at if handled else None


def needs_no_callback(record: Record) -> bool:
    """11.1.13: anonymous complaints and 复函-only ones need no callback (left out of the 50 % base)."""
    return bool(record.get("anonymous") or record.get("written_reply_only"))


def merged_at(record: Record):
    """A duplicate merged into the complaint kept is counted once (11.1.12): from its merge on, not here."""
    merged = record.first("merge")
    return merged.at if merged else None


def settled(record: Record) -> bool:
    """An exempt complaint counts as handled (11.1.11) once handled; a 复函-only one once its written reply is
    attached (11.1.13)."""
    return not record.get("written_reply_only") or bool(written_replies(record))


def callback_plan_fields(record: Record) -> dict:
    """A major complaint (the "third category" of 11.1.9) is always called back in person; a callback date set at
    handling (11.2.2) goes with the callback."""
    severity = record.get("severity") or "general"
    fields_ = {"severity": severity, "method_hint": "visit" if severity in IN_PERSON_SEVERITIES else "any"}
    handled = handled_event(record)
    if handled is not None and handled.get("callback_by"):
        fields_["callback_by"] = handled.get("callback_by")  # 11.2.2: the date set at handling (policy `sooner:`)
    return fields_


def caller_of(record: Record) -> str:
    """Who calls back, by severity (11.1.3)."""
    return CALLER_ROLE.get(record.get("severity") or "general", CALLER_ROLE["general"])


# --- 《客户投诉登记表》 (8.7.1) ------------------------------------------------------------------------------

def _callbacks_by_source(callbacks: list[dict]) -> dict:
    """source id -> its callbacks (as `show` prints them), in chain order."""
    found: dict = {}
    for callback in callbacks:
        found.setdefault(callback.get("source"), []).append(callback)
    for chain in found.values():
        chain.sort(key=lambda c: (c.get("attempt") or 1, c["received"]))
    return found


def _callback_state(callback: dict) -> str:
    """A callback as the register's 回访 column says it: `2026-11-08 15:00 陈静 不满意`, `待回访（…）`."""
    from propcli.kinds.callback import RESULT_ZH
    from propcli.kinds.paper import event_of, time_text

    done = event_of(callback, "record")
    if not done:
        return f"待回访（{time_text(callback.get('due'))}）" if callback.get("due") else "待回访"
    if done.get("method") == "letter":
        return f"{time_text(done['at'])} 公开信 {done.get('letter', '')}（11.1.10）"
    return f"{time_text(done['at'])} {done['by']} {RESULT_ZH.get(done.get('result') or '', '')}"


def _repeats_by_kept(complaints: list[dict], every_complaint: list[dict]) -> dict:
    """complaint id -> the repeats merged into it (11.1.12), oldest first, wherever they were received."""
    from propcli.kinds.paper import event_of

    kept = {r["id"] for r in complaints}
    found: dict = {}
    for record in every_complaint if kept else ():
        into = event_of(record, "merge").get("into")
        if into in kept:
            found.setdefault(into, []).append(record)
    for repeats in found.values():
        repeats.sort(key=lambda r: r["received"])
    return found


def _channel(record: dict) -> str:
    """投诉方式; a complaint forwarded by a higher authority names it (上级转办, 11.1.13)."""
    channel = record.get("channel", "")
    return f"{channel}（{record['forwarded_by']}）" if record.get("forwarded_by") else channel


def register_line(record: dict, callbacks: list[dict], repeats: list[dict]) -> dict:
    """One line of 《客户投诉登记表》 (8.7.1): the first complaint with its repeats noted on its line (11.1.12); the
    回访 column every callback of the loop (11.2.3); 复函 the written replies attached (11.1.13); 主管审核 a place to
    sign."""
    from propcli.kinds.paper import Sign, event_of, last_event, time_text

    handled = event_of(record, "handle")
    detail = record.get("detail", "")
    if repeats:
        noted = "、".join(f"{r['id']}（{time_text(r['received'])} {r.get('channel', '')}）" for r in repeats)
        detail = f"{detail}；重复投诉 {len(repeats)} 次：{noted}（11.1.12，只记一次）"
    if record.get("anonymous") or record.get("written_reply_only"):
        follow_up = "无需回访（11.1.13）"
    else:
        follow_up = "；".join(_callback_state(c) for c in callbacks)
    written = [e for e in record["events"] if e["step"] == "reply" and e.get("text")]
    replies = [f"{e['at'][:10]} {e['text']}" for e in written]
    if record.get("written_reply_only"):
        replies += [e.get("note", "") for e in record["events"] if e["step"] == "reply" and e.get("note")]
    return {"id": record["id"], "at": time_text(record["received"]),
            "complainant": "匿名" if record.get("anonymous") else record.get("name", ""),
            "unit": record.get("address", ""), "phone": record.get("phone", ""), "channel": _channel(record),
            "detail": detail, "severity": SEVERITY_ZH.get(record.get("severity") or "", ""),
            "department": event_of(record, "assign").get("to", ""), "received_by": record["events"][0]["by"],
            "outcome": handled.get("outcome", ""), "handled_at": time_text(handled.get("at")), "callback": follow_up,
            "reply": "；".join(replies), "review": Sign(last_event(record, "review").get("by", ""))}


def _register_total(complaints: list[dict]) -> dict:
    """The register's last line: complaints counted, a merged duplicate once, on its first complaint's line
    (11.1.12), a voided one not at all."""
    from propcli.kinds.paper import Total, event_of

    voided = sum(1 for r in complaints if r.get("voided"))
    repeats = sum(1 for r in complaints if event_of(r, "merge") and not r.get("voided"))
    text = f"{len(complaints) - repeats - voided} 件"
    text += f"（另重复投诉 {repeats} 次，已记于原投诉一行，不重复计数，11.1.12）" if repeats else ""
    text += f"（另作废 {voided} 件，不计数）" if voided else ""
    return Total({"id": "合计", "at": text})


def register_rows(sheet) -> list[dict]:
    """《客户投诉登记表》 (8.7.1) of a month: one line per complaint received in it (a merged repeat on the line of
    the complaint it repeats, 11.1.12), then the 合计."""
    from propcli.kinds.paper import event_of

    complaints = sheet.records
    callbacks = _callbacks_by_source(sheet.records_of("callback"))
    repeats = _repeats_by_kept(complaints, sheet.listed("complaint") if complaints else [])
    rows = [register_line(record, callbacks.get(record["id"], []), repeats.get(record["id"], []))
            for record in complaints if not event_of(record, "merge")]
    return rows + [_register_total(complaints)] if rows else rows


REGISTER = Register(
    "complaint-register", N_("Complaint register 《客户投诉登记表》"), "8.7.1",
    (Column("id", N_("Record no."), 24), Column("at", N_("Complaint time"), 18), Column("complainant",
                                                                                       N_("Complainant"), 12),
     Column("unit", N_("Unit/address"), 16), Column("phone", N_("Phone"), 20),
     Column("channel", N_("Complaint channel"), 14), Column("detail", N_("Complaint"), 24),
     Column("severity", N_("Severity"), 14), Column("department", N_("Responsible department"), 14),
     Column("received_by", N_("Received by"), 13), Column("outcome", N_("Action and result"), 24),
     Column("handled_at", N_("Handled at"), 19), Column("callback", N_("Callback"), 22),
     Column("reply", N_("Written reply"), 15), Column("review", N_("Supervisor's review"), 15)),
    register_rows, footer=(N_("Prepared by"), N_("Supervisor's review")))


LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "rule": {
        "complaint.reply": N_("first answer to a complaint"),
        "callback.complaint": N_("complaint callback"),
    },
    "value": {
        "general": N_("general"),
        "important": N_("important"),
        "major": N_("major"),
    },
    "stat": {
        "complaints": N_("complaints"),
        "by_severity": N_("by severity"),
    },
}

KIND = Kind(
    name="complaint", zh="投诉", en="complaint", clause="8.6",
    help=N_("Complaints 投诉 and the 《客户投诉登记表》 (8.6, 8.7.1)."),
    fields=(Field("name", "投诉人", "complainant"), Field("phone", "联系电话", "phone"),
            Field("address", "房号/地址", "address"), Field("detail", "投诉内容", "detail"),
            Field("severity", "严重程度", "severity"), Field("channel", "投诉方式", "channel"),
            Field("anonymous", "匿名", "anonymous"), Field("written_reply_only", "复函", "written reply only"),
            Field("forwarded_by", "转办单位", "forwarded by")),
    asks=lambda values: ("name", "phone", "address", "detail") if not values.get("anonymous") else ("detail",),
    new=new_complaint,
    new_help=N_("Register a complaint; first answer within {limit} (9.4.1-2)."),
    new_limit=("complaint.reply",),
    new_options=(
        Option("--name", N_("the complainant's name"), takes="name"),
        Option("--phone"),
        Option("--address", N_("building and unit, e.g. 3栋0301")),
        Option("--detail", N_("what the complaint is about")),
        Option("--severity", N_("decides who calls back (11.1.3)"), takes="choice", choices=SEVERITIES,
               default="general"),
        Option("--anonymous", N_("no callback needed (11.1.13); name, phone, address optional"), takes="flag"),
        Option("--channel", N_("投诉方式 (default 来电)"), takes="choice", choices=CHANNELS),
        Option("--written-reply-only",
               N_("forwarded by a higher authority wanting only a written reply 复函: no callback (11.1.13)"),
               takes="flag"),
        Option("--forwarded-by", N_("the higher authority that forwarded it (上级转办, 11.1.13): name, phone and "
                                    "address may be absent"),
               takes="name", metavar="TEXT", sample="街道办"),
        Option("--at", N_("when the complaint was received (default --now)"), takes="time"),
    ),
    steps=(
        Step("reply", "答复", "9.4.1-2",
             N_("The complainant was answered (first answer within {limit}, 9.4.1-2); --text: the written reply 复函 "
                "(11.1.13)."),
             limit=("complaint.reply",), repeatable=True,
             options=(Option("--note", N_("the reply given")),
                      Option("--text", N_("the written reply (复函), attached to the complaint (11.1.13)")))),
        Step("assign", "转责任部门", "8.6", N_("Routed to the responsible department or person."), repeatable=True,
             options=(Option("--to", N_("department or person, e.g. 工程部"), takes="department"),)),
        Step("handle", "处理完毕", "11.1.3",
             N_("Handling finished 处理完毕: starts the callback window (11.1.3, {limit})."),
             limit=("callback.complaint",),
             options=(Option("--outcome", N_("处理措施及结果")),
                      Option("--callback-by", N_("the callback date set by the complaint's degree, sooner than "
                                                 "the 3 days of 11.1.3 (11.2.2)"),
                             takes="time"))),
        Step("merge", "重复投诉合并", "11.1.12",
             N_("The same complainant's complaint about the same issue: recorded once (11.1.12)."),
             options=(Option("--into", N_("the complaint this one duplicates"), takes="id"),)),
        Step("close", "结案", "11.1.11", N_("Close a handled complaint."), options=(Option("--note"),)),
    ),
    step=complaint_step,
    check_step=lambda before, event: check_step(before, event.step),
    order=check_step,
    closing_event=closing_event,
    uncounted_at=merged_at,
    callback_source=CallbackSource("callback.complaint", 0.5, "11.1.3", title=N_("Complaints"),
                                   compared=N_("Complaint callbacks"),
                                   role_of=caller_of, done_at=handled_at,
                                   exempt=needs_no_callback, plan_fields=callback_plan_fields, settled=settled),
    registers=(REGISTER,),
    rule_labels={"callback.complaint": "投诉回访", "complaint.reply": "投诉首次答复"},
    summary_keys=("detail",),
    labels=LABELS,
    stats=Stat("complaints", "complaints"),
)
