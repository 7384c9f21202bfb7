"""History that only grows (CLI.md "Correcting the register", last bullet; issue 16 point 2; docs/history.md).

Every record changes only by appending events. This module reads the git history and finds the commits that
broke that rule, for `check --history` (every commit of the branch) and for `sync` (the commits it would
bring in), as `Rewrite`s printed `path:commit: message`:

- a record file deleted (or moved: a rename is a deletion at the old path);
- an event removed or changed: the new version's events must start with the old version's events, in the
  same order and unchanged (a merge commit's events must hold every event of each parent: the merge driver
  interleaves the two sides' events in time order);
- `id` or `kind` changed;
- a version that no longer reads as a record (all its events lost).

Other top-level fields may change (`propcli resolve` settles a conflicted field; the `conflicts:` section
comes and goes). Only the record files a commit changed are visited (`git diff-tree` against each parent),
and most versions are recognised as pure appends from their text alone (the old text is a prefix of the new
one and the added lines are only new items of the `events:` list, which propcli always writes last), so a
long history is read without parsing a YAML file per commit.

The settings that decide how git merges record files (`.gitattributes` in any folder, `.gitmodules`, and any
file of the work tree that .git/config includes) are watched for `sync`: `merge_settings_changed` names a
remote change to them.
"""
from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass

from propcli.errors import LedgerUnusable
from propcli.i18n import _
from propcli.store import yamlio

RECORDS = "records/"
SETTINGS_NAMES = (".gitattributes", ".gitmodules")
"""Files that can replace the record merge driver (`records/** merge=union`) or make git fetch other code."""
CHUNK = 2000
"""Changed record files whose texts are read in one `git cat-file --batch`."""
ZERO = "0" * 40


@dataclass(frozen=True)
class Rewrite:
    path: str
    commit: str
    message: str

    def line(self) -> str:
        return f"{self.path}:{self.commit[:12]}: {self.message}"


@dataclass(frozen=True)
class Change:
    commit: str
    parent: str
    merge: bool
    status: str
    path: str
    old: str
    new: str


# --- which commits, which files ---------------------------------------------------------------------

def commits(git, *revs: str) -> list[tuple[str, list[str]]]:
    """(commit, parents) for every commit `git rev-list REVS` lists, newest first."""
    done = git.attempt("rev-list", "--parents", *revs, "--")
    if done.returncode != 0:
        if not done.stderr.strip() or "unknown revision" in done.stderr or "bad revision" in done.stderr:
            return []  # an unborn branch: no history yet
        raise LedgerUnusable(_("git {command} failed: {detail}", command="rev-list", detail=done.stderr.strip()))
    result = []
    for line in done.stdout.splitlines():
        words = line.split()
        if words:
            result.append((words[0], words[1:]))
    return result


def changes(git, listed: list[tuple[str, list[str]]]):
    """Every file each commit changed against each of its parents (a root commit only adds files), from one
    `git diff-tree --stdin` process, streamed."""
    pairs = [(commit, parent, len(parents) > 1) for commit, parents in listed for parent in parents]
    if not pairs:
        return
    process = subprocess.Popen(["git", "diff-tree", "--stdin", "-r", "--raw", "-z", "--no-renames", "--always",
                                "--no-abbrev"], cwd=git.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)

    def feed():
        try:
            for start in range(0, len(pairs), 1000):
                process.stdin.write("".join(f"{c} {p}\n" for c, p, _m in pairs[start:start + 1000]).encode())
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    index = -1
    pending_meta = None
    buffer = b""
    try:
        while True:
            block = process.stdout.read(1 << 16)  # type: ignore[union-attr]
            if not block:
                break
            buffer += block
            *tokens, buffer = buffer.split(b"\0")
            for token in tokens:
                if pending_meta is not None:
                    meta, pending_meta = pending_meta, None
                    fields = meta[1:].split()
                    commit, parent, merge = pairs[index]
                    yield Change(commit, parent, merge, fields[4][:1], token.decode("utf-8", "surrogateescape"),
                                 fields[2], fields[3])
                elif token.startswith(b":"):
                    pending_meta = token.decode("ascii", "replace")
                elif token.strip():
                    index += 1
    finally:
        process.stdout.close()  # type: ignore[union-attr]
        error = process.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
        code = process.wait()
        writer.join()
    if code != 0:
        raise LedgerUnusable(_("git {command} failed: {detail}", command="diff-tree", detail=error.strip()))


def is_record_path(path: str) -> bool:
    return path.startswith(RECORDS) and path.endswith(".yaml")


