"""`propcli patrol …`: daily rounds and their findings (12)."""
import click

from propcli.cli import format_option, session_of
from propcli.i18n import _


@click.group()
def patrol():
    """Daily patrol rounds 巡查 (12)."""


@patrol.command("new")
@click.option("--area", help=_("the area patrolled"))
@click.option("--finding", multiple=True, help=_("a finding (repeatable)"))
@click.option("--at", metavar="DATETIME")
@format_option()
@click.pass_context
def patrol_new(ctx, area, finding, at, fmt):
    """Record a patrol round and its findings."""
    from propcli.cli import render
    from propcli.app.patrol_service import new_patrol

    render.record(new_patrol(session_of(ctx), area, finding, at), fmt)


@patrol.command("repair")
@click.argument("record_id", metavar="ID")
@click.option("--finding", type=int, required=True, help=_("the finding's number, from 1"))
@click.option("--location", help=_("where (default: the patrol's area)"))
@click.option("--at", metavar="DATETIME")
@format_option()
@click.pass_context
def patrol_repair(ctx, record_id, finding, location, at, fmt):
    """Turn a finding into a public-facility repair (10.4.2), linked both ways."""
    from propcli.cli import render
    from propcli.app.patrol_service import repair_from_finding

    render.record(repair_from_finding(session_of(ctx), record_id, finding, location, at), fmt)
