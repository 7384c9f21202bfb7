"""Shell completion (click's protocol, `_PROPCLI_COMPLETE=bash_complete`; docs/desk.md "Completion").

`propcli completion bash|zsh|fish` prints the script to source. Commands and options complete as click
does; these functions complete values, each a click `shell_complete` callback `(ctx, param, incomplete)`:

* `record_ids`: open record ids, newest first, with their summary (of the command's kind when the group is
  a kind: `propcli repair take <TAB>` offers repairs only; for a step, only the records the step applies to
  now, as the kind's own order check says: `repair arrive` offers repairs taken, `Kind.step_applies`); read
  from the index in one SQL query, no YAML.
* `staff_names`, `price_codes`, `categories`, `form_names`, `roles`.

`attach(command)` gives parameters without a completion of their own the one their name calls for
(`record_id` -> record_ids, `--as`/`--to`/`--technician`/`--director`/`--assignee` -> staff_names, …); the root
group calls it in completion mode only, so ordinary commands pay nothing. Generated commands may instead
pass `shell_complete=completion.record_ids` themselves.
"""
import os
from pathlib import Path

import click

from propcli.cli.common import DeclaredCommand


def CompletionItem(value, help=None):  # noqa: N802  (click's class, imported when completing)
    from click.shell_completion import CompletionItem as Item

    return Item(value, help=help)

SHELLS = ("bash", "zsh", "fish")
ACTIVE = False
"""True in completion mode: the groups attach completions to the commands they resolve (propcli.cli.lang)."""
_LIMIT = 200


def _root(ctx) -> Path | None:
    """The ledger folder of the command being completed: --ledger, PROPCLI_LEDGER, or upwards from here."""
    given = None
    top = ctx.find_root() if ctx is not None else None
    if top is not None:
        given = top.params.get("ledger")
    given = given or os.environ.get("PROPCLI_LEDGER")
    if given:
        return Path(given)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "propcli.yaml").is_file():
            return folder
    return None


def _kind_of(ctx) -> str | None:
    from propcli import kinds

    parent = ctx.parent if ctx is not None else None
    name = parent.info_name if parent is not None else None
    return name if name in kinds.NAMES else None


def _summary(doc: dict) -> str:
    parts = [doc.get("name") or doc.get("location") or "", doc.get("address") or "",
             doc.get("item") or doc.get("detail") or doc.get("title") or doc.get("subject") or doc.get("reason") or ""]
    return " ".join(str(p) for p in parts if p)[:60]


def _applies(kind: str, step: str, plain: dict) -> bool:
    """Whether the step may be recorded on the record (as the index holds it) now: the kind's own order check
    (`Kind.step_applies`); a document that does not read as a record is not offered."""
    from propcli import kinds
    from propcli.model import record_from_plain

    try:
        record = record_from_plain(plain, "UTC")  # the index's times carry their offset: the zone is not read
    except Exception:  # completion never fails loudly
        return False
    return kinds.kind(kind).step_applies(step, record)


def open_ids(root: Path, kind: str | None = None, prefix: str = "", step: str | None = None) -> list[tuple[str, str]]:
    """(id, summary) of open records, newest first, straight from the index file (read-only); with `step` (of
    `kind`), only those the step applies to now."""
    import json

    from propcli.store.queries import open_docs

    path = root / ".git" / "propcli" / "index.sqlite"
    if not path.is_file():
        return []
    rows = open_docs(path, kind, prefix, _LIMIT * 5 if step else _LIMIT)
    out: list[tuple[str, str]] = []
    for record_id, doc in rows:
        try:
            plain = json.loads(doc)
        except (TypeError, ValueError):
            plain = None
        if step is not None and (not isinstance(plain, dict) or not _applies(str(kind), step, plain)):
            continue
        out.append((record_id, _summary(plain) if isinstance(plain, dict) else ""))
        if len(out) >= _LIMIT:
            break
    return out


