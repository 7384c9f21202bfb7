"""`propcli request …` (求助, 9.4) and `propcli call …` (来电记录, 8.7.2): the commands of CLI.md."""
import click

from propcli.cli import format_option, session_of, step_command
from propcli.i18n import _

CATEGORY_HELP = "medical|repair|complaint|enquiry|security|disaster|other"


@click.group()
def request():
    """Help requests 求助 (9.4): reply within 10 minutes, escalate, route, medical emergencies."""


@request.command("new")
@click.option("--category", metavar="CATEGORY", help=CATEGORY_HELP + " (9.4.1-1)")
@click.option("--name", help=_("the customer's name"))
@click.option("--phone")
@click.option("--address", help=_("building and unit, e.g. 3栋0301"))
@click.option("--detail", metavar="TEXT", help=_("what help is asked for"))
@click.option("--major", is_flag=True, help=_("a major emergency: the manager is told at once (9.4.2-2)"))
@click.option("--at", metavar="DATETIME", help=_("when the request was received (default --now)"))
@format_option()
@click.pass_context
def request_new(ctx, fmt, **options):
    """Record a help request; the customer gets a reply within 10 minutes (9.4.1-2)."""
    from propcli.cli import render
    from propcli.app.request_service import new_request

    from propcli.kinds.request import reminders

    data = new_request(session_of(ctx), **options)
    render.record(data, fmt)
    render.lines(reminders(data), err=True)


def _step_command(step: str, doc: str, *options):
    step_command(request, step, doc, "request_service:request_step", *options)


_NOTE = click.option("--note", metavar="TEXT")
_step_command("reply", _("The customer got an answer (9.4.1-2: at once, else within 10 minutes)."), _NOTE)
_step_command("escalate", _("Reported to a role: the property director (9.4.1-2), the manager (9.4.2-2), ..."),
              click.option("--to", metavar="ROLE", help=_("a role key of SPEC.md, e.g. property_director")), _NOTE)
_step_command("route", _("Hand over to the repair (9.4.5) or complaint (9.4.4) procedure; a repair is created, linked."),
              click.option("--to", metavar="repair|complaint"), _NOTE)
_step_command("medical", _("Medical emergency: the way of help chosen and its checklist (9.4.2)."),
              click.option("--way", metavar="escort|ambulance|care"),
              click.option("--action", metavar="TEXT", help=_("a checklist step done")), _NOTE)
_step_command("close", _("The request is settled; --outcome records how (9.4.1-2, 9.4.2)."),
              click.option("--outcome", metavar="TEXT"))


@click.group()
def call():
    """The call log 《客户来电记录表》 (8.7.2)."""


@call.command("new")
@click.option("--name", help=_("the caller"))
@click.option("--phone")
@click.option("--address", help=_("building and unit (房号)"))
@click.option("--reason", metavar="TEXT", help=_("why the customer called (来电事由)"))
@click.option("--category", metavar="CATEGORY", help=CATEGORY_HELP)
@click.option("--handled", metavar="TEXT", help=_("how it was handled (处理情况)"))
@click.option("--record", metavar="ID", help=_("the record the call became (转办)"))
@click.option("--note", metavar="TEXT", help=_("remarks (备注)"))
@click.option("--at", metavar="DATETIME", help=_("when the call came in (default --now)"))
@format_option()
@click.pass_context
def call_new(ctx, fmt, **options):
    """Record a call in the call log."""
    from propcli.cli import render
    from propcli.app.request_service import new_call

    render.record(new_call(session_of(ctx), **options), fmt)
