"""Several desks and offices on one ledger (issue 12): `sync`, `clone` and `resolve`, no printing.

Each desk works on its own clone, offline when the network is down; they meet in a shared git remote. `sync`
commits what was edited by hand (when it passes `check`), fetches, merges the remote's changes (record files
through the record merge driver of store/merge.py, the settings files through git's own text merge), and
pushes; a push refused because the remote moved meanwhile is tried again after a new fetch and merge. The
ledger lock is held only while the work tree changes (committing, merging), never across the network.
"""
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import propcli.app.schema  # noqa: F401  (the record schema the store calls: index columns, file checks)
import propcli.kinds  # noqa: F401  (the kinds' id prefixes, to read record files)
from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _
from propcli.store import merge as record_merge
from propcli.store import remote as remote_git

CONFIG_FILES = ("propcli.yaml", "policy.yaml", "staff.yaml", "prices.yaml", "calendar.yaml")
ROUNDS = 5
"""Fetch-merge-push rounds before giving up on a remote that keeps moving."""


@dataclass
class SyncReport:
    remote: str
    incoming: int = 0
    outgoing: int = 0
    conflicts: list[str] = field(default_factory=list)
    """`path:line: message` for each field in conflict, in the whole ledger after the sync."""
    conflicted_records: int = 0
    problems: list[str] = field(default_factory=list)
    """What `check` says about the merged files (records changed on both sides, the settings files)."""
    warnings: list[str] = field(default_factory=list)
    """Hand edits left uncommitted because they do not pass `check`."""

    def summary(self) -> str:
        return _("synced with {remote}: records in {incoming}, records out {outgoing}, conflicts {conflicts}",
                 remote=self.remote, incoming=self.incoming, outgoing=self.outgoing,
                 conflicts=self.conflicted_records)


# --- sync ---------------------------------------------------------------------------------------

def sync(session, remote_name: str | None = None) -> SyncReport:
    from propcli.store.ledger import Ledger

    ledger = session.ledger
    git = ledger.git
    settings = ledger.config.get("sync")
    configured = settings.get("remote") if isinstance(settings, dict) else None
    name = remote_name or str(configured or "origin")
    if remote_git.remote_url(git, name) is None:
        raise LedgerUnusable(_("no remote '{remote}' to sync with; add the office's shared repository: git remote add "
                               "{remote} URL",
                               remote=name))
    branch = remote_git.current_branch(git)
    if branch is None:
        raise LedgerUnusable(_("the ledger is not on a branch (a detached HEAD); check out its branch, e.g. git "
                               "checkout main"))
    actor = session.actor
    email = ledger.email_of(actor) or "propcli@localhost"
    report = SyncReport(name)
    from propcli.store.unit import guarded, recover

    with ledger.lock():
        recover(ledger)  # a killed sync's half-made merge and the git locks it left (docs/history.md)
    _prepare(ledger)
    with guarded(ledger):
        report.warnings += commit_local(ledger, actor)
    incoming: set[str] = set()
    kept = kept_here()
    for _round in range(ROUNDS):
        try:
            tip = remote_git.fetch(git, name, branch)
        except remote_git.Unreachable as error:
            raise LedgerUnusable(_("{problem}; {kept}; run propcli sync again when it can be reached",
                                   problem=error.message, kept=kept)) from None
        with ledger.lock():
            head = git.head()
            if tip is not None and not remote_git.is_ancestor(git, tip, head):
                refuse_rewrites(git, name, branch, head, tip)
                incoming |= _merge(ledger, name, branch, tip, actor, email, report)
            sha = git.head()
        if tip == sha:
            break
        try:
            remote_git.push(git, name, sha, branch)
        except remote_git.PushFailed as failure:
            try:
                moved = remote_git.fetch(git, name, branch)
            except remote_git.Unreachable as error:
                raise LedgerUnusable(_("{problem}; {kept}; run propcli sync again when it can be reached",
                                       problem=error.message, kept=kept)) from None
            if moved is not None and not remote_git.is_ancestor(git, moved, sha):
                continue  # another desk pushed meanwhile: merge that too, then push again
            raise LedgerUnusable(_("{problem}; {kept}", problem=failure.message, kept=kept)) from None
        report.outgoing = len(remote_git.record_paths(remote_git.changed_paths(git, tip, sha)))
        break
    else:
        raise LedgerUnusable(_("the remote {remote} kept moving while this desk synced ({rounds} tries); {kept}; sync "
                               "again",
                               remote=name, rounds=ROUNDS, kept=kept))
    report.incoming = len(incoming)
    final = Ledger(ledger.root)
    report.conflicts, report.conflicted_records = conflicts(final)
    return report


