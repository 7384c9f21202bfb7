"""Callbacks 回访 (11): one callback record per call made to close a loop (11.1.11 件件有着落，事事有回音).

A source's first callback is planned when the source is done (a complaint at `handle`, the rest by
`callback plan --month`): its `due` is the policy's callback.* window from `source_done`. It is recorded
once (`record`, meets the deadline). A dissatisfied callback (11.2.3) says what is to be fixed, may name
who fixes it (`--fix-by`) and must say when the next callback is (`--next`): that creates the next
callback in the same commit (`previous`: this one; `source`: the same; `attempt` + 1; due at `--next`,
rule callback.next) and this one links to it (`next_callback`). `fix` records the 整改 done, `review` the
director's check and signature (11.1.8, 11.2.4), `reply` an agreed reply (11.1.9). An open letter
(11.1.10) answering the source meets its open callback (`record` with method `letter`). The loop closes
with a satisfied callback or an open letter.

Method: any first callback may be by phone (11.1.7, marked 电话回访); from the second on too, except for a
major complaint (the "third category" of 11.1.9, `method_hint: visit`), whose follow-ups are in person.
The monthly plan and the callback figures are propcli/app/callbacks.py.
"""
from collections.abc import Callable
from datetime import datetime
from types import MappingProxyType

from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Action, Append, Change, Column, Field, Kind, Option, Register, Stat, Step
from propcli.model import Event, Record

METHODS = ("visit", "phone")
LETTER = "letter"
"""The method of a callback met by an open letter (11.1.10)."""
LETTER_ID = "letter"
"""The field of such a callback's `record` naming the open letter that met it (11.1.10)."""
RESULT_ZH = {"satisfied": "满意", "dissatisfied": "不满意"}
RESULTS = tuple(RESULT_ZH)
PHONE_MARK = "电话回访"  # 11.1.7
RECORDED = "record"
"""The step that makes a callback (meets its callback.* deadline)."""
REVIEWER = {"patrol_officer": "property_director", "area_officer": "property_director",
            "property_officer": "property_director"}
"""Who reviews and signs a callback (11.1.8: the property director checks the patrol officers' callbacks, and
those of the property department's other staff); every other callback the service director (11.2.4)."""
DEFAULT_REVIEWER = "service_director"


def attempt(record: Record) -> int:
    """1 for a source's first callback, 2 for the next one after a dissatisfied answer, …"""
    return int(record.get("attempt") or 1)


def recorded_event(record: Record):
    return record.first(RECORDED)


def closing_event(record: Record):
    """A callback is done when recorded; with an agreed reply time (11.1.9), when the reply is given."""
    recorded = recorded_event(record)
    if recorded is None:
        return None
    if recorded.get("reply_by"):
        return next((e for e in record.events if e.step == "reply" and e.at >= recorded.at), None)
    return recorded


class LoopFacts:
    """What the figures need of one callback (the `stats` path reads these from the index, not the files):
    `method` is None while the callback is not recorded. A plain class: start-up pays for every dataclass."""

    __slots__ = ("id", "source", "attempt", "due", "method", "result", "reply_by", "replied", "fixed", "households")

    def __init__(self, id, source, attempt, due=None, method=None, result=None, reply_by=None, replied=False,
                 fixed=False, households=None):
        self.id, self.source, self.attempt, self.due = id, source, attempt, due
        self.method, self.result, self.reply_by, self.replied = method, result, reply_by, replied
        self.fixed, self.households = fixed, households


def facts_of(record: Record) -> LoopFacts:
    recorded = recorded_event(record)
    if recorded is None:
        return LoopFacts(record.id, record.get("source"), attempt(record), record.get("due"), fixed=record.has("fix"))
    replied = bool(recorded.get("reply_by")) and closing_event(record) is not None
    return LoopFacts(record.id, record.get("source"), attempt(record), record.get("due"), recorded.get("method"),
                     recorded.get("result"), recorded.get("reply_by"), replied, record.has("fix"),
                     recorded.get("households"))


