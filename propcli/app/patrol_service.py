"""Daily patrol rounds (12): findings recorded at once; one needing work becomes a public repair (10.4.2)."""
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.app.repair_service import new_repair
from propcli.app.services import show
from propcli.store.unit import append, create, load


def new_patrol(session, area: str | None, findings: tuple[str, ...], at=None) -> dict:
    if not area or not area.strip():
        raise BadInput(_("--area: missing; expected the area patrolled, e.g. 3栋及周边"))
    cleaned = [f.strip() for f in findings if f and f.strip()]
    fields = {"office": session.ledger.office, "area": area.strip(), "findings": cleaned}
    record = create(session.ledger, "patrol", fields, session.at(at), session.actor, session.now)
    return show(session, record.id)


def repair_from_finding(session, text_id: str, finding: int, location: str | None = None, at=None) -> dict:
    """The finding becomes a public repair; the repair names the patrol and the patrol the repair."""
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
    from propcli.store.unit import check_event_time

    check_event_time(at_time, session.now, patrol)
    repair = new_repair(session, item=findings[finding - 1], public=True,
                        location=location or patrol.get("area"), at=at, source=patrol_id)
    append(ledger, patrol_id, "repair", {"finding": finding, "repair": repair["id"]}, at_time,
           session.actor, session.now)
    return show(session, repair["id"])
