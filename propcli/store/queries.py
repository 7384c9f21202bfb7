"""Named queries over the index: SQL lives here, and the domain's words (kinds, step names, rule keys) come
in as parameters from the caller, never spelled inside the SQL text."""


def _in(name: str, values) -> tuple[str, dict]:
    keys = {f"{name}{i}": value for i, value in enumerate(values)}
    return "(" + ", ".join(f":{k}" for k in keys) + ")" if keys else "(NULL)", keys


def callback_sources_done(index, kinds, start: int, end: int, now: int, with_docs: bool = True) -> list[tuple]:
    """(kind, id, done_at[, doc]) of records of `kinds` that need a callback (`needs_callback`), done in
    [start, end) and still counted at `now` (a duplicate merged by then is not)."""
    listed, params = _in("kind", kinds)
    params.update(now=now, start=start, end=end)
    columns = "kind, id, done_at" + (", doc" if with_docs else "")
    return index.query(f"SELECT {columns} FROM records WHERE kind IN {listed} AND needs_callback = 1 "
                       "AND done_at >= :start AND done_at < :end AND received <= :now "
                       "AND (uncounted_at IS NULL OR uncounted_at > :now)", params)


def linked_values(index, kind: str, link_field: str) -> set[str]:
    """Every value of `link_field` among records of `kind` (e.g. the sources already planned)."""
    return {row[0] for row in index.query(f"SELECT json_extract(doc, '$.{link_field}') FROM records WHERE kind = ?",
                                          (kind,))}


def count_by_field(index, kind: str, field: str, month: str, now: int, counted_only: bool = False) -> dict:
    """{value of `field`: count} of records of `kind` received in `month` (as of `now`)."""
    sql = (f"SELECT json_extract(doc, '$.{field}'), count(*) FROM records WHERE kind = :kind AND month = :month "
           "AND received <= :now")
    if counted_only:
        sql += " AND (uncounted_at IS NULL OR uncounted_at > :now)"
    rows = index.query(sql + " GROUP BY 1", {"kind": kind, "month": month, "now": now})
    return {str(value): number for value, number in rows if value is not None}


def fee_totals(index, kind: str, month: str, now: int, status: str) -> tuple[int, int, int, int]:
    """(records, without a fee (NULL fee_cents), fee cents, in `status` by `now`) of `kind` received in `month`
    and still counted at `now` (a voided record is not)."""
    return index.query(
        "SELECT count(*), coalesce(sum(fee_cents IS NULL), 0), coalesce(sum(fee_cents), 0), "
        "coalesce(sum(status = :status AND last_at <= :now), 0) "
        "FROM records WHERE kind = :kind AND month = :month AND received <= :now "
        "AND (uncounted_at IS NULL OR uncounted_at > :now)",
        {"kind": kind, "month": month, "now": now, "status": status})[0]


def on_time_by_rule(index, month: str, now: int) -> list[tuple[str, int, int]]:
    """(rule, met, late) of the deadlines of records received in `month`, judged at `now` (pending left out)."""
    return index.query(
        "SELECT rule, sum(done IS NOT NULL AND done <= ? AND done <= due), "
        "sum((done IS NOT NULL AND done <= ? AND done > due) OR ((done IS NULL OR done > ?) AND due < ?)) "
        "FROM deadlines WHERE month=? AND start<=? AND (cancelled IS NULL OR cancelled > ? OR (done IS NOT NULL AND "
                       "done <= ?)) "
        "AND id NOT IN (SELECT id FROM records WHERE month=? AND uncounted_at <= ?) "
        "GROUP BY rule ORDER BY rule", (now, now, now, now, month, now, now, now, month, now))


def linked_docs(index, kind: str, link_field: str, values, now: int, since_month: str = "") -> list[tuple[str, str]]:
    """(doc, path) of records of `kind` received by `now` (and in `since_month` or later: the index narrows the
    scan) whose `link_field` is one of `values` (e.g. the callbacks of some sources), oldest first."""
    import json

    return index.query(f"SELECT doc, path FROM records WHERE kind = :kind AND month >= :since AND received <= :now "
                       f"AND json_extract(doc, '$.{link_field}') IN (SELECT value FROM json_each(:values)) "
                       "ORDER BY received, id",
                       {"kind": kind, "now": now, "values": json.dumps(list(values)), "since": since_month})


