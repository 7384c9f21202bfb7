"""Visits 拜访 (11.1.6): holiday visits organised by the manager, recorded with the resident's opinion. A visit is
planned when registered (`new`) and done when recorded (`record`); the procedures give no time for it: the
policy's `visit.record` rule (an office choice) says when it is due.

11.1.6 (third release): 重大节日拜访由管理处经理组织进行，入伙回访、突发事件处理完毕后回访 — the move-in contact is
a callback (入伙回访), not a 拜访. `visit new --type move-in` keeps working and makes that callback (kind
`callback`, `source_kind: move-in`), recorded with `callback record --method visit|phone` as any callback: a
signature in person, the 电话回访 mark by phone (11.1.7); due by the policy's `callback.move-in` rule. Move-in
visits recorded before (kind `visit`, type move-in) stay readable and still count as callbacks (`is_callback`:
listed in the month's plan and printed in the 《回访记录表》), labelled 入伙回访.
"""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Append, Create, Field, Kind, Option, Register, Stat, Step
from propcli.kinds.callback import RESULT_ZH, RESULTS
from propcli.model import Record

TYPES = ("holiday", "move-in")
TYPE_ZH = {"holiday": "重大节日拜访", "move-in": "入伙回访"}
MOVE_IN = "move-in"
"""The `source_kind` of a move-in callback (11.1.6): it follows no other record."""
ORGANISER = {"holiday": "manager", "move-in": "property_officer"}
"""Who organises the visit (11.1.6: major holidays by the manager)."""
RECORDED = "record"


def new_visit(session, type=None, address=None, name=None, phone=None, households=None, at=None) -> Create:
    """Register a visit to make (11.1.6), planned."""
    if type not in TYPES:
        raise BadInput(_("--type: expected one of {values} (11.1.6)", values="|".join(TYPES)))
    if households is not None and households < 1:
        raise BadInput(_("--households: expected a whole number of at least 1 (households visited)"))
    values = {"office": session.ledger.office, "type": type, "type_zh": TYPE_ZH[type], "role": ORGANISER[type],
              "address": fields.unit_number(
                  fields.required(address, "--address", _("building and unit, e.g. 3栋0301"))),
              "name": fields.optional(name), "phone": fields.phone(phone, is_required=False), "households": households}
    values = {k: v for k, v in values.items() if v is not None}
    if type == MOVE_IN:
        return move_in_callback(session, values, session.at(at) if at else None)
    return Create("visit", values, session.at(at) if at else None)


def move_in_callback(session, values: dict, at) -> Create:
    """入伙回访 (11.1.6): a callback of its own, planned; who calls: the property officer (the text names none),
    reviewed by the property director (11.1.8)."""
    from propcli.timeutil import zone

    received = at or session.now
    callback = {"office": values["office"], "source_kind": MOVE_IN, "role": ORGANISER[MOVE_IN],
                "plan_month": f"{received.astimezone(zone(session.ledger.tz)):%Y-%m}", "method_hint": "any",
                "attempt": 1, "subject": f"{TYPE_ZH[MOVE_IN]}（11.1.6）"}
    callback.update({k: values[k] for k in ("name", "phone", "address", "households") if k in values})
    return Create("callback", callback, at)


def check_step(record: Record, event) -> None:
    done = record.first(RECORDED)
    if event.step == RECORDED and done is not None:
        raise BadInput(_("visit {id}: already recorded at {at}", id=record.id, at=done.at.isoformat()))
    if event.step == RECORDED and event.get("result") not in RESULTS:
        raise BadInput(_("--result: expected one of {results}", results="|".join(RESULTS)))


def visit_step(session, record_id: str, step: str, at=None, result=None, signature=None, note=None) -> Append:
    """The visit made, with the resident's opinion (满意度) and signature, planned."""
    data = {"result": result, "signature": fields.optional(signature), "note": fields.optional(note)}
    return Append(record_id, step, data, session.at(at) if at else None, summary=result)


def closing_event(record: Record):
    return record.first(RECORDED)


def is_callback(record: Record) -> bool:
    """入伙回访 (11.1.6): a move-in visit is a callback; a holiday visit 拜访 is not."""
    return record.get("type") == "move-in"


