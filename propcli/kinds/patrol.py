"""Daily patrol rounds 巡查 (12): findings recorded at once and dealt with at once (12.2.2).

A round stays open until each finding is either a public repair (10.4.2, `patrol repair`, linked both ways)
or handled on the spot (`patrol handle --finding N --outcome TEXT`); a round with no findings is done when
it is recorded. The public repair made from a finding names the patrol officer who made the round and when
the finding was made (巡视人, 巡视日期/时间 of 《公共区域现场巡视表》, 10.5.2).
"""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Action, Append, Column, Create, Derived, Field, Kind, Option, Register, Step
from propcli.model import Event, Record

DEALT = ("repair", "handle")
"""The events that deal with a finding: it became a public repair, or it was handled on the spot."""


def officer_of(record: Record) -> str:
    """Who made the round: `--officer`, else who recorded it."""
    return record.get("officer") or record.events[0].by


def dealt_with(record: Record) -> dict[int, Event]:
    """finding number -> the event that dealt with it."""
    found: dict[int, Event] = {}
    for event in record.events:
        if event.step in DEALT and isinstance(event.get("finding"), int):
            found.setdefault(event.get("finding"), event)
    return found


def closing_event(record: Record):
    """Done when every finding is dealt with (12): the event that dealt with the last one; at once without any."""
    count = len(record.get("findings") or ())
    if count == 0:
        return record.events[0]
    dealt = dealt_with(record)
    if len(dealt) < count or not all(n in dealt for n in range(1, count + 1)):
        return None
    return max(dealt.values(), key=lambda event: event.at)


def check_finding(record: Record, finding) -> None:
    """The finding exists and has not been dealt with yet (12)."""
    findings = list(record.get("findings") or [])
    if not isinstance(finding, int) or not 1 <= finding <= len(findings):
        raise BadInput(_("--finding: expected a number from 1 to {count} (the patrol's findings)", count=len(findings)))
    done = dealt_with(record).get(finding)
    if done is not None:
        if done.step == "repair":
            raise BadInput(_("--finding: finding {n} already became repair {id}", n=finding, id=done.get("repair")))
        raise BadInput(_("--finding: finding {n} was already handled on the spot at {at}", n=finding,
                         at=done.at.isoformat()))


def check_step(record: Record, event) -> None:
    if event.step not in DEALT:
        raise BadInput(_("step: '{step}' is not a step of a patrol round; expected repair or handle", step=event.step))
    check_finding(record, event.get("finding"))
    if event.step == "handle" and not event.get("outcome"):
        raise BadInput(_("--outcome: missing; expected how the finding was dealt with on the spot (12.2.2)"))


def new_patrol(session, area: str | None = None, finding: tuple[str, ...] = (), officer=None, at=None) -> Create:
    """A patrol round with its findings (12), planned."""
    if not area or not area.strip():
        raise BadInput(_("--area: missing; expected the area patrolled, e.g. 3栋及周边"))
    cleaned = [f.strip() for f in finding if f and f.strip()]
    values = {"office": session.ledger.office, "area": area.strip(), "findings": cleaned}
    officer = fields.staff_member(session.ledger, officer, "--officer", clause="12.1", is_required=False)
    if officer:
        values["officer"] = officer
    return Create("patrol", values, session.at(at) if at else None)


def repair_from_finding(session, text_id: str, finding: int, location: str | None = None, at=None) -> str:
    """The finding becomes a public repair; the repair names the patrol, the finding, the patrol officer and
    when it was found; the patrol names the repair."""
    from propcli.kinds.repair import new_repair
    from propcli.model import check_event_time
    from propcli.timeutil import format_time

    ledger = session.ledger
    patrol_id = ledger.resolve(text_id, "patrol")
    patrol = session.load(patrol_id)
    check_finding(patrol, finding)
    at_time = session.at(at)
    check_event_time(at_time, session.now, patrol)
    findings = list(patrol.get("findings") or [])
    repair = session.write(new_repair(session, item=findings[finding - 1], public=True,
                                      location=location or patrol.get("area"), at=at, source=patrol_id,
                                      finding=finding, patrol_officer=officer_of(patrol),
                                      found_at=format_time(patrol.received, ledger.tz)))
    session.write(Append(patrol_id, "repair", {"finding": finding, "repair": repair.id}, at_time))
    return repair.id


