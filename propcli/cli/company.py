"""`propcli company …` (issue 20): every office's ledger in one view. The work is in propcli.app.company; this
module reads the options and prints."""
import click

from propcli.cli.common import DeclaredCommand, DeclaredGroup, format_option, session_of
from propcli.errors import ProblemsFound
from propcli.i18n import _


def _remember(ctx, _param, value):
    if value is not None:
        ctx.meta["propcli.company"] = value
    return value


def company_option(command):
    """`--company PATH` after the sub-command as well (env PROPCLI_COMPANY, read by the group)."""
    return click.option("--company", "company_path", metavar="PATH", expose_value=False, callback=_remember,
                        is_eager=True, help=_("the company folder (default: nearest company.yaml upwards)"))(command)


def _company(ctx):
    from propcli.app.company import open_company

    return open_company(ctx.meta.get("propcli.company"))


def _now(ctx):
    return session_of(ctx).now_text


@click.group(cls=DeclaredGroup, example="propcli company stats 2026-11 -f html -o 公司月报-2026-11.html")
@click.option("--company", "company_path", envvar="PROPCLI_COMPANY", metavar="PATH", callback=_remember,
              expose_value=False, help=_("the company folder (default: nearest company.yaml upwards)"))
def company():
    """The company: every office's ledger in one view, read from copies brought in through git."""


@company.command(cls=DeclaredCommand, example="propcli company init /srv/propcli/company --name 华苑物业")
@click.argument("path")
@click.option("--name", metavar="NAME", help=_("the company's name, as reports print it"))
def init(path, name):
    """Make a company folder: company.yaml (the offices) and offices/ (their read-only copies)."""
    from propcli.app.company import init as run_init

    root = run_init(path, name)
    click.echo(_("company folder made at {path}; next: propcli company add CODE URL", path=root))


@company.command(cls=DeclaredCommand, example="propcli company add HY01 git://10.0.0.5/hy01.git --name 华苑管理处")
@click.argument("code")
@click.argument("url")
@click.option("--name", metavar="NAME", help=_("the office's name (default: its code)"))
@click.option("--no-fetch", "no_fetch", is_flag=True,
              help=_("add without bringing the ledger in now (company sync does)"))
@company_option
@click.pass_context
def add(ctx, code, url, name, no_fetch):
    """Add an office: its ledger's remote (a path, file://, git://, ssh, https), brought in at once."""
    from propcli.app.company import add as run_add
    from propcli.cli.render import progress

    done = run_add(_company(ctx), code, url, name, fetch=not no_fetch, progress=progress(_("indexing")))
    if done["fetched_at"]:
        click.echo(_("office {code} added: {records} records brought in from {remote}", code=done["code"],
                     records=done["records"], remote=done["remote"]))
    else:
        click.echo(_("office {code} added ({remote}); propcli company sync brings it in", code=done["code"],
                     remote=done["remote"]))


@company.command(cls=DeclaredCommand, example="propcli company sync")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help=_("output format"))
@company_option
@click.pass_context
def sync(ctx, fmt):
    """Bring every office's ledger in (clone or fetch, several at a time).

    Exit 1 when an office could not be reached (it keeps its last copy, marked stale); exit 3 when an office
    that was never brought in cannot be."""
    from propcli.app.company import sync as run_sync
    from propcli.cli import render
    from propcli.errors import LedgerUnusable

    company = _company(ctx)
    count = len(company.offices)
    results = run_sync(company, render.progress(_("bringing in"), length=count), render.progress(_("indexing")))
    for brought in results:
        render.lines(brought.warnings, err=True)
    rows = [b.as_dict() for b in results]
    if fmt == "json":
        render.print_json(rows)
    else:
        shown = [dict(r, outcome=_outcome(r["outcome"]), error=r["error"] or "") for r in rows]
        render.rows(shown, "table", ["code", "name", "outcome", "records", "fetched_at", "error"],
                    labels={"code": _("office"), "name": _("office name"), "outcome": _("outcome"),
                            "records": _("records"),
                            "fetched_at": _("fetched at"), "error": _("problem")})
    missing = [r["code"] for r in rows if r["outcome"] == "missing"]
    stale = [r["code"] for r in rows if r["outcome"] == "stale"]
    if missing:
        raise LedgerUnusable(_("never brought in, and cannot be now: {codes}", codes=", ".join(missing)))
    if stale:
        raise ProblemsFound(_("could not be reached, last copy kept (stale): {codes}", codes=", ".join(stale)))


