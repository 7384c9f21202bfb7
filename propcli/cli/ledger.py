"""Ledger-wide commands: init, upgrade, demo, check, reindex, show, list, log, note, export, import, prices, staff."""

import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.cli.kinds import DeskTime
from propcli.errors import ProblemsFound
from propcli.i18n import _


class KindChoice(click.Choice):
    """`--kind`: one of the kinds registered when the option is read (a kind added by `kinds.add` too)."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        from propcli import kinds

        return kinds.NAMES

    @choices.setter
    def choices(self, value):
        pass


@click.command(cls=DeclaredCommand, example="propcli init /srv/ledger --office HY01")
@click.argument("path")
@click.option("--office", metavar="CODE", help=_("office code"))
@click.option("--timezone", metavar="TZ", help=_("IANA timezone (default Asia/Shanghai)"))
def init(path, office, timezone):
    """Make an empty ledger at PATH (its own git repository)."""
    from propcli.app.services import init_ledger

    click.echo(_("ledger created at {path}", path=init_ledger(path, office, timezone)))


@click.command(cls=DeclaredCommand, example="propcli upgrade --roles enforce")
@click.option("--roles", type=click.Choice(["enforce", "warn"]),
              help=_("also set propcli.yaml roles: (kept as it is otherwise)"))
@click.option("--dry-run", is_flag=True, help=_("print what would change; write nothing"))
@click.pass_context
def upgrade(ctx, roles, dry_run):
    """Add to this ledger's settings what the installed release reads and they lack (rules, steps:, roles:), as
    one commit; records untouched; running it again changes nothing."""
    from propcli.app.upgrade import upgrade as run_upgrade

    result = run_upgrade(session_of(ctx), roles, dry_run)
    for line in result.changes:
        click.echo(line)
    for line in result.kept:
        click.echo(line, err=True)
    if not result.changes:
        click.echo(_("the ledger's settings are up to date; nothing changed"))
    elif dry_run:
        click.echo(_("{count} change(s) would be made; nothing written (without --dry-run: one commit)",
                     count=len(result.changes)))
    else:
        click.echo(_("{count} change(s) committed as one commit; records untouched", count=len(result.changes)))


@click.command(cls=DeclaredCommand, example="propcli demo ./propcli-demo")
@click.argument("path", required=False, default="propcli-demo")
@click.pass_context
def demo(ctx, path):
    """Build a demo ledger with a month of activity and show what is open and late."""
    from propcli.app.demo import build_demo
    from propcli.cli import render

    render.demo(build_demo(session_of(ctx), path))


@click.command(cls=DeclaredCommand, example="propcli check --history")
@click.option("--history", is_flag=True,
              help=_("also read the git history: a record file deleted, an event removed or changed, an id or kind changed in any past commit (path:commit: message)"))  # noqa: E501
@click.pass_context
def check(ctx, history):
    """Validate every file against the schema and the policy (path:line: message)."""
    from propcli.cli.render import lines
    from propcli.app.services import check as run_check

    problems = run_check(session_of(ctx), history)
    lines(problems)
    if problems:
        raise ProblemsFound(_("{count} problem(s) found", count=len(problems)))
    click.echo(_("ledger OK"), err=True)


@click.command(cls=DeclaredCommand, example="propcli reindex")
@click.pass_context
def reindex(ctx):
    """Rebuild the SQLite index from every record file."""
    from propcli.app.services import reindex as run_reindex
    from propcli.cli.render import progress

    click.echo(_("{count} record files indexed", count=run_reindex(session_of(ctx), progress(_("indexing")))))


@click.command(cls=DeclaredCommand, example="propcli show R-6K2M9Q7XF4 --history")
@click.argument("record_id", metavar="ID")
@click.option("--history", is_flag=True, help=_("also list the git commits of this record"))
@format_option()
@click.pass_context
def show(ctx, record_id, history, fmt):
    """One record with its events and deadlines."""
    from propcli.cli import render
    from propcli.ids import split_register_reference

    register = split_register_reference(record_id)
    if register is not None:  # the QR code of a printed register leads back to it (CLI.md "Forms and the QR code")
        from propcli.app.forms import shown_register

        title, text = shown_register(session_of(ctx), *register, fmt="json" if fmt == "json" else "text")
        click.echo(title, err=True)
        click.echo(text)
        return
    from propcli.app.services import show as run_show

    render.record(run_show(session_of(ctx), record_id, history), fmt)


@click.command("list", cls=DeclaredCommand, example="propcli list --kind repair --open --month 2026-11")
@click.option("--kind", type=KindChoice())
@click.option("--status", metavar="STATE", help=_("the state as the table prints it (受理, 已接单, …) or its key"))
@click.option("--month", metavar="YYYY-MM")
@click.option("--open", "open_only", is_flag=True, help=_("only open records"))
@click.option("--unreviewed", is_flag=True, help=_("only callbacks made and not yet reviewed by the director (11.1.8)"))
@click.option("--search", metavar="TEXT",
              help=_("name, phone (or its last 4 digits), address, item or detail containing TEXT"))
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help=_("only the N newest"))
@click.option("--voided", is_flag=True, help=_("also records voided as entered by mistake (作废)"))
@format_option()
@click.pass_context
def list_(ctx, kind, status, month, open_only, unreviewed, search, limit, voided, fmt):
    """Records, newest first."""
    from propcli.cli import render
    from propcli.app.services import list_records

    session = session_of(ctx)
    data = list_records(session, kind, status, month, open_only, unreviewed=unreviewed, search=search, limit=limit,
                        newest_first=fmt != "json", voided=voided)
    render.lines(session.ledger.index.damaged_warnings(), err=True)
    render.records(data, fmt)


@click.command(cls=DeclaredCommand, example="propcli log R-6K2M9Q7XF4")
@click.argument("record_id", metavar="ID", required=False)
@format_option()
@click.pass_context
def log(ctx, record_id, fmt):
    """The audit trail: git commits, of the ledger or of one record."""
    from propcli.cli import render
    from propcli.app.services import log as run_log

    render.rows(run_log(session_of(ctx), record_id), fmt, ["commit", "date", "author", "subject"])


@click.command(cls=DeclaredCommand, example="propcli note R-6K2M9Q7XF4 '用户来电催修'")
@click.argument("record_id", metavar="ID")
@click.argument("text")
@click.option("--at", metavar="DATETIME", type=DeskTime(), help=_("when it was said (default --now)"))
@format_option()
@click.pass_context
def note(ctx, record_id, text, at, fmt):
    """Add a remark to any record, as an event."""
    from propcli.cli import render
    from propcli.app.services import note as run_note

    render.record(run_note(session_of(ctx), record_id, text, at), fmt)


@click.command(cls=DeclaredCommand, example="propcli export --month 2026-11 > 2026-11.jsonl")
@click.option("--kind")
@click.option("--month", metavar="YYYY-MM")
@click.option("--redact", is_flag=True, help=_("leave out confidential details (9.4.3-4); the backup keeps them"))
@click.pass_context
def export(ctx, kind, month, redact):
    """JSON Lines on stdout, one record a line (as show -f json)."""
    import json

    from propcli.app.services import export_records

    data, warnings = export_records(session_of(ctx), kind, month, redact)
    for record in data:
        click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    for warning in warnings:
        click.echo(warning, err=True)
    if warnings:
        raise ProblemsFound("")


@click.command("import", cls=DeclaredCommand, example="propcli import 旧台账.csv")
@click.argument("file", metavar="FILE")
@click.pass_context
def import_(ctx, file):
    """Import JSON Lines or CSV (header row) in one commit; nothing on any bad line."""

    from propcli.app.services import import_file
    from propcli.cli.render import progress

    ids = import_file(session_of(ctx), file, progress(_("checking")), progress(_("writing")))
    click.echo(_("{count} records imported", count=len(ids)))


@click.command(cls=DeclaredCommand, example="propcli prices -f csv")
@format_option()
@click.pass_context
def prices(ctx, fmt):
    """The price list 有偿维修收费标准."""
    from propcli.cli import render
    from propcli.app.services import prices as run_prices

    render.rows(run_prices(session_of(ctx)), fmt, ["code", "name", "price", "unit"], labels={"name": _("price item")})


@click.command(cls=DeclaredCommand, example="propcli staff")
@format_option()
@click.pass_context
def staff(ctx, fmt):
    """The staff roster: names and roles."""
    from propcli.cli import render
    from propcli.app.services import staff as run_staff

    render.rows(run_staff(session_of(ctx)), fmt, ["name", "role", "email", "phone"])


@click.command("merge-driver", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
def merge_driver(base, ours, theirs):
    """git merge driver for record files (set up by the first command in a ledger)."""
    from propcli.store.merge import merge_record_files

    if not merge_record_files(base, ours, theirs):
        raise ProblemsFound(_("conflicting field changes in {path}; resolve by hand", path=ours))
