"""Open deadlines past due (`overdue`) and a record's timeline against its rules (`explain`).

The overdue list is one SQL query over the index: no YAML is parsed on this path. With a
--now in the past it is the list of that moment: a deadline counts when it had started, was
not yet met and its record not yet closed at --now.
"""
from datetime import timedelta

from propcli.i18n import _
from propcli.store import queries
from propcli.timeutil import format_time, from_epoch, minutes_late, parse_duration



def _escalated(notices: list[tuple], chain: list[str]) -> str | None:
    """The highest role a breach was escalated to (CLI.md "Who is late, who is told"); None before any escalation."""
    told = [to for (step, to) in notices if to and step == "escalate"]
    ranked = [role for role in chain if role in told]
    return ranked[-1] if ranked else None


def _window(session, within: str | None) -> tuple[int, int]:
    """(now, limit) in epoch seconds: deadlines due by `limit` are listed (past due; with --within, soon due)."""
    ledger = session.ledger
    # the rules, the days, the people breaches go to: malformed is exit 3 FILE:LINE, never an empty list
    # (CLI.md "Failures that are loud"; the cron mail fails loud)
    _needed = (ledger.policy, ledger.calendar, ledger.staff)
    now = int(session.now.timestamp())
    if not within:
        return now, now - 1  # past due: due < now
    length = parse_duration(within, "--within")
    span = timedelta(days=length.amount) if length.unit == "d" else length.exact
    if span is None or span.total_seconds() < 0:
        from propcli.errors import BadInput

        raise BadInput(_("--within: expected minutes, hours or days, e.g. 15m, 2h or 1d"))
    return now, now + int(span.total_seconds())


def overdue(session, within: str | None = None, kind=None, role=None, assignee=None,
            first: int | None = None) -> list[dict]:
    """The late (and, with `within`, soon due) deadlines, most late first; `first`: only that many (CLI.md
    `overdue --limit N`), chosen and sorted by SQL so the rows read stay N whatever the ledger's size."""
    ledger = session.ledger
    now, limit = _window(session, within)
    rows = queries.overdue_deadlines(ledger.index, limit, now, first=first, kind=kind, role=role, assignee=assignee)
    notices: dict = {}
    for record_id, rule, step, to in (queries.notices_of(ledger.index, [r[0] for r in rows], now) if rows else ()):
        notices.setdefault((record_id, rule), []).append((step, to))
    result = []
    for record_id, kind_, rule, clause, role_, escalate, assignee_, due in rows:
        chain = [role_] + [r for r in escalate.split(",") if r]
        result.append({
            "id": record_id, "kind": kind_, "rule": rule, "clause": clause,
            "due": format_time(from_epoch(due, ledger.tz), ledger.tz),
            "minutes_late": minutes_late(now - due),
            "role": role_, "escalated_to": _escalated(notices.get((record_id, rule), []), chain),
            "assignee": assignee_, "escalation": chain,
        })
    if assignee is None:
        result += derived_breaches(session, limit, kind, role)
    result.sort(key=lambda row: (-row["minutes_late"], row["id"], row["rule"]))
    return result[:first] if first is not None else result