def closes_loop(facts: LoopFacts) -> bool:
    """This callback closes its source's loop (11.1.11): satisfied (and any reply agreed under 11.1.9 given) or
    answered by an open letter (11.1.10)."""
    if facts.method == LETTER:
        return True
    return facts.result == "satisfied" and (not facts.reply_by or facts.replied)


def loop_closed_by(record: Record) -> bool:
    return closes_loop(facts_of(record))


def dissatisfied(record: Record) -> bool:
    recorded = recorded_event(record)
    return recorded is not None and recorded.get("result") == "dissatisfied"


def reviewer_role(record: Record) -> str:
    return REVIEWER.get(record.get("role") or "", DEFAULT_REVIEWER)


def awaiting_review(record: Record) -> bool:
    """Made (in person or by phone) and not yet checked and signed by the director (11.1.8, 11.2.4)."""
    recorded = recorded_event(record)
    return recorded is not None and recorded.get("method") in METHODS and not record.has("review")


def _not_a_callback(record: Record) -> BadInput:
    return BadInput(_("ID: {id} is not a callback (plan one with: propcli callback plan --month YYYY-MM)",
                      id=record.id))


def check_record(callback: Record, method: str, result: str | None, signature: str | None) -> None:
    """11.1.7 (signature in person, any first callback by phone), 11.1.9 (follow-ups of the third category in
    person); a callback is recorded once."""
    if callback.kind != "callback":
        raise _not_a_callback(callback)
    recorded = recorded_event(callback)
    if recorded is not None:
        how = _("by open letter {letter}", letter=recorded.get(LETTER_ID)) if recorded.get("method") == LETTER else ""
        raise BadInput(_("callback {id}: already recorded at {at} {how}", id=callback.id, at=recorded.at.isoformat(),
                         how=how).rstrip())
    if method == LETTER:
        return
    if method not in METHODS:
        raise BadInput(_("--method: expected one of {methods}", methods="|".join(METHODS)))
    if result not in RESULTS:
        raise BadInput(_("--result: expected one of {results}", results="|".join(RESULTS)))
    if method == "visit" and not (signature or "").strip():
        raise BadInput(_("--signature: an in-person callback needs the customer's signature (11.1.7); "
                         "expected the name the customer signed"))
    if method == "phone" and callback.get("method_hint") == "visit" and attempt(callback) > 1:
        raise BadInput(_("--method: callback {id} is follow-up no. {n} of a major complaint, the third category of "
                         "11.1.9, always made in person: expected visit", id=callback.id, n=attempt(callback)))


def check_reply(callback: Record) -> None:
    if callback.kind != "callback":
        raise BadInput(_("ID: {id} is not a callback", id=callback.id))
    recorded = recorded_event(callback)
    if recorded is None or not recorded.get("reply_by"):
        raise BadInput(_("callback {id}: no agreed reply is pending; 'reply' answers a callback recorded with "
                         "--reply-by (11.1.9)", id=callback.id))
    replied = next((e for e in callback.events if e.step == "reply" and e.at >= recorded.at), None)
    if replied is not None:
        raise BadInput(_("callback {id}: the reply was already given at {at}", id=callback.id,
                         at=replied.at.isoformat()))


def check_fix(callback: Record) -> None:
    """11.2.3: the rectification (整改) follows a dissatisfied callback, once."""
    if callback.kind != "callback":
        raise _not_a_callback(callback)
    if not dissatisfied(callback):
        raise BadInput(_("callback {id}: 'fix' records the rectification after a dissatisfied callback (11.2.3); this "
                         "one is not recorded dissatisfied", id=callback.id))
    done = callback.first("fix")
    if done is not None:
        raise BadInput(_("callback {id}: the rectification was already recorded at {at}", id=callback.id,
                         at=done.at.isoformat()))