def unlinked_docs(index, kind: str, link_field: str, now: int, since_month: str = "") -> list[tuple[str, str]]:
    """(doc, path) of records of `kind` received by `now` (in `since_month` or later) whose `link_field` is not set
    (e.g. the callbacks that follow no record), oldest first."""
    return index.query(f"SELECT doc, path FROM records WHERE kind = :kind AND month >= :since AND received <= :now "
                       f"AND json_extract(doc, '$.{link_field}') IS NULL ORDER BY received, id",
                       {"kind": kind, "now": now, "since": since_month})


def exempt_sources_done(index, kinds, start: int, end: int, now: int) -> list[tuple]:
    """(kind, id, done_at, doc) of records of `kinds` done in [start, end) that need no callback (11.1.13) and
    are still counted at `now`."""
    listed, params = _in("kind", kinds)
    params.update(now=now, start=start, end=end)
    return index.query(f"SELECT kind, id, done_at, doc FROM records WHERE kind IN {listed} AND needs_callback = 0 "
                       "AND done_at >= :start AND done_at < :end AND done_at <= :now AND received <= :now "
                       "AND (uncounted_at IS NULL OR uncounted_at > :now)", params)


def docs_of_month(index, kind: str, month: str, now: int) -> list[tuple[str, str]]:
    """(doc, path) of records of `kind` received in `month` by `now`, oldest first."""
    return index.query("SELECT doc, path FROM records WHERE kind = :kind AND month = :month AND received <= :now "
                       "ORDER BY received, id", {"kind": kind, "month": month, "now": now})



def linked_step_facts(index, kind: str, link_field: str, values, fields, step: str, step_fields, later_steps,
                      now: int, since_month: str = "") -> list[tuple]:
    """Figures over many records without parsing a document: for each record of `kind` received by `now` (and
    in `since_month` or later) whose `link_field` is one of `values`: (id, link value, received, the values of
    `fields`, then of the first `step` event recorded by `now` the values of `step_fields` (NULLs without one),
    then for each of `later_steps` whether one is recorded by `now` (0/1))."""
    import json

    at = "CAST(strftime('%s', json_extract({0}.value, '$.at')) AS INTEGER) <= :now"
    picked = "".join(f", json_extract(doc, '$.{name}')" for name in fields)
    event = "".join(f", json_extract(s.value, '$.{name}')" for name in step_fields)
    params = {"kind": kind, "now": now, "values": json.dumps(list(values)), "step": step, "since": since_month}
    later = ""
    for number, name in enumerate(later_steps):
        params[f"later{number}"] = name
        later += (f", EXISTS (SELECT 1 FROM json_each(r.doc, '$.events') AS e WHERE json_extract(e.value, '$.step') "
                  f"= :later{number} AND {at.format('e')})")
    return index.query(
        f"SELECT r.id, json_extract(r.doc, '$.{link_field}'), "
                       f"r.received{picked.replace('(doc', '(r.doc')}{event}{later} "
        "FROM records AS r LEFT JOIN json_each(r.doc, '$.events') AS s "
        f"ON json_extract(s.value, '$.step') = :step AND {at.format('s')} "
        f"WHERE r.kind = :kind AND r.month >= :since AND r.received <= :now AND json_extract(r.doc, '$.{link_field}') "
        "IN (SELECT value FROM json_each(:values))", params)
MONEY_TIMES = ("fee_at", "billed_at")
"""The derived columns saying when a record's fee became owed and when it went to finance for billing."""


def _money_time(column: str) -> str:
    if column not in MONEY_TIMES:
        raise ValueError(f"not a money time column: {column}")
    return column


