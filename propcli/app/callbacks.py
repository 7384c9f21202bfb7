"""Callbacks 回访 (11): the monthly plan (11.1.2), the loops (11.2.3, 11.1.11) and the callback figures of
`stats` and the monthly summary (11.2.4).

The sources of a month are one query over the index (its `done_at` and `needs_callback` columns, derived by
each kind's callback source): a complaint handled (处理完毕), a resident repair completed, a community event
ended, a medical, security or disaster request closed, in the month, in the ledger's timezone, up to --now.
A source's callbacks form a chain (`previous`, `attempt`); the chain is its loop:

- coverage (11.1.3-5): a source is called back once its first callback is recorded (or an open letter met
  it); for an event, coverage counts households: households reached (`callback record --households`,
  default 1) ÷ households taking part (`event new --households`; an event without it counts as one);
- a loop is needed for every source with a callback planned (the plan, 11.1.2, says which sources are called
  back; the coverage targets are minimums) and for every complaint exempt under 11.1.13;
- a loop is closed when the chain's last callback is satisfied (with any agreed reply given) or answered by
  an open letter (11.1.10), or, for an exempt complaint, when it is settled (a 复函-only one: its written
  reply attached);
- handling rate (11.1.11, corrected in the third release: 回访处理率 is about the callbacks made, not the
  coverage) = settled ÷ called back: the sources called back (a callback recorded, in person, by phone or
  by an open letter) and the complaints exempt under 11.1.13 (answered instead of called back), of which
  those whose loop is closed; 1.0 when nothing was called back. Coverage is the separate figure above;
- `open_dissatisfied`: loops still open after a dissatisfied answer (11.2.3);
- a callback that follows no record (入伙回访, 11.1.6) is a loop of its own, keyed by its first callback, of the
  month it was made in: in the totals (handling rate, loops, open_dissatisfied), under no source kind.
"""
import json
from datetime import datetime

from propcli import kinds
from propcli.i18n import _
from propcli.kinds.callback import KIND as CALLBACK_KIND, LETTER, LETTER_ID, RECORDED, LoopFacts, attempt, closes_loop
from propcli.store import queries
from propcli.timeutil import check_month, format_time, zone

CALLBACKS = CALLBACK_KIND.name
"""The kind of the callback records (11): a source's chain is those whose `source` names it."""
HANDLING_TARGET = 1.0
"""11.1.11: 回访处理率达100%."""


def targets() -> dict:
    """Minimum coverage per source kind (11.1.3-5), from the kinds' callback sources."""
    return {name: source.target for name, source in kinds.callback_sources().items() if source.target is not None}


def month_bounds(month: str, tz: str) -> tuple[int, int]:
    """[start, end) of the month in the ledger's timezone, as epoch seconds."""
    year, number = int(month[:4]), int(month[5:])
    start = datetime(year, number, 1, tzinfo=zone(tz))
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone(tz))
    return int(start.timestamp()), int(end.timestamp())


def eligible_sources(index, month: str, tz: str, now: int, with_docs: bool = True, source_kinds=None) -> list[dict]:
    """The sources of month M that call for a callback (11.1.3-6, less 11.1.12-13), oldest first."""
    from propcli.timeutil import from_epoch

    start, end = month_bounds(month, tz)
    rows = queries.callback_sources_done(index, list(source_kinds or kinds.callback_sources()), start,
                                         min(end, now + 1), now, with_docs)
    result = []
    for row in rows:
        source = {"kind": row[0], "id": row[1], "done": from_epoch(row[2], tz)}
        if with_docs:
            source["doc"] = json.loads(row[3])
        result.append(source)
    result.sort(key=lambda s: (s["done"], s["id"]))
    return result


def _records(ledger, rows, now):
    from propcli.model import record_from_plain

    for doc, path in rows:
        record = record_from_plain(json.loads(doc), ledger.tz, path).as_of(now)
        if record is not None:
            yield record