def _step_of(ctx, kind: str | None) -> str | None:
    """The step being completed (`repair arrive`: arrive), when the command is a step of the group's kind."""
    from propcli import kinds

    name = ctx.info_name if ctx is not None else None
    if kind is None or not name:
        return None
    return name if kinds.kind(kind).step_named(name) is not None else None


def record_ids(ctx, param, incomplete):
    """Open record ids, newest first (of the group's kind, when the group is one; for a step, only the records
    the step applies to now, issue 19 point 5)."""
    root = _root(ctx)
    if root is None:
        return []
    kind = _kind_of(ctx)
    step = _step_of(ctx, kind) if param is not None and param.name in ("record_id", "id") else None
    return [CompletionItem(i, help=s or None) for i, s in open_ids(root, kind, incomplete, step)]


def _ledger(ctx):
    import propcli.app.schema  # noqa: F401  (checks the settings files the ledger reads)
    from propcli.store.ledger import Ledger

    root = _root(ctx)
    if root is None:
        return None
    try:
        return Ledger(root)
    except Exception:  # completion never fails loudly
        return None


def staff_names(ctx, param, incomplete):
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    from propcli.i18n import label

    try:
        staff = ledger.staff
    except Exception:
        return []
    return [CompletionItem(m.name, help=label("role", m.role)) for m in staff if m.name.startswith(incomplete)]


def price_codes(ctx, param, incomplete):
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    try:
        prices = ledger.prices.values()
    except Exception:
        return []
    return [CompletionItem(p.code, help=f"{p.name} {float(p.price):.2f}/{p.unit}") for p in prices
            if p.code.upper().startswith(incomplete.upper())]


def categories(ctx, param, incomplete):
    from propcli.i18n import label
    from propcli.kinds.request import CATEGORIES

    return [CompletionItem(c, help=label("value", c)) for c in CATEGORIES if c.startswith(incomplete)]


def form_names(ctx, param, incomplete):
    from propcli.app.forms import registers
    from propcli.i18n import gettext

    return [CompletionItem(name, help=f"{gettext(register.title)} {register.clause}")
            for name, (_kind, register) in registers().items() if name.startswith(incomplete)]


def roles(ctx, param, incomplete):
    from propcli.i18n import ROLES, label

    return [CompletionItem(r, help=label("role", r)) for r in ROLES if r.startswith(incomplete)]


BY_NAME = {
    "record_id": record_ids, "id": record_ids, "into": record_ids, "source": record_ids,
    "actor": staff_names, "technician": staff_names, "director": staff_names, "assignee": staff_names,
    "fix_by": staff_names, "quoted_by": staff_names,
    "price_code": price_codes, "category": categories, "role": roles,
}


def _by_context(command, param):
    """Names that mean different things in different commands."""
    if param.name == "to":
        return staff_names if command.name == "take" else (roles if command.name == "escalate" else None)
    if param.name == "name" and command.name == "form":
        return form_names
    return BY_NAME.get(param.name)


def attach(command, ctx=None, _seen=None, recurse: bool = True) -> None:
    """Give every parameter of `command` (and, with `recurse`, of its sub-commands) the completion its name
    calls for."""
    seen = _seen if _seen is not None else set()
    if id(command) in seen:
        return
    seen.add(id(command))
    for param in command.params:
        if getattr(param, "_custom_shell_complete", None) is None and not isinstance(param.type, click.Choice):
            found = _by_context(command, param)
            if found is not None:
                param._custom_shell_complete = found
    if recurse and isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                attach(sub, ctx, seen)


@click.command("completion", cls=DeclaredCommand, example='eval "$(propcli completion bash)"')
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx, shell):
    """Print the shell's completion script: eval "$(propcli completion bash)" (docs/desk.md)."""
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    script = get_completion_class(shell)(root.command, {}, "propcli", "_PROPCLI_COMPLETE").source()
    click.echo(script)
