"""`propcli check`: every problem as `path:line: message`, never raising."""
import os

from propcli.store import merge, yamlio
from propcli.i18n import _
from propcli.model import RecordProblem, record_from_plain


def check_policy(ledger) -> list[str]:
    text = ledger.file_text("policy.yaml")
    if not text:
        return [_("policy.yaml:1: missing; copy it from the skeleton (propcli init)")]
    return _settings_problems(ledger, "policy.yaml", text)


def _settings_problems(ledger, name: str, text: str) -> list[str]:
    """`FILE:LINE: message` for every problem of a settings file (the same checks that stop a command with
    exit 3, propcli/app/settings.py)."""
    from propcli.app import settings

    try:
        yamlio.parse_roundtrip(text, name)  # also finds a key given twice (a merge of two desks' edits)
        plain = yamlio.parse_plain(text, name)
    except yamlio.DamagedFile as error:
        return [f"{name}:{error.line}: {error.problem}"]
    return settings.located(ledger, name, settings.problems(name, plain))


def check_config_files(ledger) -> list[str]:
    problems = []
    for name in ("propcli.yaml", "prices.yaml", "staff.yaml", "calendar.yaml"):
        text = ledger.file_text(name)
        if name == "propcli.yaml":
            try:
                yamlio.parse_plain(text, name)
            except yamlio.DamagedFile as error:
                problems.append(f"{name}:{error.line}: {error.problem}")
        elif text:
            problems += _settings_problems(ledger, name, text)
    return problems


def check_record_file(ledger, relpath: str, known_ids: dict, semantic: bool = True) -> list[str]:
    path = ledger.root / relpath
    try:
        text = yamlio.read_text(path, relpath)  # refuses invalid UTF-8, links and oversized files (path:line)
        plain = yamlio.parse_plain(text, relpath)
        record = record_from_plain(plain, ledger.tz, relpath)
    except yamlio.DamagedFile as error:
        return [f"{relpath}:{error.line}: {error.problem}"]
    except UnicodeDecodeError:
        return [_("{path}:1: not UTF-8 text", path=relpath)]
    except RecordProblem as problem:
        line = 1
        try:
            document = yamlio.parse_roundtrip(text, relpath)
            line = yamlio.line_of(document, problem.key) if problem.key else 1
            if problem.event_index is not None:
                line = document["events"].lc.item(problem.event_index)[0] + 1
        except Exception:
            pass
        return [f"{relpath}:{line}: {problem.message}"]
    problems = []
    expected = ledger.record_relpath(record.kind, record.id, record.received)
    if expected != relpath:
        problems.append(_("{path}:1: should be at {expected} for its id and received time", path=relpath,
                          expected=expected))
    if record.id in known_ids:
        problems.append(_("{path}:1: id {id} is also used by {other}", path=relpath, id=record.id,
                          other=known_ids[record.id]))
    known_ids[record.id] = relpath
    problems += merge.conflict_messages(relpath, text)  # fields two desks changed differently (store/merge.py)
    if not semantic:  # a settings file is malformed (listed first): the steps cannot be judged against it
        return problems
    try:
        found = semantic_problems(ledger, record, with_index=True)
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as error:  # values no rule expected
        return problems + [_("{path}:1: cannot be checked: {error}", path=relpath,
                             error=f"{type(error).__name__}: {error}")]
    if found:
        document = yamlio.parse_roundtrip(text, relpath)
        for number, message in found:
            try:
                line = document["events"].lc.item(number)[0] + 1
            except Exception:
                line = 1
            problems.append(f"{relpath}:{line}: {message}")
    return problems


def semantic_problems(ledger, record, with_index: bool = False) -> list:
    """Steps the procedure does not allow, replayed from the events (the same rules as the commands, from
    the record's kind)."""
    from propcli import kinds
    from propcli.errors import BadInput
    from propcli.model import SIDE_STEPS, Record

    declared = kinds.kind(record.kind)
    problems = [((n, m) if with_index else m) for n, m in amend_problems(record)]
    if declared.check_step is None and not declared.steps:
        return problems
    for number in range(1, len(record.events)):  # the events that count: withdrawn ones are not replayed
        event = record.events[number]
        if event.step in SIDE_STEPS:
            continue
        before = Record(record.kind, record.id, record.fields, record.events[:number], record.path)
        try:
            declared.check_event(before, event)
        except BadInput as error:
            position = record.position(event)
            message = _("events[{n}]: {message}", n=position, message=error.message)
            problems.append((position, message) if with_index else message)
    return problems


def amend_problems(record) -> list[tuple[int, str]]:
    """`correct`, `undo` and `void` events as CLI.md "Correcting the register" writes them (propcli/amend.py)."""
    from propcli import amend

    events = record.all_events
    withdrawn = amend.withdrawn_indexes(events)
    problems = []
    for number, event in enumerate(events):
        if event.step == "undo" and withdrawn.get(event.get("undoes")) != number:
            problems.append((number, _("events[{n}].undoes: expected the index of an earlier step still in force "
                                       "(not new, not an undo)",
                                       n=number)))
        elif event.step == "correct" and not amend.changes_of(event):
            problems.append((number, _("events[{n}].changes: expected FIELD: [OLD, NEW] of the corrected fields",
                                       n=number)))
        if event.step in amend.AMEND_STEPS and not str(event.get("reason") or "").strip():
            problems.append((number, _("events[{n}].reason: expected why the register was amended", n=number)))
    return problems


def check_ledger(ledger, now=None) -> list[str]:
    from propcli.app.formbook import unused_problems

    settings = check_config_files(ledger) + check_policy(ledger)
    usable = not settings  # the index and the steps' checks need well-formed settings (else exit 3)
    problems = settings + (unused_problems(ledger, now) if usable else [])
    known: dict = {}
    root = ledger.root / "records"
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name == ".gitkeep":
                continue
            relpath = os.path.relpath(os.path.join(folder, name), ledger.root).replace(os.sep, "/")
            if not name.endswith(".yaml"):
                problems.append(_("{path}:1: not a record file (expected <id>.yaml)", path=relpath))
                continue
            problems += check_record_file(ledger, relpath, known, usable)
    return problems


def check_history(ledger) -> list[str]:
    """`check --history` (CLI.md "Correcting the register"): every commit of the branch that deleted a record
    file, removed or changed an event, or changed an id or kind, as `path:commit: message` (store/history.py;
    docs/history.md)."""
    from propcli.store import history

    return [rewrite.line() for rewrite in history.branch_rewrites(ledger.git, ledger.state_dir)]