def _month_of(moment: datetime | None, tz: str) -> str:
    return f"{moment.astimezone(zone(tz)):%Y-%m}" if moment is not None else ""


def chains(ledger, source_ids, now: datetime, since: datetime | None = None) -> dict:
    """source id -> its callbacks as of `now`, in chain order (attempt, then received); `since`: when the earliest
    of the sources was done (no callback is older: the index reads only the months from then on)."""
    found: dict = {}
    if not source_ids:
        return found
    rows = queries.linked_docs(ledger.index.fresh(), CALLBACKS, "source", list(source_ids), int(now.timestamp()),
                               _month_of(since, ledger.tz))
    for callback in _records(ledger, rows, now):
        found.setdefault(callback.get("source"), []).append(callback)
    for chain in found.values():
        chain.sort(key=lambda c: (attempt(c), c.received, c.id))
    return found


def unlinked_chains(ledger, now: datetime, month: str | None = None) -> dict:
    """first callback id -> its chain as of `now`, for the callbacks that follow no record (入伙回访, 11.1.6: a
    callback of its own, its follow-ups linked by `previous`); `month`: only the chains begun in it."""
    rows = queries.unlinked_docs(ledger.index.fresh(), CALLBACKS, "source", int(now.timestamp()), month or "")
    callbacks = list(_records(ledger, rows, now))
    by_id = {callback.id: callback for callback in callbacks}
    found: dict = {}
    for callback in callbacks:
        first, seen = callback, {callback.id}
        while first.get("previous") in by_id and first.get("previous") not in seen:
            first = by_id[first.get("previous")]
            seen.add(first.id)
        found.setdefault(first.id, []).append(callback)
    for first_id in [key for key in found if by_id[key].get("previous")
                     or month is not None and _month_of(by_id[key].received, ledger.tz) != month]:
        del found[first_id]  # begun before `month` (its first callback is not read), or in a later month
    for chain in found.values():
        chain.sort(key=lambda c: (attempt(c), c.received, c.id))
    return found


def loop_facts(ledger, source_ids, now: datetime, since_month: str = "") -> dict:
    """source id -> the LoopFacts of its callbacks as of `now`, in chain order: one query over the index, no
    document parsed (the `stats` path); the same facts `facts_of` takes from a full record."""
    found: dict = {}
    if not source_ids:
        return found
    rows = queries.linked_step_facts(ledger.index.fresh(), CALLBACKS, "source", list(source_ids), ("attempt", "due"),
                                     RECORDED, ("method", "result", "reply_by", "households"), ("reply", "fix"),
                                     int(now.timestamp()), since_month)
    seen = set()
    for record_id, source, received, number, due, method, result, reply_by, households, replied, fixed in rows:
        if record_id in seen:
            continue
        seen.add(record_id)
        facts = LoopFacts(record_id, source, int(number or 1), due, method, result, reply_by, bool(replied),
                          bool(fixed), households)
        found.setdefault(source, []).append((facts.attempt, received, record_id, facts))
    return {source: [item[-1] for item in sorted(chain)] for source, chain in found.items()}


def chain_summary(callback, tz: str) -> dict:
    """One callback of a chain as `show` of its source lists it."""
    from propcli.kinds.callback import closing_event

    recorded = callback.first(RECORDED)
    summary = {"id": callback.id, "attempt": attempt(callback), "previous": callback.get("previous"),
               "role": callback.get("role"), "due": callback.get("due"), "open": closing_event(callback) is None,
               "recorded": format_time(recorded.at, tz) if recorded else None,
               "by": recorded.by if recorded else None,
               "method": recorded.get("method") if recorded else None,
               "result": recorded.get("result") if recorded else None}
    if recorded is not None and recorded.get("method") == LETTER:
        summary[LETTER_ID] = recorded.get(LETTER_ID)
    if recorded is not None and recorded.get("next_callback"):
        summary["next_callback"] = recorded.get("next_callback")
    fixed = callback.first("fix")
    if fixed is not None:
        summary["fixed"] = format_time(fixed.at, tz)
    reviewed = callback.first("review")
    if reviewed is not None:
        summary["reviewed_by"] = reviewed.by
    return summary


