"""Complaints (8.6, 8.7, 11.1.12-13) and callbacks (11): pure rules over a Record, no I/O.

A complaint goes new → [reply | assign]* → handle (处理完毕, once) → [reply]* → close, or is merged into
the complaint it duplicates (11.1.12) before it is handled. Status is the last step; it is open until
`close` or `merge`. `handle` may directly follow `new` (CLI.md "Clarifications").

A callback (回访) is planned (`new`), then recorded (`record`, meets callback.*); when the customer
raised something not answerable at once it carries an agreed reply time (`reply_by`, 11.1.9) and stays
open until `reply`.
"""
import re

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.model import Record

SEVERITIES = ("general", "important", "major")
SEVERITY_ZH = {"general": "一般", "important": "重要", "major": "重大"}
CHANNELS = ("来电", "来访", "信函", "上级转办")
FORWARDED = "上级转办"
STEPS = ("reply", "assign", "handle", "merge", "close")
PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")

CALLER_ROLE = {"general": "patrol_officer", "important": "service_director", "major": "manager"}
"""Who calls back after a complaint, by severity (11.1.3)."""
REPAIR_CALLER = "area_officer"  # 11.1.4
EVENT_CALLER = "culture_clerk"  # 11.1.5
IN_PERSON_SEVERITIES = ("major",)
"""The "third category" of 11.1.9 (not defined in the text we have): a major complaint, always in person."""
METHODS = ("visit", "phone")
RESULTS = ("satisfied", "dissatisfied")
PHONE_MARK = "电话回访"  # 11.1.7


# --- complaints -------------------------------------------------------------------------------

def closing_event(record: Record):
    """The event that closed the record (complaint: close or merge; callback: see callback_closing_event)."""
    if record.kind == "callback":
        return callback_closing_event(record)
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
        raise BadInput(_("complaint {id}: 'close' must follow 'handle' (处理完毕); every matter gets an outcome (11.1.11)",
                         id=record.id))


def check_merge(record: Record, target: Record) -> None:
    """11.1.12: the same complainant (phone) about the same issue is recorded once."""
    if target.kind != "complaint":
        raise BadInput(_("--into: {id} is not a complaint", id=target.id))
    if target.id == record.id:
        raise BadInput(_("--into: a complaint cannot be merged into itself"))
    if target.has("merge"):
        raise BadInput(_("--into: {id} is itself merged into {other}; merge into that one (11.1.12)",
                         id=target.id, other=target.first("merge").get("into")))
    phone, other = _digits(record.get("phone")), _digits(target.get("phone"))
    if not phone or not other:
        raise BadInput(_("--into: the same complainant is known by phone (11.1.12); {id} has no phone",
                         id=record.id if not phone else target.id))
    if phone != other:
        raise BadInput(_("--into: {id} is from another complainant (phone {phone}); only the same complainant's "
                         "complaint is merged (11.1.12); many residents on one issue: an open letter (11.1.10)",
                         id=target.id, phone=target.get("phone")))


def _digits(phone) -> str:
    return re.sub(r"\D", "", str(phone or ""))


# --- callbacks --------------------------------------------------------------------------------

def callback_closing_event(record: Record):
    """A callback is done when recorded; with an agreed reply time (11.1.9), when the reply is given."""
    recorded = record.first("record")
    if recorded is None:
        return None
    if recorded.get("reply_by"):
        return next((e for e in record.events if e.step == "reply" and e.at >= recorded.at), None)
    return recorded


def caller_role(source_kind: str, severity: str | None = None) -> str:
    if source_kind == "complaint":
        return CALLER_ROLE.get(severity or "general", CALLER_ROLE["general"])
    return REPAIR_CALLER if source_kind == "repair" else EVENT_CALLER


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