def check_review(callback: Record) -> None:
    """11.1.8, 11.2.4: a callback made is reviewed once by the department director."""
    if callback.kind != "callback":
        raise _not_a_callback(callback)
    if recorded_event(callback) is None:
        raise BadInput(_("callback {id}: not recorded yet; the director reviews a callback once it is made (11.1.8)",
                         id=callback.id))
    done = callback.first("review")
    if done is not None:
        raise BadInput(_("callback {id}: already reviewed by {by} at {at}", id=callback.id, by=done.by,
                         at=done.at.isoformat()))


def check_step(before: Record, event: Event) -> None:
    """The same rules as the commands, replayed over a record's events (`propcli check`)."""
    if event.step == RECORDED:
        check_record(before, event.get("method"), event.get("result"), event.get("signature"))
    elif event.step == "reply":
        check_reply(before)
    elif event.step == "fix":
        check_fix(before)
    elif event.step == "review":
        check_review(before)


# --- building callback records ------------------------------------------------------------------

def due_of(record: Record, ledger) -> datetime | None:
    """The callback date the plan sets (11.2.2): the record's callback.* deadline (not an agreed reply)."""
    from propcli.policy.rules import deadlines

    return next((d.due for d in deadlines(record, ledger.policy, None, ledger.calendar)
                 if d.rule.startswith("callback.") and d.rule != "callback.reply"), None)


def _with_due(record: Record, ledger) -> Record:
    from propcli.timeutil import format_time

    due = due_of(record, ledger)
    if due is None:
        return record
    values = dict(record.fields)
    values["due"] = format_time(due, ledger.tz)
    return Record(record.kind, record.id, MappingProxyType(values), record.events, record.path)


def _new_id(ledger, at: datetime, taken=()) -> str:
    from propcli.ids import new_id

    index = ledger.index.fresh()
    for _attempt in range(50):
        record_id = new_id("callback", at)
        if record_id not in taken and index.path_of(record_id) is None:
            return record_id
    raise BadInput(_("id: no free callback id at {at}; try again", at=at.isoformat()))


def first_callback(ledger, source: Record, done: datetime, by: str, at: datetime, taken=()) -> Record:
    """The first callback of a source done at `done` (11.1.3-6), made at `at` by `by`: who calls (`role`), how
    (`method_hint`), the resident's particulars and its `due` by the policy's callback.* rule."""
    from propcli import kinds
    from propcli.timeutil import format_time, zone

    declared = kinds.kind(source.kind)
    local = done.astimezone(zone(ledger.tz))
    values = {"office": ledger.office, "source": source.id, "source_kind": source.kind,
              "source_done": format_time(done, ledger.tz), "role": declared.callback_source.role_of(source),
              "plan_month": f"{local:%Y-%m}", "method_hint": "any", "attempt": 1, "previous": None}
    values.update(declared.callback_source.plan_fields(source))
    for key in ("name", "phone", "address"):
        if source.get(key):
            values[key] = source.get(key)
    values["subject"] = next((source.get(k) for k in declared.summary_keys if source.get(k)), "")
    record_id = _new_id(ledger, at, taken)
    event = Event("new", at, by, MappingProxyType({}))
    record = Record("callback", record_id, MappingProxyType(values), (event,),
                    ledger.record_relpath("callback", record_id, at))
    return _with_due(record, ledger)


def next_callback(ledger, previous: Record, next_at: datetime, by: str, at: datetime) -> Record:
    """The next callback after a dissatisfied one (11.2.3, 11.1.9): same source, role and particulars, due at
    the agreed time (`callback.next`, started by its `new` event's `next`)."""
    from propcli.timeutil import format_time

    skip = {"due", "source_done", "previous", "attempt"}
    values = {k: v for k, v in previous.fields.items() if k not in skip}
    values.update(previous=previous.id, attempt=attempt(previous) + 1)
    record_id = _new_id(ledger, at)
    event = Event("new", at, by, MappingProxyType({"next": format_time(next_at, ledger.tz)}))
    record = Record("callback", record_id, MappingProxyType(values), (event,),
                    ledger.record_relpath("callback", record_id, at))
    values["due"] = format_time(next_at, ledger.tz)
    return Record(record.kind, record.id, MappingProxyType(values), record.events, record.path)


