"""Every change to the ledger: one atomic file write and one git commit, under the ledger lock."""
from datetime import datetime
from types import MappingProxyType

from propcli.store import merge, yamlio
from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _
from propcli.ids import new_id
from propcli.model import Event, Record, RecordProblem, record_from_plain, record_to_plain


def commit_message(record: Record, step: str, summary: str | None = None) -> str:
    lines = [f"{record.kind} {record.id}: {step}"]
    if summary:
        lines += ["", summary]
    lines += ["", f"Record: {record.id}", f"Step: {step}"]
    return "\n".join(lines) + "\n"


def check_event_time(at: datetime, now: datetime, record: Record | None = None, field: str = "--at") -> None:
    """CLI.md "Records, events and times": never later than --now, never back in time within a record."""
    if at > now:
        raise BadInput(_("{field}: {at} is later than now ({now}); events cannot be recorded in the future",
                         field=field, at=at.isoformat(), now=now.isoformat()))
    if record is not None:
        if record.last_at > now:
            raise BadInput(_("{id}: already has an event at {last}, later than now ({now}); a change would go back in time",
                             id=record.id, last=record.last_at.isoformat(), now=now.isoformat()))
        if at < record.last_at:
            raise BadInput(_("{field}: {at} is before the record's last event ({last}); events never go back in time",
                             field=field, at=at.isoformat(), last=record.last_at.isoformat()))


def check_hand_edit(ledger, relpath: str) -> None:
    """An uncommitted hand edit is committed only when it passes `check`; otherwise exit 3 (CLI.md)."""
    from propcli.store import schema

    problems = schema.current().record_file_problems(ledger, relpath)
    if problems:
        raise LedgerUnusable(_("{problem} (an uncommitted hand edit; fix it or undo it with git checkout)",
                               problem=problems[0]))


def _commit(ledger, paths: list[str], message: str, by: str) -> str:
    return ledger.git.commit(paths, message, by, ledger.email_of(by))


def _after_commit(ledger, parent: str | None, sha: str) -> None:
    index = ledger.index
    if index.meta("head") == (parent or ""):
        index.set_meta("head", sha)


def create(ledger, kind: str, fields: dict, at: datetime, by: str, now: datetime,
           first_event: dict | None = None, summary: str | None = None) -> Record:
    """A new record file with its `new` event, in one commit (`summary`: the commit body, by default the
    record's item or detail)."""
    check_event_time(at, now)
    event = Event("new", at, by, MappingProxyType(dict(first_event or {})))
    with ledger.lock():
        index = ledger.index.fresh()
        for _attempt in range(20):
            record_id = new_id(kind, at)
            relpath = ledger.record_relpath(kind, record_id, at)
            if index.path_of(record_id) is None and not (ledger.root / relpath).exists():
                break
        record = Record(kind, record_id, MappingProxyType(dict(fields)), (event,), relpath)
        text = yamlio.dump_new(record_to_plain(record, ledger.tz))
        path = ledger.path_of(relpath)
        yamlio.write_atomic(path, text)
        parent = ledger.git.head()
        try:
            sha = _commit(ledger, [relpath], commit_message(record, "new", summary or fields.get("item") or fields.get("detail")), by)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        _after_commit(ledger, parent, sha)
        stat = path.stat()
        with index.transaction():
            index.put(record, stat.st_mtime_ns, stat.st_size)
            index.written(relpath)
    return record


def update_file(ledger, relpath: str, change, by: str) -> str:
    """A ledger file that is not a record (e.g. forms/repair-order.yaml) rewritten and committed alone, under
    the lock: `change(current text or None) -> (new text, commit message)` may refuse (BadInput) before
    anything is written; a failed commit puts the file back. Returns the commit."""
    with ledger.lock():
        path = ledger.path_of(relpath)
        original = path.read_text(encoding="utf-8") if path.is_file() else None
        text, message = change(original)
        yamlio.write_atomic(path, text)
        parent = ledger.git.head()
        try:
            sha = _commit(ledger, [relpath], message, by)
        except BaseException:
            if original is None:
                path.unlink(missing_ok=True)
            else:
                yamlio.write_atomic(path, original)
            raise
        _after_commit(ledger, parent, sha)
    return sha