def _outcome(key: str) -> str:
    return {"cloned": _("cloned"), "updated": _("updated"), "unchanged": _("unchanged"),
            "stale": _("stale (last copy kept)"), "missing": _("never brought in")}.get(key, key)


@company.command(cls=DeclaredCommand, example="propcli company stats 2026-11 -f html -o 公司月报-2026-11.html")
@click.argument("month", metavar="YYYY-MM")
@format_option("html", "pdf")
@company_option
@click.pass_context
def stats(ctx, month, fmt):
    """Monthly figures of every office and of the company (counts summed, shares recomputed), against targets."""
    from propcli.cli import render

    company = _company(ctx)
    if fmt in ("html", "pdf"):
        from propcli.app.company_report import company_report
        from propcli.cli.desk import _emit

        data, warnings = company_report(company, month, _now(ctx), fmt)
        render.lines(warnings, err=True)
        _emit(data, ctx.meta.get("propcli.output"))
        return
    from propcli.app.company import stats as run_stats

    data = run_stats(company, month, _now(ctx))
    render.lines(data.pop("warnings"), err=True)
    _print_stats(data, fmt)


def _print_stats(data: dict, fmt: str) -> None:
    from propcli.cli import render

    if fmt == "json":
        render.print_json(data)
        return
    ranked = sorted(data["offices"], key=lambda r: (r.get("rank") is None, r.get("rank") or 0))  # best first
    rows = ranked + [dict(data["company"], code=_("company"), rank=None, stale=False, fetched_at=None)]
    if fmt in ("csv", "xlsx"):
        columns, labels = _flat_columns(rows)
        flat = [_flat_row(row) for row in rows]
        render.rows(flat, fmt, columns, title=data["month"], labels=labels if fmt == "xlsx" else None)
        return
    render._echo(_("Company statistics for {month} (in brackets: {last}; ✗ below target)", month=data["month"],
                   last=data["last_month"]))
    table = [_table_row(row) for row in rows]
    render.rows(table, "table", list(TABLE_COLUMNS), labels={k: _label(k) for k in TABLE_COLUMNS})


TABLE_COLUMNS = ("rank", "code", "name", "requests", "repairs", "complaints", "fees", "on_time", "coverage",
                 "handling", "misses", "fetched_at")


def _label(key: str) -> str:
    return {"rank": _("rank"), "code": _("office"), "name": _("office name"), "requests": _("help requests"),
            "repairs": _("repairs"), "complaints": _("complaints (general/important/major)"), "fees": _("fees (yuan)"),
            "on_time": _("on time"), "coverage": _("callback coverage (complaint/repair/event)"),
            "handling": _("handling rate"), "misses": _("below target"), "fetched_at": _("fetched at")}[key]


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _share(row: dict, path: tuple, miss: str) -> str:
    value, last = _get(row, *path), _get(row.get("last_month") or {}, *path)
    text = _pct(value) + ("✗" if miss in (row.get("misses") or []) else "")
    return f"{text}({_pct(last)})" if row.get("last_month") else text


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _table_row(row: dict) -> dict:
    if "error" in row:
        return {"rank": "", "code": row["code"], "name": row["name"], "misses": row["error"],
                "fetched_at": row.get("fetched_at") or _("never")}
    severity = _get(row, "complaints", "by_severity") or {}
    from propcli.app.callbacks import targets

    coverage = "/".join(_share(row, ("callbacks", kind, "coverage"), f"callbacks.{kind}.coverage")
                        for kind in targets())
    on_time = _pct(row.get("on_time_overall")) + ("✗" if any(".on_time." in m for m in row.get("misses") or []) else "")
    last_on_time = _get(row, "last_month", "on_time_overall")
    fetched = row.get("fetched_at") or ""
    if row.get("stale"):
        fetched = _("stale, {fetched_at}", fetched_at=fetched or _("never"))
    return {"rank": "" if row.get("rank") is None else str(row["rank"]), "code": row["code"], "name": row["name"],
            "requests": f"{_get(row, 'requests', 'total')}({_get(row, 'last_month', 'requests', 'total')})",
            "repairs": f"{_get(row, 'repairs', 'total')}({_get(row, 'last_month', 'repairs', 'total')})",
            "complaints": "/".join(str(severity.get(k, 0)) for k in ("general", "important", "major")),
            "fees": f"{(_get(row, 'repairs', 'fees') or 0) + (_get(row, 'requests', 'fees') or 0):.2f}",
            "on_time": f"{on_time}({_pct(last_on_time)})", "coverage": coverage,
            "handling": _share(row, ("callbacks", "handling_rate"), "callbacks.handling_rate"),
            "misses": str(len(row.get("misses") or [])), "fetched_at": fetched}