def texts(git, shas) -> dict[str, str | None]:
    """The text of each blob (None: not UTF-8 or unreadable), in one `git cat-file --batch`."""
    shas = [s for s in dict.fromkeys(shas) if s and s != ZERO]
    if not shas:
        return {}
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=git.root, input="".join(f"{s}\n" for s in shas).encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise LedgerUnusable(_("git {command} failed: {detail}", command="cat-file",
                               detail=done.stderr.decode("utf-8", "replace").strip()))
    out, position = done.stdout, 0
    result: dict[str, str | None] = {}
    for sha in shas:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) < 3 or header[1] == b"missing":
            result[sha] = None
            continue
        size = int(header[2])
        data = out[position:position + size]
        position += size + 1
        try:
            result[sha] = data.decode("utf-8")
        except UnicodeDecodeError:
            result[sha] = None
    return result


# --- comparing two versions of a record -------------------------------------------------------------

def appended_only(old: str, new: str) -> bool:
    """The new text is the old one plus new items of the `events:` list, judged from the text alone: the old
    text ends its last line, its last top-level key is `events:` (a block list; items at column 0), and what
    follows it starts a new item and puts nothing else at column 0. A valid old file then reads as the same
    document with more events; anything else is left to `compare`, which parses both."""
    if len(new) <= len(old) or not new.startswith(old) or not old.endswith("\n"):
        return False
    tail = new[len(old):]
    if not tail.startswith("- "):
        return False
    last = None
    for line in old.splitlines():
        if line and not line[0].isspace() and not _item_or_comment(line):
            last = line
    if last != "events:":
        return False
    return all(not line or line[0].isspace() or _item_or_comment(line) for line in tail.splitlines())


def _item_or_comment(line: str) -> bool:
    return line.startswith(("- ", "#")) or line == "-"


def _key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _readable(text: str | None, path: str):
    """(record mapping, None) or (None, why it does not read as a record)."""
    if text is None:
        return None, _("not UTF-8 text")
    try:
        plain = yamlio.parse_plain(text, path)
    except yamlio.DamagedFile as error:
        return None, f"{error.line}: {error.problem}"
    if not isinstance(plain, dict) or not isinstance(plain.get("events"), list):
        return None, _("no events list")
    return plain, None


def _event_label(event) -> str:
    if isinstance(event, dict):
        return f"{event.get('step', '?')} {event.get('at', '')}".strip()
    return _key(event)[:40]


def compare(path: str, old_text: str | None, new_text: str | None, merge: bool) -> str | None:
    """Why the new version of a record is not the old one with events appended (None: it is). An old version
    that does not read as a record has nothing to lose here (the commit that damaged it was reported)."""
    if old_text is not None and new_text is not None and appended_only(old_text, new_text):
        return None
    old, _why = _readable(old_text, path)
    if old is None:
        return None
    new, why = _readable(new_text, path)
    if new is None:
        return _("no longer reads as a record ({problem}): its {count} event(s) are lost",
                 problem=why, count=len(old["events"]))
    for name in ("id", "kind"):
        if _key(old.get(name)) != _key(new.get(name)):
            return _("{field} changed from {old} to {new}; a record keeps its {field} for ever",
                     field=name, old=old.get(name), new=new.get(name))
    old_events, new_events = old["events"], new["events"]
    if merge:
        have = Counter(_key(e) for e in new_events)
        for number, event in enumerate(old_events):
            key = _key(event)
            if have[key] <= 0:
                return _removed(number, event)
            have[key] -= 1
        return None
    for number, event in enumerate(old_events):
        if number >= len(new_events) or _key(new_events[number]) != _key(event):
            return _removed(number, event)
    return None


def _removed(number: int, event) -> str:
    return _("events[{n}] ({event}) was removed or changed; a record changes only by appending events",
             n=number, event=_event_label(event))


def _deleted(path: str, old_text: str | None) -> str:
    old, _why = _readable(old_text, path)
    if old is None:
        return _("record file deleted")
    return _("record file deleted: {id} and its {count} event(s)", id=old.get("id", "?"), count=len(old["events"]))


# --- the history ------------------------------------------------------------------------------------

def rewrites(git, *revs: str, progress=None) -> list[Rewrite]:
    """Every commit of `git rev-list REVS` that deleted a record file, removed or changed an event, or changed
    an id or kind (oldest commit first)."""
    found: list[Rewrite] = []
    batch: list[Change] = []
    listed = commits(git, *revs)
    for change in changes(git, listed):
        if is_record_path(change.path) and change.status != "A":
            batch.append(change)
            if len(batch) >= CHUNK:
                found += _judge(git, batch)
                batch = []
    found += _judge(git, batch)
    return found[::-1]


