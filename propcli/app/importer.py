"""Reading `import` files: JSON Lines as `export` writes them, or CSV with a header row."""
import csv
import json

from propcli.app.derive import money_as_text
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.ids import new_id
from propcli.kinds import NAMES as KINDS
from propcli.model import Record, RecordProblem, record_from_plain
from propcli.timeutil import format_time, parse_time

DERIVED_KEYS = ("status", "open", "fee_total", "received", "deadlines", "callbacks", "voided", "corrections",
                "withdrawn")


class ImportedRecords(list):
    """The records of an import file, and which of their ids the import made up (they may be drawn again)."""

    def __init__(self):
        super().__init__()
        self.generated_ids: set[str] = set()


def _text(path) -> str:
    """The file's text; bad input naming FILE when it cannot be read or is not UTF-8."""
    try:
        if not path.is_file():
            raise BadInput(_("FILE: {path} does not exist or is not a file", path=path))
        data = path.read_bytes()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise BadInput(_("FILE: cannot read {path}: {reason}", path=path, reason=reason)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadInput(_("{file}:{line}: not UTF-8 text; nothing imported", file=path.name, line=line)) from None


def _rows(path):
    text = _text(path)
    if path.suffix.lower() == ".csv" or (text[:1] not in "{[" and "," in text.splitlines()[0] if text else False):
        reader = csv.DictReader(text.splitlines())
        for number, row in enumerate(reader, start=2):
            yield number, {k: v for k, v in row.items() if k and v not in (None, "")}
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise BadInput(_("{file}:{line}: not JSON ({error}); nothing imported", file=path.name, line=number,
                             error=error.msg)) from None


def _free_id(ledger, kind: str, received, taken: set) -> str:
    """A new id for a record imported without one: never one of the batch's, never one in the ledger. Ids
    carry the received second and 20 random bits, so records dated by day share a second by the thousand:
    collisions are drawn again (store.unit.create_many draws again under the lock too)."""
    for _attempt in range(1000):
        record_id = new_id(kind, received)
        if record_id not in taken and ledger.index.path_of(record_id) is None:
            return record_id
    raise BadInput(_("import: no free id left for {kind} records received at {at}; spread their times",
                     kind=kind, at=received.isoformat()))


def _visible_names(kind_name: str, plain: dict, where: str) -> None:
    """A name in an imported line holds no invisible or direction-changing character, as a typed one must not
    (issue 16, point 4: fields.visible_name); the roster is not asked, as an old paper register names people
    who have since left."""
    from propcli.kinds import kind
    from propcli.kinds.fields import PERSON_TAKES, visible_name

    declared = kind(kind_name)
    checks = [(plain, declared.new_options)]
    for event in plain["events"] if isinstance(plain["events"], list) else ():
        step = declared.step_named(event.get("step")) if isinstance(event, dict) else None
        if step is not None:
            checks.append((event, step.options))
    for values, options in checks:
        for option in options:
            given = values.get(option.key) if option.takes in PERSON_TAKES else None
            for value in given if isinstance(given, list) else (given,):
                if isinstance(value, str):
                    try:
                        visible_name(value, option.key)
                    except BadInput as error:
                        raise BadInput(f"{where}: {error.message}; " + _("nothing imported")) from None


def read_import(ledger, path, actor: str, now, progress=None) -> list[Record]:
    """The file's records, each checked like a command would check it; BadInput naming FILE:LINE otherwise.
    Records without an id get one (`generated_ids` of the returned list says which)."""
    records, seen = ImportedRecords(), set()
    rows = _rows(path)
    if progress is not None:
        rows = progress(list(rows))
    for number, row in rows:
        where = f"{path.name}:{number}"
        if not isinstance(row, dict):
            raise BadInput(_("{where}: expected an object per line; nothing imported", where=where))
        plain = {k: v for k, v in row.items() if k not in DERIVED_KEYS}
        kind = plain.get("kind")
        if kind not in KINDS:
            raise BadInput(_("{where}: kind: expected one of {kinds}; nothing imported", where=where,
                             kinds=", ".join(KINDS)))
        events = plain.get("events")
        if isinstance(events, str):
            try:
                events = json.loads(events)
            except json.JSONDecodeError:
                raise BadInput(_("{where}: events: expected a JSON list; nothing imported", where=where)) from None
        if not events:
            try:
                at = parse_time(plain.pop("at", None) or plain.pop("received", None) or now, ledger.tz, field="at")
            except BadInput as error:
                raise BadInput(f"{where}: {error.message}; " + _("nothing imported")) from None
            events = [{"step": "new", "at": format_time(at, ledger.tz), "by": plain.pop("by", None) or actor}]
        plain["events"] = events
        _visible_names(kind, plain, where)
        money_as_text(plain)
        plain["schema"] = 1
        if not plain.get("id"):
            first = events[0] if isinstance(events, list) and isinstance(events[0], dict) else {}
            try:
                first_at = parse_time(first.get("at") or now, ledger.tz, field="events[0].at")
            except BadInput as error:
                raise BadInput(f"{where}: {error.message}; " + _("nothing imported")) from None
            plain["id"] = _free_id(ledger, kind, first_at, seen)
            records.generated_ids.add(plain["id"])
        try:
            record = record_from_plain(plain, ledger.tz)
        except (RecordProblem, BadInput) as problem:
            raise BadInput(_("{where}: {message}; nothing imported", where=where, message=problem.message)) from None
        if record.last_at > now:
            raise BadInput(_("{where}: an event is later than now; nothing imported", where=where))
        if record.id in seen:
            raise BadInput(_("{where}: id {id} appears twice; nothing imported", where=where, id=record.id))
        seen.add(record.id)
        if ledger.index.path_of(record.id) is not None:
            raise BadInput(_("{where}: id {id} is already in the ledger; nothing imported", where=where, id=record.id))
        from propcli.app.checks import semantic_problems

        record = record.replace(path=ledger.record_relpath(record.kind, record.id, record.received))
        problems = semantic_problems(ledger, record)
        if problems:
            raise BadInput(_("{where}: {message}; nothing imported", where=where, message=problems[0]))
        records.append(record)
    return records
