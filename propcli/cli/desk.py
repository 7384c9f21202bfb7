"""The desk's reading commands: overdue (and its mail), explain, stats, form."""
import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.errors import ProblemsFound
from propcli.i18n import _


@click.command(cls=DeclaredCommand, example="propcli overdue --within 15m --mail-to desk@example.com --smtp smtp://localhost:25")
@click.option("--within", metavar="DURATION", help=_("also list deadlines falling due within this time, e.g. 15m"))
@click.option("--kind")
@click.option("--role", help=_("responsible role key"))
@click.option("--assignee", metavar="NAME")
@click.option("--check", "check_", is_flag=True, help=_("exit 1 when anything is overdue"))
@click.option("--mail-to", "mail_to", multiple=True, metavar="ADDR", help=_("mail the digest (repeatable)"))
@click.option("--smtp", metavar="URL", help=_("smtp://host:port (STARTTLS when offered) or smtps://host:port"))
@format_option()
@click.pass_context
def overdue(ctx, within, kind, role, assignee, check_, mail_to, smtp, fmt):
    """Open deadlines past due, most late first."""
    from propcli.cli import render
    from propcli.app.overdue import overdue as run_overdue

    session = session_of(ctx)
    sent = None
    if mail_to or smtp:
        from propcli.app.overdue import mail_overdue

        data, sent = mail_overdue(session, within, kind, role, assignee, list(mail_to), smtp)
    else:
        data = run_overdue(session, within, kind, role, assignee)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.overdue(data, fmt)
    if sent:  # after the list: a list that cannot be written is then the one line of its refusal
        click.echo(sent, err=True)
    if check_:
        from propcli.app.overdue import any_late

        if any_late(session, data):
            raise ProblemsFound("")


@click.command(cls=DeclaredCommand, example="propcli explain R-6K2M9Q7XF4")
@click.argument("record_id", metavar="ID")
@format_option()
@click.pass_context
def explain(ctx, record_id, fmt):
    """A record's timeline against every rule that applies, citing clauses."""
    from propcli.cli import render
    from propcli.app.overdue import explain as run_explain

    render.explain(run_explain(session_of(ctx), record_id), fmt)


@click.command(cls=DeclaredCommand, example="propcli stats 2026-11 -f json")
@click.argument("month", metavar="YYYY-MM")
@format_option("html")
@click.pass_context
def stats(ctx, month, fmt):
    """Monthly statistics: requests, repairs (fees, on-time shares), complaints, callbacks."""
    from propcli.cli import render
    from propcli.app.stats import month_stats

    session = session_of(ctx)
    data = month_stats(session, month)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.stats(data, fmt)


class FormCommand(DeclaredCommand):
    """`form --help` lists every form, the seven of CLI.md and those the kinds declare."""

    def format_help_text(self, ctx, formatter):
        from propcli.app.forms import form_names

        super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text(_("Forms: {names}", names=", ".join(form_names())))


@click.command(cls=FormCommand, example="propcli form repair-order R-6K2M9Q7XF4 -f html -o 维修单.html")
@click.argument("name")
@click.argument("record_id", metavar="[ID]", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "html", "xlsx"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help=_("write to FILE instead of the terminal"))
@click.pass_context
def form(ctx, name, record_id, fmt, output):
    """Print a paper form (blank without ID): repair-order, public-inspection, paid-service YYYY-MM, …"""
    from propcli.app.forms import render_form

    if fmt == "xlsx":  # a register as a workbook (issue 10.6)
        from propcli.app.xlsx import write_register
        from propcli.errors import BadInput

        if not output:
            raise BadInput(_("-o: -f xlsx writes a file; give -o FILE, e.g. -o list.xlsx"))
        write_register(session_of(ctx), name, record_id, output)
        return

    text = render_form(session_of(ctx), name, record_id, fmt)
    if output:
        from propcli.store.output import write_output

        write_output(output, text)
    else:
        click.echo(text, nl=False)