# --- shaping the data of `callback record|reply|fix|review` ----------------------------------------

def record_callback(session, record_id: str, method=None, result=None, signature=None, note=None,
                    reply_by=None, rectification=None, next_time=None, fix_by=None, households=None,
                    at=None) -> Change:
    """The callback made (`record`, meets callback.*): 回访方式, 满意度, signature or 电话回访, remarks; when
    dissatisfied, what is to be fixed, by whom, and the next callback (11.2.3)."""
    from propcli.timeutil import format_time, parse_time

    ledger = session.ledger
    for name, value, expected in (("method", method, "visit|phone"), ("result", result, "satisfied|dissatisfied")):
        if not value:
            raise BadInput(_("--{name}: missing; expected {values}", name=name, values=expected))
    data: dict = {"method": method, "result": result}
    if method == "phone":
        data["mark"] = PHONE_MARK
    data["signature"] = fields.optional(signature)
    data["note"] = fields.optional(note)
    when = session.at(at) if at else session.now
    callback = session.load(record_id)
    follow_up = None
    if result == "dissatisfied":
        fix = fields.optional(rectification) or fields.optional(note)
        if not fix:
            raise BadInput(_("--rectification: a dissatisfied callback needs what is to be fixed (11.2.3); "
                             "expected --rectification TEXT (or --note TEXT)"))
        data["rectification"] = fix
        if not next_time:
            raise BadInput(_("--next: a dissatisfied callback sets the next callback time (11.2.3); expected --next "
                             "DATETIME"))
        next_at = parse_time(next_time, ledger.tz, field="--next")
        if next_at <= when:
            raise BadInput(_("--next: {at} is not after this callback ({when}); expected the next callback time "
                             "(11.2.3)",
                             at=next_at.isoformat(), when=when.isoformat()))
        data["fix_by"] = fields.staff_member(ledger, fix_by, "--fix-by", clause="11.2.3", is_required=False)
        data["next"] = format_time(next_at, ledger.tz)
        if callback.kind == "callback":
            follow_up = next_callback(ledger, callback, next_at, session.actor, when)
            data["next_callback"] = follow_up.id
    else:
        for option, value in (("--next", next_time), ("--fix-by", fix_by)):
            if value:
                raise BadInput(_("{option}: only a dissatisfied callback sets the next callback and who rectifies "
                                 "(11.2.3)", option=option))
        data["rectification"] = fields.optional(rectification)
    if households is not None:
        if callback.kind == "callback" and callback.get("source_kind") != "event":
            raise BadInput(_("--households: households are counted for community events only (11.1.5); {id} follows a "
                             "{kind}", id=record_id, kind=callback.get("source_kind")))
        if households < 1:
            raise BadInput(_("--households: expected a whole number of at least 1 (households reached, 11.1.5)"))
        data["households"] = households
    if reply_by is not None:
        agreed = parse_time(reply_by, ledger.tz, field="--reply-by")
        if agreed <= when:
            raise BadInput(_("--reply-by: {at} is not after the callback ({when}); expected the agreed reply time "
                             "(11.1.9)",
                             at=agreed.isoformat(), when=when.isoformat()))
        data["reply_by"] = format_time(agreed, ledger.tz)

    def validate(records):
        check_record(records[record_id], method, result, signature)

    return Change(appends=((record_id, RECORDED, data, session.at(at) if at else None),),
                  creates=(follow_up,) if follow_up is not None else (), validate=validate,
                  subject=(callback, RECORDED, f"{method} {result}"),
                  trailer=f"Next-callback: {follow_up.id}\n" if follow_up is not None else "")


def _append(session, record_id: str, step: str, data: dict, at, summary=None) -> Append:
    """A step planned; its check (`check_step`: check_reply, check_fix, check_review) runs under the lock."""
    return Append(record_id, step, data, session.at(at) if at else None, summary=summary)