def chains_json(session, source_ids, since: datetime | None = None) -> dict:
    """source id -> the whole chain of its callbacks as `show` (and `list`, `export`) print it under `callbacks`;
    `since`: when the earliest of them was done."""
    ledger = session.ledger
    found = chains(ledger, list(source_ids), session.now, since)
    return {source_id: [chain_summary(c, ledger.tz) for c in found.get(source_id, [])] for source_id in source_ids}


def chain_of(session, source_id: str, since: datetime | None = None) -> list[dict]:
    """The whole chain of a source's callbacks (`show SOURCE` lists it under `callbacks`)."""
    return chains_json(session, [source_id], since)[source_id]


def shown_json(session, current) -> dict:
    """A record's view as `show` prints it: its JSON, and for a callback source done, the chain of its
    callbacks under `callbacks` (11.2.3)."""
    from propcli.app.derive import source_done, to_json

    data = to_json(current, session.now, session.ledger.tz)
    done = source_done(current.record)
    if done is not None:
        data["callbacks"] = chain_of(session, current.record.id, done)
    return data


def loop_state(chain: list) -> str:
    """Of a source's chain (LoopFacts in order): `closed`, `dissatisfied` (open after a dissatisfied answer),
    `open` (planned, not closed) or `none` (no callback planned)."""
    if not chain:
        return "none"
    if closes_loop(chain[-1]):
        return "closed"
    recorded = [c for c in chain if c.method is not None]
    if recorded and recorded[-1].result == "dissatisfied":
        return "dissatisfied"
    return "open"


def _reached(chain: list) -> int:
    """Households a source's callbacks reached (an event's, 11.1.5; `CallbackSource.households`): each recorded
    callback's --households (default 1)."""
    return sum(int(c.households or 1) for c in chain if c.method is not None)


def month_loops(session, month: str) -> dict:
    """Per source kind and in all: coverage and loops of month M as of --now (see the module's docstring).

    {"kinds": {kind: {eligible, done, coverage, target, satisfied, dissatisfied, fixed, loops_needed,
    loops_closed, open_dissatisfied}}, "loops_needed", "loops_closed", "open_dissatisfied", "handling_rate"};
    the loops open after dissatisfaction themselves: `open_loops`."""
    ledger = session.ledger
    index = ledger.index.fresh()
    now = int(session.now.timestamp())
    sources = eligible_sources(index, month, ledger.tz, now, with_docs=False)
    by_source = loop_facts(ledger, [s["id"] for s in sources], session.now, month) if sources else {}
    households = {}
    counted = {name: source.households for name, source in kinds.callback_sources().items() if source.households}
    if any(s["kind"] in counted for s in sources):
        for source in eligible_sources(index, month, ledger.tz, now, source_kinds=list(counted)):
            households[source["id"]] = int(source["doc"].get(counted[source["kind"]]) or 1)
    figures: dict = {}
    for kind in kinds.callback_sources():
        figures[kind] = {"eligible": 0, "done": 0, "satisfied": 0, "dissatisfied": 0, "fixed": 0,
                         "loops_needed": 0, "loops_closed": 0, "open_dissatisfied": 0, "called_back": 0,
                         "settled": 0}
    for source in sources:
        entry = figures[source["kind"]]
        chain = by_source.get(source["id"], [])
        if source["id"] in households:
            size = max(households[source["id"]], 1)
            entry["eligible"] += size
            entry["done"] += min(_reached(chain), size)
        else:
            entry["eligible"] += 1
            entry["done"] += 1 if any(c.method is not None for c in chain) else 0
        for callback in chain:
            if callback.result in ("satisfied", "dissatisfied"):
                entry[callback.result] += 1
            entry["fixed"] += callback.fixed
        _count_loop(entry, chain)
    start, end = month_bounds(month, ledger.tz)
    from propcli.model import record_from_plain

    for kind, _record_id, _done, doc in queries.exempt_sources_done(index, list(kinds.callback_sources()), start, end,
                                                                    now):
        record = record_from_plain(json.loads(doc), ledger.tz).as_of(session.now)
        if record is None:
            continue
        settled = bool(kinds.kind(kind).callback_source.settled(record))
        figures[kind]["loops_needed"] += 1
        figures[kind]["loops_closed"] += settled
        figures[kind]["called_back"] += 1  # 11.1.13: answered (复函, or nothing to answer) instead of called back
        figures[kind]["settled"] += settled
    for kind, entry in figures.items():
        target = targets().get(kind)
        entry["target"] = target
        entry["coverage"] = round(entry["done"] / entry["eligible"], 4) if entry["eligible"] else 0.0
        entry["handling_rate"] = handling_rate(entry["settled"], entry["called_back"])
    totals = {key: sum(e[key] for e in figures.values())
              for key in ("loops_needed", "loops_closed", "open_dissatisfied", "called_back", "settled")}
    for key, count in _unlinked_loops(session, month).items():
        totals[key] += count
    return {"kinds": figures, **totals, "handling_rate": handling_rate(totals["settled"], totals["called_back"])}


