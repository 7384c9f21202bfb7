"""Help requests 求助 (9.4): which step may come next (with clause-citing messages), the medical-emergency
checklists of 9.4.2, how `request new` and each `request STEP` shape their data, and the declaration.
"""

from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Append, CallbackSource, Create, Field, Kind, Option, Stat, Step
from propcli.model import Record
from propcli.policy.roles import ROLES

CATEGORIES = ("medical", "repair", "complaint", "enquiry", "security", "disaster", "other")
"""9.4.1-1, in the order of the clause; the keys `stats` counts by."""

CATEGORY_ZH = {
    "medical": "急救病人", "repair": "报修", "complaint": "投诉", "enquiry": "咨询",
    "security": "盗窃/打架斗殴/抢劫/凶杀/中毒/交通意外", "disaster": "台风/水浸/火灾", "other": "其他",
}
_CATEGORY_ALIASES = {"急救病人": "medical", "急救": "medical", "报修": "repair", "投诉": "complaint",
                     "咨询": "enquiry", "治安": "security", "灾害": "disaster", "其他": "other"}

ROUTES = {"repair": "9.4.5", "complaint": "9.4.4"}
"""Requests that follow another procedure, with its own time limits (9.4.1-2)."""

STEPS = {
    "reply": "9.4.1-2",       # the customer got an answer (立即 / within 10 minutes)
    "escalate": "9.4.1-2",    # reported to a director, the manager (9.4.2-2) or leadership
    "route": "9.4.4/9.4.5",   # handed to the repair or complaint procedure
    "medical": "9.4.2",       # the way of help chosen for a medical emergency, and its checklist
    "close": "9.4.1-2",       # every request gets an outcome
    "charge": "9.4.9",        # a paid service, by the price list 有偿服务收费标准
    "finance": "10.4.3",      # the charged service handed to finance, who bills it (9.4.9 with 10.4.3-1)
    "paid": "10.4.3",         # finance collected the fee (only finance collects, 10.4.3-1)
}
BILLING_STEPS = ("finance", "paid")
"""Finance's part of a charged help service (9.4.9, 10.4.3): it follows the service, so a closed request still
takes them."""
CONFIDENTIAL = "保密"
"""How lists, mail, printed forms and reports show a confidential enquiry's detail (9.4.3-4)."""
EVENT_TEXTS = ("note", "text", "outcome", "action")
"""Event data that may repeat a confidential matter (replies, notes, outcomes)."""

# 9.4.2-1): each way of help is a checklist of steps with who does them (role keys of SPEC.md).
MEDICAL_WAYS = {
    "escort": ("送医院", [
        ("property_officer", "通知安管(保安)部值班负责人"),
        ("security_lead", "按距离远近安排两名安管(保安)员到首层大堂或病人家中待命"),
        ("property_officer", "安排车辆(主指的士)到客户楼下，必要时通知安管(保安)员协助"),
        ("guard", "向客户说明来意，听从客户安排送病人去医院；一般请客户同往并提醒准备必备用品"),
        ("guard", "到医院后协助安置病人，帮助挂号、找医生、取药等"),
        ("guard", "询问客户是否还需要帮助：无需帮助及时返回；需要帮助向部门主任请示，由部门主任安排"),
        ("guard", "返回后将处理情况反馈给安管部值班负责人和物业管理员"),
        ("property_officer", "记录求助处理情况"),
    ]),
    "ambulance": ("拨打120", [
        ("property_officer", "了解病情，帮助客户拨打120急救电话(必要时确认)"),
        ("property_officer", "告诉客户将安排人员在大厦入口处接应"),
        ("property_officer", "立即通知安管(保安)部值班负责人"),
        ("security_lead", "通知入口值班人员做好接应准备(必要时安排人员在入口等候)"),
        ("guard", "急救车到来后指引其到客户所在地，并尽力提供帮助"),
        ("security_lead", "接应完毕后将情况反馈到物业部"),
        ("property_officer", "记录求助处理情况"),
    ]),
    "care": ("短时护理", [
        ("property_officer", "按客户要求向安管(保安)部值班负责人说明情况"),
        ("security_lead", "安排适当人员前去参与护理"),
        ("guard", "向客户说明来意后按客户要求实施护理，遵从客户安排，切不可不懂装懂"),
        ("guard", "不可单独与病人在一起，应要求病人亲属一起守候"),
        ("property_officer", "记录求助处理情况"),
    ]),
}


