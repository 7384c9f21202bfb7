"""The one module that owns the SQLite index cache (.git/propcli/index.sqlite, never committed).

It holds each record's plain data as JSON plus its derived status and deadlines, so list,
overdue and stats never re-parse YAML. It is validated cheaply on every use against git:
the HEAD it was built at (pulls, merges, commits by hand), the files git reports changed in
the work tree (hand edits, a crash between write and commit) and the policy/calendar text.
"""
import json
import os
import re
import sqlite3
import stat as modes
import time
from pathlib import Path

from propcli.i18n import _
from propcli.store import schema
from propcli.model import RecordProblem, record_from_plain, record_to_plain, written_as_read
from propcli.timeutil import epoch

SCHEMA_VERSION = "8"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS records(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
  received INTEGER NOT NULL, last_at INTEGER NOT NULL, month TEXT NOT NULL,
  status TEXT NOT NULL, open INTEGER NOT NULL, closed INTEGER,
  mtime_ns INTEGER, size INTEGER, fee_cents INTEGER, done_at INTEGER, needs_callback INTEGER NOT NULL DEFAULT 0,
  uncounted_at INTEGER, fee_at INTEGER, billed_at INTEGER, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_kind_done ON records(kind, done_at);
CREATE INDEX IF NOT EXISTS records_kind_month ON records(kind, month, received, fee_cents, status, last_at);
CREATE INDEX IF NOT EXISTS records_kind_fee_at ON records(kind, fee_at);
CREATE INDEX IF NOT EXISTS records_kind_billed_at ON records(kind, billed_at);
CREATE TABLE IF NOT EXISTS deadlines(
  id TEXT NOT NULL, rule TEXT NOT NULL, clause TEXT NOT NULL, role TEXT NOT NULL,
  escalate TEXT NOT NULL, assignee TEXT, month TEXT NOT NULL, kind TEXT NOT NULL,
  start INTEGER NOT NULL, due INTEGER NOT NULL, done INTEGER, cancelled INTEGER);
CREATE INDEX IF NOT EXISTS deadlines_id ON deadlines(id);
CREATE INDEX IF NOT EXISTS deadlines_done_due ON deadlines(done, due);
CREATE INDEX IF NOT EXISTS deadlines_month ON deadlines(month, rule, start, due, done, cancelled);
CREATE TABLE IF NOT EXISTS notices(id TEXT NOT NULL, rule TEXT NOT NULL, at INTEGER NOT NULL,
  step TEXT NOT NULL, to_role TEXT);
CREATE INDEX IF NOT EXISTS notices_id ON notices(id);
CREATE TABLE IF NOT EXISTS damaged(path TEXT PRIMARY KEY, line INTEGER, message TEXT,
  mtime_ns INTEGER, size INTEGER);
"""


RULES_CHECKED = "settings-checked-1"
"""Part of the rules digest: an index whose deadlines were derived with this digest had a well-formed
policy.yaml and calendar.yaml (checked before deriving, even with no records), so a fresh index never hides a
malformed one (CLI.md "Failures that are loud"); indexes made before the check derive again once."""


MONTH_INDEX = "CREATE INDEX IF NOT EXISTS records_month_uncounted ON records(month, uncounted_at)"
"""stats: the records of a month left out of the counts, found without reading every record (issue 21)."""

LATE_INDEX = ("CREATE INDEX IF NOT EXISTS deadlines_late ON deadlines(done, due, start, cancelled, id, kind, rule, "
              "clause, role, escalate, assignee)")
"""overdue: every column of the late deadlines from the index alone, no table row read (13,000 rows: ~7 ms)."""

ADDED_INDEXES = (MONTH_INDEX, LATE_INDEX)
"""Indexes added after SCHEMA_VERSION 8: an index cache made before gets each once, without a rebuild."""

SECONDARY_INDEXES = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS [^;]+", SCHEMA)) + ADDED_INDEXES
"""The lookup indexes: `rebuild` drops them, inserts every row, then builds each once (a bulk load sorts once
instead of updating eight b-trees per record: reindex of 200,000 records, issue 21)."""


def _digest(*texts: str | bytes) -> str:
    from propcli.digest import sha1

    hasher = sha1()
    for text in texts:
        hasher.update(text.encode("utf-8") if isinstance(text, str) else text)
        hasher.update(b"\0")
    return hasher.hexdigest()


def _recovering(method):
    """Any SQLite error (a damaged page, a file that is no database, a failed write) drops the cache file
    and runs the method again on a rebuilt one, with a warning: the index is a cache, the files are the
    ledger. A busy or locked database is another command at work: exit 3, nothing dropped."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            text = str(error).lower()
            if "locked" in text or "busy" in text:
                from propcli.errors import LedgerUnusable

                raise LedgerUnusable(_("the index is locked by another command ({error}); try again",
                                       error=error)) from None
            if "disk is full" in text or "readonly" in text or "read-only" in text:  # the disk, not the cache
                import errno

                from propcli.errors import os_failure

                code = errno.ENOSPC if "full" in text else errno.EROFS
                raise os_failure(OSError(code, str(error)), self.path) from None
            if self._dropped:
                raise
            self.drop()
            _warn(_("the index cache was damaged ({error}); rebuilding it from the record files", error=error))
            return method(self, *args, **kwargs)

    return wrapper


def _warn(message: str) -> None:
    import sys

    try:
        sys.stderr.write(_("propcli: warning: {message}", message=message) + "\n")
    except Exception:  # noqa: BLE001
        pass


class Index:
    def __init__(self, ledger):
        self.ledger = ledger
        self.path = ledger.state_dir / "index.sqlite"
        self._db: sqlite3.Connection | None = None
        self._fresh = False
        self._overlay: dict[str, str] = {}  # id -> path of records committed while the index could not learn them
        self._dropped = False

    def drop(self) -> None:
        """Close and delete the cache file (rebuilt on next use)."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None
        self._fresh = False
        self._dropped = True
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._open()
            except sqlite3.DatabaseError:  # a damaged cache (not a database): drop it, rebuild
                if self._db is not None:
                    self._db.close()
                self._db = None
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                self._open()
        assert self._db is not None
        return self._db

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            current = self.meta("schema")
        except sqlite3.OperationalError:
            current = None
        if current == SCHEMA_VERSION:
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in ADDED_INDEXES:  # (an index built before one existed gets it once, without a rebuild)
                self._db.execute(statement)
            return
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        for statement in ADDED_INDEXES:
            self._db.execute(statement)
        if self.meta("schema") != SCHEMA_VERSION:
            self._db.executescript("DROP TABLE records; DROP TABLE deadlines; DROP TABLE notices;"
                                   "DROP TABLE damaged; DELETE FROM meta;")
            self._db.executescript(SCHEMA)
            for statement in ADDED_INDEXES:
                self._db.execute(statement)
            self.set_meta("schema", SCHEMA_VERSION)

    def meta(self, key: str):
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES(?,?)", (key, value))

    # --- freshness ------------------------------------------------------------------------
    def rules_digest(self) -> str:
        return _digest(self.ledger.file_bytes("policy.yaml"), self.ledger.file_bytes("calendar.yaml"),
                       self.ledger.tz, RULES_CHECKED)

    @_recovering
    def fresh(self, progress=None) -> "Index":
        """Bring the index up to date, cheaply when nothing changed.

        - HEAD moved (a pull, a merge, a commit by hand): re-read the files `git diff` names.
        - The work tree: a record folder whose mtime changed (a file created, deleted, renamed or saved
          by an editor that renames) has its files' (mtime, size) compared with the index. Every file
          is compared too (a full scan, catching edits made in place) on each command while the ledger
          holds at most `index.full_scan_limit` records (default 10000), and otherwise once
          `index.full_scan_every` seconds (default 600) have passed; `reindex` always reads everything.
        - The policy or calendar text changed: deadlines are derived again from the stored records.
        """
        if self._fresh:
            return self
        recovered: list = []
        if (self.ledger.state_dir / "journal.json").exists():  # (store.unit.JOURNAL: unit loads only then)
            from propcli.store.unit import recover_if_idle

            recovered = recover_if_idle(self.ledger)  # a killed command's leftovers are never read as records
        git = self.ledger.git
        head = git.head()
        built = self.meta("head")
        if self.stale_mark.exists():  # a change was committed that the index could not learn (store.unit)
            self.drop()
            self.rebuild(progress)
            self.stale_mark.unlink(missing_ok=True)
            return self
        if self.meta("complete") != "1" or not built and head or built and not head:
            self.rebuild(progress)
            return self
        changed: set[str] = set()
        committed: set[str] = set()
        if head != built:
            try:
                committed = set(git.diff_paths(built, head, "records"))
            except Exception:
                self.rebuild(progress)
                return self
        folders = self._folders()
        known = json.loads(self.meta("folders") or "{}")
        settings = self.ledger.config.get("index") or {}
        now = int(time.time())
        full = (now - int(self.meta("full_scan") or 0) >= int(settings.get("full_scan_every", 600))
                or self._holds_at_most(int(settings.get("full_scan_limit", 10000))))
        scan = [f for f in folders if full or known.get(f) != folders[f]]
        scan += [f for f in known if f not in folders]
        for folder in scan:
            changed |= self._differing(folder)
        if committed:  # HEAD moved outside propcli (a pull, a commit by hand): ask git what differs from it
            dirty = set(git.changed_paths("records"))
        else:
            dirty = set(json.loads(self.meta("dirty") or "[]")) | changed
        if changed or committed:
            with self.transaction():
                for relpath in sorted(changed | committed):
                    self.reindex_path(relpath)
        self.set_meta("dirty", json.dumps(sorted(dirty)))
        self.set_meta("folders", json.dumps(folders))
        if full:
            self.set_meta("full_scan", str(now))
        if self.meta("rules") != self.rules_digest():
            self.recompute_deadlines()
        self.set_meta("head", head or "")
        self._fresh = True
        if recovered:
            self.reread(recovered)
        return self

    def _holds_at_most(self, limit: int) -> bool:
        """Whether the index holds at most `limit` records, at a cost bounded by `limit`, not by the ledger
        (`count(*)` reads every row: 25 ms at 200,000 records, on every command)."""
        if limit < 0:
            return False
        (found,) = self.db.execute("SELECT count(*) FROM (SELECT 1 FROM records LIMIT ?)", (limit + 1,)).fetchone()
        return found <= limit

    def reread(self, relpaths) -> None:
        """Read these files again (rolled back by the recovery of a killed command); "." for every file."""
        if "." in relpaths:
            self.rebuild()
            return
        with self.transaction():
            for relpath in relpaths:
                if relpath.startswith("records/"):
                    self.reindex_path(relpath)

    def _folders(self) -> dict[str, int]:
        """records/<kind>/<yyyy>/<mm> folders and their mtimes (without listing the files in them)."""
        found = {}

        def walk(path: str, rel: str, depth: int) -> None:
            try:
                entries = list(os.scandir(path))
            except (FileNotFoundError, NotADirectoryError):
                return
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    name = f"{rel}/{entry.name}"
                    if depth == 2:
                        found[name] = entry.stat(follow_symlinks=False).st_mtime_ns
                    else:
                        walk(entry.path, name, depth + 1)

        walk(str(self.ledger.root / "records"), "records", 0)
        return found

    def _differing(self, folder: str) -> set[str]:
        """Files of one folder whose (mtime, size) differ from the index, or that appeared or vanished."""
        low, high = folder + "/", folder + "/\uffff"
        indexed = {p: (m, z) for p, m, z in self.db.execute(
            "SELECT path, mtime_ns, size FROM records WHERE path > ? AND path < ? "
            "UNION ALL SELECT path, mtime_ns, size FROM damaged WHERE path > ? AND path < ?", (low, high, low, high))}
        differing = set()
        try:
            entries = list(os.scandir(self.ledger.root / folder))
        except (FileNotFoundError, NotADirectoryError):
            entries = []
        for entry in entries:
            if not entry.name.endswith(".yaml") or entry.name.startswith("."):
                continue
            relpath = f"{folder}/{entry.name}"
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if indexed.pop(relpath, None) != (stat.st_mtime_ns, stat.st_size):
                differing.add(relpath)
        return differing | set(indexed)

    @_recovering
    def is_dirty(self, relpath: str) -> bool:
        """Does the file differ from what the index last saw committed (a hand edit, a crash)?"""
        if relpath in set(json.loads(self.meta("dirty") or "[]")):
            return True
        return self._stat_differs(relpath)

    def written(self, relpaths) -> None:
        """propcli wrote and committed `relpaths` under the ledger lock, right after `fresh()`: they are
        clean, and their folders' new mtimes are ours (no rescan of those folders next time)."""
        relpaths = [relpaths] if isinstance(relpaths, str) else list(relpaths)
        dirty = set(json.loads(self.meta("dirty") or "[]"))
        if dirty & set(relpaths):
            self.set_meta("dirty", json.dumps(sorted(dirty - set(relpaths))))
        folders = json.loads(self.meta("folders") or "{}")
        for folder in {p.rsplit("/", 1)[0] for p in relpaths}:
            try:
                folders[folder] = os.stat(self.ledger.root / folder).st_mtime_ns
            except FileNotFoundError:
                folders.pop(folder, None)
        self.set_meta("folders", json.dumps(folders))

    def _stat_differs(self, relpath: str) -> bool:
        row = self.db.execute("SELECT mtime_ns, size FROM records WHERE path=?", (relpath,)).fetchone()
        try:
            stat = os.stat(self.ledger.root / relpath)
        except FileNotFoundError:
            return row is not None
        return row is None or (row[0], row[1]) != (stat.st_mtime_ns, stat.st_size)

    def transaction(self):
        index = self

        class _Tx:
            def __enter__(self):
                index.db.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, tb):
                index.db.execute("COMMIT" if kind is None else "ROLLBACK")

        return _Tx()

    # --- writing --------------------------------------------------------------------------
    def reindex_path(self, relpath: str) -> None:
        """Re-read one file (or forget it when gone); a damaged file is listed in `damaged`."""
        self.db.execute("DELETE FROM damaged WHERE path=?", (relpath,))
        old = self.db.execute("SELECT id FROM records WHERE path=?", (relpath,)).fetchone()
        if old:
            self.forget(old[0])
        self._store(_read_one(self.ledger, relpath))

    def _store(self, result) -> None:
        """Write what `_read_one` found: the record's rows, or why its file is damaged."""
        if result is None:
            return
        if result[0] == "damaged":
            self.db.execute("INSERT OR REPLACE INTO damaged VALUES(?,?,?,?,?)", result[1:])
            return
        _ok, row, deadline_rows, notice_rows = result
        try:
            self.db.execute("INSERT INTO records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
        except sqlite3.IntegrityError:
            clash = self.db.execute("SELECT path FROM records WHERE id=? OR path=?", (row[0], row[2])).fetchone()
            self.db.execute("INSERT OR REPLACE INTO damaged VALUES(?,?,?,?,?)",
                            (row[2], 1, _("id {id} is also used by {other}", id=row[0], other=clash[0]), row[9],
                             row[10]))
            return
        if deadline_rows:
            self.db.executemany("INSERT INTO deadlines VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", deadline_rows)
        if notice_rows:
            self.db.executemany("INSERT INTO notices VALUES(?,?,?,?,?)", notice_rows)

    def forget(self, record_id: str) -> None:
        for table in ("records", "deadlines", "notices"):
            self.db.execute(f"DELETE FROM {table} WHERE id=?", (record_id,))

    def rows_of(self, record) -> tuple:
        """The rows `put_rows` stores for `record`, derived before anything is written (store.unit)."""
        return _rows(self.ledger, record, None, None)

    def put_rows(self, rows: tuple, mtime_ns: int, size: int) -> None:
        """`put` with the rows `rows_of` derived before the write, and the file's stat after it."""
        row, deadline_rows, notice_rows = rows
        self.forget(row[0])
        row = row[:9] + (mtime_ns, size) + row[11:]  # mtime_ns, size: the 10th and 11th columns
        self.db.execute(f"INSERT INTO records VALUES({','.join('?' * len(row))})", row)
        if deadline_rows:
            self.db.executemany("INSERT INTO deadlines VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", deadline_rows)
        if notice_rows:
            self.db.executemany("INSERT INTO notices VALUES(?,?,?,?,?)", notice_rows)

    def mark_stale(self, written: dict | None = None) -> None:
        """After a commit whose index update failed: the next command rebuilds (a mark file, or, when even
        that cannot be written, no index at all); this one still finds the records it wrote (`written`)."""
        self._overlay.update(written or {})
        try:
            self.stale_mark.parent.mkdir(parents=True, exist_ok=True)
            self.stale_mark.write_text("1", encoding="utf-8")
        except OSError:
            for suffix in ("", "-wal", "-shm"):
                try:
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                except OSError:
                    pass

    @property
    def stale_mark(self) -> Path:
        return self.ledger.state_dir / "index.stale"

    def put(self, record, mtime_ns: int | None = None, size: int | None = None) -> None:
        self.forget(record.id)
        row, deadline_rows, notice_rows = _rows(self.ledger, record, mtime_ns, size)
        self.db.execute("INSERT INTO records VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
        if deadline_rows:
            self.db.executemany("INSERT INTO deadlines VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", deadline_rows)
        if notice_rows:
            self.db.executemany("INSERT INTO notices VALUES(?,?,?,?,?)", notice_rows)

    def _put_deadlines(self, record, deadlines, month: str) -> None:
        self.db.executemany("INSERT INTO deadlines VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            _deadline_rows(record, deadlines, month))

    def recompute_deadlines(self) -> None:
        """The policy or calendar changed: derive every record's deadlines again (no YAML parsing)."""
        from propcli.timeutil import prefer_pendulum_zones

        _rules = (self.ledger.policy, self.ledger.calendar)  # malformed: exit 3 FILE:LINE, with or without records
        prefer_pendulum_zones()
        columns_of = schema.current().index_columns
        with self.transaction():
            self.db.execute("DELETE FROM deadlines")
            for (doc, path, month) in self.db.execute("SELECT doc, path, month FROM records").fetchall():
                record = record_from_plain(json.loads(doc), self.ledger.tz, path)
                self._put_deadlines(record, columns_of(self.ledger, record).deadlines, month)
            self.set_meta("rules", self.rules_digest())

    @_recovering
    def rebuild(self, progress=None) -> int:
        """Read every record file again (reindex). `progress(paths)` wraps the iteration (a progress bar).

        Files are parsed and their deadlines derived in worker processes (one per core); this
        process only writes SQLite, in path order, so the result is the same as a serial rebuild."""
        from propcli.timeutil import prefer_pendulum_zones

        _rules = (self.ledger.policy, self.ledger.calendar)  # malformed: exit 3 FILE:LINE, with or without records
        prefer_pendulum_zones()
        root = self.ledger.root / "records"
        paths = []
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".yaml"):
                        paths.append(os.path.relpath(os.path.join(folder, name), self.ledger.root).replace(os.sep, "/"))
        git = self.ledger.git
        head = git.head() or ""
        dirty = sorted(git.changed_paths("records"))
        ticks = iter(progress(paths) if progress else paths)
        with self.transaction():
            for table in ("records", "deadlines", "notices", "damaged"):
                self.db.execute(f"DELETE FROM {table}")
            for statement in SECONDARY_INDEXES:
                self.db.execute("DROP INDEX IF EXISTS " + statement.split()[5])
            for result in _read_all(self.ledger, paths):
                self._store(result)
                next(ticks, None)
            for _rest in ticks:
                pass
            for statement in SECONDARY_INDEXES:
                self.db.execute(statement)
            self.set_meta("rules", self.rules_digest())
            self.set_meta("head", head)
            self.set_meta("dirty", json.dumps(dirty))
            self.set_meta("folders", json.dumps(self._folders()))
            self.set_meta("full_scan", str(int(time.time())))
            self.set_meta("complete", "1")
        self._fresh = True
        return len(paths)

    # --- reading --------------------------------------------------------------------------
    @_recovering
    def ids_with_prefix(self, prefix: str) -> list[str]:
        self.fresh()
        rows = self.db.execute("SELECT id FROM records WHERE id >= ? AND id < ? ORDER BY id LIMIT 50",
                               (prefix, prefix + "\uffff")).fetchall()
        extra = [i for i in self._overlay if i.startswith(prefix)]
        return sorted({r[0] for r in rows} | set(extra)) if extra else [r[0] for r in rows]

    @_recovering
    def path_of(self, record_id: str) -> str | None:
        if record_id in self._overlay:
            return self._overlay[record_id]
        self.fresh()
        row = self.db.execute("SELECT path FROM records WHERE id=?", (record_id,)).fetchone()
        return row[0] if row else None

    def damaged_warnings(self) -> list[str]:
        """One line per damaged record file, for commands that read many records and skip those (CLI.md)."""
        return [_("{path}:{line}: skipped, damaged: {message}", path=p, line=line, message=m)
                for p, line, m in self.damaged()]

    @_recovering
    def damaged(self) -> list[tuple[str, int, str]]:
        self.fresh()
        return self.db.execute("SELECT path, line, message FROM damaged ORDER BY path").fetchall()

    @_recovering
    def docs(self, where: str = "", params: tuple = ()) -> list[tuple[str, str]]:
        self.fresh()
        return self.db.execute(f"SELECT doc, path FROM records {where} ORDER BY received, id", params).fetchall()

    @_recovering
    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        self.fresh()
        return self.db.execute(sql, params).fetchall()


# --- reading record files (also in worker processes) ------------------------------------------

def _deadline_rows(record, deadlines, month: str) -> list[tuple]:
    return [(record.id, d.rule, d.clause, d.role, ",".join(d.escalate), d.assignee, month, record.kind,
             epoch(d.start), epoch(d.due), epoch(d.done), epoch(d.cancelled)) for d in deadlines]


def _rows(ledger, record, mtime_ns, size, plain=None) -> tuple[tuple, list[tuple], list[tuple]]:
    """The records row, deadline rows and notice rows of one record (its columns derived by the schema);
    `plain`: the file as parsed, kept as the document when it reads as propcli writes it."""
    from propcli.timeutil import zone

    columns = schema.current().index_columns(ledger, record)
    local = record.received.astimezone(zone(ledger.tz))
    month = f"{local:%Y-%m}"
    kept = plain if isinstance(plain, dict) and written_as_read(plain, record) else None
    doc = json.dumps(kept if kept is not None else record_to_plain(record, ledger.tz, current=True),
                     ensure_ascii=False, default=str)
    row = (record.id, record.kind, record.path, epoch(record.received), epoch(record.last_at),
           month, columns.status, int(columns.open), epoch(columns.closed_at), mtime_ns, size, columns.fee_cents,
           epoch(columns.done_at), int(columns.needs_callback), epoch(columns.uncounted_at),
           epoch(columns.fee_at), epoch(columns.billed_at), doc)
    notices = [(record.id, str(event.get("rule", "")), epoch(event.at), event.step, event.get("to"))
               for event in record.events if event.step in ("notice", "escalate")]
    return row, _deadline_rows(record, columns.deadlines, month), notices


def _read_one(ledger, relpath: str):
    """("ok", row, deadline rows, notice rows), ("damaged", path, line, message) or None (no such file)."""
    from propcli.store import yamlio

    path = ledger.root / relpath
    if not relpath.endswith(".yaml"):
        return None
    stat = None
    try:
        # one open and one fstat (a FIFO, device or socket: DamagedFile, not a wait; a link: DamagedFile)
        text, stat = yamlio.read_text_stat(path, relpath)
        plain = yamlio.parse_plain(text, relpath)
        record = record_from_plain(plain, ledger.tz, relpath)
        expected = ledger.record_relpath(record.kind, record.id, record.received)
        if expected != relpath:
            return ("damaged", relpath, 1, _("file should be at {expected} for its id and received time",
                                             expected=expected),
                    stat.st_mtime_ns, stat.st_size)
        return ("ok", *_rows(ledger, record, stat.st_mtime_ns, stat.st_size, plain))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except yamlio.DamagedFile as error:
        found = stat or _lstat(path)
        if found is None or modes.S_ISDIR(found.st_mode):
            return None  # gone, or a folder named like a record file
        return ("damaged", relpath, error.line, error.problem, found.st_mtime_ns, found.st_size)
    except RecordProblem as problem:
        assert stat is not None
        return ("damaged", relpath, 1, problem.message, stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError, TypeError, AttributeError, KeyError, ArithmeticError, RecursionError) as error:
        # content no rule expected (a value of the wrong type, a time out of range): this file only
        found = stat or _lstat(path)
        if found is None:
            return None
        return ("damaged", relpath, 1, _("cannot be read: {error}", error=f"{type(error).__name__}: {error}"[:300]),
                found.st_mtime_ns, found.st_size)


def _lstat(path: Path):
    try:
        return path.lstat()
    except OSError:
        return None


_worker_ledger = None
PARALLEL_FROM = 2000  # fewer files than this: not worth starting worker processes
CHUNK = 250


def _work(chunk: list[str]) -> list:
    from propcli.timeutil import prefer_pendulum_zones

    prefer_pendulum_zones()
    ledger = _worker_ledger
    assert ledger is not None  # set by _read_all before the workers fork
    _read_ahead(ledger.root, chunk)
    return [_read_one(ledger, relpath) for relpath in chunk]


def _read_ahead(root: Path, chunk: list[str]) -> None:
    """Ask the kernel to start reading the chunk's files now (POSIX_FADV_WILLNEED), so that a ledger whose files
    are not in the page cache is read while the worker parses, not file by file as it gets to each (`reindex` of
    200,000 records from a cold disk: 106 s before, 64 s with it). Never blocks: no link is followed, a FIFO is
    opened without waiting for a writer."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for relpath in chunk:
        try:
            descriptor = os.open(root / relpath, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # (read and reported by _read_one)
        try:
            advise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(descriptor)


def _read_all(ledger, paths: list[str]):
    """`_read_one` for every path, in order; spread over the cores (fork) for big ledgers."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(paths) < PARALLEL_FROM:
        for relpath in paths:
            yield _read_one(ledger, relpath)
        return
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        for relpath in paths:
            yield _read_one(ledger, relpath)
        return
    global _worker_ledger
    # warm what every worker needs before forking, so each does not load it again
    ledger.policy, ledger.calendar  # noqa: B018
    _worker_ledger = ledger
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    with context.Pool(workers) as pool:
        for results in pool.imap(_work, chunks):
            yield from results
