"""The company (issue 20): every office's ledger in one view, for the leadership the procedures report to
(11.2.4 monthly callback results, 9.4.2-2 major emergencies, 9.4.3-1 the company's written answers).

A company folder (store/company.py) holds `company.yaml` and a read-only copy of each office's ledger. This
module brings the copies in (`sync`: several offices at a time), and reads them one office at a time, or a
few in parallel, never all records of all offices at once:

- `stats`: each office's own `stats` (propcli.app.stats, computed by the office's code on its copy, as the
  office itself would), one row per office, and a company row where every count is summed and every share is
  recomputed from the summed counts (never averaged): on-time shares from the met/late counts of each rule,
  callback coverage from called back ÷ due a callback, the handling rate from settled ÷ called back.
- `overdue`: every office's overdue list, each row with the office's code and the id as `CODE:ID`.
- `show CODE:ID`: one record of one office.

An office that cannot be reached keeps its last copy, marked `stale` with the time it was last fetched; a
damaged record in one office is that office's warning, never the company's failure. See docs/company.md.
"""
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from propcli.errors import BadInput, LedgerUnusable, PropcliError
from propcli.i18n import _
from propcli.store import company as store
from propcli.timeutil import check_month, format_time, parse_time, utc_now

FETCH_WORKERS = 4
"""Offices brought in at a time (git clone/fetch: mostly waiting on the network)."""
READ_WORKERS = 2
"""Offices read at a time (stats: CPU; one process per core of the 2-core office server)."""
ON_TIME_TARGET = 1.0
"""Every deadline met on time (the procedures' limits are limits, not averages)."""
SHARE_KEYS = ("coverage", "handling_rate")
TARGET_KEYS = ("target", "handling_target")


def open_company(path: str | None):
    return store.Company.discover(path)


def init(path: str, name: str | None) -> Path:
    if not path or not str(path).strip():
        raise BadInput(_("PATH: expected a folder for the company, e.g. /srv/propcli/company"))
    return store.Company.create(path, _name(name) or Path(str(path)).name or str(path))


def _name(name: str | None) -> str | None:
    """--name: a name on one line (it is printed in tables and reports)."""
    if name is None:
        return None
    if not str(name).strip() or not str(name).isprintable():
        raise BadInput(_("--name: expected a name on one line, e.g. 华苑物业"))
    return str(name).strip()


def _company_tz(company) -> str:
    """The company's timezone (company.yaml `timezone:`, default Asia/Shanghai): times of fetching shown in it."""
    return company.timezone


def _clock_text(company) -> str:
    return format_time(utc_now(), _company_tz(company))


def normal_remote(url: str) -> str:
    """A URL as git reads it (`file://`, `git://`, `ssh://`, `https://`, `user@host:path`), or a local path made
    absolute (the copy is cloned from the company folder, whatever the folder `add` was run in)."""
    text = str(url or "").strip()
    if not text or not text.isprintable():
        raise BadInput(_("URL: expected the office's ledger remote, e.g. git://server/hy01.git, ssh://server/hy01.git "
                         "or a path"))
    if "://" in text:
        return text
    head = text.split(":", 1)[0]
    if ":" in text and "/" not in head and not Path(text).exists():
        return text  # scp-like ssh: user@host:path
    return os.path.abspath(Path(text).expanduser())