def category_key(value) -> str:
    """The category key for a key or its Chinese name; BadInput naming --category otherwise (9.4.1-1)."""
    text = (value or "").strip()
    key = text.lower() if text.lower() in CATEGORIES else _CATEGORY_ALIASES.get(text)
    if key is None:
        for candidate, zh in CATEGORY_ZH.items():
            if text and text in zh.split("/"):
                key = candidate
    if key is None:
        if not text:
            raise BadInput(_("--category: missing; expected one of {categories} (9.4.1-1)",
                             categories="|".join(CATEGORIES)))
        raise BadInput(_("--category: '{value}' is not a help-request category; expected one of {categories} (9.4.1-1)",
                         value=value, categories="|".join(CATEGORIES)))
    return key


def _is_medical(value) -> bool:
    """Is the category typed (key or Chinese) a medical emergency? (asks `--major` at the desk, 9.4.2-2)."""
    try:
        return category_key(value) == "medical" if value else False
    except BadInput:
        return False


def checklist(way: str) -> list[dict]:
    """The steps of one way of help (9.4.2-1), each with the role that does it."""
    return [{"who": who, "do": text} for who, text in MEDICAL_WAYS[way][1]]


def report_to(record: Record) -> str:
    """9.4.2-2: a major emergency goes to the manager at once; an ordinary one to the customer director afterwards."""
    return "manager" if record.get("major") else "service_director"


def closing_event(record: Record):
    return next((e for e in record.workflow_events() if e.step == "close"), None)


def told(record: Record, role: str) -> bool:
    return any(e.step == "escalate" and e.get("to") == role for e in record.events)


def is_written(record: Record) -> bool:
    return bool(record.get("written"))


def written_reply(record: Record):
    """The answer to a written enquiry (9.4.3-1): 以电话或书面形式回复, by phone or in writing (any reply)."""
    return next((e for e in record.events if e.step == "reply"), None)


def is_major_medical(record: Record) -> bool:
    return record.get("category") == "medical" and bool(record.get("major"))


def check_step(record: Record, step: str, data: dict) -> None:
    """Refuse a step the procedure does not allow now (exit 2), citing the clause."""
    if step not in STEPS:
        raise BadInput(_("step: '{step}' is not a step of a help request; expected one of {steps}",
                         step=step, steps=", ".join(STEPS)))
    clause = STEPS[step]
    closing = closing_event(record)
    if step in BILLING_STEPS:
        check_billing(record, step)
        return
    if closing is not None:
        raise BadInput(_("request {id}: closed at {at}; '{step}' is not possible ({clause})",
                         id=record.id, at=closing.at.isoformat(), step=step, clause=clause))
    if step == "reply":
        if data.get("written") and not data.get("text"):
            raise BadInput(_("--text: missing; a written reply holds its text (9.4.3-1)"))
    elif step == "close":
        if is_major_medical(record) and not told(record, "manager"):
            raise BadInput(_("request {id}: a major medical emergency is reported to the manager at once (9.4.2-2); "
                             "first: propcli request escalate {id} --to manager",
                             id=record.id))
        if is_written(record) and written_reply(record) is None:
            raise BadInput(_("request {id}: a written enquiry is answered, by phone or in writing, before it is "
                             "closed (9.4.3-1): propcli request reply {id} [--written --text TEXT]",
                             id=record.id))
    elif step == "charge":
        if not data.get("items"):
            raise BadInput(_("--item: missing; expected the paid service from the price list, e.g. MC-03 (9.4.9)"))
        done = record.first("charge")
        if done is not None:
            raise BadInput(_("request {id}: already charged at {at}; a request is charged once, with every item "
                             "(9.4.9)",
                             id=record.id, at=done.at.isoformat()))
    if step == "escalate":
        role = data.get("to")
        if role not in ROLES:
            raise BadInput(_("--to: '{value}' is not a role; expected one of {roles} (SPEC.md roles)",
                             value=role, roles="|".join(ROLES)))
        if role == "leadership" and not told(record, "manager"):
            raise BadInput(_("request {id}: escalate to the manager first; the manager may escalate to company "
                             "leadership (9.4.2-2)",
                             id=record.id))
    elif step == "route":
        target = data.get("to")
        if target not in ROUTES:
            raise BadInput(_("--to: '{value}' is not a procedure to route to; expected repair (9.4.5) or complaint "
                             "(9.4.4)",
                             value=target))
        done = next((e for e in record.events if e.step == "route" and e.get("to") == target), None)
        if done is not None:
            raise BadInput(_("request {id}: already routed to {target} at {at} ({record}); it is routed once "
                             "({clause})",
                             id=record.id, target=target, at=done.at.isoformat(),
                             record=done.get("record") or "-", clause=ROUTES[target]))
    elif step == "medical":
        if record.get("category") != "medical":
            raise BadInput(_("request {id}: category '{category}' is not a medical emergency; 'medical' is only for "
                             "medical requests (9.4.2)",
                             id=record.id, category=record.get("category")))
        way = data.get("way")
        if way is None and data.get("action") is None:
            raise BadInput(_("--way: missing; expected one of {ways} (9.4.2-1)", ways="|".join(MEDICAL_WAYS)))
        if way is not None and way not in MEDICAL_WAYS:
            raise BadInput(_("--way: '{value}' is not a way of help; expected one of {ways} (9.4.2-1)",
                             value=way, ways="|".join(MEDICAL_WAYS)))
        if way is None and not any(e.step == "medical" and e.get("way") for e in record.events):
            raise BadInput(_("--action: choose the way of help first with --way {ways} (9.4.2-1)",
                             ways="|".join(MEDICAL_WAYS)))


