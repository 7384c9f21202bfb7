"""`propcli sync`, `propcli clone URL PATH`, `propcli resolve ID`: several desks on one ledger (issue 12)."""
import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.cli.kinds import DeskTime
from propcli.i18n import _


@click.command(cls=DeclaredCommand, example="propcli --as cron sync")
@click.option("--remote", metavar="NAME",
              help=_("the git remote to sync with (default: sync.remote in propcli.yaml, else origin)"))
@click.pass_context
def sync(ctx, remote):
    """Fetch the other desks' work, merge it, and send this desk's: one line of summary.

    Exit 1 while a record has a conflict (listed on stderr, as check lists it); exit 3 when the remote
    cannot be reached or refuses the push, with everything local kept and committed, or when the remote would
    bring in a rewritten record or merge settings (nothing merged, nothing pushed)."""
    from propcli.app.sync import HistoryRefused
    from propcli.app.sync import sync as run_sync
    from propcli.errors import ProblemsFound

    try:
        report = run_sync(session_of(ctx), remote)
    except HistoryRefused as refused:  # every rewrite on stderr, as `check --history` lists them; exit 3
        for line in refused.problems:
            click.echo(line, err=True)
        raise
    for line in report.warnings + report.problems + report.conflicts:
        click.echo(line, err=True)
    click.echo(report.summary())
    if report.conflicts or report.problems:
        raise ProblemsFound("")


@click.command(cls=DeclaredCommand, example="propcli clone /mnt/share/propcli/hy01.git /srv/propcli/hy01")
@click.argument("url")
@click.argument("path")
def clone(url, path):
    """Make a working ledger at PATH from the office's shared repository URL (index built, merge driver set)."""
    from propcli.app.sync import clone as run_clone

    target, count = run_clone(url, path)
    click.echo(_("ledger cloned at {path}: {count} record files indexed", path=target, count=count))


@click.command(cls=DeclaredCommand, example="propcli resolve R-6K2M9Q7XF4 --field name --value 张三丰")
@click.argument("record_id", metavar="ID")
@click.option("--field", "field_name", metavar="FIELD",
              help=_("the field in conflict (may be left out when there is one)"))
@click.option("--value", required=True, metavar="VALUE", help=_("the value the field keeps"))
@click.option("--at", metavar="DATETIME", type=DeskTime(), help=_("when it was settled (default --now)"))
@format_option()
@click.pass_context
def resolve(ctx, record_id, field_name, value, at, fmt):
    """Settle a field two desks changed differently (check lists it); the record takes changes again."""
    from propcli.app.sync import resolve as run_resolve
    from propcli.cli import render

    render.record(run_resolve(session_of(ctx), record_id, field_name, value, at), fmt)
