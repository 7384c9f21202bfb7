"""`propcli doctor`: the ledger's health end to end, and what to do (exit 1 when anything is a problem)."""
import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.errors import ProblemsFound
from propcli.i18n import _


@click.command(cls=DeclaredCommand, example="propcli doctor")
@format_option()
@click.pass_context
def doctor(ctx, fmt):
    """Check git, locks, the index, policy, staff, calendar, the merge driver and git objects; repairs nothing."""
    from propcli.app.doctor import diagnose, has_problems
    from propcli.cli import render

    session = session_of(ctx)
    now = session._given_now if session.now_text else None
    rows = diagnose(session.ledger_path, now)
    render.rows(rows, fmt, ["check", "status", "detail", "action"])
    if has_problems(rows):
        raise ProblemsFound(_("{count} problem(s) found", count=sum(r["status"] == "problem" for r in rows)))
