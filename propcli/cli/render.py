"""Turning service results into text: table (tabulate), JSON, CSV. One renderer per shape."""
import csv
import io
import json

import click

from propcli.i18n import _


def _json(data) -> str:
    """A record pretty-printed; a list one item a line (the C encoder: fast for thousands of rows)."""
    if isinstance(data, list):
        if not data:
            return "[]"
        return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False, default=str) for item in data) + "\n]"
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _table(rows: list[dict], columns: list[str], headers: list[str] | None = None) -> str:
    from tabulate import tabulate

    if not rows:
        return _("(none)")
    return tabulate([[_cell(row.get(c)) for c in columns] for row in rows], headers=headers or columns,
                    disable_numparse=True)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv(rows: list[dict], columns: list[str]) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return stream.getvalue().rstrip("\n")


def rows(data: list[dict], fmt: str, columns: list[str], total: str | None = None) -> None:
    """Rows as a table, JSON or CSV; `total`: a column whose sum the table shows below it (JSON/CSV: rows only)."""
    if fmt == "json":
        click.echo(_json(data))
    elif fmt == "csv":
        click.echo(_csv(data, columns))
    else:
        click.echo(_table(data, columns))
        if total is not None:
            from decimal import Decimal

            amount = sum((Decimal(str(row.get(total) or 0)) for row in data), Decimal("0"))
            click.echo(_("Total: {amount}", amount=f"{amount:.2f}"))


RECORD_COLUMNS = ["id", "kind", "status", "open", "received", "summary"]


def _summary(record: dict) -> str:
    who = record.get("name") or record.get("location") or ""
    where = record.get("address") or ""
    what = record.get("item") or record.get("detail") or ""
    return " ".join(part for part in (who, where, what) if part)


def records(data: list[dict], fmt: str) -> None:
    if fmt in ("table", "csv"):
        data = [dict(r, summary=_summary(r)) for r in data]
    rows(data, fmt, RECORD_COLUMNS)


def record(data: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(_json(data))
        return
    if fmt == "csv":
        rows([data], fmt, [k for k in data if k not in ("events", "deadlines", "history")])
        return
    skip = {"events", "deadlines", "history"}
    width = max(len(k) for k in data)
    for key, value in data.items():
        if key not in skip:
            click.echo(f"{key:<{width}}  {_cell(value)}")
    click.echo("")
    click.echo(_("Events:"))
    events = [dict(e, detail=", ".join(f"{k}={_cell(v)}" for k, v in e.items() if k not in ("step", "at", "by")))
              for e in data.get("events", [])]
    click.echo(_table(events, ["at", "step", "by", "detail"]))
    if data.get("deadlines"):
        click.echo("")
        click.echo(_("Deadlines:"))
        click.echo(_table(data["deadlines"], ["rule", "clause", "due", "done", "state", "minutes_late", "assignee"]))
    if data.get("history"):
        click.echo("")
        click.echo(_table(data["history"], ["commit", "date", "author", "subject"]))


OVERDUE_COLUMNS = ["id", "kind", "rule", "clause", "due", "minutes_late", "role", "escalated_to", "assignee"]


def overdue(data: list[dict], fmt: str) -> None:
    if fmt == "json":
        click.echo(_json([{k: v for k, v in row.items() if k != "escalation"} for row in data]))
    else:
        rows(data, fmt, OVERDUE_COLUMNS)


def explain(data: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(_json(data))
        return
    click.echo(_("{id} ({kind}) status {status}, {open}; as of {now}", id=data["id"], kind=data["kind"],
                 status=data["status"], open=_("open") if data["open"] else _("closed"), now=data["now"]))
    click.echo("")
    for event in data["events"]:
        detail = ", ".join(f"{k}={_cell(v)}" for k, v in event["detail"].items())
        click.echo(f"  {event['at']}  {event['step']:<9} {event['by']}" + (f"  ({detail})" if detail else ""))
    click.echo("")
    for d in data["deadlines"]:
        click.echo(f"[{d['clause']}] {d['rule']}: {d['how']}")
        click.echo("    " + _("started {start}; due {due}", start=d["start"], due=d["due"]))
        if d["state"] in ("met", "missed"):
            verdict = _("done {done}: {state}, {minutes} min {early_late}", done=d["done"], state=d["state"],
                        minutes=abs(d["minutes_late"]),
                        early_late=_("late") if d["minutes_late"] > 0 else _("early"))
        elif d["state"] == "overdue":
            verdict = _("not done: overdue by {minutes} min", minutes=d["minutes_late"])
        else:
            verdict = _("not done: pending, {minutes} min to go", minutes=abs(d["minutes_late"]))
        click.echo("    " + verdict)


def lines(items: list[str], err: bool = False) -> None:
    for item in items:
        click.echo(item, err=err)


def _flatten(data, prefix="") -> list[dict]:
    items = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            items += _flatten(value, name + ".")
        else:
            items.append({"figure": name, "value": value})
    return items


def stats(data: dict, fmt: str) -> None:
    if fmt == "json":
        click.echo(_json(data))
        return
    flat = _flatten({k: v for k, v in data.items() if k != "month"})
    rows(flat, fmt, ["figure", "value"])


def demo(result: dict) -> None:
    """What `propcli demo` shows of the ledger it built."""
    click.echo(_("Demo ledger at {path} (as of {now})", path=result["path"], now=result["now"]))
    click.echo("")
    click.echo(_("Open repairs ({count}):", count=len(result["open"])))
    records(result["open"], "table")
    click.echo("")
    click.echo(_("Overdue ({count}):", count=len(result["overdue"])))
    overdue(result["overdue"], "table")
    if result["sample"]:
        click.echo("")
        click.echo(_("A sample record:"))
        record(result["sample"], "table")
    click.echo("")
    click.echo(_("Next: cd {path} && propcli list --open; propcli explain ID; propcli overdue --within 15m",
                 path=result["path"]))
