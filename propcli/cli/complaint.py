"""`propcli complaint|callback|event|letter …`: complaints (8.6, 8.7.1), callbacks (11), events (11.1.5),
open letters (11.1.10). Thin click commands: parse, call one service function, render."""
import click

from propcli.cli import format_option, session_of, step_command
from propcli.i18n import _


@click.group()
def complaint():
    """Complaints 投诉 and the 《客户投诉登记表》 (8.6, 8.7.1)."""


@complaint.command("new")
@click.option("--name", help=_("the complainant's name"))
@click.option("--phone")
@click.option("--address", help=_("building and unit, e.g. 3栋0301"))
@click.option("--detail", help=_("what the complaint is about"))
@click.option("--severity", type=click.Choice(["general", "important", "major"]), default="general",
              show_default=True, help=_("decides who calls back (11.1.3)"))
@click.option("--anonymous", is_flag=True, help=_("no callback needed (11.1.13); name, phone, address optional"))
@click.option("--channel", type=click.Choice(["来电", "来访", "信函", "上级转办"]), help=_("投诉方式 (default 来电)"))
@click.option("--written-reply-only", is_flag=True,
              help=_("forwarded by a higher authority wanting only a written reply 复函: no callback (11.1.13)"))
@click.option("--at", metavar="DATETIME", help=_("when the complaint was received (default --now)"))
@format_option()
@click.pass_context
def complaint_new(ctx, fmt, **options):
    """Register a complaint."""
    from propcli.cli import render
    from propcli.app.complaint_service import new_complaint

    render.record(new_complaint(session_of(ctx), **options), fmt)


def _complaint_step(step: str, doc: str, *options):
    step_command(complaint, step, doc, "complaint_service:complaint_step", *options)


_complaint_step("reply", _("The complainant was answered (the reply is kept with the complaint, 11.1.13)."),
                click.option("--note", help=_("the reply given")))
_complaint_step("assign", _("Routed to the responsible department or person."),
                click.option("--to", metavar="DEPARTMENT", help=_("department or person, e.g. 工程部")))
_complaint_step("handle", _("Handling finished 处理完毕: starts the 3-day callback window (11.1.3)."),
                click.option("--outcome", help=_("处理措施及结果")))
_complaint_step("merge", _("The same complainant's complaint about the same issue: recorded once (11.1.12)."),
                click.option("--into", metavar="ID", help=_("the complaint this one duplicates")))
_complaint_step("close", _("Close a handled complaint."), click.option("--note"))


@click.group()
def event():
    """Community events 文体活动, the source of event callbacks (11.1.5)."""


@event.command("new")
@click.option("--title", help=_("the event's name"))
@click.option("--ended", metavar="DATETIME", help=_("when it ended (starts the 1-month callback window)"))
@click.option("--households", type=int, help=_("participating households"))
@click.option("--at", metavar="DATETIME", help=_("when it was recorded (default --now)"))
@format_option()
@click.pass_context
def event_new(ctx, fmt, **options):
    """Record a community event."""
    from propcli.cli import render
    from propcli.app.complaint_service import new_event

    render.record(new_event(session_of(ctx), **options), fmt)


@click.group()
def letter():
    """Open letters 公开信, filed in the callback archive (11.1.10)."""


@letter.command("new")
@click.option("--subject")
@click.option("--text")
@click.option("--complaints", "complaint_ids", multiple=True, metavar="ID",
              help=_("a complaint it answers (repeatable, or several ids separated by commas)"))
@click.option("--at", metavar="DATETIME")
@format_option()
@click.pass_context
def letter_new(ctx, fmt, subject, text, complaint_ids, at):
    """Record an open letter answering one issue raised by many residents."""
    from propcli.cli import render
    from propcli.app.complaint_service import new_letter

    render.record(new_letter(session_of(ctx), subject, text, complaint_ids, at), fmt)


@click.group()
def callback():
    """Callbacks 回访 (11): the monthly plan, the callback made, the agreed reply."""


PLAN_COLUMNS = ["id", "source", "source_kind", "source_done", "role", "method_hint", "due"]


@callback.command("plan")
@click.option("--month", metavar="YYYY-MM", help=_("the month whose handled complaints, completed repairs and ended events are planned"))
@format_option()
@click.pass_context
def callback_plan(ctx, month, fmt):
    """Plan a callback for every complaint handled, repair completed and event ended in the month (11.1.2)."""
    from propcli.cli import render
    from propcli.app.callback_service import plan

    render.rows(plan(session_of(ctx), month), fmt, PLAN_COLUMNS)


@callback.command("record")
@click.argument("record_id", metavar="ID")
@click.option("--method", type=click.Choice(["visit", "phone"]), help=_("visit (上门, needs --signature) or phone (电话回访)"))
@click.option("--result", type=click.Choice(["satisfied", "dissatisfied"]))
@click.option("--signature", metavar="NAME", help=_("the customer's signature (in person, 11.1.7)"))
@click.option("--note", help=_("the customer's opinion"))
@click.option("--rectification", help=_("what is to be fixed when dissatisfied (11.2.3)"))
@click.option("--reply-by", metavar="DATETIME", help=_("agreed reply time for something not answerable at once (11.1.9)"))
@click.option("--at", metavar="DATETIME", help=_("when the callback was made (default --now)"))
@format_option()
@click.pass_context
def callback_record(ctx, record_id, fmt, **options):
    """Record a planned callback as made."""
    from propcli.cli import render
    from propcli.app.callback_service import record_callback
    from propcli.errors import BadInput

    for name in ("method", "result"):
        if not options.get(name):
            raise BadInput(_("--{name}: missing; expected {values}", name=name,
                             values="visit|phone" if name == "method" else "satisfied|dissatisfied"))
    render.record(record_callback(session_of(ctx), record_id, **options), fmt)


@callback.command("reply")
@click.argument("record_id", metavar="ID")
@click.option("--note", help=_("the reply given"))
@click.option("--at", metavar="DATETIME")
@format_option()
@click.pass_context
def callback_reply(ctx, record_id, note, at, fmt):
    """The agreed reply was given (11.1.9)."""
    from propcli.cli import render
    from propcli.app.callback_service import reply

    render.record(reply(session_of(ctx), record_id, note, at), fmt)
