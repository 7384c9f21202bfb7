"""The call log 来电 《客户来电记录表》 (8.7.2): one line per call, complete once recorded."""
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Column, Create, Field, Kind, Option, Register, first_event


def new_call(session, name=None, phone=None, address=None, reason=None, handled=None, category=None,
             record=None, note=None, at=None) -> Create:
    """One line of the call log (8.7.2); 接听人 is who recorded it."""
    from propcli.kinds.request import category_key

    ledger = session.ledger
    received = session.at(at)
    values = {
        "office": ledger.office,
        "name": fields.required(name, "--name", _("the caller's name")),
        "phone": fields.phone(phone, who=_("the caller's phone number, e.g. 13800138000")),
        "address": fields.unit_number(fields.optional(address)),
        "reason": fields.required(reason, "--reason", _("why the customer called (来电事由)")),
        "category": category_key(category) if category is not None else None,
        "handled": fields.optional(handled),
        "record": ledger.resolve(record) if fields.optional(record) else None,
        "note": fields.optional(note),
    }
    if values["record"] is not None:
        session.load(values["record"])
    values = {k: v for k, v in values.items() if v is not None}
    return Create("call", values, received if at else None)


def call_log_rows(sheet) -> list[dict]:
    """《客户来电记录表》 (8.7.2): one line per call received in the month; 接听人 is who recorded it."""
    from propcli.kinds.paper import time_text

    return [{"at": time_text(call["received"]), "caller": call.get("name", ""), "phone": call.get("phone", ""),
             "unit": call.get("address", ""), "reason": call.get("reason", "") or call.get("detail", ""),
             "handling": "；".join(x for x in (call.get("handled", ""), call.get("record", "")) if x),
             "answered_by": call["events"][0]["by"], "note": call.get("note", "")} for call in sheet.records]


CALL_LOG = Register(
    "call-log", N_("Customer call log 《客户来电记录表》"), "8.7.2",
    (Column("at", N_("Call time"), 19), Column("caller", N_("Caller"), 15), Column("phone", N_("Phone"), 21),
     Column("unit", N_("Unit"), 16), Column("reason", N_("Reason for the call"), 60),
     Column("handling", N_("Handling / passed on to"), 68), Column("answered_by", N_("Answered by"), 15),
     Column("note", N_("Remarks"), 50)),
    call_log_rows)

KIND = Kind(
    name="call", zh="来电", en="call", clause="8.7.2",
    help=N_("The call log 《客户来电记录表》 (8.7.2)."),
    fields=(Field("name", "来电人", "caller"), Field("phone", "电话", "phone"), Field("address", "房号", "address"),
            Field("reason", "来电事由", "reason"), Field("handled", "处理情况", "handled"), Field("record", "转办",
                                                                                                  "record")),
    asks=lambda values: (("name", "phone", "reason")),
    new=new_call,
    new_help=N_("Record a call in the call log."),
    new_options=(
        Option("--name", N_("the caller"), takes="name"),
        Option("--phone"),
        Option("--address", N_("building and unit (房号)")),
        Option("--reason", N_("why the customer called (来电事由)"), metavar="TEXT"),
        Option("--category", "medical|repair|complaint|enquiry|security|disaster|other", metavar="CATEGORY",
               takes="category"),
        Option("--handled", N_("how it was handled (处理情况)"), metavar="TEXT"),
        Option("--record", N_("the record the call became (转办)"), takes="id"),
        Option("--note", N_("remarks (备注)"), metavar="TEXT"),
        Option("--at", N_("when the call came in (default --now)"), takes="time"),
    ),
    closing_event=first_event,
    registers=(CALL_LOG,),
    summary_keys=("reason",),
)
