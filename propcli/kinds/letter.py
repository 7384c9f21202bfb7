"""Open letters 公开信 (11.1.10): one issue raised by many residents answered at once, filed in the callback
archive; complete once recorded.

A letter naming complaints answers their callbacks (SPEC.md readings, 11.1.10): in the same commit, each
complaint's open callback (the first one, or the next one after a dissatisfied answer) is recorded as met
by the letter (`record`, method `letter`), which closes the complaint's loop (11.1.11) and counts for its
coverage (11.1.3). The letter keeps the ids of the callbacks it answered (`callbacks`)."""
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Change, Field, Kind, Option, first_event
from propcli.model import Record


def open_callbacks(session, complaint_ids, at) -> dict:
    """complaint id -> its callbacks not yet recorded (received by `at`), oldest first."""
    from propcli.kinds.callback import RECORDED

    found: dict = {record_id: [] for record_id in complaint_ids}
    for record in session.linked("callback", "source", list(complaint_ids), at):
        callback = record.as_of(at)
        if callback is not None and not callback.has(RECORDED):
            found.setdefault(callback.get("source"), []).append(callback)
    return found


def new_letter(session, subject=None, text=None, complaint_ids=(), at=None) -> Change:
    """An open letter 公开信 answering one issue raised by many (11.1.10), filed in the callback archive; it
    meets the open callbacks of the complaints it names (method `letter`), in one commit."""
    from types import MappingProxyType

    from propcli.ids import new_id
    from propcli.kinds.callback import LETTER, LETTER_ID, RECORDED, check_record
    from propcli.model import Event

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
    index = ledger.index.fresh()
    record_id = new_id("letter", received)
    while index.path_of(record_id) is not None:
        record_id = new_id("letter", received)
    answered = [c for callbacks in open_callbacks(session, linked,
                                                  received).values() for c in callbacks] if linked else []
    values = {"office": ledger.office, "subject": subject, "text": body, "complaints": linked,
              "archive": "回访档案", "callbacks": [c.id for c in answered]}
    letter = Record("letter", record_id, MappingProxyType(values),
                    (Event("new", received, session.actor, MappingProxyType({})),),
                    ledger.record_relpath("letter", record_id, received))
    data = {"method": LETTER, LETTER_ID: record_id}

    def validate(records):
        for callback in records.values():
            check_record(callback, LETTER, None, None)

    message = f"letter {record_id}: new\n\n{subject}\n\nRecord: {record_id}\nStep: new\n"
    if answered:
        message += "Answers: " + ", ".join(c.id for c in answered) + "\n"
    return Change(message=message, creates=(letter,), validate=validate,
                  appends=tuple((c.id, RECORDED, data, received) for c in answered))


def archive_line(letter: dict) -> tuple[str, dict]:
    """An open letter in the callback archive 《回访记录表》 (11.1.10): filed when recorded, with the complaints it
    answers and its text."""
    from propcli.kinds.paper import Sign, time_text

    answered = "、".join(letter.get("complaints") or [])
    return letter["received"], {
        "id": letter["id"], "at": time_text(letter["received"]), "method": "公开信",
        "who": f"相关投诉 {answered}" if answered else "", "subject": f"公开信（11.1.10）{letter.get('subject', '')}",
        "opinion": letter.get("text", ""), "by": letter["events"][0]["by"], "signature": Sign("")}


KIND = Kind(
    name="letter", zh="公开信", en="open letter", clause="11.1.10",
    help=N_("Open letters 公开信, filed in the callback archive (11.1.10); they answer the callbacks of the complaints "
            "they name."),
    fields=(Field("subject", "主题", "subject"), Field("text", "正文", "text"), Field("complaints", "相关投诉",
                                                                                      "complaints"),
            Field("callbacks", "答复的回访", "callbacks answered")),
    new=new_letter,
    new_help=N_("Record an open letter answering one issue raised by many residents; it meets the open callbacks of "
                "the complaints it names (11.1.10)."),
    new_options=(
        Option("--subject"),
        Option("--text"),
        Option("--complaints", N_("a complaint it answers (repeatable, or several ids separated by commas)"),
               takes="id", multiple=True, dest="complaint_ids"),
        Option("--at", N_("when it was recorded (default --now)"), takes="time"),
    ),
    closing_event=first_event,
    summary_keys=("subject",),
    archive_line=archive_line,
)
