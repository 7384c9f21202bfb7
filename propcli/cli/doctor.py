"""`propcli doctor`: the ledger's health end to end, and what to do (exit 1 when anything is a problem)."""
import click

from propcli.cli.common import DeclaredCommand, format_option, session_of
from propcli.errors import ProblemsFound
from propcli.i18n import N_, _, gettext

CHECKS = {"git": N_("git repository"), "locks": N_("locks"), "index": N_("index"), "records": N_("record files"),
          "policy": N_("policy"), "staff": N_("staff roster"), "calendar": N_("calendar"),
          "merge driver": N_("merge driver"), "objects": N_("git objects"), "work tree": N_("work tree"),
          "history": N_("history"), "fsck": N_("git objects")}
"""The checks as a person reads them in the table (JSON and CSV keep the keys)."""
RESULTS = {"ok": N_("ok"), "warning": N_("warning"), "problem": N_("problem")}
HEADINGS = {"check": N_("check"), "status": N_("check result"), "detail": N_("what was found"),
            "action": N_("what to do")}


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
    shown = rows
    if fmt in ("table", "xlsx"):  # words for people; -f json/csv keep the keys scripts read
        shown = [dict(r, check=gettext(CHECKS[r["check"]]) if r["check"] in CHECKS else r["check"],
                      status=gettext(RESULTS.get(r["status"], r["status"]))) for r in rows]
    render.rows(shown, fmt, ["check", "status", "detail", "action"], priority=render.PRIORITY["doctor"],
                labels={key: gettext(text) for key, text in HEADINGS.items()})
    if has_problems(rows):
        raise ProblemsFound(_("{count} problem(s) found", count=sum(r["status"] == "problem" for r in rows)))