def patrol_step(session, record_id: str, step: str, at=None, finding=None, outcome=None) -> Append:
    """`patrol handle ID --finding N --outcome TEXT`: a finding dealt with on the spot (12.2.2), planned."""
    if finding is None:
        raise BadInput(_("--finding: missing; expected the finding's number, from 1"))
    data = {"finding": finding,
            "outcome": fields.required(outcome, "--outcome", _("how the finding was dealt with on the spot (12.2.2)"))}
    return Append(record_id, step, data, session.at(at) if at else None, summary=data["outcome"])


def inspection_rows(round_: dict, repairs: dict) -> list[dict]:
    """The lines of 《公共区域现场巡视表》 (10.5.2) of a round as `show` prints it: one per finding, with the
    public repair it became (`repairs`: id -> the repair as `show` prints it) or how it was handled."""
    officer = round_.get("officer") or round_["events"][0]["by"]
    rows = []
    for number, text in enumerate(round_.get("findings") or (), start=1):
        dealt: dict = next((e for e in round_["events"] if e["step"] in DEALT and e.get("finding") == number), {})
        repair = repairs.get(dealt.get("repair")) if dealt.get("step") == "repair" else None
        rows.append({"at": round_["received"], "officer": officer, "where": round_.get("area", ""), "finding": text,
                     "handled": dealt.get("outcome", ""), "repair": repair, "repair_id": dealt.get("repair")})
    return rows


# --- 《公共区域现场巡视表》 (10.5.2) --------------------------------------------------------------------------

def _inspection_line(found_at, officer, where, finding, handling, repair: dict | None) -> dict:
    """One line of the inspection form: the finding, and the public repair's course (10.4.2-1 to -4)."""
    from propcli.kinds.paper import Sign, first_events, time_text

    done = first_events(repair) if repair else {}
    complete = done.get("complete", {})
    return {"at": time_text(found_at), "officer": officer or "", "where": where or "", "finding": finding or "",
            "handling": handling, "notified": time_text(done.get("notify", {}).get("at")),
            "signed": Sign(done.get("take", {}).get("by", "")), "arrived": time_text(done.get("arrive", {}).get("at")),
            "work": complete.get("work", ""), "cleanup": complete.get("cleanup", ""),
            "completed": time_text(complete.get("at"))}


def _public_repair_line(repair: dict) -> dict:
    """A public repair (10.4.2): from a patrol finding, the officer and the time of the finding; else who recorded
    the report and when."""
    return _inspection_line(repair.get("found_at") or repair["received"],
                            repair.get("patrol_officer") or repair["events"][0]["by"], repair.get("location", ""),
                            repair.get("item", ""), _("Repair {id}", id=repair["id"]), repair)


def _round_lines(sheet, round_: dict) -> list[tuple[str, dict]]:
    """One line per finding of a patrol round (12.2.2): the public repair it became, or how it was handled."""
    linked = {}
    for event in round_["events"]:
        if event["step"] == "repair" and event.get("repair"):
            try:
                linked[event["repair"]] = sheet.show(event["repair"])
            except BadInput:
                pass
    lines = []
    for row in inspection_rows(round_, linked):
        if row["repair_id"]:
            handling = _("Repair {id}", id=row["repair_id"])
        elif row["handled"]:
            handling = _("Handled on the spot: {outcome}", outcome=row["handled"])
        else:
            handling = _("To be dealt with")
        lines.append((row["at"], _inspection_line(row["at"], row["officer"], row["where"], row["finding"], handling,
                                                  row["repair"])))
    return lines


