"""`propcli check`: every problem as a value (propcli/problems.py: path, line, message), never raising."""
import os

from propcli.i18n import _
from propcli.model import RecordProblem, record_from_plain
from propcli.problems import Problem
from propcli.store import merge, yamlio


def check_policy(ledger) -> list[Problem]:
    text = ledger.file_text("policy.yaml")
    if not text:
        return [Problem("policy.yaml", 1, _("missing; copy it from the skeleton (propcli init)"))]
    return _settings_problems(ledger, "policy.yaml", text)


def _settings_problems(ledger, name: str, text: str) -> list[Problem]:
    """`FILE:LINE: message` for every problem of a settings file (the same checks that stop a command with
    exit 3, propcli/app/settings.py)."""
    from propcli.app import settings

    try:
        yamlio.parse_roundtrip(text, name)  # also finds a key given twice (a merge of two desks' edits)
        plain = yamlio.parse_plain(text, name)
    except yamlio.DamagedFile as error:
        return [Problem(name, error.line, error.problem)]
    return settings.located(ledger, name, settings.problems(name, plain))


def check_config_files(ledger) -> list[Problem]:
    problems = []
    for name in ("propcli.yaml", "prices.yaml", "staff.yaml", "calendar.yaml"):
        text = ledger.file_text(name)
        if name == "propcli.yaml":
            try:
                yamlio.parse_plain(text, name)
            except yamlio.DamagedFile as error:
                problems.append(Problem(name, error.line, error.problem))
        elif text:
            problems += _settings_problems(ledger, name, text)
    return problems


def check_record_file(ledger, relpath: str, known_ids: dict, semantic: bool = True) -> list[Problem]:
    path = ledger.root / relpath
    try:
        text = yamlio.read_text(path, relpath)  # refuses invalid UTF-8, links and oversized files (path:line)
        plain = yamlio.parse_plain(text, relpath)
        record = record_from_plain(plain, ledger.tz, relpath)
    except yamlio.DamagedFile as error:
        return [Problem(relpath, error.line, error.problem)]
    except UnicodeDecodeError:
        return [Problem(relpath, 1, _("not UTF-8 text"))]
    except RecordProblem as problem:
        line = 1
        try:
            document = yamlio.parse_roundtrip(text, relpath)
            line = yamlio.line_of(document, problem.key) if problem.key else 1
            if problem.event_index is not None:
                line = document["events"].lc.item(problem.event_index)[0] + 1
        except Exception:
            pass
        return [Problem(relpath, line, problem.message)]
    problems = []
    expected = ledger.record_relpath(record.kind, record.id, record.received)
    if expected != relpath:
        problems.append(Problem(relpath, 1, _("should be at {expected} for its id and received time",
                                              expected=expected)))
    if record.id in known_ids:
        problems.append(Problem(relpath, 1, _("id {id} is also used by {other}", id=record.id,
                                              other=known_ids[record.id])))
    known_ids[record.id] = relpath
    problems += merge.conflict_messages(relpath, text)  # fields two desks changed differently (store/merge.py)
    if not semantic:  # a settings file is malformed (listed first): the steps cannot be judged against it
        return problems
    try:
        found = semantic_problems(ledger, record, with_index=True)
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as error:  # values no rule expected
        return problems + [Problem(relpath, 1, _("cannot be checked: {error}",
                                                 error=f"{type(error).__name__}: {error}"))]
    if found:
        document = yamlio.parse_roundtrip(text, relpath)
        for number, message in found:
            try:
                line = document["events"].lc.item(number)[0] + 1
            except Exception:
                line = 1
            problems.append(Problem(relpath, line, message))
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


def check_ledger(ledger, now=None) -> list[Problem]:
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
                problems.append(Problem(relpath, 1, _("not a record file (expected <id>.yaml)")))
                continue
            problems += check_record_file(ledger, relpath, known, usable)
    return problems


def check_history(ledger) -> list[Problem]:
    """`check --history` (CLI.md "Correcting the register"): every commit of the branch that deleted a record
    file, removed or changed an event, or changed an id or kind, as `path:commit: message` (store/history.py;
    docs/history.md)."""
    from propcli.store import history

    return [Problem(rewrite.path, rewrite.commit[:12], rewrite.message)
            for rewrite in history.branch_rewrites(ledger.git, ledger.state_dir)]