def load_at(ledger, record_id: str, commit: str) -> Record:
    """The record as its file was at `commit` (a printed form's QR code names it): exit 2 when that
    commit is not in the ledger or the record did not exist in it yet."""
    relpath = ledger.index.path_of(record_id)
    if relpath is None:
        raise BadInput(_("ID: no record '{value}' in this ledger", value=record_id))
    found = ledger.git.run("rev-parse", "-q", "--verify", f"{commit}^{{commit}}", check=False).strip()
    if not found:
        raise BadInput(_("ID: commit {commit} is not in this ledger's history (a form printed from another clone?)",
                         commit=commit))
    text = ledger.git.run("show", f"{found}:{relpath}", check=False)
    if not text:
        raise BadInput(_("ID: {id} did not exist yet at commit {commit}", id=record_id, commit=commit))
    try:
        return record_from_plain(yamlio.parse_plain(text, relpath), ledger.tz, relpath)
    except (RecordProblem, yamlio.DamagedFile) as problem:
        raise LedgerUnusable(_("{path}:1: {message} (at commit {commit})", path=relpath,
                               message=getattr(problem, "message", str(problem)), commit=commit)) from None


def load(ledger, record_id: str) -> Record:
    """The record as its file says now; a damaged file is exit 3 for this record only."""
    relpath = ledger.index.path_of(record_id)
    if relpath is None:
        damaged = [d for d in ledger.index.damaged() if record_id in d[0]]
        if damaged:
            path, line, message = damaged[0]
            raise LedgerUnusable(_("{path}:{line}: {message}", path=path, line=line, message=message))
        raise BadInput(_("ID: no record '{value}' in this ledger", value=record_id))
    path = ledger.path_of(relpath)
    try:
        return record_from_plain(yamlio.read_plain_file(path), ledger.tz, relpath)
    except RecordProblem as problem:
        raise LedgerUnusable(_("{path}:1: {message}", path=relpath, message=problem.message)) from None


def append(ledger, record_id: str, step: str, data: dict, at: datetime | None, by: str, now: datetime,
           validate=None, summary: str | None = None) -> Record:
    """Append one event to a record and commit it; `validate(record, event)` may refuse (exit 2)."""
    with ledger.lock():
        index = ledger.index.fresh()
        record = load(ledger, record_id)
        merge.refuse_conflicted(ledger, record)  # two desks changed a field differently: resolve first (exit 3)
        relpath = record.path
        hand_edited = index.is_dirty(relpath) and ledger.git.is_modified(relpath)
        if hand_edited:
            check_hand_edit(ledger, relpath)
        at = at or now
        check_event_time(at, now, record)
        event = Event(step, at, by, MappingProxyType({k: v for k, v in data.items() if v is not None}))
        if validate is not None:
            validate(record, event)
        path = ledger.path_of(relpath)
        original = path.read_text(encoding="utf-8")
        if hand_edited:
            parent = ledger.git.head()
            _after_commit(ledger, parent, _commit(ledger, [relpath], commit_message(record, "hand edit"), by))
        document = yamlio.parse_roundtrip(original, relpath)
        document["events"].append(event.to_plain(ledger.tz))
        yamlio.write_atomic(path, yamlio.dump(document))
        parent = ledger.git.head()
        try:
            sha = _commit(ledger, [relpath], commit_message(record, step, summary), by)
        except BaseException:
            yamlio.write_atomic(path, original)
            raise
        _after_commit(ledger, parent, sha)
        updated = record.with_event(event)
        stat = path.stat()
        with index.transaction():
            index.put(updated, stat.st_mtime_ns, stat.st_size)
            index.written(relpath)
    return updated


def create_many(ledger, records: list[Record], by: str, message: str, progress=None) -> list[Record]:
    """Several new records in one commit (import); all or nothing. `progress(records)` wraps the writing."""
    with ledger.lock():
        index = ledger.index.fresh()
        written = []
        try:
            for record in (progress(records) if progress else records):
                if index.path_of(record.id) is not None or (ledger.root / record.path).exists():
                    raise BadInput(_("id: {id} is already in the ledger; nothing imported", id=record.id))
                path = ledger.path_of(record.path)
                yamlio.write_atomic(path, yamlio.dump_new(record_to_plain(record, ledger.tz)))
                written.append(path)
            parent = ledger.git.head()
            sha = ledger.git.commit([r.path for r in records], message, by, ledger.email_of(by))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        _after_commit(ledger, parent, sha)
        with index.transaction():
            for record, path in zip(records, written):
                stat = path.stat()
                index.put(record, stat.st_mtime_ns, stat.st_size)
            index.written([r.path for r in records])
    return records