def fees_between(index, kind: str, column: str, start: int, end: int, now: int) -> tuple[int, int]:
    """(records, fee cents) of `kind` whose `column` (fee_at or billed_at) falls in [start, end) and by `now`."""
    column = _money_time(column)
    count, cents = index.query(
        f"SELECT count(*), coalesce(sum(fee_cents), 0) FROM records WHERE kind = :kind AND {column} >= :start "
        f"AND {column} < :end AND {column} <= :now AND received <= :now",
        {"kind": kind, "start": start, "end": end, "now": now})[0]
    return count, cents


def docs_between(index, kind: str, column: str, start: int, end: int, now: int) -> list[tuple[str, str]]:
    """(doc, path) of the records of `kind` whose `column` falls in [start, end) and by `now`, in that order."""
    column = _money_time(column)
    return index.query(
        f"SELECT doc, path FROM records WHERE kind = :kind AND {column} >= :start AND {column} < :end "
        f"AND {column} <= :now AND received <= :now ORDER BY {column}, id",
        {"kind": kind, "start": start, "end": end, "now": now})


def on_time_by_kind_rule(index, month: str, now: int) -> list[tuple[str, str, int, int]]:
    """(record kind, rule, met, late) of the deadlines of records received in `month`, judged at `now`."""
    return index.query(
        "SELECT kind, rule, sum(done IS NOT NULL AND done <= ? AND done <= due), "
        "sum((done IS NOT NULL AND done <= ? AND done > due) OR ((done IS NULL OR done > ?) AND due < ?)) "
        "FROM deadlines WHERE month=? AND start<=? AND (cancelled IS NULL OR cancelled > ? OR (done IS NOT NULL AND "
                       "done <= ?)) "
        "AND id NOT IN (SELECT id FROM records WHERE month=? AND uncounted_at <= ?) "
        "GROUP BY kind, rule ORDER BY kind, rule", (now, now, now, now, month, now, now, now, month, now))


def conflicted_paths(index) -> list[str]:
    """The files of records that hold an unresolved merge conflict (a `conflicts:` list), by path."""
    return [row[0] for row in index.query("SELECT path FROM records WHERE doc LIKE ? ORDER BY path",
                                          ('%"conflicts": [%',))]


def _deadline_filters(equal: dict, table: str = "") -> tuple[str, list]:
    """` AND kind = ?…` and its values for the filters given (kind, role, assignee); `table`: its alias."""
    filters, params = "", []
    for column, value in equal.items():
        if column not in ("kind", "role", "assignee"):
            raise ValueError(f"not a deadline filter: {column}")
        if value:
            filters += f" AND {table}{column} = ?"
            params.append(value)
    return filters, params


def _overdue_sql(columns: str, limit: int, now: int, equal: dict) -> tuple[str, list]:
    filters, params = _deadline_filters(equal)
    sql = (f"SELECT {columns} FROM deadlines WHERE done IS NULL AND due <= ? AND start <= ?"
           f" AND (cancelled IS NULL OR cancelled > ?){filters}"
           f" UNION ALL SELECT {columns} FROM deadlines WHERE done > ? AND due <= ? AND start <= ?"
           f" AND (cancelled IS NULL OR cancelled > ?){filters}")
    return sql, [limit, now, now, *params, now, limit, now, now, *params]


def overdue_deadlines(index, limit: int, now: int, first: int | None = None, **equal) -> list[tuple]:
    """(id, kind, rule, clause, role, escalate, assignee, due) of the deadlines due by `limit` that had started
    and were neither met nor cancelled at `now`; `equal`: column -> value filters (kind, role, assignee);
    `first`: only the `first` most overdue (earliest due, then id and rule: the order overdue prints)."""
    sql, params = _overdue_sql("id, kind, rule, clause, role, escalate, assignee, due", limit, now, equal)
    if first:
        sql = f"SELECT * FROM ({sql}) ORDER BY due, id, rule LIMIT ?"
        params.append(int(first))
    return index.query(sql, tuple(params))


MINUTES_LATE = ("((CASE WHEN late >= 0 THEN CAST(late / 6.0 + 0.5 AS INTEGER) "
                "ELSE -CAST(-late / 6.0 + 0.5 AS INTEGER) END) / 10.0 + 0.0)")
