"""The one module that talks to git, through its command line and (for a record's commit) in-process.

A commit of files propcli has just written is made in-process by store.objects: the blob, the trees along
the file's one path, the commit, the branch ref and the file's entry in the (split) index, so its cost does
not grow with the ledger. Other commits (hand edits, an import, unusual repositories) use the plumbing
(update-index, write-tree, commit-tree, update-ref): no work-tree scan, split index, cache-tree.
"""
import os
from pathlib import Path
from typing import TYPE_CHECKING

from propcli.errors import LedgerUnusable
from propcli.i18n import _

if TYPE_CHECKING:  # imported where git runs (start-up pays nothing)
    import subprocess

ZERO = "0" * 40
FAST_PATHS = 64
SPLIT_FOLD_AT = 300
"""gc_auto folds the split index's small part back into the shared one past this many entries."""
"""Commits of at most this many files written by propcli are made in-process (store.objects); bigger ones
(an import) by git's plumbing, whose cost per file is lower once the index is read."""
_HEX = frozenset("0123456789abcdef")


def _is_sha(text: str) -> bool:
    return len(text) == 40 and not set(text) - _HEX


def blob_sha(data: bytes) -> str:
    """The id git gives a file's content (`git hash-object`), computed here without a process."""
    from propcli.digest import sha1

    return sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Git:
    def __init__(self, root: Path):
        self.root = Path(root)

    def run(self, *args, input: str | None = None, env: dict | None = None, check: bool = True) -> str:
        import subprocess  # (imported when git is run: a record's commit runs none)

        full_env = None
        if env:
            full_env = dict(os.environ)
            full_env.update(env)
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.root, input=input, capture_output=True,
                text=True, encoding="utf-8", env=full_env,
            )
        except FileNotFoundError:
            raise LedgerUnusable(_("git is not installed or not on PATH")) from None
        if check and done.returncode != 0:
            detail = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
            first = next((line for line in detail if line.startswith(("fatal:", "error:"))), None)
            text = first or (detail[-1] if detail else str(done.returncode))
            if ".lock'" in text and "exists" in text:
                text += " " + _("(a git command that is still running holds it; try again when it has finished: a lock left by a killed git command is cleared by the next propcli change)")  # noqa: E501
            raise LedgerUnusable(_("git {command} failed: {detail}", command=args[0], detail=text))
        return done.stdout

    @property
    def git_dir(self) -> Path:
        return self.root / ".git"

    def init(self) -> None:
        self.run("init", "-q", "-b", "main")
        self.configure()

    def configure(self) -> None:
        """Settings that keep commits and status cheap at 100k files; idempotent (also for plain clones)."""
        for key, value in (("core.splitIndex", "true"), ("core.untrackedCache", "true"),
                           ("index.version", "4"), ("core.preloadIndex", "true"),
                           ("core.quotePath", "false")):
            self.run("config", key, value)

    def head(self) -> str | None:
        """The commit HEAD points at (None before the first commit), read from .git without a process
        when HEAD is a plain loose or packed branch ref; anything unusual asks `git rev-parse`."""
        sha = self._head_from_files()
        if sha is not False:
            return sha
        out = self.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()
        return out or None

    def _head_from_files(self):
        """sha, None (unborn branch) or False (could not tell: fall back to git)."""
        git_dir = self.git_dir
        if os.environ.get("GIT_DIR") or os.environ.get("GIT_COMMON_DIR"):
            return False
        try:
            text = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
            if not text.startswith("ref: refs/heads/"):
                return text if _is_sha(text) else False
            ref = text[5:]
            try:
                sha = (git_dir / ref).read_text(encoding="utf-8").strip()
                return sha if _is_sha(sha) else False
            except FileNotFoundError:
                pass
            try:
                packed = (git_dir / "packed-refs").read_text(encoding="utf-8")
            except FileNotFoundError:
                packed = ""
            for line in packed.splitlines():
                sha, _sp, name = line.partition(" ")
                if name == ref:
                    return sha if _is_sha(sha) else False
            return None  # an unborn branch: no commit yet
        except (OSError, UnicodeDecodeError):
            return False

    def user_name(self) -> str | None:
        return self.run("config", "user.name", check=False).strip() or None

    def commit(self, paths: list[str], message: str, author: str, email: str | None = None,
               contents: dict | None = None) -> str:
        """Stage exactly `paths` and commit them as one commit authored by `author`; returns the sha.
        On failure the caller puts the staged entries back (store.unit: the rollback in one place).

        `contents` ({path: bytes}): the files' text as propcli has just written them (by rename). Then the
        commit is made in-process (store.objects: the blobs, the trees along their paths, the commit, the
        ref and their index entries, whatever the ledger's size); git's plumbing where that cannot be."""
        email = email or "propcli@localhost"
        if contents is not None and len(contents) <= FAST_PATHS and sorted(contents) == sorted(paths) \
                and not any(c in author + email for c in "<>\n"):
            sha = self._commit_in_process(contents, message, author, email)
            if sha is not None:
                return sha
        identity = {
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
        }
        self.run("update-index", "--add", "--remove", "-z", "--stdin", input="\0".join(paths) + "\0")
        tree = self.run("write-tree").strip()
        parent = self.head()
        sha = self._write_commit_object(tree, parent, author, email, message)
        if sha is None:
            args = ["commit-tree", tree, "-F", "-"]
            if parent:
                args[2:2] = ["-p", parent]
            sha = self.run(*args, input=message, env=identity).strip()
        self.run("update-ref", "-m", "propcli: " + message.splitlines()[0], "HEAD", sha, parent or ZERO)
        return sha

    def _commit_in_process(self, contents: dict, message: str, author: str, email: str) -> str | None:
        """store.objects.commit on the branch HEAD names; None when this repository needs git's plumbing."""
        from propcli.store import objects

        parent, ref = self.head(), self.branch_ref()
        if not parent or not ref or not ref.startswith("refs/heads/"):
            return None
        try:
            return objects.commit(self.root, ref, parent, contents, message, author, email,
                                  "propcli: " + message.splitlines()[0])
        except objects.Unsupported:
            return None
        except objects.LockBusy as busy:
            text = _("Unable to create '{path}': File exists.", path=busy.path) + " " + _(
                "(a git command that is still running holds it; try again when it has finished: a lock left by a killed git command is cleared by the next propcli change)")  # noqa: E501
            raise LedgerUnusable(_("git {command} failed: {detail}", command="commit", detail=text)) from None

    # --- what the unit of work needs to refuse, undo and recover -----------------------------
    def state_problem(self) -> str | None:
        """Why a change may not be committed now (CLI.md exit 3), or None: a detached HEAD, an unborn
        branch, a merge, rebase, cherry-pick or revert in progress. File checks only (no process)."""
        git_dir = self.git_dir
        try:
            head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return _("git: .git/HEAD cannot be read; repair the repository (git fsck) before recording")
        if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
            return _("git: a rebase is in progress; finish it (git rebase --continue) or abort it (git rebase --abort) "
                     "first")
        if (git_dir / "MERGE_HEAD").exists():
            return _("git: a merge is in progress; finish it (resolve, then git commit) or abort it (git merge "
                     "--abort) first")
        for name, command in (("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert")):
            if (git_dir / name).exists():
                return _("git: a {command} is in progress; finish it (git {command} --continue) or abort it (git "
                         "{command} --abort) first",
                         command=command)
        if not head.startswith("ref: refs/heads/"):
            return _("git: HEAD is detached (not on a branch); a change would be committed off the branch; go back to "
                     "the ledger's branch first (git switch main)")
        if self.head() is None:
            return _("git: the branch {branch} has no commit yet (unborn); a ledger starts with the commit 'propcli "
                     "init' makes", branch=head[16:])
        return None

    def branch_ref(self) -> str | None:
        try:
            head = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return head[5:] if head.startswith("ref: ") else None

    def lock_files(self) -> list[Path]:
        """git's own lock files that would block a commit (index, HEAD, the branch, packed refs, config)."""
        git_dir = self.git_dir
        names = ["index.lock", "HEAD.lock", "packed-refs.lock", "config.lock", "shallow.lock"]
        ref = self.branch_ref()
        if ref:
            names.append(ref + ".lock")
        found = [git_dir / name for name in names if (git_dir / name).exists()]
        heads = git_dir / "refs" / "heads"
        if heads.is_dir():
            found += [p for p in heads.rglob("*.lock") if p not in found]
        return found

    def blobs_at_head(self, paths) -> dict[str, str | None]:
        """The blob sha HEAD holds for each path (None: HEAD has no such file), in one process."""
        paths = list(paths)
        if not paths:
            return {}
        out = self.run("cat-file", "--batch-check=%(objectname) %(objecttype)",
                       input="".join(f"HEAD:{p}\n" for p in paths))
        result = {}
        for relpath, line in zip(paths, out.splitlines()):
            sha, _sp, object_type = line.partition(" ")
            result[relpath] = sha if object_type == "blob" and _is_sha(sha) else None
        return result

    def unstage(self, paths) -> None:
        """The index entries of `paths` back to HEAD's (a staged file HEAD lacks leaves the index)."""
        paths = list(paths)
        if paths:
            self.run("reset", "-q", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul",
                     input="\0".join(paths) + "\0")

    def blob(self, sha: str) -> bytes:
        """A blob's bytes (the text HEAD holds for a file)."""
        import subprocess

        try:
            done = subprocess.run(["git", "cat-file", "blob", sha], cwd=self.root, capture_output=True)
        except FileNotFoundError:
            raise LedgerUnusable(_("git is not installed or not on PATH")) from None
        if done.returncode != 0:
            raise LedgerUnusable(_("git {command} failed: {detail}", command="cat-file",
                                   detail=done.stderr.decode("utf-8", "replace").strip()))
        return done.stdout

    def gc_auto(self) -> None:
        """`git gc --auto` in the foreground (under the ledger lock: a detached gc would take ref locks
        while the next command commits). Cheap when there is little to do; plumbing never triggers it.
        Then the split index folded when its small part has grown (store.objects rewrites that part on
        every commit): once every few hundred commits, the one index write whose cost grows with the ledger."""
        self.run("-c", "gc.autoDetach=false", "gc", "--auto", "--quiet", check=False)
        try:
            with open(self.git_dir / "index", "rb") as stream:
                head = stream.read(12)
        except OSError:
            return
        if len(head) == 12 and head[:4] == b"DIRC" and int.from_bytes(head[8:12], "big") > SPLIT_FOLD_AT:
            # old shared index files go once an hour old (git's default keeps them two weeks)
            self.run("-c", "splitIndex.sharedIndexExpire=1.hour.ago", "update-index", "--split-index", check=False)

    def _write_commit_object(self, tree: str, parent: str | None, author: str, email: str, message: str) -> str | None:
        """The commit as a loose object, written here rather than by one more git process (what
        `git commit-tree` writes); None where the repository layout is unusual (then git does it)."""
        import time
        import zlib

        objects = self.git_dir / "objects"
        if not objects.is_dir() or any(c in author + email for c in "<>\n"):
            return None
        seconds = int(time.time())
        offset = time.localtime(seconds).tm_gmtoff
        sign = "+" if offset >= 0 else "-"
        stamp = f"{seconds} {sign}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
        lines = [f"tree {tree}"] + ([f"parent {parent}"] if parent else [])
        lines += [f"author {author} <{email}> {stamp}", f"committer {author} <{email}> {stamp}", "", message]
        body = "\n".join(lines).encode("utf-8")
        data = b"commit " + str(len(body)).encode() + b"\0" + body
        from propcli.digest import sha1

        sha = sha1(data).hexdigest()
        target = objects / sha[:2] / sha[2:]
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            temp = target.parent / f"tmp_obj_{os.getpid()}_{sha[:8]}"
            with open(temp, "wb") as stream:
                stream.write(zlib.compress(data, 1))
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, 0o444)
            os.replace(temp, target)
        return sha

    def changed_paths(self, under: str) -> list[str]:
        """Files under `under` that differ from the index or are untracked (hand edits, crashes)."""
        # --no-optional-locks: a reader must never take .git/index.lock from a writer (concurrent commands)
        out = self.run("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames",
                       "--", under)
        paths = []
        for entry in out.split("\0"):
            if len(entry) > 3:
                paths.append(entry[3:])
        return paths

    def is_modified(self, path: str) -> bool:
        """Does the work-tree file differ from HEAD (or is it untracked)?"""
        return bool(self.run("--no-optional-locks", "status", "--porcelain=v1", "--untracked-files=all", "--",
                             path).strip())

    def diff_paths(self, old: str, new: str, under: str) -> list[str]:
        out = self.run("diff", "--name-only", "-z", "--no-renames", old, new, "--", under)
        return [p for p in out.split("\0") if p]

    # --- doctor: are git's objects intact? -------------------------------------------------------
    def fsck(self, timeout: float, connectivity_only: bool = False) -> tuple[bool, int, list[str]]:
        """`git fsck` within `timeout` seconds: (finished, exit code, git's error lines). Unfinished, it is
        stopped (no fsck runs on after doctor). `connectivity_only`: every reachable object present and every
        commit and tree readable, blobs' contents not read (`--connectivity-only`, fast on a big ledger)."""
        import subprocess

        args = ["git", "-c", "core.quotePath=false", "fsck", "--no-dangling", "--no-progress"]
        if connectivity_only:
            args.append("--connectivity-only")
        try:
            done = subprocess.run(args, cwd=self.root, capture_output=True, text=True, encoding="utf-8",
                                  errors="replace", timeout=max(timeout, 0.001), check=False)
        except subprocess.TimeoutExpired:
            return False, -1, []
        except FileNotFoundError:
            raise LedgerUnusable(_("git is not installed or not on PATH")) from None
        lines = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines()
                 if line.strip() and not line.startswith(("Checking", "notice:"))]
        return True, done.returncode, lines

    def damaged_loose_objects(self, limit: int = 20000) -> tuple[int, list[str]]:
        """Every loose object read back and hashed (inflate, header, sha-1 against its file name), at most
        `limit` of them: (how many were read, one line per damaged one). propcli writes its commits as loose
        objects, and a disk that loses a write loses a loose object first."""
        import hashlib
        import zlib

        objects = self.git_dir / "objects"
        checked = 0
        damaged: list = []
        try:
            folders = sorted(p for p in objects.iterdir() if len(p.name) == 2 and p.is_dir())
        except OSError:
            return 0, []
        for folder in folders:
            for path in sorted(folder.iterdir()):
                if checked >= limit:
                    return checked, damaged
                name = folder.name + path.name
                if not _is_sha(name):
                    continue
                checked += 1
                try:
                    data = zlib.decompress(path.read_bytes())
                    header, _nul, body = data.partition(b"\0")
                    kind, _sp, size = header.partition(b" ")
                    problem = None
                    if kind not in (b"blob", b"tree", b"commit", b"tag") or not size.isdigit() or int(size) != len(body):  # noqa: E501
                        problem = _("bad header")
                    elif hashlib.sha1(data).hexdigest() != name:
                        problem = _("its content does not match its name (sha-1)")
                except (OSError, zlib.error) as error:
                    problem = str(error)
                if problem:
                    damaged.append(f"{path.relative_to(self.root).as_posix()}: {problem}")
        return checked, damaged

    def attempt(self, *args: str, env: dict | None = None) -> "subprocess.CompletedProcess":
        """Run git and hand back the finished process (returncode, stdout, stderr) without judging it, for
        commands whose failure the caller explains itself (fetch, push, clone, merge: store/remote.py)."""
        import subprocess

        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", env=full_env)
        except FileNotFoundError:
            raise LedgerUnusable(_("git is not installed or not on PATH")) from None