def branch_rewrites(git, state_dir) -> list[Rewrite]:
    """`rewrites` of every commit of HEAD, incrementally: what an earlier run found, up to the commit it
    reached, is kept in .git/propcli/history.LANG.json (a commit never changes, so neither does its verdict) and
    only the commits since are read. A cache that does not lead to HEAD (the branch was reset) is ignored."""
    from dataclasses import asdict

    head = git.head()
    if head is None:
        return []
    from propcli.i18n import language

    cache = state_dir / f"history.{language()}.json"  # the messages are kept in the language they were made in
    known: list[Rewrite] | None = None
    checked = None
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        checked = str(saved["checked"])
        if checked == head or git.attempt("merge-base", "--is-ancestor", checked, head).returncode == 0:
            known = [Rewrite(str(r["path"]), str(r["commit"]), str(r["message"])) for r in saved["found"]]
    except (OSError, ValueError, KeyError, TypeError):
        known = None
    if known is None:
        found = rewrites(git, head)
    elif checked == head:
        found = known
    else:
        found = known + rewrites(git, head, "--not", str(checked))
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        yamlio.write_atomic(cache, json.dumps({"checked": head, "found": [asdict(r) for r in found]},
                                              ensure_ascii=False), sync=False)
    except OSError:
        pass  # a read-only .git: the next run reads the whole history again
    return found


def _judge(git, batch: list[Change]) -> list[Rewrite]:
    if not batch:
        return []
    known = texts(git, [c.old for c in batch] + [c.new for c in batch if c.status != "D"])
    found = []
    for change in batch:
        if change.status == "D":
            found.append(Rewrite(change.path, change.commit, _deleted(change.path, known.get(change.old))))
            continue
        message = compare(change.path, known.get(change.old), known.get(change.new), change.merge)
        if message:
            found.append(Rewrite(change.path, change.commit, message))
    return found


def hand_edit_problem(git, relpath: str, text: str | None) -> str | None:
    """Why an uncommitted version of a record file rewrites the one HEAD holds (None: it only appends, or HEAD
    has no such file): a hand edit that would put a rewrite into the history is never committed."""
    sha = git.blobs_at_head([relpath]).get(relpath)
    if sha is None:
        return None
    try:
        old = git.blob(sha).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text is None:
        return _deleted(relpath, old)
    return compare(relpath, old, text, merge=False)


def settings_paths(git) -> set[str]:
    """Files of the work tree that .git/config includes (`include.path`, `includeIf.*.path`): whoever can
    change them can change the merge driver's settings."""
    import os

    out = git.run("config", "--local", "--get-regexp", r"^include(if\..*)?\.path$", check=False)
    found = set()
    for line in out.splitlines():
        _name, _sep, value = line.partition(" ")
        if not value:
            continue
        target = os.path.normpath(os.path.join(git.git_dir, os.path.expanduser(value)))
        root = str(git.root.resolve()) if hasattr(git.root, "resolve") else str(git.root)
        if target.startswith(root + os.sep) and not target.startswith(str(git.git_dir) + os.sep):
            found.add(os.path.relpath(target, root).replace(os.sep, "/"))
    return found


def is_settings_path(path: str, included: set[str]) -> bool:
    return path.rsplit("/", 1)[-1] in SETTINGS_NAMES or path in included


def incoming(git, head: str, tip: str) -> tuple[list[Rewrite], list[Rewrite]]:
    """What merging `tip` into `head` would bring in: (record rewrites in the commits reachable from `tip` and
    not from `head`, remote changes to the merge settings). A settings file counts when the remote's version
    differs from the merge base's and from this desk's (a change this desk made, or already has, is not the
    remote's)."""
    listed = commits(git, tip, "--not", head)
    included = settings_paths(git)
    found: list[Rewrite] = []
    batch: list[Change] = []
    touched: dict[str, str] = {}
    for change in changes(git, listed):
        if is_settings_path(change.path, included):
            touched[change.path] = change.commit  # listed newest first: the oldest commit that changed it wins
        elif is_record_path(change.path) and change.status != "A":
            batch.append(change)
            if len(batch) >= CHUNK:
                found += _judge(git, batch)
                batch = []
    found += _judge(git, batch)
    found.reverse()  # oldest first
    settings = []
    if touched:
        base = git.run("merge-base", head, tip, check=False).strip()
        for path, commit in sorted(touched.items()):
            there, here = _blob(git, tip, path), _blob(git, head, path)
            if there != here and there != (_blob(git, base, path) if base else None):
                settings.append(Rewrite(path, commit, _("changes {path}, which decides how git merges record files",
                                                        path=path)))
    return found, settings


def _blob(git, commit: str, path: str) -> str | None:
    out = git.run("rev-parse", "-q", "--verify", f"{commit}:{path}", check=False).strip()
    return out or None