class HistoryRefused(LedgerUnusable):
    """The remote would bring in a rewritten record or a change to the merge settings (exit 3, nothing merged,
    nothing pushed); `problems` holds one `path:commit: message` line each."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


def refuse_rewrites(git, name: str, branch: str, head: str, tip: str) -> None:
    """CLI.md "Correcting the register": sync runs `check --history`'s test on the commits it would bring in
    (reachable from the remote tip, not from HEAD) and refuses a record file deleted, an event removed or
    changed, an id or kind changed, and any remote change to .gitattributes or the merge settings, before
    anything is merged (docs/history.md)."""
    from propcli.store import history

    records, settings = history.incoming(git, head, tip)
    found = settings + records
    if not found:
        return
    first = found[0]
    raise HistoryRefused(
        _("sync refused: the remote {remote}/{branch} (at {tip}) rewrites the register: commit {commit} {problem} ({path}); "  # noqa: E501
          "nothing was merged or pushed, this desk is as it was; a record changes only by appending events (docs/history.md)",  # noqa: E501
          remote=name, branch=branch, tip=tip[:12], commit=first.commit[:12], problem=first.message, path=first.path),
        [rewrite.line() for rewrite in found])


def kept_here() -> str:
    return _("everything local is kept and committed here")


def _prepare(ledger) -> None:
    """A merge left unfinished by hand is not ours to finish; the merge driver must be there."""
    if (ledger.git.git_dir / "MERGE_HEAD").exists():
        raise LedgerUnusable(_("an unfinished git merge in {path}; finish it (git commit) or undo it (git merge "
                               "--abort)",
                               path=ledger.root))
    if not remote_git.driver_ready(ledger.git):
        from propcli.app.services import ensure_local_setup

        (ledger.state_dir / "configured").unlink(missing_ok=True)
        ensure_local_setup(ledger)


def _merge(ledger, name: str, branch: str, tip: str, actor: str, email: str, report: SyncReport) -> set[str]:
    """Merge the remote tip into HEAD (under the ledger lock); the record files it brought in."""
    from propcli.store.ledger import Ledger

    git = ledger.git
    head = git.head()
    base = remote_git.merge_base(git, head, tip)
    if base is None:
        raise LedgerUnusable(_("the remote {remote} holds another ledger (no common history); nothing was merged",
                               remote=name))
    both = (set(remote_git.record_paths(remote_git.changed_paths(git, base, head)))
            & set(remote_git.record_paths(remote_git.changed_paths(git, base, tip))))
    message = f"sync: merge {name}/{branch}\n\nStep: sync\n"
    from propcli.store.unit import guarded

    dirty = set(git.changed_paths("."))  # git refuses to merge over these; a killed merge never wrote them
    writes = [p for p in remote_git.changed_paths(git, base, tip, under=".") if p not in dirty]
    try:
        with guarded(ledger, merge={"before": head, "paths": writes}):  # killed inside: the next command undoes it
            merged = remote_git.merge(git, tip, message, actor, email)
    except remote_git.MergeStopped as stopped:
        shown = " ".join(stopped.paths) if stopped.paths else "."
        raise LedgerUnusable(_("sync stopped: {problem}; nothing was merged, {kept}; compare: git diff HEAD "
                               "{remote}/{branch} -- {paths}",
                               kept=kept_here(), problem=stopped.message, remote=name, branch=branch,
                               paths=shown)) from None
    changed = remote_git.changed_paths(git, merged.before, merged.after, under=".")
    after = Ledger(ledger.root)
    after.index.fresh()  # HEAD moved: the index re-reads the files the merge changed
    report.problems += _problems_after_merge(after, sorted(both), changed)
    return set(remote_git.record_paths(changed))


def _problems_after_merge(ledger, both: list[str], changed: list[str]) -> list:
    """`check` on what the merge combined: records changed on both desks (two desks may each have recorded the
    same step), and the settings files when the remote changed them."""
    from propcli.app.checks import check_config_files, check_policy, check_record_file

    problems = []
    for relpath in both:
        if (ledger.root / relpath).is_file():
            problems += _without_conflicts(ledger, relpath, check_record_file(ledger, relpath, {}))
    if set(changed) & set(CONFIG_FILES):
        problems += check_config_files(ledger) + check_policy(ledger)
    return problems


def _without_conflicts(ledger, relpath: str, problems: list) -> list:
    """Problems of a record file other than its recorded conflicts (those are listed on their own)."""
    try:
        text = (ledger.root / relpath).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return problems
    known = set(record_merge.conflict_messages(relpath, text))
    return [p for p in problems if p not in known]


def commit_local(ledger, actor: str) -> list[str]:
    """Commit what was edited in the work tree and not yet committed (hand edits of records and settings), in
    one commit, so a sync keeps everything local. A file that does not pass `check` stays uncommitted, with a
    warning (it is not sent to other desks); files of one's own (untracked, outside records/) are left alone."""
    from propcli.app.checks import check_config_files, check_policy
    from propcli.store import schema

    git = ledger.git
    out = git.run("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    commit, warnings, settings_problems = [], [], None
    for entry in out.split("\0"):
        if len(entry) <= 3:
            continue
        code, relpath = entry[:2], entry[3:]
        untracked, deleted = code == "??", "D" in code
        if relpath.startswith("records/"):
            if deleted:
                warnings.append(_("{path}: deleted by hand; not synced (bring it back with: git checkout -- {path})",
                                  path=relpath))
                continue
            if relpath.endswith("/.gitkeep"):
                commit.append(relpath)
                continue
            problems = _without_conflicts(ledger, relpath, schema.current().record_file_problems(ledger, relpath))
            if not problems and not untracked:
                problems = _rewrites_by_hand(ledger, relpath)
        elif untracked:
            continue
        elif relpath in CONFIG_FILES:
            if deleted:
                warnings.append(_("{path}: deleted by hand; not synced (bring it back with: git checkout -- {path})",
                                  path=relpath))
                continue
            if settings_problems is None:
                settings_problems = check_config_files(ledger) + check_policy(ledger)
            problems = [p for p in settings_problems if p.path == relpath]
        else:
            problems = []
        if problems:
            warnings.append(_("{problem} (an uncommitted hand edit, not synced; fix it, or undo it with: git checkout "
                              "-- {path})",
                              problem=problems[0], path=relpath))
        else:
            commit.append(relpath)
    if commit:
        git.commit(sorted(commit), "sync: hand edits\n\nStep: sync\n", actor, ledger.email_of(actor))
    return warnings


def _rewrites_by_hand(ledger, relpath: str) -> list[str]:
    """A hand edit that would rewrite the record's history (docs/history.md) stays uncommitted, with a warning."""
    from propcli.store import history

    try:
        text = (ledger.root / relpath).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    problem = history.hand_edit_problem(ledger.git, relpath, text)
    return [f"{relpath}: {problem}"] if problem else []


def conflicts(ledger) -> tuple[list, int]:
    """Every unresolved conflict of the ledger (`path:line: message`) and how many records have one."""
    from propcli.store import queries

    messages, records = [], 0
    for relpath in queries.conflicted_paths(ledger.index):
        try:
            text = (ledger.root / relpath).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = record_merge.conflict_messages(relpath, text)
        if found:
            records += 1
            messages += found
    return messages, records


# --- clone --------------------------------------------------------------------------------------

def clone(url: str, path: str) -> tuple[Path, int]:
    """A clone that is a working ledger at once: git settings, the record merge driver, the index built."""
    from propcli.app.services import ensure_local_setup
    from propcli.store.git import Git
    from propcli.store.ledger import Ledger

    if not url or not url.strip() or not url.strip().isprintable():
        raise BadInput(_("URL: expected the shared repository, e.g. /mnt/share/hy01.git or ssh://server/hy01.git"))
    try:
        if not path or "\0" in path or not path.isprintable():
            raise ValueError(path)
        target = Path(path).absolute()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise BadInput(_("PATH: {path} already exists and is not empty; give a new folder", path=path))
        existed = target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as error:  # a NUL, a name too long, a path through a file
        raise BadInput(_("PATH: {path} cannot be used ({error})", path=path,
                         error=getattr(error, "strerror", None) or _("not a folder name"))) from None
    remote_git.clone(url.strip(), target)
    git = Git(target)
    if not (target / "propcli.yaml").is_file():
        _check_out_ledger_branch(git)
    if not (target / "propcli.yaml").is_file():
        shutil.rmtree(target)
        if existed:
            target.mkdir()
        raise LedgerUnusable(_("{url} holds no ledger (no propcli.yaml); push one there first with propcli sync",
                               url=url))
    ledger = Ledger(target)
    ensure_local_setup(ledger)
    return target, ledger.index.rebuild()


def _check_out_ledger_branch(git) -> None:
    """A bare repository whose HEAD names a branch nobody pushed (`master` while the ledger is on `main`):
    check out `main`, or the only branch there is."""
    names = [n for n in git.run("for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/",
                                check=False).split() if n != "HEAD"]
    chosen = "main" if "main" in names else (names[0] if len(names) == 1 else None)
    if chosen:
        git.run("checkout", "-q", "-B", chosen, "--track", f"origin/{chosen}", check=False)


# --- resolve ------------------------------------------------------------------------------------

def resolve(session, text_id: str, field_name: str | None, value: str, at_text: str | None = None) -> dict:
    """Settle a field two desks changed differently: set it, drop its conflict entry, and record a note saying
    so, in one commit (through the unit of work, store.unit.edit). Exit 2 when the record has no such conflict."""
    from types import MappingProxyType

    from propcli.app.services import show
    from propcli.model import Event
    from propcli.store import schema, yamlio
    from propcli.store.unit import commit_message, edit

    ledger = session.ledger
    record_id = ledger.resolve(text_id)
    actor = session.actor

    def settle(record, document, text, at):
        nonlocal field_name
        found = record_merge.conflicts_in(yamlio.parse_plain(text, record.path))
        if not found:
            raise BadInput(_("ID: {id} has no conflict to resolve", id=record_id))
        fields = [c["field"] for c in found]
        if field_name is None:
            if len(found) > 1:
                raise BadInput(_("--field: {id} has conflicts on {fields}; name the one to resolve",
                                 id=record_id, fields=", ".join(fields)))
            field_name = fields[0]
        conflict = next((c for c in found if c["field"] == field_name), None)
        if conflict is None:
            raise BadInput(_("--field: {id} has no conflict on '{field}'; its conflicts are on {fields}",
                             id=record_id, field=field_name, fields=", ".join(fields)))
        chosen = _chosen_value(conflict, value)
        _check_named_value(ledger, record.kind, field_name, chosen)
        record_merge.resolve_document(document, field_name, chosen)
        note = _("conflict resolved: {field} = {value}", field=field_name, value=chosen)
        event = Event("note", at, actor, MappingProxyType({"note": note, "resolved": field_name}))
        document["events"].append(event.to_plain(ledger.tz))
        return commit_message(record, "resolve", note)

    def hand_edit_check(ledger, relpath):
        problems = _without_conflicts(ledger, relpath, schema.current().record_file_problems(ledger, relpath))
        if problems:
            raise LedgerUnusable(_("{problem} (an uncommitted hand edit; fix it or undo it with git checkout)",
                                   problem=problems[0]))

    at = session.at(at_text) if at_text else None
    edit(ledger, record_id, actor, session.fixed_now, at, settle, hand_edit_check)
    return show(session, record_id)


def _check_named_value(ledger, kind_name: str, field_name: str, chosen) -> None:
    """A name settled by `resolve` meets the check of intake (issue 16, points 4 and 5): no invisible
    character, a staff member on the roster."""
    from propcli import kinds
    from propcli.kinds import fields

    option = next((o for o in kinds.kind(kind_name).new_options
                   if o.key == field_name and o.takes in fields.PERSON_TAKES), None)
    if option is not None and isinstance(chosen, str):
        fields.named(ledger, option, chosen, field="--value")


def _chosen_value(conflict: dict, text: str):
    """The value given on the command line, typed like the values in conflict (one of them, when it names one)."""
    values = [v for v in conflict["values"] if v is not None]
    for candidate in values:
        if candidate == text or str(candidate) == text:
            return candidate
    if values and all(type(v) is int for v in values):
        try:
            return int(text)
        except ValueError:
            raise BadInput(_("--value: '{value}' is not a whole number like the values in conflict",
                             value=text)) from None
    if values and all(isinstance(v, bool) for v in values):
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise BadInput(_("--value: '{value}' is not true or false like the values in conflict", value=text))
    if not text.strip():
        raise BadInput(_("--value: empty; expected the value the field should keep"))
    return text