def check_billing(record: Record, step: str) -> None:
    """9.4.9 with 10.4.3-1: a charged help service goes to finance (`finance`), then finance collects (`paid`),
    each once, in that order; whether or not the request is closed."""
    charge = record.first("charge")
    if charge is None:
        raise BadInput(_("request {id}: nothing charged; '{step}' follows a paid service: first propcli request "
                         "charge {id} --item CODE (9.4.9)",
                         id=record.id, step=step))
    done = record.first(step)
    if done is not None:
        raise BadInput(_("request {id}: '{step}' is already recorded at {at}; it is done once (10.4.3)",
                         id=record.id, step=step, at=done.at.isoformat()))
    if step == "paid" and record.first("finance") is None:
        raise BadInput(_("request {id}: finance collects what was handed to it (10.4.3): first propcli request "
                         "finance {id}",
                         id=record.id))


def check_roles(session, step: str) -> None:
    """10.4.3-1: only finance collects fees (任何部门及其工作人员均不得向用户私自进行收费), whatever `roles:` says."""
    if step == "paid" and "finance" not in session.ledger.roles_of(session.actor):
        raise BadInput(_("--as: {name} does not have the finance role in staff.yaml; only finance collects fees "
                         "(10.4.3)",
                         name=session.actor))


def reminders(request: dict) -> list[str]:
    """What the desk must do at once for a request just recorded (its JSON as `show` prints it)."""
    if request.get("major") and request.get("category") == "medical":
        return [_("propcli: a major medical emergency is reported to the manager at once (9.4.2-2): "
                  "propcli request escalate {id} --to manager", id=request["id"])]
    return []


# --- shaping the data of `request new` and `request STEP` ---------------------------------------------

def new_request(session, category=None, name=None, phone=None, address=None, detail=None, major=False,
                written=False, confidential=False, at=None) -> Create:
    """Record a help request as received (9.4.1-1; 9.4.2-1: the patient's address and phone first; 9.4.3: a
    written enquiry is registered, one touching company secrets kept confidential). Planned."""
    ledger = session.ledger
    received = session.at(at)
    values = {
        "office": ledger.office,
        "category": category_key(category),
        "name": fields.required(name, "--name", _("the customer's name")),
        "phone": fields.phone(phone, who=_("the caller's phone number, e.g. 13800138000")),
        "address": fields.unit_number(fields.required(address, "--address", _("building and unit, e.g. 3栋0301"))),
        "detail": fields.required(detail, "--detail", _("what help is asked for, e.g. 老人在家晕倒")),
        "major": bool(major),
    }
    for flag, given in (("--written", written), ("--confidential", confidential)):
        if given and values["category"] != "enquiry":
            raise BadInput(_("{flag}: only for an enquiry (--category enquiry, 9.4.3)", flag=flag))
    if written:
        values["written"] = True
    if confidential:
        values["confidential"] = True
    return Create("request", values, received if at else None, summary=CONFIDENTIAL if confidential else None)