def overdue_json(session, within: str | None = None, kind=None, role=None, assignee=None,
                 first: int | None = None) -> tuple[list[str], bool]:
    """`overdue` as CLI.md's JSON rows, the same rows in the same order (`overdue -f json`): texts of one or more
    rows each, to be joined by ",\n"; and whether any row is past due (--check). SQLite writes, sorts and, when
    nothing is to be added or patched, joins the rows; else this patches the escalations and places the breaches
    kept on no record (13,000 late deadlines: ~40 ms instead of ~150, issue 21). Where the timezone's offset
    changes between the rows' due times, the rows of `overdue` are written instead."""
    import json

    from propcli.timeutil import fixed_offset

    def written(row: dict) -> str:
        return json.dumps({k: v for k, v in row.items() if k != "escalation"}, ensure_ascii=False,
                          separators=(",", ":"))

    ledger = session.ledger
    now, limit = _window(session, within)
    offset = int(session.now.utcoffset().total_seconds())
    suffix = f"{'-' if offset < 0 else '+'}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    def fixed(earliest: int, latest: int) -> bool:  # the offset of now holds for every due time listed
        return offset % 60 == 0 and fixed_offset(ledger.tz, earliest, latest) == offset

    def rows_of_overdue() -> tuple[list[str], bool]:
        listed = overdue(session, within, kind, role, assignee, first)
        return [written(row) for row in listed], any_late(session, listed)

    derived = derived_breaches(session, limit, kind, role) if assignee is None else []
    if not derived and not queries.escalated_late(ledger.index, limit, now, "escalate", kind=kind, role=role,
                                                  assignee=assignee):  # nothing to add or patch
        count, earliest, latest, late, text = queries.overdue_json_text(
            ledger.index, limit, now, offset, suffix, first=first, kind=kind, role=role, assignee=assignee)
        if not count:
            return [], False
        return ([text], bool(late)) if fixed(earliest, latest) else rows_of_overdue()
    rows = queries.overdue_json_rows(ledger.index, limit, now, offset, suffix, first=first, kind=kind, role=role,
                                     assignee=assignee)
    if rows and not fixed(min(r[5] for r in rows), max(r[5] for r in rows)):
        return rows_of_overdue()
    escalated: dict = {}
    found = queries.escalations(ledger.index, now, "escalate") if rows else []
    for record_id, rule, to in found:
        escalated.setdefault((record_id, rule), []).append(("escalate", to))
    keyed = rows
    if escalated:
        keyed = []
        for row in rows:
            told = escalated.get((row[1], row[2]))
            highest = _escalated(told, [row[3]] + [r for r in row[4].split(",") if r]) if told else None
            if highest:
                row = (*row[:6], row[6].replace('"escalated_to":null',
                                                '"escalated_to":' + json.dumps(highest, ensure_ascii=False), 1))
            keyed.append(row)
    if derived:
        keyed = sorted([(-r[0], r[1], r[2], r[6], r[5] < now) for r in keyed]
                       + [(-row["minutes_late"], row["id"], row["rule"], written(row), any_late(session, [row]))
                          for row in derived], key=lambda item: item[:3])[:first]
        return [item[3] for item in keyed], any(item[4] for item in keyed)
    return [row[6] for row in keyed], any(row[5] < now for row in keyed)


SERVICES = {"daily_rounds": "propcli.app.daily:breaches"}
"""The services listing the breaches of a kind's deadlines kept on no record, by the name its `Derived.breaches`
gives (a kind never names an app module), imported when asked."""


def derived_breaches(session, limit: int, kind: str | None = None, role: str | None = None) -> list[dict]:
    """The rows of the deadlines kept on no record (`Kind.derived`: 12.2.2's daily patrol rounds, never stored) due
    before `limit` (epoch seconds), of `kind` and answered for by `role` (None: any). Only a kind with settings in
    propcli.yaml (under its name) is asked: `overdue` imports no other kind's module."""
    from importlib import import_module

    from propcli import kinds

    rows: list[dict] = []
    for name in kinds.NAMES if kind is None else (kind,):
        if name not in kinds.PREFIXES or session.ledger.config.get(name) is None:
            continue
        for derived in kinds.kind(name).derived:
            if role in (None, derived.role):
                module, function = SERVICES[derived.breaches].split(":")
                rows += getattr(import_module(module), function)(session, name, derived, limit)
    return rows


def send_overdue(session, within, kind, role, assignee, mail_to: list[str], smtp: str | None,
                 notify: list[str]) -> tuple[list[dict], list[str], Exception | None]:
    """The overdue list, mailed (with --mail-to/--smtp) and posted to each chat group (--notify, else
    propcli.yaml notify.urls when mailing), all under the ledger lock from reading to recording.

    Every channel is tried; the first failure is returned (the caller raises it, exit 3) beside the summaries
    of the channels that were sent and recorded."""
    from propcli.app import notify as chat
    from propcli.errors import PropcliError

    mailing = bool(mail_to or smtp)
    urls = list(notify) or (chat.configured_urls(session.ledger) if mailing else [])
    for url in urls:
        chat.parse(url)  # bad input before anything is sent
    if mailing:
        from propcli.app.mail import _endpoint, _settings, check_addresses

        _endpoint(smtp or _settings(session.ledger).get("smtp") or "smtp://localhost:25")
        check_addresses(mail_to)
    sent: list[str] = []
    failure = None
    with session.ledger.lock():
        rows = overdue(session, within, kind, role, assignee)
        if mailing:
            from propcli.app.mail import send_digest

            try:
                sent.append(send_digest(session, rows, mail_to, smtp))
            except PropcliError as error:
                failure = error
        for url in urls:
            try:
                sent.append(chat.post_digest(session, rows, url))
            except PropcliError as error:
                failure = failure or error
    return rows, sent, failure