def _unlinked_loops(session, month: str) -> dict:
    """The loops of month M's callbacks that follow no record (入伙回访, 11.1.6), counted in the totals only (no
    source kind, no coverage target): called back once recorded, settled once closed (11.1.11, 11.2.3)."""
    from propcli.kinds.callback import facts_of

    counts = dict.fromkeys(("loops_needed", "loops_closed", "open_dissatisfied", "called_back", "settled"), 0)
    for chain in unlinked_chains(session.ledger, session.now, month).values():
        _count_loop(counts, [facts_of(callback) for callback in chain])
    return counts


def _count_loop(counts: dict, chain: list) -> None:
    """Add a chain (LoopFacts in order) to `counts`: called back (11.1.11's base) and settled, a loop needed,
    closed or still open after a dissatisfied answer (11.2.3)."""
    state = loop_state(chain)
    if any(c.method is not None for c in chain):
        counts["called_back"] += 1
        counts["settled"] += state == "closed"
    if state != "none":
        counts["loops_needed"] += 1
        counts["loops_closed"] += state == "closed"
        counts["open_dissatisfied"] += state == "dissatisfied"


def open_loops(session, month: str | None = None) -> list[dict]:
    """The callback loops still open after a dissatisfied answer (11.2.3, 11.1.11), as of --now: of the sources of
    month M (done in it), or of every source called back; a loop is open when its chain's last recorded callback
    was dissatisfied and nothing closed it since (`loop_state`: a satisfied callback, an open letter of 11.1.10).
    One dict each, by the time of the dissatisfied answer: the source and its kind; the dissatisfied callback
    (`dissatisfied`: its id, `at`, `by`, the resident's `name` and `address`, `subject`, the `rectification` and
    who does it, `fix_by`; `next`: the next callback or the agreed reply); the callback now open (`open`, its
    `attempt`, `due`). The monthly report and 《客户回访记录》 (11.3.2) both list these. A callback that follows no
    record (入伙回访, 11.1.6) is a loop of its own, its first callback in place of a source (11.2.3 holds for every
    callback), of the month it was made in."""
    from propcli.kinds.callback import facts_of

    ledger = session.ledger
    index = ledger.index.fresh()
    if month is not None:
        sources = eligible_sources(index, month, ledger.tz, int(session.now.timestamp()), with_docs=False)
        source_ids, since = [s["id"] for s in sources], sources[0]["done"] if sources else None
    else:
        source_ids, since = sorted(v for v in queries.linked_values(index, CALLBACKS, "source") if v), None
    loops = []
    every_chain = list(chains(ledger, source_ids, session.now, since).items())
    every_chain += list(unlinked_chains(ledger, session.now, month).items())  # keyed by their first callback
    for source_id, chain in every_chain:
        if loop_state([facts_of(callback) for callback in chain]) != "dissatisfied":
            continue
        answered = [callback for callback in chain if callback.first(RECORDED) is not None][-1]
        done, now_open = answered.first(RECORDED), chain[-1]
        loops.append({"source": source_id, "source_kind": answered.get("source_kind"), "dissatisfied": answered.id,
                      "at": format_time(done.at, ledger.tz), "by": done.by, "name": answered.get("name", ""),
                      "address": answered.get("address", ""), "subject": answered.get("subject", ""),
                      "rectification": done.get("rectification", ""), "fix_by": done.get("fix_by", ""),
                      "next": done.get("next") or done.get("reply_by") or "", "open": now_open.id,
                      "attempt": attempt(now_open), "due": now_open.get("due") or ""})
    loops.sort(key=lambda loop: loop["at"])
    return loops


