"""Help requests 求助 (9.4): `request new`, every `request STEP`; and the call log 来电 (8.7.2): `call new`."""
from propcli.kinds import request as requests
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.app.services import show
from propcli.store.unit import append, check_event_time, create, load


def _required(value, field: str, expected: str) -> str:
    if value is None or not str(value).strip():
        raise BadInput(_("{field}: missing; expected {expected}", field=field, expected=expected))
    return str(value).strip()


def _optional(value) -> str | None:
    return str(value).strip() if value is not None and str(value).strip() else None


def _phone(value) -> str:
    phone = _required(value, "--phone", _("the caller's phone number, e.g. 13800138000"))
    if not requests.PHONE.match(phone):
        raise BadInput(_("--phone: '{value}' is not a phone number; expected digits such as 13800138000", value=value))
    return phone


def new_request(session, category=None, name=None, phone=None, address=None, detail=None, major=False,
                at=None) -> dict:
    """Record a help request as received (9.4.1-1; 9.4.2-1: the patient's address and phone first)."""
    ledger = session.ledger
    received = session.at(at)
    fields = {
        "office": ledger.office,
        "category": requests.category_key(category),
        "name": _required(name, "--name", _("the customer's name")),
        "phone": _phone(phone),
        "address": _required(address, "--address", _("building and unit, e.g. 3栋0301")),
        "detail": _required(detail, "--detail", _("what help is asked for, e.g. 老人在家晕倒")),
        "major": bool(major),
    }
    record = create(ledger, "request", fields, received, session.actor, session.now)
    return show(session, record.id)


def _request_id(ledger, text_id: str) -> str:
    return ledger.resolve(text_id, "request")


def request_step(session, text_id: str, step: str, at=None, **options) -> dict:
    """Record one step of a help request (CLI.md `request STEP`); refused steps exit 2 with the clause."""
    ledger = session.ledger
    record_id = _request_id(ledger, text_id)
    note = _optional(options.get("note"))
    data: dict = {}
    if step == "reply":
        data["note"] = note
    elif step == "escalate":
        data["to"] = _required(options.get("to"), "--to", _("a role key, e.g. property_director or manager"))
        data["note"] = note
    elif step == "route":
        data["to"] = _required(options.get("to"), "--to", _("repair (9.4.5) or complaint (9.4.4)"))
        data["note"] = note
    elif step == "medical":
        way = _optional(options.get("way"))
        data.update(way=way, action=_optional(options.get("action")), note=note)
    elif step == "close":
        data["outcome"] = _optional(options.get("outcome"))
    else:
        requests.check_step(load(ledger, record_id), step, data)  # names the steps there are

    if step == "route" and data["to"] == "repair":
        return _route_to_repair(session, record_id, data, at)
    if step == "route" and data["to"] == "complaint":
        data["note"] = note or _("按《投诉处理工作规程》办理，登记《客户投诉登记表》(9.4.4)")
    if step == "medical" and data.get("way"):
        record = load(ledger, record_id)
        requests.check_step(record, step, data)
        data["way_zh"] = requests.MEDICAL_WAYS[data["way"]][0]
        data["checklist"] = requests.checklist(data["way"])
        data["report_to"] = requests.report_to(record)

    def validate(record, event):
        requests.check_step(record, step, data)

    summary = data.get("note") or data.get("outcome") or data.get("action")
    append(ledger, record_id, step, data, session.at(at) if at else None, session.actor, session.now, validate,
           summary=summary)
    return show(session, record_id)


def _route_to_repair(session, record_id: str, data: dict, at) -> dict:
    """9.4.5: the request becomes a resident repair; the repair names the request and the request the repair."""
    from propcli.app.repair_service import new_repair

    ledger = session.ledger
    record = load(ledger, record_id)
    at_time = session.at(at)
    check_event_time(at_time, session.now, record)
    requests.check_step(record, "route", data)
    repair = new_repair(session, name=record.get("name"), phone=record.get("phone"), address=record.get("address"),
                        item=record.get("detail"), at=at, request=record_id)
    data["record"] = repair["id"]

    def validate(current, event):
        requests.check_step(current, "route", data)

    append(ledger, record_id, "route", data, at_time, session.actor, session.now, validate, summary=repair["id"])
    return show(session, record_id)


def new_call(session, name=None, phone=None, address=None, reason=None, handled=None, category=None,
             record=None, note=None, at=None) -> dict:
    """One line of the call log 《客户来电记录表》 (8.7.2); complete once recorded (接听人: who recorded it)."""
    ledger = session.ledger
    received = session.at(at)
    fields = {
        "office": ledger.office,
        "name": _required(name, "--name", _("the caller's name")),
        "phone": _phone(phone),
        "address": _optional(address),
        "reason": _required(reason, "--reason", _("why the customer called (来电事由)")),
        "category": requests.category_key(category) if category is not None else None,
        "handled": _optional(handled),
        "record": ledger.resolve(record) if _optional(record) else None,
        "note": _optional(note),
    }
    if fields["record"] is not None:
        load(ledger, fields["record"])
    fields = {k: v for k, v in fields.items() if v is not None}
    created = create(ledger, "call", fields, received, session.actor, session.now)
    return show(session, created.id)