def redact(shown: dict, drop: bool = False) -> dict:
    """A confidential enquiry (9.4.3-4) as lists, mail, printed forms and reports show it: its detail and the
    texts of its events as 保密; with `drop`, left out (`export --redact`)."""
    if not shown.get("confidential"):
        return shown
    result = dict(shown)
    if drop:
        result.pop("detail", None)
    else:
        result["detail"] = CONFIDENTIAL
    events = []
    for event in shown.get("events") or ():
        if isinstance(event, dict) and any(event.get(key) for key in EVENT_TEXTS):
            event = {k: v for k, v in event.items() if not (k in EVENT_TEXTS and drop)}
            if not drop:
                event.update({k: CONFIDENTIAL for k in EVENT_TEXTS if event.get(k)})
        events.append(event)
    result["events"] = events
    return result


def request_step(session, record_id: str, step: str, at=None, **options):
    """One step of a help request (CLI.md `request STEP`), planned; refused steps exit 2 with the clause."""
    ledger = session.ledger
    record = session.load(record_id)
    note = fields.optional(options.get("note"))
    data: dict = {}
    if step == "reply":
        data["note"] = note
        if options.get("written"):
            data["written"] = True
        data["text"] = fields.optional(options.get("text"))
        if is_written(record) and not options.get("written"):
            data["method"] = "phone"  # 9.4.3-1: the customer director may answer a written enquiry by phone
        if told(record, "service_director") and record.get("category") == "enquiry":
            data["via"] = "service_director"  # the customer director's answer to an escalated enquiry (9.4.3)
    elif step == "escalate":
        data["to"] = fields.required(options.get("to"), "--to", _("a role key, e.g. property_director or manager"))
        data["note"] = note
        if record.get("category") == "enquiry" and data["to"] == "property_director":
            session.warn(_("propcli: warning: request {id}: an enquiry staff cannot answer goes to the customer "
                           "director (9.4.3): propcli request escalate {id} --to service_director",
                           id=record_id))
    elif step == "route":
        data["to"] = fields.required(options.get("to"), "--to", _("repair (9.4.5) or complaint (9.4.4)"))
        data["note"] = note
    elif step == "medical":
        way = fields.optional(options.get("way"))
        data.update(way=way, action=fields.optional(options.get("action")), note=note)
    elif step == "close":
        data["outcome"] = fields.optional(options.get("outcome"))
        if record.get("category") == "medical" and not record.get("major"):
            # 9.4.2-2: an ordinary case is reported to the customer director after the fact, recorded here
            data["reported_to"] = "service_director"
            data["reported_to_name"] = fields.staff_member(ledger, options.get("to"), "--to", ("service_director",),
                                                           "9.4.2-2", is_required=False)
        elif options.get("to"):
            raise BadInput(_("--to: only an ordinary medical request records its report to the customer director on "
                             "close (9.4.2-2)"))
    elif step == "charge":
        data["items"] = fields.price_items(ledger, options.get("item"), clause="9.4.9")
        data["signature"] = fields.optional(options.get("signature"))
    elif step in BILLING_STEPS:
        data["note"] = note
    else:
        check_step(record, step, data)  # names the steps there are

    if step == "route" and data["to"] in ROUTES:
        return _route(session, record_id, data, at)
    if step == "medical" and data.get("way"):
        check_step(record, step, data)
        data["way_zh"] = MEDICAL_WAYS[data["way"]][0]
        data["checklist"] = checklist(data["way"])
        data["report_to"] = report_to(record)
    summary = data.get("note") or data.get("text") or data.get("outcome") or data.get("action")
    if record.get("confidential") and summary:
        summary = CONFIDENTIAL
    check = (lambda current, event: check_roles(session, step)) if step in BILLING_STEPS else None
    return Append(record_id, step, data, session.at(at) if at else None, check=check, summary=summary)


def _route(session, record_id: str, data: dict, at) -> str:
    """9.4.5 / 9.4.4: the request becomes a resident repair or a complaint, which names the request, and the
    request names it; a confidential enquiry's detail stays with the request (9.4.3-4)."""
    from propcli.model import check_event_time

    record = session.load(record_id)
    at_time = session.at(at)
    check_event_time(at_time, session.now, record)
    check_step(record, "route", data)
    detail = record.get("detail")
    if record.get("confidential"):
        detail = _("{secret} (see help request {id}, 9.4.3-4)", secret=CONFIDENTIAL, id=record_id)
    particulars = {"name": record.get("name"), "phone": record.get("phone"), "address": record.get("address"),
                   "at": at, "request": record_id}
    if data["to"] == "repair":
        from propcli.kinds.repair import new_repair

        # 9.4.5 (third release): the repair keeps the time the customer called: its 2- and 3-minute limits
        # (10.4.1-2) run from the request's receipt, not from the routing
        made = session.write(new_repair(session, item=detail, **dict(particulars, at=record.received.isoformat())))
    else:
        from propcli.kinds.complaint import new_complaint

        made = session.write(new_complaint(session, detail=detail, **particulars))
        data["note"] = data.get("note") or _("按《投诉处理工作规程》办理，登记《客户投诉登记表》(9.4.4)")
    data["record"] = made.id
    return session.write(Append(record_id, "route", data, at_time, summary=made.id))


