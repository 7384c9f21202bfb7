"""Every change to the ledger goes through one unit of work, `_apply`:

    under the ledger lock
      1. recover        the leftovers of a killed command are rolled back (its journal says which files),
                        the git locks it left are cleared
      2. refuse         a detached HEAD, an unborn branch, a merge or rebase in progress (exit 3)
      3. plan           read the records and validate the change: it returns a `Change` (nothing written)
      4. check          every text encodable, every time in range, every file within the size limit, the
                        index rows derived: still nothing written; any failure here leaves no trace
      5. write, commit  journal, files, one commit; a failure is undone by `_undo` (the one rollback)
      6. index          never fails the command: a failing update marks the index stale (the next command
                        rebuilds it) and says so on stderr; the change is done, exit 0

`create`, `append`, `create_many` and `append_many` are plans run through it (docs/design.md "How writes stay safe").
Their `now` is --now as given, or None: the wall clock, read under the lock (`Clock`); an event's `at` is --at as
given, or None: that now.
"""
import json
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from types import MappingProxyType

from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _
from propcli.ids import new_id
from propcli import model
from propcli.model import Event, Record, RecordProblem, record_from_plain, record_to_plain
from propcli.store import merge, yamlio

MAX_TEXT = 100_000
"""The longest text one field may hold (characters); a record file holds at most yamlio.MAX_FILE_BYTES."""
GC_OBJECTS = 1000
"""`git gc --auto` once changes have written about this many objects (plumbing commits never trigger it; it
packs only past git's own threshold, gc.auto = 6700 loose objects, and costs a few ms otherwise)."""
JOURNAL = "journal.json"


CONFIDENTIAL, commit_message, check_event_time = model.CONFIDENTIAL, model.commit_message, model.check_event_time
"""Pure functions over records, kept in propcli.model (the kinds plan changes with them); named here too."""


def check_hand_edit(ledger, relpath: str) -> None:
    """An uncommitted hand edit is committed only when it passes `check`; otherwise exit 3 (CLI.md)."""
    from propcli.store import schema

    problems = schema.current().record_file_problems(ledger, relpath)
    if problems:
        raise LedgerUnusable(_("{problem} (an uncommitted hand edit; fix it or undo it with git checkout)",
                               problem=problems[0]))
    refuse_rewriting_hand_edit(ledger, relpath)


def refuse_rewriting_hand_edit(ledger, relpath: str) -> None:
    """A hand edit that removes or changes an event, or the id or kind, is never committed: the history only
    grows (CLI.md "Correcting the register"; docs/history.md). Exit 3; a correction is `propcli correct`."""
    from propcli.store import history

    try:
        text = ledger.path_of(relpath).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # record_file_problems said what is wrong with it
    problem = history.hand_edit_problem(ledger.git, relpath, text)
    if problem:
        raise LedgerUnusable(_("{path}: {problem} (an uncommitted hand edit; undo it with git checkout -- {path}; a record is corrected with propcli correct, undo or void)",  # noqa: E501
                               path=relpath, problem=problem))


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
        return record_from_plain(yamlio.read_plain_file(path, relpath), ledger.tz, relpath)
    except RecordProblem as problem:
        raise LedgerUnusable(_("{path}:1: {message}", path=relpath, message=problem.message)) from None


# --- the unit of work ------------------------------------------------------------------------------

class Change:
    """What one unit of work commits: the records as they stand after it, their files' new text, the message."""

    records: list
    texts: dict  # relpath -> text
    message: str
    new: bool  # the files must not exist yet
    hand_edits: list  # uncommitted hand edits, committed first in their own commit
    hand_message: str

    def __init__(self, records: list, texts: dict, message: str, new: bool = False, hand_edits: list | None = None,
                 hand_message: str = "hand edits\n"):
        self.records = records
        self.texts = texts
        self.message = message
        self.new = new
        self.hand_edits = [] if hand_edits is None else hand_edits
        self.hand_message = hand_message