def reply(session, record_id: str, note=None, at=None) -> Append:
    """The agreed reply given (meets callback.reply, 11.1.9)."""
    return _append(session, record_id, "reply", {"note": fields.optional(note)}, at)


def fix(session, record_id: str, note=None, at=None) -> Append:
    """整改 done (11.2.3): what was done about the dissatisfaction."""
    text = fields.required(note, "--note", _("what was rectified (11.2.3)"))
    return _append(session, record_id, "fix", {"note": text}, at, summary=text)


def review(session, record_id: str, opinion=None, at=None) -> Append:
    """The director's check and signature (11.1.8; 11.2.4): the property director for the patrol officers'
    (and the property department's) callbacks, the service director for the others; the manager may too."""
    from propcli.policy.roles import ROLE_LABELS
    ledger = session.ledger
    text = fields.required(opinion, "--opinion", _("the director's opinion (审阅意见, 11.1.8)"))
    callback = session.load(record_id)
    if callback.kind != "callback":
        raise _not_a_callback(callback)
    needed = reviewer_role(callback)
    held = ledger.roles_of(session.actor)
    if needed not in held and "manager" not in held:
        raise BadInput(_("--as: {name} is not a {role} ({key}) in staff.yaml; the {role} checks this callback and "
                         "signs (11.1.8, 11.2.4)", name=session.actor, role=ROLE_LABELS[needed], key=needed))
    return _append(session, record_id, "review", {"opinion": text}, at, summary=text)


def callback_step(session, record_id: str, step: str, at=None, **options):
    handlers: dict[str, Callable] = {RECORDED: record_callback, "reply": reply, "fix": fix, "review": review}
    return handlers[step](session, record_id, at=at, **options)


# --- 《回访记录表》 (11.3.1) and 《客户回访记录》 (11.3.2) ----------------------------------------------------------

def source_label(kind: str | None) -> str:
    """A callback source's kind as the archive names it (投诉, 维修单, …); empty for none (入伙回访)."""
    from propcli import kinds

    return kinds.kind(kind).zh if kind in kinds.NAMES else ""


def archive_line(record: dict) -> tuple[str, dict] | None:
    """A callback's line of 《回访记录表》 (11.3.1), filed when it was made: how (上门 / 电话回访 / 公开信), the
    resident, the source and which callback of its loop, opinion, satisfaction, what is to be fixed (by whom,
    done), the agreed reply or next callback, the caller, the signature in person (11.1.7) and the director's
    review (11.1.8, 11.2.4). None: not made yet."""
    from propcli.kinds.paper import event_of

    done = event_of(record, RECORDED)
    if not done.get("at"):
        return None
    return done["at"], callback_line(record)


def callback_line(record: dict) -> dict:
    """The line of `archive_line`, of a callback made or not."""
    from propcli.kinds.paper import Sign, event_of, time_text

    done = event_of(record, RECORDED)
    method = {"visit": "上门", "phone": "电话回访"}.get(done.get("method") or "", "")
    if done.get("method") == LETTER:
        method = f"公开信 {done.get('letter', '')}"
    who = " ".join(x for x in (record.get("name", ""), record.get("address", ""), record.get("phone", "")) if x)
    reason = f"{source_label(record.get('source_kind'))} {record.get('source', '')} {record.get('subject', '')}".strip()
    if (record.get("attempt") or 1) > 1:
        reason += f"（第{record['attempt']}次回访，上次 {record.get('previous', '')}）"
    fix = done.get("rectification", "") or ""
    if done.get("fix_by"):
        fix += f"（整改人 {done['fix_by']}）"
    fixed = event_of(record, "fix")
    if fixed:
        fix += f"；已整改 {time_text(fixed['at'])} {fixed.get('note', '')}"
    agreed = time_text(done.get("reply_by"))
    if done.get("next"):
        agreed = "；".join(x for x in (agreed, f"下次回访 {time_text(done['next'])} {done.get('next_callback', '')}"
                                                 .strip()) if x)
    review = event_of(record, "review")
    opinion = f"{review.get('opinion', '')}（{review['by']} {review['at'][:10]}）" if review else ""
    return {"id": record["id"], "at": time_text(done.get("at")), "method": method, "who": who, "subject": reason,
            "opinion": done.get("note", "") or "", "satisfaction": RESULT_ZH.get(done.get("result") or "", ""),
            "fix": fix, "agreed": agreed, "by": done.get("by", "") if method else "",
            "signature": Sign(done.get("signature", "") if done.get("method") == "visit" else ""), "review": opinion}