def add(company, code: str, url: str, name: str | None, fetch: bool = True, progress=None) -> dict:
    """Add an office (exit 2 when its code or remote is already there) and bring its ledger in: a remote that
    cannot be reached, or that is not a propcli ledger, is exit 3 naming it, with nothing added."""
    code = store.normal_code(code)
    remote = normal_remote(url)
    label = _name(name) or code
    with company.lock():
        company = store.Company(company.root)  # as it is now, under the lock
        for office in company.offices:
            if office.code == code:
                raise BadInput(_("CODE: office {code} is already in {file} (remote {remote})", code=code,
                                 file=store.COMPANY, remote=office.remote))
            if office.remote == remote:
                raise BadInput(_("URL: {remote} is already office {code}", remote=remote, code=office.code))
        company.forget(code)  # what a killed `add` of this code may have left
        result = {"code": code, "name": label, "remote": remote, "fetched_at": None, "records": None}
        try:
            if fetch:
                head = store.clone_copy(remote, company.copy_path(code))
                ledger = company.ledger(code)  # a ledger that cannot be read is refused here too
                company.cache_dir(code).mkdir(parents=True, exist_ok=True)
                result["records"] = _count(ledger.index.fresh(progress))
                states = company.states()
                result["fetched_at"] = _clock_text(company)
                states[code] = {"fetched_at": result["fetched_at"], "head": head, "stale": False, "error": None}
            company.save([*company.offices, store.Office(code, label, remote)])
        except BaseException:
            company.forget(code)
            raise
        if fetch:
            company.save_states(states)
    return result


def _count(index) -> int:
    return store.record_count(index)


# --- sync -------------------------------------------------------------------------------------------

@dataclass
class Brought:
    code: str
    name: str
    outcome: str = "unchanged"
    """cloned | updated | unchanged | stale (kept its last copy) | missing (never fetched)"""
    fetched_at: str | None = None
    head: str | None = None
    records: int | None = None
    error: str | None = None
    warnings: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "outcome": self.outcome, "fetched_at": self.fetched_at,
                "stale": self.outcome in ("stale", "missing"), "head": self.head, "records": self.records,
                "error": self.error}


def sync(company, fetching=None, indexing=None, offices: list | None = None) -> list[Brought]:
    """Bring every office's ledger in, FETCH_WORKERS at a time; then bring each copy's index up to date, one
    office at a time. `fetching(iterable)`/`indexing(iterable)` wrap the two loops (progress bars)."""
    with company.lock():
        company = store.Company(company.root)
        chosen = offices or company.offices
        states = company.states()
        results: dict[str, Brought] = {}
        with ThreadPoolExecutor(max_workers=max(1, min(FETCH_WORKERS, len(chosen)))) as pool:
            futures = [pool.submit(_bring_in, company, office, states.get(office.code) or {}) for office in chosen]
            done = as_completed(futures)
            for future in (fetching(done) if fetching else done):
                brought = future.result()
                results[brought.code] = brought
        ordered = [results[o.code] for o in chosen]
        for brought in (indexing(ordered) if indexing else ordered):
            state = states.setdefault(brought.code, {})
            if brought.outcome in ("cloned", "updated", "unchanged"):
                state.update(fetched_at=brought.fetched_at, head=brought.head, stale=False, error=None)
            else:
                state.update(stale=True, error=brought.error, tried_at=_clock_text(company))
                brought.fetched_at = state.get("fetched_at")
            if company.has_copy(brought.code):
                try:
                    company.cache_dir(brought.code).mkdir(parents=True, exist_ok=True)
                    index = company.ledger(brought.code).index.fresh()
                    brought.records = _count(index)
                    brought.warnings += [f"{brought.code}: {w}" for w in index.damaged_warnings()]
                except PropcliError as error:
                    brought.warnings.append(f"{brought.code}: {error.message}")
        company.save_states(states)
    return ordered


def _bring_in(company, office, state: dict) -> Brought:
    """Clone or fetch one office (in a worker thread): never raises for what the office's remote does."""
    brought = Brought(office.code, office.name)
    copy = company.copy_path(office.code)
    try:
        if company.has_copy(office.code):
            brought.head, moved = store.refresh_copy(copy, office.remote)
            brought.outcome = "updated" if moved else "unchanged"
        else:
            if copy.exists():
                company.forget(office.code)
            brought.head = store.clone_copy(office.remote, copy)
            brought.outcome = "cloned"
        brought.fetched_at = _clock_text(company)
    except PropcliError as error:
        brought.error = error.message
        brought.outcome = "stale" if company.has_copy(office.code) else "missing"
    return brought


# --- reading the offices ----------------------------------------------------------------------------

def company_now(company, now_text: str | None) -> str:
    """One clock for every office: --now as given (read in each office's own timezone when it has no offset),
    else the wall clock, read once."""
    return now_text if now_text else utc_now().isoformat()