def fee_total(record: Record):
    """A paid help service (9.4.9): the price-list items charged; None when nothing was charged."""
    from decimal import Decimal

    charge = record.first("charge")
    if charge is None:
        return None
    return sum((fields.money(line.get("amount"), "items") for line in charge.get("items") or ()), Decimal("0.00"))


def charged_at(record: Record):
    charge = record.first("charge")
    return charge.at if charge is not None else None


def billed_at(record: Record):
    """A charged help service handed to finance (9.4.9, 10.4.3): billed with the management fee of the billing
    period it falls in, like copy 3 of a 维修单 (10.4.1-7): `repair billing`."""
    finance = record.first("finance") if record.first("charge") is not None else None
    return finance.at if finance is not None else None


def paid_service_line(shown: dict) -> dict:
    """One line of 《有偿服务记录表》 (10.5.1): a charged help request (9.4.9), as `show` prints it; finance's billing
    list names the service (`item`)."""
    from decimal import Decimal

    charge: dict = next((e for e in shown.get("events", []) if e["step"] == "charge"), {})
    finance: dict = next((e for e in shown.get("events", []) if e["step"] == "finance"), {})
    service = "；".join(f"{line.get('code')} {line.get('name')} {Decimal(str(line.get('unit_price') or 0)):.2f}元"
                       f"×{line.get('qty', 1)}" for line in charge.get("items") or ())
    return {"date": (charge.get("at") or "")[:10], "id": shown["id"], "unit": shown.get("address", ""),
            "resident": shown.get("name", ""), "service": service, "amount": shown.get("fee_total", 0.0),
            "by": charge.get("by", ""), "signature": charge.get("signature") or "",
            "finance": (finance.get("at") or "")[:10], "item": service}


_NOTE = Option("--note", metavar="TEXT")
INCIDENTS = ("medical", "security", "disaster")
"""11.1.6: a callback follows once a medical, security or disaster request is closed (突发事件处理完毕后回访)."""


def incident_closed_at(record: Record):
    closing = closing_event(record) if record.get("category") in INCIDENTS else None
    return closing.at if closing else None


LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "rule": {
        "request.reply": N_("reply to a help request"),
        "request.report": N_("major medical emergency reported to the manager"),
    },
    "value": {
        "medical": N_("medical emergency"),
        "repair": N_("repair"),
        "complaint": N_("complaint"),
        "enquiry": N_("enquiry"),
        "security": N_("security incident"),
        "disaster": N_("disaster"),
        "other": N_("other help"),
        "escort": N_("escort to hospital"),
        "ambulance": N_("call 120"),
        "care": N_("short-term care"),
    },
    "stat": {
        "requests": N_("help requests"),
        "by_category": N_("by category"),
    },
}