def any_late(session, rows: list[dict]) -> bool:
    """Is any listed deadline past due (not merely due soon)? Judged from `due`, not the rounded minutes."""
    from propcli.timeutil import parse_time

    return any(parse_time(row["due"], session.ledger.tz) < session.now for row in rows)


def explain(session, text_id: str) -> dict:
    """The record's events and, for every rule that applies, start, due, done and the verdict, citing clauses."""
    from propcli.app.derive import view
    from propcli.store.unit import load

    ledger = session.ledger
    record_id = ledger.resolve(text_id)
    current = view(load(ledger, record_id), ledger, session.now)
    if current is None:
        from propcli.errors import BadInput

        raise BadInput(_("ID: {id} was received after --now; it did not exist then", id=record_id))
    tz = ledger.tz
    from propcli.amend import withdrawn_indexes
    from propcli.app.derive import amendments_json

    timeline = []
    withdrawn = withdrawn_indexes(current.record.all_events)
    for number, event in enumerate(current.record.all_events):  # corrections, undos, withdrawn steps: all listed
        line = {"at": format_time(event.at, tz), "step": event.step, "by": event.by,
                "detail": dict(event.data.items())}
        if number in withdrawn:
            line["withdrawn"] = True
        timeline.append(line)
    verdicts = []
    for deadline in current.deadlines:
        if deadline.cancelled is not None and deadline.cancelled <= session.now:
            continue
        state = deadline.state(session.now)
        minutes = deadline.minutes_late(session.now)
        verdicts.append({
            "rule": deadline.rule, "clause": deadline.clause,
            "start": format_time(deadline.start, tz), "due": format_time(deadline.due, tz),
            "done": format_time(deadline.done, tz), "state": state, "minutes_late": minutes,
            "role": deadline.role, "assignee": deadline.assignee,
            "how": describe_rule(ledger.policy, deadline.rule, deadline.clause),
        })
    if current.record.voided is not None:
        verdicts = []  # 作废: no deadlines
    return {"id": record_id, "kind": current.record.kind, "status": current.status, "open": current.open,
            "now": format_time(session.now, tz), "events": timeline, "deadlines": verdicts,
            **amendments_json(current.record, tz)}


def _start_label(start: str, kind: str) -> str:
    """What starts a rule as people read it: a step's label, looked up first among the steps of the rule's kind
    (policy.yaml `kind:`: `public.arrive`'s is repair), or a field's (`来源办结时间`), not its key."""
    from propcli import kinds
    from propcli.i18n import STEPS, label

    if start.startswith("field:"):
        return label("field", start[6:])
    if start in STEPS:
        return label("step", start)
    names = [kind] if kind in kinds.NAMES else list(kinds.NAMES)
    for name in names:
        declared = kinds.kind(name)
        if start in declared.step_names:
            return declared.step_label(start)
    return start


def describe_rule(policy, key: str, clause: str) -> str:
    rule = next((r for r in policy.rules if r.key == key and r.clause == clause), None) or policy.rule(key)
    if rule is None:
        return ""
    from propcli.i18n import label
    from propcli.policy.rules import describe_limit

    start = _("from '{step}'", step=_start_label(rule.start, rule.kind))
    if rule.length is not None:
        return _("{start}, within {length}", start=start, length=describe_limit(rule))
    if rule.offset_from is not None:
        minutes = rule.offset_by.amount if rule.offset_by is not None else 0
        field = label("field", rule.offset_from)
        return _("{n} min before the {field}", n=abs(minutes), field=field) if minutes < 0 else \
            _("{n} min after the {field}", n=minutes, field=field)
    if rule.cutoff is not None:
        return _("{start}, by {cutoff} that day; at or after {cutoff}, by {cutoff} the next day",
                 start=start, cutoff=rule.cutoff.strftime("%H:%M"))
    if rule.cutoff_day is not None:
        return _("{start}, by the end of the {day}th; after it, the next month's {day}th", start=start,
                 day=rule.cutoff_day)
    return _("{start}, by the agreed time", start=start)