def inspection_form_rows(sheet) -> list[dict]:
    """《公共区域现场巡视表》 (10.5.2) of a month (every round made in it, one line per finding, and the public repairs
    reported in it that no round found), of a public repair or of a patrol round."""
    record = sheet.record
    if record and record.get("public"):
        return [_public_repair_line(record)]
    if record and "findings" in record:
        return [line for _at, line in _round_lines(sheet, record)]
    if record:
        raise BadInput(_("ID: {id} is neither a public repair (10.4.2) nor a patrol round (12); expected one of them "
                         "or a month YYYY-MM",
                         id=record["id"]))
    lines = []
    for round_ in sheet.records:
        lines += _round_lines(sheet, round_)
    for repair in sheet.records_of("repair", sheet.month):
        if repair.get("public") and not repair.get("patrol"):
            lines.append((repair["received"], _public_repair_line(repair)))
    return [line for _at, line in sorted(lines, key=lambda pair: pair[0])]


INSPECTION = Register(
    "public-inspection", N_("Public-area inspection form 《公共区域现场巡视表》"), "10.5.2",
    (Column("at", N_("Patrol date/time"), 21), Column("officer", N_("Patrolled by"), 14),
     Column("where", N_("Area/location"), 22), Column("finding", N_("Problem found"), 36),
     Column("handling", N_("Action required"), 30), Column("notified", N_("Engineering notified at"), 23),
     Column("signed", N_("Engineering signed for copy 2"), 30), Column("arrived", N_("On site at"), 19),
     Column("work", N_("Repair work"), 30), Column("cleanup", N_("Site cleaned up"), 20),
     Column("completed", N_("Completed at"), 19)),
    inspection_form_rows, of_record=True, takes=N_("a public repair id, a patrol round id or a month YYYY-MM"))


KIND = Kind(
    name="patrol", zh="巡查", en="patrol round", clause="12",
    help=N_("Daily patrol rounds 巡查 (12): each finding becomes a public repair or is handled on the spot."),
    fields=(Field("area", "巡视区域", "area"), Field("findings", "发现问题", "findings"), Field("officer", "巡视人",
                                                                                                "officer")),
    new=new_patrol,
    new_help=N_("Record a patrol round and its findings."),
    new_roles=("property_officer", "patrol_officer"),
    new_options=(
        Option("--area", N_("the area patrolled")),
        Option("--finding", N_("a finding (repeatable)"), multiple=True),
        Option("--officer", N_("who made the round (default: --as)"), takes="person", metavar="NAME", sample="刘洋"),
        Option("--at", N_("when the round was made (default --now)"), takes="time"),
    ),
    steps=(
        Step("handle", "现场处理", "12.2.2", N_("A finding dealt with on the spot (12.2.2), without a repair."),
             roles=("property_officer", "patrol_officer"), repeatable=True,
             options=(Option("--finding", N_("the finding's number, from 1"), takes="int"),
                      Option("--outcome", N_("how it was dealt with"), metavar="TEXT"))),
    ),
    step=patrol_step,
    actions=(
        Action("repair", N_("Turn a finding into a public-facility repair (10.4.2), linked both ways."),
               repair_from_finding, argument="ID", clause="10.4.2",
               options=(Option("--finding", N_("the finding's number, from 1"), takes="int"),
                        Option("--location", N_("where (default: the patrol's area)")),
                        Option("--at", N_("when it happened (default --now)"), takes="time")),
               required=("finding",)),
    ),
    check_step=check_step,
    closing_event=closing_event,
    registers=(INSPECTION,),
    summary_keys=("area",),
    derived=(Derived("patrol.daily", "12.2.2", ("property_officer", "property_director", "manager", "leadership"),
                     "daily_rounds"),),
    rule_labels={"patrol.daily": "每日巡楼"},
    labels={"rule": {"patrol.daily": N_("daily patrol round")}},
)
