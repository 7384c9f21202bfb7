"""Callbacks 回访 (11): a callback is planned (`new`), then recorded (`record`, meets callback.*); when the
customer raised something not answerable at once it carries an agreed reply time (`reply_by`, 11.1.9) and
stays open until `reply`. Rules over a Record, the shaping of `callback record|reply`, and the declaration.
The monthly plan and the callback figures are propcli/app/callbacks.py.
"""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Action, Field, Kind, Option, Step
from propcli.model import Record

METHODS = ("visit", "phone")
RESULT_ZH = {"satisfied": "满意", "dissatisfied": "不满意"}
RESULTS = tuple(RESULT_ZH)
PHONE_MARK = "电话回访"  # 11.1.7
RECORDED = "record"
"""The step that makes a callback (meets its callback.* deadline)."""


def closing_event(record: Record):
    """A callback is done when recorded; with an agreed reply time (11.1.9), when the reply is given."""
    recorded = record.first("record")
    if recorded is None:
        return None
    if recorded.get("reply_by"):
        return next((e for e in record.events if e.step == "reply" and e.at >= recorded.at), None)
    return recorded


def check_record(callback: Record, method: str, result: str, signature: str | None) -> None:
    """11.1.7 (signature in person), 11.1.9 (third category in person); a callback is recorded once."""
    if callback.kind != "callback":
        raise BadInput(_("ID: {id} is not a callback (plan one with: propcli callback plan --month YYYY-MM)",
                         id=callback.id))
    recorded = callback.first("record")
    if recorded is not None:
        raise BadInput(_("callback {id}: already recorded at {at}", id=callback.id, at=recorded.at.isoformat()))
    if method not in METHODS:
        raise BadInput(_("--method: expected one of {methods}", methods="|".join(METHODS)))
    if result not in RESULTS:
        raise BadInput(_("--result: expected one of {results}", results="|".join(RESULTS)))
    if method == "visit" and not (signature or "").strip():
        raise BadInput(_("--signature: an in-person callback needs the customer's signature (11.1.7); "
                         "expected the name the customer signed"))
    if method == "phone" and callback.get("method_hint") == "visit":
        raise BadInput(_("--method: callback {id} follows a major complaint (the \"third category\"), "
                         "always called back in person: expected visit (11.1.9)", id=callback.id))


def check_reply(callback: Record) -> None:
    if callback.kind != "callback":
        raise BadInput(_("ID: {id} is not a callback", id=callback.id))
    recorded = callback.first("record")
    if recorded is None or not recorded.get("reply_by"):
        raise BadInput(_("callback {id}: no agreed reply is pending; 'reply' answers a callback recorded with "
                         "--reply-by (11.1.9)", id=callback.id))
    replied = next((e for e in callback.events if e.step == "reply" and e.at >= recorded.at), None)
    if replied is not None:
        raise BadInput(_("callback {id}: the reply was already given at {at}", id=callback.id,
                         at=replied.at.isoformat()))


# --- shaping the data of `callback record|reply` ------------------------------------------------

def record_callback(session, record_id: str, method=None, result=None, signature=None, note=None,
                    reply_by=None, rectification=None, at=None) -> str:
    """The callback made (`record`, meets callback.*): 回访方式, 满意度, signature or 电话回访, remarks."""
    from propcli.store.unit import append
    from propcli.timeutil import format_time, parse_time

    ledger = session.ledger
    for name, value, expected in (("method", method, "visit|phone"), ("result", result, "satisfied|dissatisfied")):
        if not value:
            raise BadInput(_("--{name}: missing; expected {values}", name=name, values=expected))
    data: dict = {"method": method, "result": result}
    if method == "visit":
        data["signature"] = (signature or "").strip() or None
    else:
        data["mark"] = PHONE_MARK
        data["signature"] = (signature or "").strip() or None
    data["note"] = (note or "").strip() or None
    if result == "dissatisfied":
        fix = (rectification or note or "").strip()
        if not fix:
            raise BadInput(_("--rectification: a dissatisfied callback needs what is to be fixed (11.2.3); "
                             "expected --rectification TEXT (or --note TEXT)"))
        data["rectification"] = fix
    elif rectification:
        data["rectification"] = rectification.strip()
    when = session.at(at) if at else session.now
    if reply_by is not None:
        agreed = parse_time(reply_by, ledger.tz, field="--reply-by")
        if agreed <= when:
            raise BadInput(_("--reply-by: {at} is not after the callback ({when}); expected the agreed reply time (11.1.9)",
                             at=agreed.isoformat(), when=when.isoformat()))
        data["reply_by"] = format_time(agreed, ledger.tz)

    def validate(record, event):
        check_record(record, method, result, signature)

    append(ledger, record_id, RECORDED, data, session.at(at) if at else None, session.actor, session.now,
           validate, summary=f"{method} {result}")
    return record_id


def reply(session, record_id: str, note=None, at=None) -> str:
    """The agreed reply given (meets callback.reply, 11.1.9)."""
    from propcli.store.unit import append

    ledger = session.ledger

    def validate(record, event):
        check_reply(record)

    append(ledger, record_id, "reply", {"note": (note or "").strip() or None}, session.at(at) if at else None,
           session.actor, session.now, validate)
    return record_id


def callback_step(session, record_id: str, step: str, at=None, **options) -> str:
    if step == RECORDED:
        return record_callback(session, record_id, at=at, **options)
    return reply(session, record_id, at=at, **options)


KIND = Kind(
    name="callback", prefix="B", zh="回访", en="callback", clause="11",
    help=N_("Callbacks 回访 (11): the monthly plan, the callback made, the agreed reply."),
    fields=(Field("source", "回访事由", "source"), Field("role", "回访人", "caller role"), Field("due", "计划回访时间", "due"),
            Field("name", "回访对象", "name"), Field("phone", "电话", "phone"), Field("address", "房号", "address")),
    steps=(
        Step(RECORDED, "回访", "11.1.7", N_("Record a planned callback as made."),
             options=(Option("--method", N_("visit (上门, needs --signature) or phone (电话回访)"), takes="choice", choices=METHODS),
                      Option("--result", takes="choice", choices=RESULTS),
                      Option("--signature", N_("the customer's signature (in person, 11.1.7)"), metavar="NAME"),
                      Option("--note", N_("the customer's opinion")),
                      Option("--rectification", N_("what is to be fixed when dissatisfied (11.2.3)")),
                      Option("--reply-by", N_("agreed reply time for something not answerable at once (11.1.9)"), takes="time"))),
        Step("reply", "答复", "11.1.9", N_("The agreed reply was given (11.1.9)."),
             options=(Option("--note", N_("the reply given")),)),
    ),
    step=callback_step,
    actions=(
        Action("plan", N_("Plan a callback for every complaint handled, repair completed and event ended in the month (11.1.2)."),
               "propcli.app.callbacks:plan",
               options=(Option("--month", N_("the month whose handled complaints, completed repairs and ended events are planned"),
                               metavar="YYYY-MM"),),
               shows="rows", columns=("id", "source", "source_kind", "source_done", "role", "method_hint", "due")),
    ),
    check_step=None,
    closing_event=closing_event,
    forms=("callback-record", "callback-summary"),
    rule_labels={"callback.reply": "回访问题答复"},
    summary_keys=("subject",),
)
