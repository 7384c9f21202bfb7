"""Amending the register: correct (更正), undo (撤销), void (作废) — events, never edits (CLI.md "Correcting the
register"; propcli/app/amending.py)."""
import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.i18n import _


@click.command(cls=DeclaredCommand,
               example="propcli correct R-6K2M9Q7XF4 --set phone=13800138000 --reason 登记时电话号码输错")
@click.argument("record_id", metavar="ID")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help=_("the field as it should read (repeatable); checked as at intake"))
@click.option("--reason", metavar="TEXT", help=_("why (required)"))
@click.option("--at", metavar="DATETIME", help=_("when the correction was made (default --now)"))
@format_option()
@click.pass_context
def correct(ctx, record_id, sets, reason, at, fmt):
    """Correct a field typed wrong at intake (更正), as an event keeping the old value."""
    from propcli.app.amending import correct as run
    from propcli.app.services import show
    from propcli.cli import render

    session = session_of(ctx)
    render.record(show(session, run(session, record_id, sets, reason, at)), fmt)


@click.command(cls=DeclaredCommand, example="propcli undo R-6K2M9Q7XF4 --reason 误点了完成")
@click.argument("record_id", metavar="ID")
@click.option("--reason", metavar="TEXT", help=_("why (required)"))
@format_option()
@click.pass_context
def undo(ctx, record_id, reason, fmt):
    """Withdraw the record's last step (撤销); the step stays on record, marked withdrawn."""
    from propcli.app.amending import undo as run
    from propcli.app.services import show
    from propcli.cli import render

    session = session_of(ctx)
    render.record(show(session, run(session, record_id, reason)), fmt)


@click.command(cls=DeclaredCommand, example="propcli void R-6K2M9Q7XF4 --reason 重复登记")
@click.argument("record_id", metavar="ID")
@click.option("--reason", metavar="TEXT", help=_("why (required)"))
@format_option()
@click.pass_context
def void(ctx, record_id, reason, fmt):
    """Void a record entered by mistake or twice (作废; a director or the manager)."""
    from propcli.app.amending import void as run
    from propcli.app.services import show
    from propcli.cli import render

    session = session_of(ctx)
    render.record(show(session, run(session, record_id, reason)), fmt)