def office_session(company, code: str, now_text: str):
    """A session on an office's copy: its stats, overdue and show run as they run in the office."""
    from propcli.app.session import Session

    ledger = company.ledger(code)
    company.cache_dir(code).mkdir(parents=True, exist_ok=True)
    session = Session(str(ledger.root), now_text, None)
    session.__dict__["ledger"] = ledger  # the copy as the company reads it (caches outside the copy)
    return session


def _offices(company, code: str | None = None) -> list:
    if code:
        return [company.office(code)]
    return list(company.offices)


def _row_head(company, office, states) -> dict:
    state = states.get(office.code) or {}
    return {"code": office.code, "name": office.name, "fetched_at": state.get("fetched_at"),
            "stale": bool(state.get("stale")) or not company.has_copy(office.code)}


@dataclass
class Reading:
    """What one office gave: its rows or figures, its warnings, or why it could not be read."""
    code: str
    data: object = None
    warnings: list = field(default_factory=list)
    error: str | None = None
    bad_input: bool = False
    """The error is the command's bad input (the same in every office: a --within no office reads)."""


def _each_office(company, codes: list[str], work, *args):
    """`work(company, code, *args)` for each office, READ_WORKERS processes at a time (fork), results in order.
    Each worker reads one office at a time; only the results (figures, rows) come back."""
    jobs = [(company, code, work, args) for code in codes]
    workers = min(READ_WORKERS, os.cpu_count() or 1, len(jobs))
    if workers < 2:
        for job in jobs:
            yield _run_job(job)
        return
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        for job in jobs:
            yield _run_job(job)
        return
    with context.Pool(workers) as pool:
        yield from pool.imap(_run_job, jobs)


def _run_job(job) -> Reading:
    company, code, work, args = job
    try:
        if not company.has_copy(code):
            return Reading(code, error=_("never brought in; run propcli company sync"))
        return work(company, code, *args)
    except PropcliError as error:
        return Reading(code, error=error.message, bad_input=isinstance(error, BadInput))


# --- stats ------------------------------------------------------------------------------------------

def previous_month(month: str, back: int = 1) -> str:
    year, number = int(month[:4]), int(month[5:]) - back
    while number < 1:
        year, number = year - 1, number + 12
    return f"{year:04d}-{number:02d}"


def _office_stats(company, code: str, months_of: dict, now_text: str) -> Reading:
    """The office's figures for the months `months_of[code]` (in a worker): {month: (stats, on-time counts)},
    as JSON gives them back (the same whether computed now or kept), and the HEAD they were computed at."""
    import json

    from propcli.app.stats import month_stats_and_counts

    head = company.copy_head(code)
    session = office_session(company, code, now_text)
    figures = {month: month_stats_and_counts(session, month) for month in months_of[code]}
    warnings = [f"{code}: {w}" for w in session.ledger.index.damaged_warnings() + session.warnings]
    if company.copy_head(code) != head:  # a sync moved the copy meanwhile: these figures are kept under no HEAD
        head = None
    return Reading(code, (json.loads(json.dumps(figures, ensure_ascii=False)), head), warnings)


FIGURES_VERSION = "1"
"""Part of the key of the figures kept per office: raised when what `stats` computes changes."""
NOW_BUCKET = 300
"""Without --now, `company stats` reads the wall clock to the NOW_BUCKET seconds (floored): its figures are as
of that moment (shown as `now`), and an office whose copy did not move is not read again within it."""


def stats_now(now_text: str | None) -> str:
    """--now as given; else the wall clock floored to NOW_BUCKET seconds."""
    if now_text:
        return now_text
    moment = int(utc_now().timestamp())
    from datetime import datetime, timezone

    return datetime.fromtimestamp(moment - moment % NOW_BUCKET, timezone.utc).isoformat()