def register_rows(sheet) -> list[dict]:
    """《客户拜访记录表》 (11.1.6): one row per visit registered in the month."""
    from propcli.kinds.paper import event_of, time_text

    rows = []
    for visit in sheet.records:
        done = event_of(visit, RECORDED)
        rows.append({"编号": visit["id"], "拜访类型": TYPE_ZH.get(visit.get("type") or "", ""),
                     "房号": visit.get("address", ""), "住户": visit.get("name", ""), "电话": visit.get("phone", ""),
                     "户数": str(visit.get("households", "")), "拜访时间": time_text(done.get("at")),
                     "拜访人": done.get("by", ""), "满意度": RESULT_ZH.get(done.get("result") or "", ""),
                     "客户意见": done.get("note", "") or "", "客户签名": done.get("signature", "") or ""})
    return rows


def archive_line(visit: dict) -> tuple[str, dict] | None:
    """A move-in visit recorded before the third release, the 入伙回访 of 11.1.6, in the callback archive
    《回访记录表》 (labelled by its type, not by the 入伙拜访 its file may hold); a holiday visit is not filed there."""
    from propcli.kinds.paper import Sign, event_of, time_text

    done = event_of(visit, RECORDED)
    if visit.get("type") != MOVE_IN or not done.get("at"):
        return None
    who = " ".join(x for x in (visit.get("name", ""), visit.get("address", ""), visit.get("phone", "")) if x)
    label = TYPE_ZH.get(visit.get("type") or "", visit.get("type_zh", ""))
    return done["at"], {"id": visit["id"], "at": time_text(done.get("at")), "method": "上门", "who": who,
                        "subject": f"{label}（11.1.6）", "opinion": done.get("note", "") or "",
                        "satisfaction": RESULT_ZH.get(done.get("result") or "", ""), "by": done.get("by", ""),
                        "signature": Sign(done.get("signature", "") or "")}


LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "rule": {
        "visit.record": N_("visit made"),
    },
}

KIND = Kind(
    name="visit", zh="拜访", en="visit", clause="11.1.6",
    help=N_("Visits 拜访 (11.1.6): major-holiday visits organised by the manager; --type move-in makes the move-in "
            "callback (入伙回访)."),
    fields=(Field("type", "拜访类型", "type"), Field("address", "房号", "address"), Field("name", "住户", "resident"),
            Field("phone", "电话", "phone"), Field("households", "户数", "households")),
    asks=lambda values: (("type", "address")),
    new=new_visit,
    new_help=N_("Register a visit to make (11.1.6; due {limit})."),
    new_limit=("visit.record", "callback.move-in"),
    new_options=(
        Option("--type", N_("holiday (重大节日拜访) or move-in (入伙回访: makes the move-in callback, 11.1.6)"),
               takes="choice", choices=TYPES),
        Option("--address", N_("building and unit, e.g. 3栋0301")),
        Option("--name", N_("the resident's name"), takes="name"),
        Option("--phone"),
        Option("--households", N_("households visited"), takes="int"),
        Option("--at", N_("when it was registered (default --now)"), takes="time"),
    ),
    steps=(
        Step(RECORDED, "拜访记录", "11.1.6", N_("The visit was made: the resident's opinion (11.1.6)."),
             roles=("manager", "property_officer"), limit=("visit.record",),
             options=(Option("--result", takes="choice", choices=RESULTS),
                      Option("--signature", N_("the resident's signature"), takes="name"),
                      Option("--note", N_("the resident's opinion")))),
    ),
    step=visit_step,
    check_step=check_step,
    closing_event=closing_event,
    registers=(Register("visit-record", "《客户拜访记录表》", "11.1.6",
                        ("编号", "拜访类型", "房号", "住户", "电话", "户数", "拜访时间", "拜访人", "满意度", "客户意见",
                         "客户签名"),
                        register_rows, template="visit-record"),),
    archive_line=archive_line,
    rule_labels={"visit.record": "拜访"},
    is_callback=is_callback,
    summary_keys=("type_zh",),
    labels=LABELS,
    stats=Stat("callbacks"),
)
