"""Community events 文体活动 (11.1.5): the source of event callbacks; complete once recorded."""
from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import CallbackSource, Create, Field, Kind, Option, first_event
from propcli.model import Record
from propcli.timeutil import format_time, parse_time


def new_event(session, title=None, ended=None, households=None, at=None) -> Create:
    """A community event 文体活动 (11.1.5), the source of its callbacks; prefix E-. Complete once recorded."""
    ledger = session.ledger
    received = session.at(at)
    title = fields.text(title, "--title", _("the event's name, e.g. 中秋游园会"))
    ended_text = fields.text(ended, "--ended", _("when the event ended, e.g. 2026-11-14T21:00"))
    end = parse_time(ended_text, ledger.tz, field="--ended")
    if end > session.now:
        raise BadInput(_("--ended: {at} is later than now ({now}); record an event once it has ended",
                         at=end.isoformat(), now=session.now.isoformat()))
    if households is not None and households < 0:
        raise BadInput(_("--households: expected a whole number of at least 0 (participating households)"))
    values = {"office": ledger.office, "title": title, "ended": format_time(end, ledger.tz)}
    if households is not None:
        values["households"] = households
    return Create("event", values, received if at else None)


def ended_at(record: Record):
    """The event's end starts its 1-month callback window (11.1.5)."""
    try:
        return parse_time(record.get("ended"), str(record.received.tzinfo),
                          field="ended") if record.get("ended") else None
    except Exception:
        return None


LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "rule": {
        "callback.event": N_("community event callback"),
    },
}

KIND = Kind(
    name="event", zh="文体活动", en="community event", clause="11.1.5",
    help=N_("Community events 文体活动, the source of event callbacks (11.1.5)."),
    fields=(Field("title", "活动名称", "title"), Field("ended", "结束时间", "ended"), Field("households", "参与户数",
                                                                                            "households")),
    new=new_event,
    new_help=N_("Record a community event."),
    new_options=(
        Option("--title", N_("the event's name")),
        Option("--ended", N_("when it ended (starts the callback window)"), takes="time"),
        Option("--households", N_("participating households"), takes="int"),
        Option("--at", N_("when it was recorded (default --now)"), takes="time"),
    ),
    closing_event=first_event,
    callback_source=CallbackSource("callback.event", 0.1, "11.1.5", title=N_("Community events"),
                                   households="households", role_of=lambda record: "culture_clerk",
                                   done_at=ended_at,
                                   plan_fields=lambda record: {k: record.get(k) for k in ("households",)
                                                               if record.get(k) is not None}),
    rule_labels={"callback.event": "社区活动回访"},
    summary_keys=("title",),
    labels=LABELS,
)