def figures_key(head: str | None, month: str, now_text: str) -> str | None:
    """What an office's figures for `month` depend on: its copy's HEAD (the copy changes only by `sync`), the
    month, the clock (--now as written: read in the office's own timezone, fixed by that HEAD) and the code
    that computes them. None when they cannot be kept: no HEAD, or a --now read against the wall clock
    (`昨天下午3点`)."""
    from propcli import __version__
    from propcli.store.index import SCHEMA_VERSION

    text = str(now_text).strip()
    if not head or not (text[:4].isdigit() and text[4:5] == "-"):
        return None
    return "|".join((FIGURES_VERSION, __version__, SCHEMA_VERSION, head, month, text))


def _office_figures(company, codes: list[str], months: list[str], now: str):
    """Each office's Reading {month: (stats, counts)}: kept figures where the copy has not moved (issue 20:
    a warm `company stats` reads no index), the rest computed READ_WORKERS offices at a time and kept."""
    found: dict[str, Reading] = {}
    partial: dict[str, dict] = {}
    months_of: dict[str, list] = {}
    heads: dict[str, str | None] = {}
    for code in codes:
        head = heads[code] = company.copy_head(code) if company.has_copy(code) else None
        kept = company.kept_figures(code) if head else {}
        entries = {m: kept.get(figures_key(head, m, now) or "") for m in months}
        entries = {m: e for m, e in entries.items() if isinstance(e, dict)}
        partial[code] = {m: (e["stats"], e["counts"]) for m, e in entries.items()}
        if len(entries) == len(months):
            found[code] = Reading(code, partial[code], list(entries[months[-1]].get("warnings") or []))
        else:
            months_of[code] = [m for m in months if m not in entries]
    computing = [c for c in codes if c in months_of]
    for code, reading in zip(computing, _each_office(company, computing, _office_stats, months_of, now)):
        if reading.error:
            found[code] = reading
            continue
        figures, head = reading.data
        if partial[code] and head != heads[code]:  # the copy moved since the kept months were looked up
            reading = _run_job((company, code, _office_stats, ({code: months}, now)))
            if reading.error:
                found[code] = reading
                continue
            figures, head = reading.data
            partial[code] = {}
        fresh = {}
        for month, (month_figures, counts) in figures.items():
            key = figures_key(head, month, now)
            if key:
                fresh[key] = {"stats": month_figures, "counts": counts, "warnings": reading.warnings}
        if fresh:
            company.keep_figures(code, fresh)
        found[code] = Reading(code, {**partial[code], **figures}, reading.warnings)
    return [found[code] for code in codes]


def stats(company, month: str, now_text: str | None, trend: int = 2) -> dict:
    """`company stats MONTH -f json` (CLI.md "The company"): the offices' rows and the company row, each with
    `last_month` beside it, `misses` (figures below their target), `rank`; `trend` months of company figures
    (for the report's month-by-month line) under `months`."""
    check_month(month, "YYYY-MM")
    now = stats_now(now_text)
    months = [previous_month(month, back) for back in range(max(trend, 2) - 1, -1, -1)]
    states = company.states()
    rows, warnings, per_month = [], [], {m: [] for m in months}
    for office, reading in zip(company.offices, _office_figures(company, [o.code for o in company.offices],
                                                                months, now)):
        warnings += reading.warnings
        row = _row_head(company, office, states)
        if reading.error:
            warnings.append(f"{office.code}: {reading.error}")
            row["error"] = reading.error
            rows.append(row)
            continue
        for m in months:
            per_month[m].append(reading.data[m])
        current, counts = reading.data[month]
        last, last_counts = reading.data[months[-2]]
        row.update(current)
        _annotate(row, counts)
        row["last_month"] = _annotate(dict(last), last_counts)
        rows.append(row)
    company_row = {"code": None, "name": company.name, **combine(per_month[month], month)}
    company_row["last_month"] = combine(per_month[months[-2]], months[-2])
    _rank(rows)
    result = {"month": month, "now": _now_shown(company, now), "last_month": months[-2], "offices": rows,
              "company": company_row, "warnings": warnings}
    if trend > 2:
        result["months"] = [combine(per_month[m], m) for m in months]
    return result