class Clock:
    """`now` for a step. `now` given (--now): that time. `now` None: the wall clock, read once the lock is held,
    so a step queued behind another command's lock is stamped when it is made, never before the record's last
    event; it never reads earlier than the time the command already showed (`ledger.clock_now`)."""

    def __init__(self, ledger, now: datetime | None):
        if now is None:
            from propcli.timeutil import parse_time, utc_now

            fresh = parse_time(utc_now(), ledger.tz)
            shown: datetime | None = getattr(ledger, "clock_now", None)
            now = ledger.clock_now = fresh if shown is None or fresh > shown else shown
        self.now: datetime = now

    def at(self, at: datetime | None) -> datetime:
        """The time of an event: `at` as given (--at), None: now."""
        return self.now if at is None else at


def _apply(ledger, by: str, now: datetime | None, plan) -> Change:
    """The one write path (see the module's docstring). An operating-system error (a full disk, a read-only
    ledger) before the commit is rolled back like any failure and is exit 3 (CLI.md "Failures that are loud")."""
    try:
        return _apply_locked(ledger, by, now, plan)
    except OSError as error:
        from propcli.errors import os_failure

        raise os_failure(error, ledger.root) from None


def _apply_locked(ledger, by: str, now: datetime | None, plan) -> Change:
    with ledger.lock():
        recovered = recover(ledger)
        remove_dead_temp_files(ledger)  # e.g. a journal whose writer was killed before it was complete
        problem = ledger.git.state_problem()
        if problem:
            raise LedgerUnusable(problem)
        index = ledger.index.fresh()
        if recovered:
            index.reread(recovered)
        change = plan(index, Clock(ledger, now))
        rows = _check(ledger, change, by)
        if change.hand_edits:
            _commit(ledger, change.hand_edits, None, change.hand_message, by)
        parent, sha = _commit(ledger, sorted(change.texts), change.texts, change.message, by, change.new)
        _index(ledger, parent, sha, change, rows)
        _forget_journal(ledger)
    return change


def _check(ledger, change: Change, by: str) -> list:
    """Everything that could go wrong with the files, found before the first write."""
    from propcli.timeutil import check_range

    check_text(by, "--as")
    if not by.strip() or any(c in by for c in "<>\n") or not any(c.isalnum() for c in by):
        raise BadInput(_("--as: '{name}' cannot sign a git commit; expected a name from staff.yaml", name=by))
    for record in change.records:
        for key, value in record.fields.items():
            check_text(key, "field name")
            check_text(value, key)
        for event in record.events:
            check_range(event.at, "at")
            for key, value in event.data.items():
                check_text(key, "field name")
                check_text(value, key)
    for relpath, text in change.texts.items():
        size = len(text.encode("utf-8"))
        if size > yamlio.MAX_FILE_BYTES:
            raise BadInput(_("{path}: the record file would be {size} bytes, over the limit of {limit}; "
                             "nothing written",
                             path=relpath, size=size, limit=yamlio.MAX_FILE_BYTES))
        if change.new and (ledger.root / relpath).exists():
            raise BadInput(_("{path}: already exists; nothing written", path=relpath))
    index = ledger.index
    return [index.rows_of(record) for record in change.records]


