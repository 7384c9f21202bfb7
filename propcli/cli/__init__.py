"""The command line: each command parses options, calls one library function, hands the result
to one renderer. Errors are caught in one place (PropcliGroup.invoke) and mapped to exit codes."""
import sys

import click

from propcli.errors import BadInput, PropcliError, ProblemsFound
from propcli.i18n import _

FORMATS = ("table", "json", "csv")


class PropcliGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PropcliError as error:
            if ctx.obj is not None and ctx.obj.debug and not isinstance(error, ProblemsFound):
                raise
            if error.message:
                click.echo(f"propcli: {error.message}", err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as error:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            click.echo(_("propcli: internal error ({kind}: {error}); please report it, with --debug for the traceback",
                         kind=type(error).__name__, error=error), err=True)
            ctx.exit(4)


def format_option(*extra):
    return click.option("-f", "--format", "fmt", type=click.Choice(FORMATS + extra), default="table",
                        show_default=True, help=_("output format"))


def session_of(ctx):
    return ctx.find_root().obj


def step_command(group, step: str, doc: str, service: str, *options):
    """`propcli GROUP STEP ID [--at] [options]`: one event on a record, through `service`
    ("module:function", imported when the command runs), printed as `show` prints the record."""
    module_name, function_name = service.split(":")

    @click.argument("record_id", metavar="ID")
    @click.option("--at", metavar="DATETIME", help=_("when it happened (default --now)"))
    @format_option()
    @click.pass_context
    def command(ctx, record_id, at, fmt, **values):
        from importlib import import_module

        from propcli.cli import render

        run = getattr(import_module(f"propcli.app.{module_name}"), function_name)
        render.record(run(session_of(ctx), record_id, step, at, **values), fmt)

    command.__doc__ = doc
    for option in reversed(options):
        command = option(command)
    group.command(step)(command)


@click.group(cls=PropcliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--ledger", envvar="PROPCLI_LEDGER", metavar="PATH", help=_("the ledger folder (default: nearest propcli.yaml upwards)"))
@click.option("--now", envvar="PROPCLI_NOW", metavar="DATETIME", help=_("the clock for this command, ISO 8601"))
@click.option("--as", "actor", envvar="PROPCLI_USER", metavar="NAME", help=_("the staff member acting"))
@click.option("--debug", is_flag=True, help=_("show tracebacks"))
@click.version_option(package_name="propcli", prog_name="propcli")
@click.pass_context
def cli(ctx, ledger, now, actor, debug):
    """propcli: the customer-service ledger of a property-management office."""
    from propcli.app.session import Session

    ctx.obj = Session(ledger, now, actor, debug)


@cli.command()
@click.argument("path")
@click.option("--office", metavar="CODE", help=_("office code"))
@click.option("--timezone", metavar="TZ", help=_("IANA timezone (default Asia/Shanghai)"))
def init(path, office, timezone):
    """Make an empty ledger at PATH (its own git repository)."""
    from propcli.app.services import init_ledger

    click.echo(_("ledger created at {path}", path=init_ledger(path, office, timezone)))


@cli.command()
@click.argument("path", required=False, default="propcli-demo")
@click.pass_context
def demo(ctx, path):
    """Build a demo ledger with a month of activity and show what is open and late."""
    from propcli.app.demo import build_demo, render_demo

    render_demo(build_demo(session_of(ctx), path))


@cli.command()
@click.pass_context
def check(ctx):
    """Validate every file against the schema and the policy (path:line: message)."""
    from propcli.cli.render import lines
    from propcli.app.services import check as run_check

    problems = run_check(session_of(ctx))
    lines(problems)
    if problems:
        raise ProblemsFound(_("{count} problem(s) found", count=len(problems)))
    click.echo(_("ledger OK"), err=True)


@cli.command()
@click.pass_context
def reindex(ctx):
    """Rebuild the SQLite index from every record file."""
    from propcli.app.services import reindex as run_reindex

    def progress(paths):
        with click.progressbar(paths, label=_("indexing"), file=sys.stderr) as bar:
            yield from bar

    click.echo(_("{count} record files indexed", count=run_reindex(session_of(ctx), progress)))


@cli.command()
@click.argument("record_id", metavar="ID")
@click.option("--history", is_flag=True, help=_("also list the git commits of this record"))
@format_option()
@click.pass_context
def show(ctx, record_id, history, fmt):
    """One record with its events and deadlines."""
    from propcli.cli import render
    from propcli.app.services import show as run_show

    render.record(run_show(session_of(ctx), record_id, history), fmt)


@cli.command("list")
@click.option("--kind", type=click.Choice(["call", "request", "repair", "complaint", "callback", "letter", "patrol", "event"]))
@click.option("--status", metavar="STEP")
@click.option("--month", metavar="YYYY-MM")
@click.option("--open", "open_only", is_flag=True, help=_("only open records"))
@format_option()
@click.pass_context
def list_(ctx, kind, status, month, open_only, fmt):
    """Records, oldest first."""
    from propcli.cli import render
    from propcli.app.services import list_records

    session = session_of(ctx)
    data = list_records(session, kind, status, month, open_only)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.records(data, fmt)


@cli.command()
@click.argument("record_id", metavar="ID", required=False)
@format_option()
@click.pass_context
def log(ctx, record_id, fmt):
    """The audit trail: git commits, of the ledger or of one record."""
    from propcli.cli import render
    from propcli.app.services import log as run_log

    render.rows(run_log(session_of(ctx), record_id), fmt, ["commit", "date", "author", "subject"])


@cli.command()
@click.argument("record_id", metavar="ID")
@click.argument("text")
@click.option("--at", metavar="DATETIME")
@format_option()
@click.pass_context
def note(ctx, record_id, text, at, fmt):
    """Add a remark to any record, as an event."""
    from propcli.cli import render
    from propcli.app.services import note as run_note

    render.record(run_note(session_of(ctx), record_id, text, at), fmt)


@cli.command()
@click.option("--kind")
@click.option("--month", metavar="YYYY-MM")
@click.pass_context
def export(ctx, kind, month):
    """JSON Lines on stdout, one record a line (as show -f json)."""
    import json

    from propcli.app.services import export_records

    data, warnings = export_records(session_of(ctx), kind, month)
    for record in data:
        click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    for warning in warnings:
        click.echo(warning, err=True)
    if warnings:
        raise ProblemsFound("")


@cli.command("import")
@click.argument("file", metavar="FILE")
@click.pass_context
def import_(ctx, file):
    """Import JSON Lines or CSV (header row) in one commit; nothing on any bad line."""
    from propcli.app.services import import_file

    ids = import_file(session_of(ctx), file)
    click.echo(_("{count} records imported", count=len(ids)))


@cli.command()
@format_option()
@click.pass_context
def prices(ctx, fmt):
    """The price list 有偿维修收费标准."""
    from propcli.cli import render
    from propcli.app.services import prices as run_prices

    render.rows(run_prices(session_of(ctx)), fmt, ["code", "name", "price", "unit"])


@cli.command()
@format_option()
@click.pass_context
def staff(ctx, fmt):
    """The staff roster: names and roles."""
    from propcli.cli import render
    from propcli.app.services import staff as run_staff

    render.rows(run_staff(session_of(ctx)), fmt, ["name", "role", "email", "phone"])


@cli.command()
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
    if mail_to or smtp:
        from propcli.app.overdue import mail_overdue

        data, sent = mail_overdue(session, within, kind, role, assignee, list(mail_to), smtp)
        click.echo(sent, err=True)
    else:
        data = run_overdue(session, within, kind, role, assignee)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.overdue(data, fmt)
    if check_:
        from propcli.app.overdue import any_late

        if any_late(session, data):
            raise ProblemsFound("")


@cli.command()
@click.argument("record_id", metavar="ID")
@format_option()
@click.pass_context
def explain(ctx, record_id, fmt):
    """A record's timeline against every rule that applies, citing clauses."""
    from propcli.cli import render
    from propcli.app.overdue import explain as run_explain

    render.explain(run_explain(session_of(ctx), record_id), fmt)


@cli.command()
@click.argument("month", metavar="YYYY-MM")
@format_option("html", "pdf")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False, writable=True),
              help=_("write the report (html, pdf) to FILE"))