def _now_shown(company, now: str) -> str:
    try:
        return format_time(parse_time(now, _company_tz(company), field="--now"), _company_tz(company))
    except PropcliError:
        return now


def _annotate(figures: dict, counts: dict) -> dict:
    """An office's (or the company's) figures with the counts behind its on-time shares, its overall on-time
    share and the figures that miss their target."""
    figures["on_time_counts"] = counts
    met = sum(m for rules in counts.values() for m, _late in rules.values())
    late = sum(n for rules in counts.values() for _met, n in rules.values())
    figures["on_time_overall"] = round(met / (met + late), 4) if met + late else None
    figures["misses"] = misses(figures)
    return figures


def misses(figures: dict) -> list[str]:
    """The figures below their target, as paths in the stats JSON: every on-time share below 100 %, a callback
    coverage below its quota (11.1.3-5, when anything was due a callback), the handling rate below 100 %
    (11.1.11, when anything was called back)."""
    found = []
    for section, value in figures.items():
        if isinstance(value, dict) and isinstance(value.get("on_time"), dict):
            for rule, share in sorted(value["on_time"].items()):
                if share is not None and share < ON_TIME_TARGET:
                    found.append(f"{section}.on_time.{rule}")
    callbacks = figures.get("callbacks") or {}
    for kind, entry in callbacks.items():
        if (isinstance(entry, dict) and entry.get("target") is not None and entry.get("eligible")
                and (entry.get("coverage") or 0) < entry["target"]):
            found.append(f"callbacks.{kind}.coverage")
    rate, target = callbacks.get("handling_rate"), callbacks.get("handling_target", 1.0)
    if rate is not None and (callbacks.get("called_back") or callbacks.get("loops_needed")) \
            and rate < (target if target is not None else 1.0):
        found.append("callbacks.handling_rate")
    return found


def _rank(rows: list[dict]) -> None:
    """Offices ranked: fewest figures below target first, then the higher overall on-time share, then the
    higher handling rate; an office that could not be read is last, unranked."""
    ranked = [r for r in rows if "error" not in r]
    ranked.sort(key=lambda r: (len(r["misses"]), -(r["on_time_overall"] if r["on_time_overall"] is not None else 1.0),
                               -((r.get("callbacks") or {}).get("handling_rate") or 0), r["code"]))
    for number, row in enumerate(ranked, 1):
        row["rank"] = number
    for row in rows:
        row.setdefault("rank", None)


def combine(readings: list[tuple[dict, dict]], month: str) -> dict:
    """The company's figures from the offices' (stats, on-time counts): every count summed, every amount
    summed, every share recomputed from the summed counts; a target is the strictest office's."""
    figures = _sum([f for f, _c in readings])
    figures["month"] = month
    counts: dict = {}
    for _f, office_counts in readings:
        for section, rules in office_counts.items():
            for rule, (met, late) in rules.items():
                total = counts.setdefault(section, {}).setdefault(rule, [0, 0])
                total[0] += met
                total[1] += late
    for section, value in figures.items():
        if isinstance(value, dict) and "on_time" in value:
            value["on_time"] = {rule: round(met / (met + late), 4)
                                for rule, (met, late) in sorted((counts.get(section) or {}).items()) if met + late}
    _recompute(figures)
    return _annotate(figures, counts)


def _sum(dicts: list[dict]) -> dict:
    out: dict = {}
    keys: list = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    for key in keys:
        values = [d[key] for d in dicts if key in d]
        if key == "on_time":
            out[key] = {}
        elif all(isinstance(v, dict) for v in values):
            out[key] = _sum(values)
        elif all(isinstance(v, bool) for v in values):
            out[key] = any(values)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            out[key] = sum(values)
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            if key in TARGET_KEYS:
                out[key] = max(values)
            elif key in SHARE_KEYS or key.endswith(("rate", "share", "ratio")):
                out[key] = None  # recomputed from the summed counts below, or left out
            else:
                out[key] = round(sum(values), 2)  # an amount in yuan
        elif all(isinstance(v, (int, float, type(None))) and not isinstance(v, bool) for v in values):
            present = [v for v in values if v is not None]
            out[key] = max(present) if key in TARGET_KEYS and present else None
        else:
            out[key] = values[0] if all(v == values[0] for v in values) else None
    return out