def handling_rate(settled: int, called_back: int) -> float:
    """11.1.11: 回访处理率 = settled ÷ called back (1.0 when nothing was called back: nothing is left unanswered)."""
    return round(settled / called_back, 4) if called_back else HANDLING_TARGET


def met(share: float | None, target: float | None) -> bool | None:
    """Is a share at or above its target (coverage 11.1.3-5, handling 11.1.11)? None when there is no target."""
    if share is None or target is None:
        return None
    return share + 1e-9 >= target


def callback_stats(session, month: str) -> dict:
    """The `callbacks` section of `stats` (CLI.md): per source kind with a coverage target (11.1.3-5) its
    coverage (eligible, done, coverage, target) and, separately, its handling rate (called_back, settled,
    handling_rate); over every source the handling rate against its 100 % (11.1.11: settled ÷ called back),
    loops needed and closed, and the loops still open after a dissatisfied answer (11.2.3)."""
    loops = month_loops(session, month)
    section: dict = {}
    for kind, target in targets().items():
        entry = loops["kinds"][kind]
        section[kind] = {"eligible": entry["eligible"], "done": entry["done"], "coverage": entry["coverage"],
                         "target": target, "called_back": entry["called_back"], "settled": entry["settled"],
                         "handling_rate": entry["handling_rate"]}
    section["handling_rate"] = loops["handling_rate"]
    section["handling_target"] = HANDLING_TARGET
    section["called_back"] = loops["called_back"]
    section["settled"] = loops["settled"]
    section["loops_needed"] = loops["loops_needed"]
    section["loops_closed"] = loops["loops_closed"]
    section["open_dissatisfied"] = loops["open_dissatisfied"]
    return section


# --- 《客户回访记录》 (11.3.2) -------------------------------------------------------------------------------