def check_text(value, name: str) -> None:
    """Text a record file can hold: valid Unicode (no undecodable bytes from the command line), no control
    characters but tab and line breaks, at most MAX_TEXT characters; lists and mappings are checked inside."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(key, name)
            check_text(item, name)
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            check_text(item, name)
        return
    if not isinstance(value, str):
        return
    if len(value) > MAX_TEXT:
        raise BadInput(_("{field}: {count} characters, over the limit of {limit}", field=name, count=len(value),
                         limit=MAX_TEXT))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(_("{field}: not valid text (an undecodable byte); expected UTF-8 text", field=name)) from None
    if any((ord(c) < 32 and c not in "\t\n\r") or 0x7f <= ord(c) < 0xa0 or c in "\ufeff\ufffe\uffff\u2028\u2029"
           for c in value if not c.isprintable()):
        raise BadInput(_("{field}: contains a control character; expected printable text", field=name))



def _commit(ledger, paths: list, texts: dict | None, message: str, by: str, new: bool = False):
    """Journal, write `texts` (None: commit the files as they are), one commit; on any failure `_undo`.
    `new`: the files do not exist yet (checked), so there is nothing to keep for the rollback."""
    from propcli.store.git import blob_sha

    git = ledger.git
    parent = git.head()
    originals = {}
    if texts:
        for relpath in texts:
            path = None if new else ledger.path_of(relpath)
            originals[relpath] = path.read_text(encoding="utf-8") if path is not None and path.exists() else None
    journal = {"pid": os.getpid(), "paths": {p: blob_sha(texts[p].encode("utf-8")) if texts else None for p in paths}}
    _write_journal(ledger, journal)
    try:
        contents = None
        if texts:
            bulk = len(texts) > 1
            contents = {}
            for relpath, text in texts.items():
                contents[relpath] = text.encode("utf-8")
                yamlio.write_atomic(ledger.path_of(relpath), contents[relpath], sync=not bulk)
            if bulk:
                yamlio.sync_all()
        sha = git.commit(paths, message, by, ledger.email_of(by), contents=contents)
    except BaseException:
        _undo(ledger, journal, originals)
        raise
    ledger.commits += 1
    return parent, sha


def _undo(ledger, journal: dict, originals: dict | None = None) -> None:
    """THE rollback: every file of the journal back as HEAD has it, staged entries too. Only files whose text
    is still what this change wrote are touched (unless HEAD already holds it: the commit was made);
    anything else in the work tree is left alone. In-process, `originals` (path -> text, None: no file)
    restore even when git itself is what failed; the recovery of a killed command asks git for HEAD's."""
    from propcli.store.git import blob_sha

    git = ledger.git
    paths = journal.get("paths") or {}
    ours = []
    for relpath, sha in paths.items():
        try:
            path = ledger.path_of(relpath)
            if sha and path.is_file() and not path.is_symlink() and blob_sha(path.read_bytes()) == sha:
                ours.append(relpath)
        except (OSError, LedgerUnusable):
            continue
    try:
        at_head = git.blobs_at_head(ours)
    except LedgerUnusable:
        if originals is None:
            raise
        at_head = {}  # git fails (the reason we undo): HEAD did not move
    try:
        for relpath in ours:
            if at_head.get(relpath) == paths[relpath]:
                continue  # committed after all
            path = ledger.path_of(relpath)
            if originals is not None:
                before = originals.get(relpath)
            else:
                before = None if at_head.get(relpath) is None else git.blob(at_head[relpath])
            if before is None:
                path.unlink(missing_ok=True)
            else:  # replaced atomically: a reader never finds the file missing (git checkout unlinks first)
                yamlio.write_atomic(path, before)
        git.unstage(paths)
    except LedgerUnusable:
        if originals is None:
            raise
        return  # the journal stays: the next command unstages what this one could not
    _forget_journal(ledger)


def _index(ledger, parent: str | None, sha: str, change: Change, rows: list) -> None:
    """After the commit: the index learns the change in one transaction. Nothing here may fail the command."""
    index = ledger.index
    gc_due = False
    try:
        with index.transaction():
            if index.meta("head") == (parent or ""):
                index.set_meta("head", sha)
            for record, record_rows in zip(change.records, rows):
                stat = ledger.path_of(record.path).stat()
                index.put_rows(record_rows, stat.st_mtime_ns, stat.st_size)
            index.written(list(change.texts))
            count = int(index.meta("objects_since_gc") or 0) + len(change.texts) + 3 + 3 * bool(change.hand_edits)
            gc_due = count >= GC_OBJECTS  # blobs, trees on the way, the commit
            index.set_meta("objects_since_gc", "0" if gc_due else str(count))
    except BaseException as error:  # a full disk, a broken cache, even Ctrl-C: the change is made
        index.mark_stale({record.id: record.path for record in change.records})
        warn(_("the change is committed ({sha}) but the index could not be updated ({error}); the next command "
               "rebuilds it", sha=sha[:10], error=type(error).__name__))
        return
    if gc_due:
        try:
            ledger.git.gc_auto()
        except Exception:  # noqa: BLE001 - housekeeping only; doctor reports loose objects
            pass