def _recompute(node: dict) -> None:
    """Shares from their counts, wherever the counts sit beside them (callbacks per kind and in all)."""
    from propcli.app.callbacks import HANDLING_TARGET

    if "coverage" in node and "eligible" in node and "done" in node:
        node["coverage"] = round(node["done"] / node["eligible"], 4) if node["eligible"] else 0.0
    if "handling_rate" in node and "called_back" in node and "settled" in node:  # 11.1.11: settled ÷ called back
        node["handling_rate"] = (round(node["settled"] / node["called_back"], 4) if node["called_back"]
                                 else HANDLING_TARGET)
    elif "handling_rate" in node and "loops_needed" in node and "loops_closed" in node:  # a copy made before
        node["handling_rate"] = (round(node["loops_closed"] / node["loops_needed"], 4) if node["loops_needed"]
                                 else HANDLING_TARGET)
    for value in node.values():
        if isinstance(value, dict):
            _recompute(value)


# --- overdue ----------------------------------------------------------------------------------------

def _office_overdue(company, code: str, now_text: str, within, kind, role) -> Reading:
    from propcli.app.overdue import any_late, overdue

    session = office_session(company, code, now_text)
    rows = overdue(session, within, kind, role)
    late = any_late(session, rows)
    for row in rows:
        row.pop("escalation", None)
        row["id"] = f"{code}:{row['id']}"
        row["office"] = code
    warnings = [f"{code}: {w}" for w in session.ledger.index.damaged_warnings() + session.warnings]
    return Reading(code, (rows, late), warnings)


@dataclass
class Overdue:
    rows: list
    late: bool
    warnings: list
    stale: list


def overdue(company, now_text: str | None, within=None, office: str | None = None, kind=None, role=None) -> Overdue:
    """Every office's overdue deadlines (or one office's), most late first, ids as CODE:ID."""
    chosen = _offices(company, office)
    now = company_now(company, now_text)
    states = company.states()
    rows, warnings, late, stale = [], [], False, []
    for each, reading in zip(chosen, _each_office(company, [o.code for o in chosen], _office_overdue, now, within,
                                                  kind, role)):
        warnings += reading.warnings
        if _row_head(company, each, states)["stale"]:
            stale.append(each.code)
        if reading.error:
            if reading.bad_input:
                raise BadInput(reading.error)
            warnings.append(f"{each.code}: {reading.error}")
            continue
        office_rows, office_late = reading.data
        rows += office_rows
        late = late or office_late
    rows.sort(key=lambda row: (-row["minutes_late"], row["id"], row["rule"]))
    for code in stale:
        state = states.get(code) or {}
        warnings.append(_("{code}: stale copy, last brought in {fetched_at}; run propcli company sync",
                          code=code, fetched_at=state.get("fetched_at") or _("never")))
    return Overdue(rows, late, warnings, stale)


# --- show -------------------------------------------------------------------------------------------

def split_ref(text: str) -> tuple[str, str]:
    code, sep, record_id = str(text or "").strip().partition(":")
    if not sep or not code or not record_id:
        raise BadInput(_("CODE:ID: '{value}' names no office; expected e.g. HY01:R-2QG9RGJC7P", value=text))
    return code, record_id


def show(company, text: str, now_text: str | None) -> dict:
    """One record of one office, as the office's `show` prints it, named `CODE:ID`."""
    from propcli.app.services import show as show_record

    code, record_id = split_ref(text)
    office = company.office(code)
    if not company.has_copy(office.code):
        raise LedgerUnusable(_("office {code} was never brought in; run propcli company sync", code=office.code))
    session = office_session(company, office.code, company_now(company, now_text))
    record = show_record(session, record_id)
    return {"id": f"{office.code}:{record['id']}", "office": office.code,
            **{k: v for k, v in record.items() if k != "id"}}