def _percent(share: float) -> str:
    """`50%`, `9.8%`: a share as the summary prints it, never rounded up to a quota."""
    tenths = int(share * 1000 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def _time(value) -> str:
    return str(value)[:16].replace("T", " ") if value else ""


def summary_context(session, month: str) -> dict:
    """The values of 《客户回访记录》 (11.3.2, 11.2.4): `month`, `preparer` (编制人: the service director of
    staff.yaml), `figures` (one row per source kind and a total, keyed by the register's columns), `open_loops`
    (`open_loops` of the month), `approvals` (the lines to sign: 部门主任审阅, 报公司领导) and `lines` (all of these
    as label/value pairs). Per source: the base, those called back and the coverage against the target of
    11.1.3-5, satisfied / dissatisfied, rectifications done and the handling rate (11.1.11, target 100 %); an
    event's figures are households (11.1.5)."""
    from propcli.kinds.callback import source_label
    from propcli.policy.roles import ROLE_LABELS

    check_month(month, "ID")
    ledger = session.ledger
    loops = month_loops(session, month)

    def marked(share: float, target: float | None) -> str:
        """`25% 未达标`: a share and, against its target, 达标 or 未达标 (11.1.3-5, 11.1.11)."""
        verdict = met(share, target)
        return _percent(share) + ("" if verdict is None else " 达标" if verdict else " 未达标")

    figures = []
    for kind, entry in loops["kinds"].items():
        # coverage (called back ÷ due a callback, 11.1.3-5) and handling (settled ÷ called back, 11.1.11) apart
        figures.append({
            "source": source_label(kind), "eligible": str(entry["eligible"]), "done": str(entry["done"]),
            "coverage": marked(entry["coverage"], entry["target"]) if entry["eligible"] else "—",
            "target": f"≥{entry['target']:.0%}" if entry["target"] is not None else "—",
            "satisfied": str(entry["satisfied"]), "dissatisfied": str(entry["dissatisfied"]),
            "fixed": str(entry["fixed"]),
            "handling": (f"{marked(entry['handling_rate'], HANDLING_TARGET)}"
                         f"（{entry['settled']}/{entry['called_back']}）" if entry["called_back"] else "—")})
    totals = {k: sum(e[k] for e in loops["kinds"].values()) for k in ("satisfied", "dissatisfied", "fixed")}
    figures.append({"source": "合计", "satisfied": str(totals["satisfied"]),
                    "dissatisfied": str(totals["dissatisfied"]), "fixed": str(totals["fixed"]),
                    "handling": f"{marked(loops['handling_rate'], HANDLING_TARGET)}（{loops['settled']}/"
                                f"{loops['called_back']}，目标 {HANDLING_TARGET:.0%}，11.1.11）"})
    still_open = open_loops(session, month)
    preparer = next((m.name for m in ledger.staff if m.role == "service_director"), "")
    approvals = ["部门主任审阅", "报公司领导"]
    open_text = "；".join(f"{o['source']} → {o['open']}（第{o['attempt']}次回访，{_time(o['due'])}）"
                         for o in still_open)
    handled = marked(loops["handling_rate"], HANDLING_TARGET)
    lines = [("回访处理率（11.1.11）", f"已回访 {loops['called_back']} 件，已处理 {loops['settled']} 件：{handled}"
                                        f"（目标 {HANDLING_TARGET:.0%}；回访率另计，见上表，11.1.3-5）"),
             ("不满意未闭环", f"{len(still_open)} 件" + (f"：{open_text}" if open_text else "")),
             ("月份", month), ("管理处", " ".join(x for x in (ledger.office, ledger.config.get("name", "")) if x)),
             ("编制人", f"{preparer}（{ROLE_LABELS['service_director']}）" if preparer else "________")]
    lines += [(label, "________") for label in approvals]
    return {"month": month, "preparer": preparer, "preparer_role": "service_director", "figures": figures,
            "open_loops": still_open, "approvals": approvals, "lines": lines,
            "handling_rate": loops["handling_rate"], "called_back": loops["called_back"], "settled": loops["settled"],
            "open_dissatisfied": loops["open_dissatisfied"]}


def summary_rows(session, sheet) -> list[dict]:
    """The rows of 《客户回访记录》 (11.3.2, the callback kind's register): a row per source kind, the 合计, then the
    lines below the table (handling rate, loops still open, month, office, preparer, the lines to sign) as 合计
    lines of a label and its value."""
    from propcli.kinds.paper import Total

    context = summary_context(session, sheet.month)
    *figures, total = context["figures"]
    return figures + [Total(total)] + [Total({"source": label, "eligible": value}) for label, value in context["lines"]]


# --- the plan -----------------------------------------------------------------------------------

def plan(session, month: str) -> list[dict]:
    """The callback plan of month M (11.1.2): one callback per source of the month that has none yet.

    The coverage targets of 11.1.3-5 (50 % of complaints, 30 % of repairs, 10 % of events) are minimums;
    the simplest plan that always meets them is to plan ALL eligible sources, and that is what this does.
    A complaint's callback is normally there already (`complaint handle` creates it); the plan adds the
    other sources (repairs, events, incidents of 11.1.6) and anything missing, all in one commit; a second
    run adds nothing. Anonymous and 复函 complaints (11.1.13) and merged duplicates (11.1.12) are not planned.
    Each callback names who calls (`role`, 11.1.3-6), how (`method_hint`: `visit` for a major complaint, the
    "third category" of 11.1.9, else `any`) and its `due`: the callback date the plan sets (11.2.2), the
    policy's callback.* deadline counted from `source_done`.

    Returns the month's plan: the first callback of every source of the month (`added`: made by this run)
    and the month's move-in callbacks (入伙回访, 11.1.6: made by `visit new --type move-in`, listed, never
    created here; move-in visits recorded before the third release too).
    """
    ledger = session.ledger
    check_month(month)
    with ledger.lock():  # choosing the sources and planning them is one step: two plans never double up
        added = _plan_locked(session, ledger, month)
    return month_plan(session, month, added)


def _plan_locked(session, ledger, month: str) -> set[str]:
    from propcli.kinds.callback import first_callback
    from propcli.model import record_from_plain
    from propcli.store.unit import create_many

    index = ledger.index.fresh()
    now = session.now
    sources = eligible_sources(index, month, ledger.tz, int(now.timestamp()))
    planned = queries.linked_values(index, CALLBACKS, "source")
    records, used = [], set()
    for source in sources:
        if source["id"] in planned:
            continue
        record = first_callback(ledger, record_from_plain(source["doc"], ledger.tz), source["done"], session.actor,
                                now, taken=used)
        used.add(record.id)
        records.append(record)
    if records:
        message = _("callback plan {month}: {count} callbacks", month=month, count=len(records))
        create_many(ledger, records, session.actor, f"{message}\n\nStep: plan\n")
    return used


def month_plan(session, month: str, added=frozenset()) -> list[dict]:
    """The first callbacks of the month's sources (as `show` prints them, with `added`) and its move-in visits."""
    from propcli.app.derive import to_json, view

    ledger = session.ledger
    index = ledger.index.fresh()
    sources = eligible_sources(index, month, ledger.tz, int(session.now.timestamp()), with_docs=False)
    by_source = chains(ledger, [s["id"] for s in sources], session.now, sources[0]["done"]) if sources else {}
    result = []
    for source in sources:
        chain = by_source.get(source["id"])
        if chain:  # as `show` prints it (from the index, not one file read per callback)
            shown = to_json(view(chain[0], ledger, session.now), session.now, ledger.tz)
            shown["added"] = chain[0].id in added
            result.append(shown)
    now = int(session.now.timestamp())
    # 11.1.6: the month's move-in callbacks (入伙回访), which follow no other record
    from propcli.kinds.visit import MOVE_IN

    for record in _records(ledger, queries.docs_of_month(index, CALLBACKS, month, now), session.now):
        if record.get("source_kind") == MOVE_IN and int(record.get("attempt") or 1) == 1:
            shown = shown_json(session, view(record, ledger, session.now))
            due = next((d["due"] for d in shown["deadlines"] if d["rule"] == "callback.move-in"), None)
            result.append(dict(shown, source=record.id, due=shown.get("due") or due, added=False))
    for declared in kinds.all_kinds():
        if declared.is_callback is None:
            continue
        for record in _records(ledger, queries.docs_of_month(index, declared.name, month, now), session.now):
            if declared.is_callback(record):
                shown = shown_json(session, view(record, ledger, session.now))
                due = next((d["due"] for d in shown["deadlines"]), None)
                result.append(dict(shown, source=record.id, source_kind=declared.name, due=due, added=False))
    return result