def append_many(ledger, events_by_id: dict, by: str, now: datetime, message: str) -> None:
    """Append events to several records in ONE commit (the overdue mail's notices); all or nothing."""
    if not any(events_by_id.values()):
        return
    with ledger.lock():
        index = ledger.index.fresh()
        records = {}
        for record_id, events in events_by_id.items():
            if not events:
                continue
            record = load(ledger, record_id)
            for event in events:
                check_event_time(event.at, now, record, field="at")
            records[record_id] = (record, list(events))
        hand_edited = sorted(r.path for r, _events in records.values()
                             if index.is_dirty(r.path) and ledger.git.is_modified(r.path))
        if hand_edited:
            for relpath in hand_edited:
                check_hand_edit(ledger, relpath)
            parent = ledger.git.head()
            _after_commit(ledger, parent, _commit(ledger, hand_edited, "hand edits\n", by))
        originals = {}
        try:
            for record, events in records.values():
                path = ledger.path_of(record.path)
                original = path.read_text(encoding="utf-8")
                document = yamlio.parse_roundtrip(original, record.path)
                for event in events:
                    document["events"].append(event.to_plain(ledger.tz))
                originals[path] = original
                yamlio.write_atomic(path, yamlio.dump(document))
            parent = ledger.git.head()
            sha = _commit(ledger, sorted(r.path for r, _events in records.values()), message, by)
        except BaseException:
            for path, original in originals.items():
                yamlio.write_atomic(path, original)
            raise
        _after_commit(ledger, parent, sha)
        with index.transaction():
            for record, events in records.values():
                updated = record
                for event in events:
                    updated = updated.with_event(event)
                stat = ledger.path_of(record.path).stat()
                index.put(updated, stat.st_mtime_ns, stat.st_size)
            index.written([r.path for r, _events in records.values()])


def change(ledger, by: str, now: datetime, message: str, appends=(), creates=(), validate=None) -> dict:
    """Events appended to existing records AND new records created, in ONE commit; all or nothing (a
    complaint handled with its callback, a dissatisfied callback with the next one, an open letter with
    the callbacks it answers).

    `appends`: (record_id, step, data, at) tuples, `at` None meaning `now`; `creates`: Records with their
    ids chosen by the caller (`new_id`). `validate(records)` gets {id: Record as its file says now, before
    the change} under the lock and may refuse (exit 2, nothing written). Returns {id: Record after}."""
    with ledger.lock():
        index = ledger.index.fresh()
        current: dict = {}
        for record_id, _step, _data, _at in appends:
            if record_id not in current:
                current[record_id] = load(ledger, record_id)
        for record in creates:
            if index.path_of(record.id) is not None or (ledger.root / record.path).exists():
                raise BadInput(_("id: {id} is already in the ledger; nothing written", id=record.id))
            check_event_time(record.received, now)
        if validate is not None:
            validate(dict(current))
        updated = dict(current)
        for record_id, step, data, at in appends:
            event = Event(step, at or now, by, MappingProxyType({k: v for k, v in data.items() if v is not None}))
            check_event_time(event.at, now, updated[record_id])
            updated[record_id] = updated[record_id].with_event(event)
        hand_edited = sorted(r.path for r in current.values() if index.is_dirty(r.path) and ledger.git.is_modified(r.path))
        for relpath in hand_edited:
            check_hand_edit(ledger, relpath)
        if hand_edited:
            parent = ledger.git.head()
            _after_commit(ledger, parent, _commit(ledger, hand_edited, "hand edits\n", by))
        originals, written = {}, []
        try:
            for record_id, record in current.items():
                path = ledger.path_of(record.path)
                original = path.read_text(encoding="utf-8")
                document = yamlio.parse_roundtrip(original, record.path)
                for event in updated[record_id].events[len(record.events):]:
                    document["events"].append(event.to_plain(ledger.tz))
                originals[path] = original
                yamlio.write_atomic(path, yamlio.dump(document))
            for record in creates:
                path = ledger.path_of(record.path)
                yamlio.write_atomic(path, yamlio.dump_new(record_to_plain(record, ledger.tz)))
                written.append(path)
            parent = ledger.git.head()
            sha = _commit(ledger, sorted([r.path for r in current.values()] + [r.path for r in creates]), message, by)
        except BaseException:
            for path, original in originals.items():
                yamlio.write_atomic(path, original)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        _after_commit(ledger, parent, sha)
        with index.transaction():
            for record in [*(updated[i] for i in current), *creates]:
                stat = ledger.path_of(record.path).stat()
                index.put(record, stat.st_mtime_ns, stat.st_size)
            index.written([r.path for r in current.values()] + [r.path for r in creates])
        for record in creates:
            updated[record.id] = record
    return updated
