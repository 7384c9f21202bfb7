"""The desk's reading commands: overdue (and its mail), explain, stats, form."""
import sys

import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.errors import BadInput, ProblemsFound
from propcli.i18n import _


@click.command(cls=DeclaredCommand,
               example="propcli overdue --within 15m --mail-to desk@example.com --smtp smtp://localhost:25")
@click.option("--within", metavar="DURATION", help=_("also list deadlines falling due within this time, e.g. 15m"))
@click.option("--kind")
@click.option("--role", help=_("responsible role key"))
@click.option("--assignee", metavar="NAME")
@click.option("--check", "check_", is_flag=True, help=_("exit 1 when anything is overdue"))
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help=_("only the N most overdue"))
@click.option("--mail-to", "mail_to", multiple=True, metavar="ADDR", help=_("mail the digest (repeatable)"))
@click.option("--smtp", metavar="URL", help=_("smtp://host:port (STARTTLS when offered) or smtps://host:port"))
@click.option("--notify", "notify", multiple=True, metavar="URL",
              help=_("also post the digest to a chat group: wecom://KEY (企业微信) or dingtalk://TOKEN[?secret=S] "
                     "(钉钉); repeatable"))
@format_option()
@click.pass_context
def overdue(ctx, within, kind, role, assignee, check_, limit, mail_to, smtp, notify, fmt):
    """Open deadlines past due, most late first."""
    from propcli.cli import render
    from propcli.app.overdue import overdue as run_overdue

    session = session_of(ctx)
    sent: list[str] = []
    if mail_to or smtp or notify:
        from propcli.app.overdue import send_overdue

        data, sent, failure = send_overdue(session, within, kind, role, assignee, list(mail_to), smtp, list(notify))
        if failure is not None:
            render.lines(sent, err=True)
            raise failure
    elif fmt == "json":  # written by the index (thousands of rows: issue 21)
        from propcli.app.overdue import overdue_json

        lines, late = overdue_json(session, within, kind, role, assignee, first=limit)
        render.lines(session.ledger.index.damaged_warnings(), err=True)
        render.json_lines(lines)
        if check_ and late:
            raise ProblemsFound("")
        return
    else:
        data = run_overdue(session, within, kind, role, assignee, first=limit)
    if limit:  # (the mail and the chat digest hold every late deadline; --limit shortens what is printed)
        data = data[:limit]
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.overdue(data, fmt)
    for line in sent:  # after the list: a list that cannot be written is then the one line of its refusal
        click.echo(line, err=True)
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


@click.command(cls=DeclaredCommand, example="propcli stats 2026-11 -f html -o 月报-2026-11.html")
@click.argument("month", metavar="YYYY-MM")
@format_option("html", "pdf", "md")
@click.pass_context
def stats(ctx, month, fmt):
    """Monthly statistics: requests, repairs (fees, on-time shares), complaints, callbacks; -f html|pdf: the monthly report."""  # noqa: E501 (the help text is the catalogue's msgid)
    from propcli.cli import render

    session = session_of(ctx)
    if fmt in ("html", "pdf"):
        from propcli.app.report import monthly_report

        data = monthly_report(session, month, fmt)
        render.lines(session.ledger.index.damaged_warnings(), err=True)
        _emit(data, ctx.meta.get("propcli.output"))
        return
    from propcli.app.stats import month_stats

    data = month_stats(session, month)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.stats(data, fmt)


def _emit(data, output) -> None:
    """A document (str, or bytes for PDF) to -o FILE or stdout; PDF is never sent to a terminal."""
    if output:
        from propcli.store.output import write_output

        write_output(output, data)
    elif isinstance(data, bytes):
        stream = sys.stdout.buffer  # (click.get_binary_stream is deprecated, gone in click 9)
        if stream.isatty():
            raise BadInput(_("-o: a PDF is not printed on a terminal; give -o FILE or redirect stdout"))
        stream.write(data)
        stream.flush()
    else:
        click.echo(data, nl=False)


class FormCommand(DeclaredCommand):
    """`form --help` lists every form the kinds declare (the seven of CLI.md among them)."""

    def format_help_text(self, ctx, formatter):
        from propcli.app.forms import form_names

        super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text(_("Forms: {names}", names=", ".join(form_names())))


@click.command(cls=FormCommand, example="propcli form repair-order R-6K2M9Q7XF4 -f html -o 维修单.html")
@click.argument("name")
@click.argument("record_id", metavar="[ID|YYYY-MM]", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "html", "pdf", "xlsx"]), default="text",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help=_("write to FILE instead of the terminal"))
@click.option("--blank", is_flag=True, help=_("a blank form, for paper-first work (the default without ID)"))
@click.option("--count", type=int, metavar="N",
              help=_("repair-order: reserve N form numbers in the ledger and print them"))
@click.option("--book", metavar="NAME", help=_("the book the numbers are taken from (default: OFFICE-YEAR)"))
@click.pass_context
def form(ctx, name, record_id, fmt, output, blank, count, book):
    """Print a paper form (blank without ID): repair-order, public-inspection, paid-service YYYY-MM, …"""
    from propcli.app.forms import render_form

    if blank and record_id:
        raise BadInput(_("--blank: a blank form takes no ID"))
    from propcli.store.output import check_output

    check_output(output)  # before anything is written (pre-numbered forms reserve their numbers)
    if fmt == "xlsx":  # a register as a workbook (issue 10.6)
        from propcli.app.xlsx import write_register

        if not output:
            raise BadInput(_("-o: -f xlsx writes a file; give -o FILE, e.g. -o list.xlsx"))
        write_register(session_of(ctx), name, record_id, output)
        return
    _emit(render_form(session_of(ctx), name, record_id, fmt, count, book), output)