@click.pass_context
def stats(ctx, month, fmt, output):
    """Monthly statistics: requests, repairs (fees, on-time shares), complaints, callbacks; -f html|pdf: the monthly report."""
    from propcli.cli import render

    session = session_of(ctx)
    if fmt in ("html", "pdf"):
        from propcli.app.report import monthly_report

        data = monthly_report(session, month, fmt)
        render.lines(session.ledger.index.damaged_warnings(), err=True)
        _emit(data, output)
        return
    if output:
        raise BadInput(_("-o: FILE is for -f html or -f pdf; other formats print on stdout"))
    from propcli.app.stats import month_stats

    data = month_stats(session, month)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.stats(data, fmt)


def _emit(data, output) -> None:
    """A document (str, or bytes for PDF) to -o FILE or stdout; PDF is never sent to a terminal."""
    if output:
        from pathlib import Path

        if isinstance(data, bytes):
            Path(output).write_bytes(data)
        else:
            Path(output).write_text(data, encoding="utf-8")
    elif isinstance(data, bytes):
        stream = click.get_binary_stream("stdout")
        if stream.isatty():
            raise BadInput(_("-o: a PDF is not printed on a terminal; give -o FILE or redirect stdout"))
        stream.write(data)
        stream.flush()
    else:
        click.echo(data, nl=False)


@cli.command()
@click.argument("name")
@click.argument("record_id", metavar="[ID|YYYY-MM]", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "html", "pdf"]), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False, writable=True))
@click.option("--blank", is_flag=True, help=_("a blank form, for paper-first work (the default without ID)"))
@click.option("--count", type=int, metavar="N", help=_("repair-order: reserve N form numbers in the ledger and print them"))
@click.option("--book", metavar="NAME", help=_("the book the numbers are taken from (default: OFFICE-YEAR)"))
@click.pass_context
def form(ctx, name, record_id, fmt, output, blank, count, book):
    """Print a paper form (blank without ID): repair-order, public-inspection, paid-service YYYY-MM, …"""
    from propcli.app.forms import render_form

    if blank and record_id:
        raise BadInput(_("--blank: a blank form takes no ID"))
    _emit(render_form(session_of(ctx), name, record_id, fmt, count, book), output)


@cli.command("merge-driver", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
def merge_driver(base, ours, theirs):
    """git merge driver for record files (set up by the first command in a ledger)."""
    from propcli.store.merge import merge_record_files

    if not merge_record_files(base, ours, theirs):
        raise ProblemsFound(_("conflicting field changes in {path}; resolve by hand", path=ours))


from propcli.cli.patrol import patrol  # noqa: E402
from propcli.cli.repair import repair  # noqa: E402

cli.add_command(repair)
cli.add_command(patrol)

from propcli.cli.request import request, call  # noqa: E402

cli.add_command(request)
cli.add_command(call)


def main(argv=None):
    cli.main(args=argv, prog_name="propcli")


if __name__ == "__main__":
    main()

from propcli.cli.complaint import callback, complaint, event, letter  # noqa: E402

cli.add_command(complaint)
cli.add_command(callback)
cli.add_command(event)
cli.add_command(letter)