def archive_rows(sheet) -> list[dict]:
    """《回访记录表》 (11.3.1) of a month: what every kind files in the callback archive in it (`Kind.archive_line`:
    the callbacks made, the open letters of 11.1.10, the move-in visits of 11.1.6), by date; of one callback
    (`form callback-record ID`), its line."""
    from propcli import kinds

    if sheet.record:
        if sheet.record["kind"] != KIND.name:
            raise BadInput(_("ID: {id} is not a callback (11.3.1)", id=sheet.record["id"]))
        return [callback_line(sheet.record)]
    dated = []
    for declared in kinds.all_kinds():
        if declared.archive_line is not None:
            filed = (declared.archive_line(record) for record in sheet.records_of(declared.name))
            dated += [found for found in filed if found is not None and found[0][:7] == sheet.month]
    return [line for _at, line in sorted(dated, key=lambda item: item[0])]


ARCHIVE = Register(
    "callback-record", N_("Callback record 《回访记录表》"), "11.3.1",
    (Column("id", N_("Record no."), 24), Column("at", N_("Callback date"), 18), Column("method", N_("Method"), 14),
     Column("who", N_("Resident / unit / phone"), 28), Column("subject", N_("Subject"), 28),
     Column("opinion", N_("Resident's opinion"), 26), Column("satisfaction", N_("Satisfaction"), 12),
     Column("fix", N_("To be rectified"), 22), Column("agreed", N_("Agreed reply / next callback"), 31),
     Column("by", N_("Called by"), 11), Column("signature", N_("Customer's signature"), 17),
     Column("review", N_("Department director's opinion"), 33)),
    archive_rows, footer=(N_("Prepared by"), N_("Department director")), of_record=True,
    takes=N_("a callback id or a month YYYY-MM"))

SUMMARY = Register(
    "callback-summary", N_("Monthly callback summary 《客户回访记录》"), "11.3.2",
    (Column("source", N_("Source"), 25), Column("eligible", N_("To call back"), 19),
     Column("done", N_("Called back"), 19), Column("coverage", N_("Coverage"), 19), Column("target", N_("Target"), 19),
     Column("satisfied", N_("Satisfied"), 19), Column("dissatisfied", N_("Dissatisfied"), 19),
     Column("fixed", N_("Rectified"), 19), Column("handling", N_("Handling rate"), 19)),
    "callback_summary", orientation="portrait",
    footer=(N_("Prepared by"), N_("Director's review"), N_("Submitted to company leadership")), blank_rows=3)
"""11.3.2, 11.2.4: its figures are the month's callback loops, which the app layer counts from the index."""


LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "rule": {
        "callback.reply": N_("answer to a callback question"),
        "callback.next": N_("next callback"),
        "callback.incident": N_("callback after an incident"),
        "callback.move-in": N_("move-in callback"),
    },
    "value": {
        "visit": N_("visit"),
        "phone": N_("phone callback"),
        "satisfied": N_("satisfied"),
        "dissatisfied": N_("dissatisfied"),
        "any": N_("either way"),
    },
    "stat": {
        "callbacks": N_("callbacks"),
        "eligible": N_("to call back"),
        "done": N_("called back"),
        "coverage": N_("coverage"),
        "target": N_("target"),
        "handling_rate": N_("handling rate"),
        "called_back": N_("called back or answered (handling base, 11.1.11)"),
        "settled": N_("settled"),
        "open_dissatisfied": N_("dissatisfied, still open"),
        "event": N_("community events"),
        "complaint": N_("complaints"),
        "repair": N_("repairs"),
        "handling_target": N_("handling target"),
        "loops_needed": N_("Matters needing an outcome"),
        "loops_closed": N_("Matters closed"),
        "satisfied": N_("satisfied"),
        "dissatisfied": N_("dissatisfied"),
        "fixed": N_("rectified"),
    },
}