def warn(message: str) -> None:
    """A warning on stderr (the change went through)."""
    try:
        sys.stderr.write(_("propcli: warning: {message}", message=message) + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed stderr must not fail a committed change
        pass


# --- the journal and the recovery of a killed command ---------------------------------------------

def _journal_path(ledger):
    return ledger.state_dir / JOURNAL


def _write_journal(ledger, journal: dict) -> None:
    path = _journal_path(ledger)
    path.parent.mkdir(parents=True, exist_ok=True)
    yamlio.write_atomic(path, json.dumps(journal, ensure_ascii=False))


def _forget_journal(ledger) -> None:
    _journal_path(ledger).unlink(missing_ok=True)


def recover(ledger) -> list[str]:
    """Under the ledger lock, before any change: a journal here means the command that wrote it died
    mid-change (it holds the lock while the journal exists). Wait for git processes it left running, clear
    the git locks they left, roll its files back to HEAD (a change that reached its commit stays; a sync's
    half-made merge is undone), remove its temp files. Without a journal, git lock files that no git process
    can hold any more are cleared (`clear_stale_git_locks`). Returns the files it named (the index reads
    them again), [] when nothing was left."""
    path = _journal_path(ledger)
    if not path.exists():
        clear_stale_git_locks(ledger)
        return []
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(journal, dict):
            journal = {}
    except (OSError, ValueError):
        journal = {}
    git = ledger.git
    _wait_for_git(ledger)
    for lock in git.lock_files():
        lock.unlink(missing_ok=True)
    _remove_temp_files(ledger, journal)
    _undo(ledger, journal)
    if isinstance(journal.get("merge"), dict):
        _undo_merge(ledger, journal["merge"])
    warn(_("an earlier propcli command was interrupted; its unfinished change was rolled back"))
    return sorted(journal.get("paths") or {}) or ["."]


def recover_if_idle(ledger) -> list[str]:
    """For readers (no lock held): recover a killed command's leftovers when no writer is at work, so that
    `list` never shows a killed import's uncommitted files. A writer at work: leave it be."""
    if not _journal_path(ledger).exists():
        return []
    from propcli.store.lock import ledger_lock

    try:
        with ledger_lock(ledger.state_dir / "lock", 0):
            return recover(ledger)
    except LedgerUnusable:
        return []


@contextmanager
def guarded(ledger, merge: dict | None = None):
    """The ledger lock and a journal around git work that is not a record change (the local git settings, a
    sync's commit and merge): killed inside, the next command clears the git locks it left and, for a merge
    (`merge`: {"before": HEAD, "paths": the files it may write}), puts those files back as HEAD has them
    when the merge did not reach its commit. An error raised inside is no interruption: the journal goes."""
    with ledger.lock():
        recover(ledger)
        journal: dict = {"pid": os.getpid(), "paths": {}}
        if merge is not None:
            journal["merge"] = merge
        _write_journal(ledger, journal)
        try:
            yield
        except Exception:
            _forget_journal(ledger)
            raise
        _forget_journal(ledger)


def _undo_merge(ledger, merge: dict) -> None:
    """A sync killed while git merged: when HEAD did not move, the merge is aborted and every file it may have
    written is put back as HEAD has it (those files had no local changes: git refuses to merge over them, and
    sync leaves out of `paths` what was dirty before); when HEAD moved, the merge was committed and only git's
    leftover merge state goes."""
    git = ledger.git
    before = merge.get("before")
    paths = [p for p in merge.get("paths") or [] if isinstance(p, str)]
    for temp in ledger.root.glob(".merge_file_*"):  # the copies git hands the merge driver (%O %A %B)
        if temp.is_file() and not temp.is_symlink():
            temp.unlink(missing_ok=True)
    if git.head() != before:
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE"):
            (git.git_dir / name).unlink(missing_ok=True)
        return
    if (git.git_dir / "MERGE_HEAD").exists():
        git.run("merge", "--abort", check=False)
        for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE"):
            (git.git_dir / name).unlink(missing_ok=True)
    from propcli.store.git import blob_sha

    at_head = git.blobs_at_head(paths)
    for relpath in paths:
        try:
            path = ledger.path_of(relpath)
        except LedgerUnusable:
            continue
        sha = at_head.get(relpath)
        try:
            current = blob_sha(path.read_bytes()) if path.is_file() and not path.is_symlink() else None
        except OSError:
            current = None
        if current == sha:
            continue
        if sha is None:
            path.unlink(missing_ok=True)
        else:
            yamlio.write_atomic(path, git.blob(sha))
    git.unstage(paths)


STALE_MARGIN = 2.0
"""Seconds of doubt between a lock file's time and a process's start time (clock ticks, boot time in whole
seconds, a file system's own clock): a process that started that close to the lock's time may hold it."""


def clear_stale_git_locks(ledger) -> list[str]:
    """Git's lock files that no git process can hold any more, removed (docs/history.md "Stale git locks").

    git creates `X.lock` with O_EXCL, writes it and renames it over `X` (or deletes it) before it exits; a
    git killed in between (a killed sync, a closed terminal) leaves it, and every later git command that
    needs `X` refuses to run. A lock file is judged stale when every git process that could hold it -- one
    working in this ledger's folder, or one whose folder cannot be read -- started after the file was last
    written: a process can only write a lock it created, after it started. This runs under the ledger lock,
    so no propcli command of this ledger is running git meanwhile; git commands run by hand or by another
    program are the processes looked for. Returns the files removed (relative to the ledger)."""
    git_dir = ledger.git.git_dir
    candidates = list(git_dir.glob("*.lock"))
    refs = git_dir / "refs"
    if refs.is_dir():
        candidates += list(refs.rglob("*.lock"))
    if not candidates:
        return []
    found = []
    for lock in candidates:
        try:
            found.append((lock, lock.stat()))
        except OSError:
            continue
    if not found:
        return []
    starts = [start for _pid, start in _git_process_starts(ledger.root)]
    cleared = []
    for lock, stat in found:
        if any(start <= stat.st_mtime + STALE_MARGIN for start in starts):
            continue  # a git process that may have written it is still running: it is not ours to remove
        try:
            again = lock.stat()
            if (again.st_ino, again.st_mtime_ns) != (stat.st_ino, stat.st_mtime_ns):
                continue  # replaced meanwhile: a new holder
            lock.unlink()
        except OSError:
            continue
        cleared.append(lock.relative_to(ledger.root).as_posix())
    if cleared:
        warn(_("removed {paths}: left by a git command that was killed (no git process that could hold it is running)",
               paths=", ".join(cleared)))
    return cleared


def _git_process_starts(root) -> list[tuple[int, float]]:
    """(pid, start time as a Unix time) of every running git process that works in the ledger's folder or
    whose folder cannot be read (another user's: it might), from /proc."""
    root = str(root)
    try:
        entries = os.listdir("/proc")
        with open("/proc/stat", encoding="ascii") as stream:
            boot = next(float(line.split()[1]) for line in stream if line.startswith("btime "))
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError):
        return []
    found = []
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as stream:
                name = stream.read().strip()
            if name != "git" and not name.startswith("git-"):
                continue
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
            start = boot + int(fields[19]) / ticks
            if fields[0] == "Z":
                continue  # a zombie holds nothing
        except (OSError, IndexError, ValueError):
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            if cwd != root and not cwd.startswith(root + "/"):
                continue
        except PermissionError:
            pass  # cannot tell where it works: it might hold the lock
        except OSError:
            continue  # gone meanwhile
        found.append((int(entry), start))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _git_processes(root) -> list[int]:
    """git processes working in the ledger (a killed command's children may outlive it), from /proc."""
    found: list[int] = []
    root = str(root)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            if cwd != root and not cwd.startswith(root + "/"):
                continue
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as stream:
                name = stream.read().strip()
        except OSError:
            continue
        if name == "git" or name.startswith("git-"):
            found.append(int(entry))
    return found