# --- the record merge driver ---------------------------------------------------------------------------
MERGE_DRIVER_KEY = "merge.propcli-record.driver"
MERGE_DRIVER_VERSION = "2"
"""Bumped when the driver's command changes: the next command sets it again (app.services.ensure_local_setup)."""


def merge_driver_command(python: str) -> str:
    """What git runs (through sh) to merge two versions of a record file: this installation's python while
    it exists, else `propcli` found on PATH (a removed or moved virtualenv must not break every merge)."""
    import shlex

    quoted = shlex.quote(python)
    return (f"if [ -x {quoted} ]; then exec {quoted} -m propcli merge-driver %O %A %B; "
            f"else exec propcli merge-driver %O %A %B; fi")


def merge_driver_programs(command: str) -> list[str]:
    """The programs a configured driver command would start, in the order it tries them."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return []
    if words[:2] == ["if", "["] and "exec" in words:
        programs = [words[words.index("exec") + 1]]
        rest = words[words.index("exec") + 1:]
        if "exec" in rest:
            programs.append(rest[rest.index("exec") + 1])
        return programs
    return words[:1]


def merge_driver_resolves(git) -> bool:
    """Is the record merge driver configured, with a program that still exists (on PATH or where it says)?"""
    command = git.run("config", "--get", MERGE_DRIVER_KEY, check=False).strip()
    for program in merge_driver_programs(command) if command else []:
        if "/" in program:
            if os.access(program, os.X_OK) and Path(program).is_file():
                return True
        elif _on_path(program):
            return True
    return False


def _on_path(program: str) -> bool:
    """shutil.which without importing shutil on every write's path (start-up time, tests/test_imports.py)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder or ".", program)
        if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
            return True
    return False