"""timeutil.minutes_late in SQL, `late` the seconds: the same float for every whole number of seconds (nine million
checked once; tests/store/test_queries.py checks three days of seconds and ten years of ties), so SQLite can write
and sort the overdue rows."""


def _overdue_json_sql(limit: int, now: int, offset: int, suffix: str, first: int | None, equal: dict):
    sql, params = _overdue_sql("id, kind, rule, clause, role, escalate, assignee, due, ? - due AS late", limit, now,
                               equal)
    half = len(params) // 2
    params = [now, *params[:half], now, *params[half:]]
    if first:  # the first N chosen before any JSON is written
        sql = f"SELECT * FROM ({sql}) ORDER BY {MINUTES_LATE} DESC, id, rule LIMIT ?"
        params.append(int(first))
    sql = (f"SELECT {MINUTES_LATE} AS minutes_late, id, rule, role, escalate, due, json_object('id', id, "
           "'kind', kind, 'rule', rule, 'clause', clause, 'due', strftime('%Y-%m-%dT%H:%M:%S', due + ?, 'unixepoch') "
           f"|| ?, 'minutes_late', {MINUTES_LATE}, 'role', role, 'escalated_to', NULL, 'assignee', assignee) AS json "
           f"FROM ({sql}) ORDER BY minutes_late DESC, id, rule")
    return sql, [offset, suffix, *params]


def overdue_json_rows(index, limit: int, now: int, offset: int, suffix: str, first: int | None = None,
                      **equal) -> list[tuple]:
    """`overdue_deadlines` with each row's JSON written by SQLite, most late first (then id, rule): (minutes_late,
    id, rule, role, escalate, due, json). The JSON is {id, kind, rule, clause, due, minutes_late, role,
    escalated_to: null, assignee}, `due` as local time (epoch + `offset` seconds, then `suffix`: for a timezone
    whose offset is fixed over the rows), `minutes_late` as timeutil.minutes_late gives it."""
    sql, params = _overdue_json_sql(limit, now, offset, suffix, first, equal)
    return index.query(sql, tuple(params))


def overdue_json_text(index, limit: int, now: int, offset: int, suffix: str, first: int | None = None,
                      **equal) -> tuple:
    """The rows of `overdue_json_rows` joined by SQLite, in that order, into one text (",\n" between): (count,
    earliest due, latest due, 1 when any is past due, text); for a list nothing is added to or patched."""
    sql, params = _overdue_json_sql(limit, now, offset, suffix, first, equal)
    return index.query(f"SELECT count(*), min(due), max(due), max(due < ?), group_concat(json, ',' || char(10)) "
                       f"FROM ({sql})", (now, *params))[0]


def escalated_late(index, limit: int, now: int, step: str, **equal) -> bool:
    """Whether any notice of `step` (an escalation) sent by `now` is about a deadline `overdue_deadlines` lists
    (one lookup per such notice: there are few)."""
    filters, params = _deadline_filters(equal, "d.")
    return bool(index.query(
        "SELECT 1 FROM notices n JOIN deadlines d ON d.id = n.id AND d.rule = n.rule WHERE n.step = ? "
        "AND n.at <= ? AND (d.done IS NULL OR d.done > ?) AND d.due <= ? AND d.start <= ? "
        f"AND (d.cancelled IS NULL OR d.cancelled > ?){filters} LIMIT 1", (step, now, now, limit, now, now, *params)))


def escalations(index, now: int, step: str) -> list[tuple[str, str, str]]:
    """(id, rule, to_role) of every notice of `step` (the escalations) sent by `now`: few, read at once rather than
    asked for each of thousands of listed records."""
    return index.query("SELECT id, rule, to_role FROM notices WHERE at <= ? AND step = ? AND to_role IS NOT NULL",
                       (now, step))


def notices_of(index, ids, now: int) -> list[tuple[str, str, str, str]]:
    """(id, rule, step, to_role) of the notices (reminders, escalations) sent by `now` about the records `ids`."""
    ids = sorted(set(ids))
    rows: list[tuple] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows += index.query(
            f"SELECT id, rule, step, to_role FROM notices WHERE at <= ? AND id IN ({','.join('?' * len(chunk))})",
            (now, *chunk))
    return rows