def _wait_for_git(ledger, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        running = [pid for pid in _git_processes(ledger.root) if _alive(pid)]
        if not running:
            return
        if time.monotonic() >= deadline:
            raise LedgerUnusable(_("git is still running in the ledger (pid {pids}) after an interrupted command; wait "
                                   "for it to finish, then try again", pids=", ".join(map(str, running))))
        time.sleep(0.02)


def _remove_temp_files(ledger, journal: dict) -> None:
    """Temp files of dead writers: beside the journal's files, in .git/propcli, git objects being written."""
    folders = {ledger.root / relpath.rsplit("/", 1)[0] for relpath in journal.get("paths") or {} if "/" in relpath}
    folders.add(ledger.state_dir)
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            pid = yamlio.pid_of_temp(name)
            if pid is not None and not _alive(pid):
                (folder / name).unlink(missing_ok=True)
    pid = journal.get("pid")
    if isinstance(pid, int):
        objects = ledger.git.git_dir / "objects"
        for temp in objects.glob(f"??/tmp_obj_{pid}_*"):
            temp.unlink(missing_ok=True)


def remove_dead_temp_files(ledger) -> None:
    """For callers that write outside a change (the settings cache): drop temp files of dead processes."""
    _remove_temp_files(ledger, {})


# --- the plans ---------------------------------------------------------------------------------------

class Planned(Exception):
    """Raised instead of writing while `rehearsing()`: the fields a new record would have been made with
    (`correct` runs a kind's own `new` this way, so a corrected value passes the very checks of intake)."""

    def __init__(self, kind: str, fields: dict):
        super().__init__(kind)
        self.kind, self.fields = kind, fields


_REHEARSING = ContextVar("propcli_rehearsing", default=False)


@contextmanager
def rehearsing():
    """Within it, `create` and `change` raise `Planned` with the new record's fields and write nothing."""
    token = _REHEARSING.set(True)
    try:
        yield
    finally:
        _REHEARSING.reset(token)


def refuse_voided(record: Record, step: str) -> None:
    """Nothing but a note is recorded on a voided record (作废, CLI.md "Correcting the register")."""
    void = record.voided
    if void is not None and step != "note":
        raise BadInput(_("{id}: voided (作废) at {at} by {by}; '{step}' is not possible, only a note",
                         id=record.id, at=void.at.isoformat(), by=void.by, step=step))


def create(ledger, kind: str, fields: dict, at: datetime | None, by: str, now: datetime | None,
           first_event: dict | None = None, summary: str | None = None) -> Record:
    """A new record file with its `new` event, in one commit (`summary`: the commit body, by default the
    record's item or detail)."""
    if _REHEARSING.get():
        raise Planned(kind, dict(fields))

    def plan(index, clock):
        when = clock.at(at)
        check_event_time(when, clock.now)
        event = Event("new", when, by, MappingProxyType(dict(first_event or {})))
        for _attempt in range(20):
            record_id = new_id(kind, when)
            relpath = ledger.record_relpath(kind, record_id, when)
            if index.path_of(record_id) is None and not (ledger.root / relpath).exists():
                break
        else:
            raise LedgerUnusable(_("no free id for a new {kind} at {at}; try again", kind=kind, at=when.isoformat()))
        record = Record(kind, record_id, MappingProxyType(dict(fields)), (event,), relpath)
        text = yamlio.dump_new(record_to_plain(record, ledger.tz))
        body = summary or fields.get("item") or fields.get("detail")
        return Change([record], {relpath: text}, commit_message(record, "new", body), new=True)

    return _apply(ledger, by, now, plan).records[0]


def _hand_edited(ledger, index, records, check=check_hand_edit) -> list[str]:
    """The records' files with uncommitted hand edits (committed first, on their own), each passing `check`."""
    edited = sorted({r.path for r in records if index.is_dirty(r.path) and ledger.git.is_modified(r.path)})
    for relpath in edited:
        check(ledger, relpath)
    return edited


def _appended_text(ledger, record: Record, events) -> str:
    """The record file with `events` appended: the text as it is plus the new items where the file is in the
    layout propcli writes (yamlio.append_events), else the document edited with ruamel (comments kept)."""
    path = ledger.path_of(record.path)
    text = yamlio.read_text(path, record.path)
    added = [event.to_plain(ledger.tz) for event in events]
    grown = yamlio.append_events(text, added)
    if grown is not None:
        return grown
    document = yamlio.parse_roundtrip(text, record.path)
    for item in added:
        document["events"].append(item)
    return yamlio.dump(document)


def append(ledger, record_id: str, step: str, data: dict, at: datetime | None, by: str, now: datetime | None,
           validate=None, summary: str | None = None) -> Record:
    """Append one event to a record and commit it; `validate(record, event)` may refuse (exit 2)."""

    def plan(index, clock):
        record = load(ledger, record_id)
        refuse_voided(record, step)
        merge.refuse_conflicted(ledger, record)  # two desks changed a field differently: resolve first (exit 3)
        hand = _hand_edited(ledger, index, [record])
        when = clock.at(at)
        check_event_time(when, clock.now, record)
        event = Event(step, when, by, MappingProxyType({k: v for k, v in data.items() if v is not None}))
        if validate is not None:
            validate(record, event)
        return Change([record.with_event(event)], {record.path: _appended_text(ledger, record, [event])},
                      commit_message(record, step, summary), hand_edits=hand,
                      hand_message=commit_message(record, "hand edit"))

    return _apply(ledger, by, now, plan).records[0]


def create_many(ledger, records: list[Record], by: str, message: str, renumber=frozenset(),
                progress=None) -> list[Record]:
    """Several new records in one commit (import, plans, the demo); all or nothing. A record whose id is
    in `renumber` (made up by the caller) gets a fresh one when the ledger took it meanwhile; any other
    id already in the ledger is bad input. `progress(iterable)` wraps the loop over the records."""

    def plan(index, clock):
        seen, planned, texts = set(), [], {}
        for record in (progress(records) if progress else records):
            while record.id in seen or index.path_of(record.id) is not None or (ledger.root / record.path).exists():
                if record.id not in renumber:
                    raise BadInput(_("id: {id} is already in the ledger; nothing imported", id=record.id))
                fresh = new_id(record.kind, record.received)
                record = Record(record.kind, fresh, record.fields, record.events,
                                ledger.record_relpath(record.kind, fresh, record.received))
                renumber.add(fresh)
            seen.add(record.id)
            planned.append(record)
            texts[record.path] = yamlio.dump_new(record_to_plain(record, ledger.tz))
        return Change(planned, texts, message, new=True)

    renumber = set(renumber)
    return _apply(ledger, by, None, plan).records


def append_many(ledger, events_by_id: dict, by: str, now: datetime | None, message: str) -> None:
    """Append events to several records in ONE commit (the overdue mail's notices); all or nothing."""
    if not any(events_by_id.values()):
        return

    def plan(index, clock):
        pairs = []
        for record_id, events in events_by_id.items():
            if not events:
                continue
            record = load(ledger, record_id)
            for event in events:
                check_event_time(event.at, clock.now, record, field="at")
            pairs.append((record, list(events)))
        hand = _hand_edited(ledger, index, [record for record, _events in pairs])
        updated, texts = [], {}
        for record, events in pairs:
            texts[record.path] = _appended_text(ledger, record, events)
            for event in events:
                record = record.with_event(event)
            updated.append(record)
        return Change(updated, texts, message, hand_edits=hand)

    _apply(ledger, by, now, plan)


def change(ledger, by: str, now: datetime | None, message: str, appends=(), creates=(), validate=None) -> dict:
    """Events appended to existing records AND new records created, in ONE commit; all or nothing (a
    complaint handled with its callback, a dissatisfied callback with the next one, an open letter with
    the callbacks it answers).

    `appends`: (record_id, step, data, at) tuples, `at` None meaning `now`; `creates`: Records with their
    ids chosen by the caller (`new_id`). `validate(records)` gets {id: Record as its file says now, before
    the change} under the lock and may refuse (exit 2, nothing written). Returns {id: Record after}."""
    if _REHEARSING.get() and creates:
        raise Planned(creates[0].kind, dict(creates[0].as_entered))

    def plan(index, clock):
        current: dict = {}
        for record_id, step, _data, _at in appends:
            if record_id not in current:
                current[record_id] = load(ledger, record_id)
                merge.refuse_conflicted(ledger, current[record_id])
            refuse_voided(current[record_id], step)
        for record in creates:
            if index.path_of(record.id) is not None or (ledger.root / record.path).exists():
                raise BadInput(_("id: {id} is already in the ledger; nothing written", id=record.id))
            check_event_time(record.received, clock.now)
        if validate is not None:
            validate(dict(current))
        updated = dict(current)
        for record_id, step, data, at in appends:
            event = Event(step, clock.at(at), by, MappingProxyType({k: v for k, v in data.items() if v is not None}))
            check_event_time(event.at, clock.now, updated[record_id])
            updated[record_id] = updated[record_id].with_event(event)
        hand = _hand_edited(ledger, index, current.values())
        texts = {record.path: _appended_text(ledger, record, updated[record_id].all_events[len(record.all_events):])
                 for record_id, record in current.items()}
        for record in creates:
            texts[record.path] = yamlio.dump_new(record_to_plain(record, ledger.tz))
        return Change([*(updated[i] for i in current), *creates], texts, message, hand_edits=hand)

    made = _apply(ledger, by, now, plan)
    return {record.id: record for record in made.records}


def edit(ledger, record_id: str, by: str, now: datetime | None, at: datetime | None, apply,
         hand_edit_check=check_hand_edit) -> Record:
    """A change to a record's file beyond appending events (a field two desks changed differently, settled):
    `apply(record, document, text, at)` edits the round-trip `document` of the file's `text` in place (it
    may refuse: exit 2, nothing written) and returns the commit message. One commit, through `_apply`."""

    def plan(index, clock):
        record = load(ledger, record_id)
        when = clock.at(at)
        check_event_time(when, clock.now, record)
        hand = _hand_edited(ledger, index, [record], hand_edit_check)
        path = ledger.path_of(record.path)
        text = yamlio.read_text(path, record.path)
        document = yamlio.parse_roundtrip(text, record.path)
        message = apply(record, document, text, when)
        new_text = yamlio.dump(document)
        try:
            updated = record_from_plain(yamlio.parse_plain(new_text, record.path), ledger.tz, record.path)
        except RecordProblem as problem:
            raise BadInput(_("{id}: the change would damage the record ({problem}); nothing written",
                             id=record.id, problem=problem.message)) from None
        return Change([updated], {record.path: new_text}, message, hand_edits=hand,
                      hand_message=commit_message(record, "hand edit"))

    return _apply(ledger, by, now, plan).records[0]


def update_file(ledger, relpath: str, change, by: str, now: datetime | None = None) -> str:
    """A ledger file that is not a record (e.g. forms/repair-order.yaml) rewritten and committed alone, through
    the one unit of work: `change(current text or None) -> (new text, commit message)` runs under the lock
    and may refuse (BadInput) before anything is written. Returns the commit."""
    def plan(index, clock):
        path = ledger.path_of(relpath)
        text, message = change(path.read_text(encoding="utf-8") if path.is_file() else None)
        check_text(text, relpath)
        return Change([], {relpath: text}, message)

    _apply(ledger, by, now, plan)
    return ledger.git.head()


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