KIND = Kind(
    name="request", zh="求助", en="help request", clause="9",
    help=N_("Help requests 求助 (9.4): reply within the time limit, escalate, route, medical emergencies."),
    fields=(Field("category", "求助类别", "category"), Field("name", "客户姓名", "name"), Field("phone", "联系电话",
                                                                                                "phone"),
            Field("address", "地址", "address"), Field("detail", "求助内容", "detail"), Field("major", "重大", "major"),
            Field("written", "书面咨询", "written"), Field("confidential", "保密", "confidential")),
    asks=lambda values: ("category", "name", "phone", "address", "detail")
    + (("major",) if _is_medical(values.get("category")) else ()),
    new=new_request,
    new_help=N_("Record a help request; the customer gets a reply within {limit} (9.4.1-2)."),
    new_limit=("request.reply",),
    new_options=(
        Option("--category", "|".join(CATEGORIES) + " (9.4.1-1)", metavar="CATEGORY", takes="category"),
        Option("--name", N_("the customer's name"), takes="name"),
        Option("--phone"),
        Option("--address", N_("building and unit, e.g. 3栋0301")),
        Option("--detail", N_("what help is asked for"), metavar="TEXT", sample="老人在家晕倒"),  # medical
        Option("--major", N_("a major emergency: the manager is told at once (9.4.2-2)"), takes="flag"),
        Option("--written", N_("a written enquiry (书面咨询): registered, answered by phone or in writing (9.4.3-1)"),
               takes="flag"),
        Option("--confidential",
               N_("an enquiry touching company secrets: its detail is shown as 保密 outside show and export (9.4.3-4)"),
               takes="flag"),
        Option("--at", N_("when the help request was received (default --now)"), takes="time"),
    ),
    steps=(
        Step("reply", "答复", "9.4.1-2", N_("The customer got an answer (9.4.1-2: at once, else within {limit})."),
             roles=("property_officer", "service_director"), limit=("request.reply",), repeatable=True,
             options=(_NOTE, Option("--written", N_("a written reply (a written enquiry is answered by phone or in "
                                                    "writing, 9.4.3-1)"),
                                    takes="flag"),
                      Option("--text", N_("the reply's text (required with --written)"), metavar="TEXT",
                             sample="请携带图纸到管理处申报"))),
        Step("escalate", "上报", "9.4.1-2",
             N_("Reported to a role: the property director (9.4.1-2), the customer director for an enquiry (9.4.3), "
                "the manager at once for a major medical emergency (9.4.2-2, {limit})."),
             limit=("request.report",), repeatable=True,
             options=(Option("--to", N_("a role key of SPEC.md, e.g. property_director"), takes="role",
                                        sample="manager"),
                      _NOTE)),
        Step("route", "转办", "9.4.4/9.4.5",
             N_("Hand over to the repair (9.4.5) or complaint (9.4.4) procedure; a linked repair or complaint is "
                "created."),
             repeatable=True,
             options=(Option("--to", metavar="repair|complaint", sample="complaint"), _NOTE)),
        Step("medical", "急救处理", "9.4.2", N_("Medical emergency: the way of help chosen and its checklist (9.4.2)."),
             roles=("property_officer",), repeatable=True,
             options=(Option("--way", metavar="escort|ambulance|care"),
                      Option("--action", N_("a checklist step done"), metavar="TEXT"), _NOTE)),
        Step("close", "办结", "9.4.1-2",
             N_("The request is settled; --outcome records how; an ordinary medical case records its report to the "
                "customer director (9.4.1-2, 9.4.2-2)."),
             options=(Option("--outcome", metavar="TEXT"),
                      Option("--to", N_("the customer director told (ordinary medical case, optional)"),
                             takes="person", metavar="NAME", sample="陈静"))),
        Step("charge", "有偿服务收费", "9.4.9",
             N_("A paid help service, charged by the price list 有偿服务收费标准 (9.4.9); "
                "listed in 《有偿服务记录表》."),
             roles=("property_officer",),
             options=(Option("--item", N_("a price-list item, e.g. MC-03 or SD-01x2 (repeatable)"), multiple=True,
                             metavar="CODE[xQTY]", sample="MC-03"),
                      Option("--signature", N_("the name the customer signed with"), takes="name"))),
        Step("finance", "交财务", "10.4.3",
             N_("The charged help service handed to finance, who bills it with the management fee like a repair "
                "fee (9.4.9, 10.4.3-1); listed in repair billing."),
             roles=("property_officer", "receptionist"), when_closed=True, options=(_NOTE,)),
        Step("paid", "财务收费", "10.4.3", N_("Finance collected the fee (10.4.3-1; finance role only)."),
             roles=("finance",), when_closed=True, options=(_NOTE,)),
    ),
    step=request_step,
    check_step=lambda before, event: check_step(before, event.step, dict(event.data)),
    closing_event=closing_event,
    after_new=reminders,
    callback_source=CallbackSource("callback.incident", None, "11.1.6", role_of=lambda record: "property_officer",
                                   done_at=incident_closed_at,
                                   exempt=lambda record: record.get("category") not in INCIDENTS),
    rule_labels={"request.reply": "求助答复", "request.report": "重大急救立即报告经理"},
    summary_keys=("detail",),
    fee_total=fee_total,
    fee_at=charged_at,
    billed_at=billed_at,
    paid_service=paid_service_line,
    redact=redact,
    labels=LABELS,
    stats=Stat("requests", "requests"),
)