def late_deadlines(index, month: str, now: int) -> list[tuple]:
    """(id, kind, rule, clause, role, assignee, due, done) of the deadlines of records received in `month` that
    were met late or are overdue at `now` (the same counting as `on_time_by_rule`)."""
    return index.query(
        "SELECT id, kind, rule, clause, role, assignee, due, done FROM deadlines WHERE month=? AND start<=? "
        "AND (cancelled IS NULL OR cancelled > ? OR (done IS NOT NULL AND done <= ?)) "
        "AND ((done IS NOT NULL AND done <= ? AND done > due) OR ((done IS NULL OR done > ?) AND due < ?)) "
        "ORDER BY rule, due, id", (month, now, now, now, now, now, now))


def doc_of(index, record_id: str) -> str | None:
    """The indexed document (JSON text) of one record, None when the index does not know it."""
    rows = index.query("SELECT doc FROM records WHERE id=?", (record_id,))
    return rows[0][0] if rows else None


def field_values(index, kind: str, field: str) -> list[tuple[str, str]]:
    """(id, value) of the records of `kind` whose `field` is set, by id."""
    return index.query(f"SELECT id, json_extract(doc, '$.{field}') FROM records WHERE kind = ? "
                       f"AND json_extract(doc, '$.{field}') IS NOT NULL ORDER BY id", (kind,))


def _read_only(path, timeout: float):
    import sqlite3

    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)


def index_health(path) -> tuple[str, int, list[tuple[str, int, str]], int]:
    """The index file read-only, never rebuilt (`doctor`): (quick_check verdict, records, the first five damaged
    files as (path, line, message), how many are damaged). Raises sqlite3.Error when it cannot be read."""
    db = _read_only(path, 5)
    try:
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            return verdict, 0, [], 0
        count = db.execute("SELECT count(*) FROM records").fetchone()[0]
        damaged = db.execute("SELECT path, line, message FROM damaged ORDER BY path LIMIT 5").fetchall()
        total_damaged = db.execute("SELECT count(*) FROM damaged").fetchone()[0]
        return verdict, count, damaged, total_damaged
    finally:
        db.close()


def open_docs(path, kind: str | None, prefix: str, limit: int) -> list[tuple[str, str]]:
    """(id, doc) of the open records whose id starts with `prefix` (of `kind`, if given), newest first, straight
    from the index file read-only (shell completion: no lock, no rebuild); [] when it cannot be read."""
    import sqlite3

    try:
        db = _read_only(path, 1)
    except sqlite3.Error:
        return []
    try:
        sql = "SELECT id, doc FROM records WHERE open = 1 AND id LIKE ?"
        params: list = [prefix.upper().replace("%", "") + "%"]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return db.execute(sql + " ORDER BY received DESC, id DESC LIMIT ?", (*params, limit)).fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()


def docs_mentioning(index, text: str, except_id: str) -> list[tuple[str, str]]:
    """(doc, path) of the records whose document holds `text` (an id: the records that name a record, in a
    field or in an event), other than `except_id`; oldest first."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return index.query("SELECT doc, path FROM records WHERE doc LIKE :text ESCAPE '\\' AND id != :id "
                       "ORDER BY received, id", {"text": f"%{escaped}%", "id": except_id})


def first_received(index) -> int | None:
    """When the ledger's first record was received (epoch seconds), None when it holds none."""
    rows = index.query("SELECT MIN(received) FROM records", ())
    return rows[0][0] if rows and rows[0][0] is not None else None


def field_received_between(index, kind: str, field: str, start: int, end: int, now: int) -> list[tuple[int, str]]:
    """(received, `field`) of records of `kind` received in [start, end) and by `now`."""
    return index.query(f"SELECT received, json_extract(doc, '$.{field}') FROM records WHERE kind = :kind "
                       "AND received >= :start AND received < :end AND received <= :now",
                       {"kind": kind, "start": start, "end": end, "now": now})
