"""Open letters 公开信 (11.1.10): one issue raised by many residents answered at once, filed in the callback
archive; complete once recorded."""
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Field, Kind, Option, first_event
from propcli.model import Record


def new_letter(session, subject=None, text=None, complaint_ids=(), at=None) -> Record:
    """An open letter 公开信 answering one issue raised by many (11.1.10), filed in the callback archive."""
    from propcli.store.unit import create

    ledger = session.ledger
    received = session.at(at)
    subject = fields.text(subject, "--subject", _("the letter's subject"))
    body = fields.text(text, "--text", _("the letter's text"))
    linked = []
    for value in complaint_ids or ():
        for part in str(value).replace(",", " ").split():
            record_id = ledger.resolve(part, "complaint", "--complaints")
            if record_id not in linked:
                linked.append(record_id)
    values = {"office": ledger.office, "subject": subject, "text": body, "complaints": linked,
              "archive": "回访档案"}
    return create(ledger, "letter", values, received, session.actor, session.now)


KIND = Kind(
    name="letter", prefix="L", zh="公开信", en="open letter", clause="11.1.10",
    help=N_("Open letters 公开信, filed in the callback archive (11.1.10)."),
    fields=(Field("subject", "主题", "subject"), Field("text", "正文", "text"), Field("complaints", "相关投诉", "complaints")),
    new=new_letter,
    new_help=N_("Record an open letter answering one issue raised by many residents."),
    new_options=(
        Option("--subject"),
        Option("--text"),
        Option("--complaints", N_("a complaint it answers (repeatable, or several ids separated by commas)"),
               takes="id", multiple=True, dest="complaint_ids"),
        Option("--at", N_("when it was recorded (default --now)"), takes="time"),
    ),
    closing_event=first_event,
    summary_keys=("subject",),
)