KIND = Kind(
    name="callback", zh="回访", en="callback", clause="11",
    help=N_("Callbacks 回访 (11): the monthly plan, the callback made, the next one after dissatisfaction, the "
            "rectification, the director's review."),
    fields=(Field("source", "回访事由", "source"), Field("role", "回访人", "caller role"), Field("due", "计划回访时间",
                                                                                                 "due"),
            Field("attempt", "回访次数", "attempt"), Field("previous", "上次回访", "previous callback"),
            Field("name", "回访对象", "name"), Field("phone", "电话", "phone"), Field("address", "房号", "address")),
    steps=(
        Step(RECORDED, "回访", "11.1.7",
             N_("Record a planned callback as made; dissatisfied: --next and the next callback is created (11.2.3)."),
             roles=("caller",),  # the role the callback names (11.1.3: by the complaint's severity; 11.1.4-6)
             options=(Option("--method", N_("visit (上门, needs --signature) or phone (电话回访)"), takes="choice",
                             choices=METHODS),
                      Option("--result", takes="choice", choices=RESULTS),
                      Option("--signature", N_("the customer's signature (in person, 11.1.7)"), takes="name"),
                      Option("--note", N_("the customer's opinion")),
                      Option("--rectification", N_("what is to be fixed when dissatisfied (11.2.3)")),
                      Option("--next", N_("dissatisfied: when the next callback is (11.2.3)"), takes="time",
                             dest="next_time"),
                      Option("--fix-by", N_("dissatisfied: the staff member who rectifies (11.2.3)"), takes="person",
                             metavar="NAME"),
                      Option("--households", N_("households reached, for a community event (11.1.5)"), takes="int"),
                      Option("--reply-by", N_("agreed reply time for something not answerable at once (11.1.9)"),
                             takes="time"))),
        Step("reply", "答复", "11.1.9", N_("The agreed reply was given (11.1.9)."),
             options=(Option("--note", N_("the reply given")),)),
        Step("fix", "整改", "11.2.3", N_("The rectification after a dissatisfied callback is done (11.2.3)."),
             when_closed=True,
             options=(Option("--note", N_("what was rectified")),)),
        Step("review", "审阅", "11.1.8", N_("The director's check and signature (11.1.8, 11.2.4)."),
             roles=("property_director", "service_director", "manager"), when_closed=True,
             options=(Option("--opinion", N_("the director's opinion (审阅意见)")),)),
    ),
    step=callback_step,
    actions=(
        Action("plan",
               N_("The month's callback plan (11.1.2): adds a callback for every complaint handled, repair completed, "
                  "event ended and incident closed in the month that has none; lists them with the month's move-in "
                  "visits."),
               "callback_plan", roles=("service_director",), clause="11.1.2",
               options=(Option("--month",
                               N_("the month whose handled complaints, completed repairs and ended events are planned"),
                               metavar="YYYY-MM"),),
               shows="rows", columns=("id", "source", "source_kind", "source_done", "role", "method_hint", "due",
                                      "added")),
    ),
    check_step=check_step,
    closing_event=closing_event,
    registers=(ARCHIVE, SUMMARY),
    archive_line=archive_line,
    rule_labels={"callback.reply": "回访问题答复", "callback.next": "再次回访",
                 "callback.incident": "突发事件处理完毕后回访", "callback.move-in": "入伙回访"},
    summary_keys=("subject",),
    awaiting_review=awaiting_review,
    labels=LABELS,
    stats=Stat("callbacks", "callbacks"),
)
