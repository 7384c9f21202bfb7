"""Daily patrol rounds 巡查 (12): findings recorded at once; one needing work becomes a public repair (10.4.2)."""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds.base import Action, Field, Kind, Option, first_event
from propcli.model import Record


def new_patrol(session, area: str | None = None, finding: tuple[str, ...] = (), at=None) -> Record:
    from propcli.store.unit import create

    if not area or not area.strip():
        raise BadInput(_("--area: missing; expected the area patrolled, e.g. 3栋及周边"))
    cleaned = [f.strip() for f in finding if f and f.strip()]
    fields = {"office": session.ledger.office, "area": area.strip(), "findings": cleaned}
    return create(session.ledger, "patrol", fields, session.at(at), session.actor, session.now)


def repair_from_finding(session, text_id: str, finding: int, location: str | None = None, at=None) -> str:
    """The finding becomes a public repair; the repair names the patrol and the patrol the repair."""
    from propcli.kinds.repair import new_repair
    from propcli.store.unit import append, check_event_time, load

    ledger = session.ledger
    patrol_id = ledger.resolve(text_id, "patrol")
    patrol = load(ledger, patrol_id)
    findings = list(patrol.get("findings") or [])
    if not 1 <= finding <= len(findings):
        raise BadInput(_("--finding: expected a number from 1 to {count} (the patrol's findings)", count=len(findings)))
    linked = next((e for e in patrol.events if e.step == "repair" and e.get("finding") == finding), None)
    if linked is not None:
        raise BadInput(_("--finding: finding {n} already became repair {id}", n=finding, id=linked.get("repair")))
    at_time = session.at(at)
    check_event_time(at_time, session.now, patrol)
    repair = new_repair(session, item=findings[finding - 1], public=True,
                        location=location or patrol.get("area"), at=at, source=patrol_id)
    append(ledger, patrol_id, "repair", {"finding": finding, "repair": repair.id}, at_time,
           session.actor, session.now)
    return repair.id


KIND = Kind(
    name="patrol", prefix="P", zh="巡查", en="patrol round", clause="12",
    help=N_("Daily patrol rounds 巡查 (12)."),
    fields=(Field("area", "巡视区域", "area"), Field("findings", "发现问题", "findings")),
    new=new_patrol,
    new_help=N_("Record a patrol round and its findings."),
    new_options=(
        Option("--area", N_("the area patrolled")),
        Option("--finding", N_("a finding (repeatable)"), multiple=True),
        Option("--at", N_("when the round was made (default --now)"), takes="time"),
    ),
    actions=(
        Action("repair", N_("Turn a finding into a public-facility repair (10.4.2), linked both ways."),
               "propcli.kinds.patrol:repair_from_finding", argument="ID",
               options=(Option("--finding", N_("the finding's number, from 1"), takes="int"),
                        Option("--location", N_("where (default: the patrol's area)")),
                        Option("--at", N_("when it happened (default --now)"), takes="time")),
               required=("finding",)),
    ),
    closing_event=first_event,
    forms=("public-inspection",),
    summary_keys=("area",),
)