HEAD_COLUMNS = ["rank", "code", "name", "stale", "fetched_at"]


def _leaves(data: dict, prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        if key in ("month", "last_month", "on_time_counts") and not prefix:
            continue
        if not prefix and key in HEAD_COLUMNS:
            continue
        if isinstance(value, dict):
            found += _leaves(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            found.append(prefix + key)
        else:
            found.append(prefix + key)
    return found


def _flat_columns(rows: list[dict]) -> tuple[list[str], dict]:
    from propcli.cli.render import figure_label

    paths: list[str] = []
    for row in rows:
        paths += [p for p in _leaves(row) if p not in paths and p != "error"]
    last = [f"last_month.{p}" for p in paths if p not in ("misses", "rank")]
    columns = HEAD_COLUMNS + paths + last + ["error"]
    labels = {"rank": _("rank"), "code": _("office"), "name": _("office name"), "stale": _("stale"),
              "fetched_at": _("fetched at")}
    labels.update({p: figure_label(p) for p in paths + last})
    labels["error"] = _("problem")
    return columns, labels


def _flat_row(row: dict) -> dict:
    flat = {c: row.get(c) for c in HEAD_COLUMNS}
    for path in _leaves(row):
        flat[path] = _path_value(row, path)
    for path in _leaves(row.get("last_month") or {}):
        flat[f"last_month.{path}"] = _path_value(row["last_month"], path)
    flat["error"] = row.get("error")
    return flat


def _path_value(data: dict, path: str):
    """The value at a dotted path whose keys may themselves hold dots (rule keys: repair.arrive)."""
    if path in data:
        return data[path]
    head, _sep, rest = path.partition(".")
    while rest:
        if head in data and isinstance(data[head], dict):
            found = _path_value(data[head], rest)
            if found is not None:
                return found
        more, _sep, rest = rest.partition(".")
        head = f"{head}.{more}"
    return data.get(head) if isinstance(data, dict) else None


@company.command(cls=DeclaredCommand, example="propcli company overdue --office HY01 --kind repair --check")
@click.option("--within", metavar="DURATION", help=_("also list deadlines falling due within this time, e.g. 15m"))
@click.option("--office", metavar="CODE", help=_("only this office"))
@click.option("--kind")
@click.option("--role", help=_("responsible role key"))
@click.option("--check", "check_", is_flag=True, help=_("exit 1 when anything is overdue"))
@format_option()
@company_option
@click.pass_context
def overdue(ctx, within, office, kind, role, check_, fmt):
    """What is late in every office, most late first, each named CODE:ID."""
    from propcli.app.company import overdue as run_overdue
    from propcli.cli import render

    found = run_overdue(_company(ctx), _now(ctx), within, office, kind, role)
    render.lines(found.warnings, err=True)
    if fmt == "json":
        render.print_json(found.rows)
    else:
        columns = ["office", *render.OVERDUE_COLUMNS]
        if fmt != "table" or render._meta("output"):
            render.rows(found.rows, fmt, columns, title=_("overdue"))
        else:
            late = [row for row in found.rows if row.get("minutes_late", 0) > 0]
            soon = [row for row in found.rows if row.get("minutes_late", 0) <= 0]
            render._echo(render._table(late, columns))
            if soon:
                render._echo("")
                render._echo(_("Due soon ({count}):", count=len(soon)))
                render._echo(render._table(soon, columns))
    if check_ and found.late:
        raise ProblemsFound("")


@company.command(cls=DeclaredCommand, example="propcli company show HY01:R-2QG9RGJC7P")
@click.argument("reference", metavar="CODE:ID")
@format_option()
@company_option
@click.pass_context
def show(ctx, reference, fmt):
    """One record of one office, named CODE:ID (as company overdue lists it)."""
    from propcli.app.company import show as run_show
    from propcli.cli import render

    render.record(run_show(_company(ctx), reference, _now(ctx)), fmt)
