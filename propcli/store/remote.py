"""Meeting other desks through a git remote: fetch, merge, push, clone -- through `Git`, never prompting.

Every network command runs with GIT_TERMINAL_PROMPT=0 (no password prompt), ssh in batch mode with a
connect timeout, and a low-speed limit for http(s); a merge runs with GIT_EDITOR=true and --no-edit. A
failure is judged from git's state, not from its (possibly translated) messages: a failed push is followed by
a fetch, and the remote has moved when its tip is no longer an ancestor of what we pushed. Git's own words
(the reason shown to a person) come from `Git.attempt`, which hands back stderr.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from propcli.errors import LedgerUnusable
from propcli.i18n import _


class Unreachable(LedgerUnusable):
    """The remote cannot be reached or read (network, path, permissions): exit 3."""


class PushFailed(LedgerUnusable):
    """git push failed; `detail` is git's last line."""

    def __init__(self, message: str, detail: str):
        super().__init__(message)
        self.detail = detail


class MergeStopped(LedgerUnusable):
    """git could not merge (text conflicts, local changes in the way); the merge was aborted."""

    def __init__(self, message: str, paths: list[str]):
        super().__init__(message)
        self.paths = paths


def network_env(git) -> dict:
    """No prompt can ever wait for a person (cron, a desk PC): fail fast instead."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_HTTP_LOW_SPEED_LIMIT": "1000", "GIT_HTTP_LOW_SPEED_TIME": "60"}
    if not os.environ.get("GIT_SSH_COMMAND") and not git.run("config", "core.sshCommand", check=False).strip():
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=20"
    return env


def reason(done) -> str:
    """What went wrong, from a failed git process: the rejected ref line of a push, else git's first line
    (not its hints), else the exit code."""
    lines = [line.strip() for line in (done.stderr or done.stdout or "").splitlines() if line.strip()]
    lines = [line for line in lines if not line.lower().startswith(("hint:", "提示："))]
    for line in lines:
        if line.startswith("!"):
            return line
    if not lines:
        return _("git exited with {code}", code=done.returncode)
    return " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]


def remote_url(git, remote: str) -> str | None:
    return git.run("config", "--get", f"remote.{remote}.url", check=False).strip() or None


def current_branch(git) -> str | None:
    return git.run("symbolic-ref", "-q", "--short", "HEAD", check=False).strip() or None


def tracking_ref(remote: str, branch: str) -> str:
    return f"refs/remotes/{remote}/{branch}"


def rev(git, ref: str) -> str | None:
    return git.run("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False).strip() or None


def is_ancestor(git, older: str, newer: str) -> bool:
    """Is `older` reachable from `newer` (or the same commit)?"""
    return older == newer or git.run("merge-base", older, newer, check=False).strip() == older


def merge_base(git, one: str, other: str) -> str | None:
    return git.run("merge-base", one, other, check=False).strip() or None


def fetch(git, remote: str, branch: str) -> str | None:
    """Fetch the remote's branches; the remote tip of `branch` (None: the remote has no such branch yet,
    e.g. an empty bare repository). Unreachable (exit 3) when it cannot be read."""
    url = remote_url(git, remote) or remote
    done = git.attempt("fetch", "--quiet", "--no-tags", "--prune", remote, f"+refs/heads/*:refs/remotes/{remote}/*",
                       env=network_env(git))
    if done.returncode != 0:
        raise Unreachable(_("cannot reach the remote {remote} ({url}): {detail}", remote=remote, url=url,
                            detail=reason(done)))
    return rev(git, tracking_ref(remote, branch))


def push(git, remote: str, sha: str, branch: str) -> None:
    """Push commit `sha` to the remote's `branch` (a fast-forward only; hooks run)."""
    url = remote_url(git, remote) or remote
    done = git.attempt("push", "--quiet", remote, f"{sha}:refs/heads/{branch}", env=network_env(git))
    if done.returncode != 0:
        raise PushFailed(_("the remote {remote} ({url}) did not take the push: {detail}", remote=remote, url=url,
                           detail=reason(done)), reason(done))
    git.run("update-ref", tracking_ref(remote, branch), sha, check=False)


def changed_paths(git, old: str | None, new: str, under: str = "records") -> list[str]:
    """Files under `under` that differ between two commits (all files of `new` when `old` is None)."""
    if old is None:
        out = git.run("ls-tree", "-r", "-z", "--name-only", new, "--", under)
    else:
        out = git.run("diff", "--name-only", "-z", "--no-renames", old, new, "--", under)
    return [p for p in out.split("\0") if p]


def record_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith("records/") and p.endswith(".yaml")]


@dataclass(frozen=True)
class Merged:
    before: str
    after: str


def merge(git, sha: str, message: str, author: str, email: str) -> Merged:
    """Merge commit `sha` into HEAD (a fast-forward when possible), never opening an editor. When git stops
    (text conflicts, local changes in the way), the merge is aborted -- the work tree and HEAD are as before --
    and MergeStopped names the files."""
    before = git.head()
    identity = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": author,
                "GIT_COMMITTER_EMAIL": email, "GIT_EDITOR": "true", "GIT_MERGE_AUTOEDIT": "no"}
    done = git.attempt("merge", "--quiet", "--no-edit", "--no-stat", "--ff", "--no-squash", "-m", message, sha,
                       env=identity)
    if done.returncode != 0:
        unmerged = [p for p in git.run("diff", "--name-only", "-z", "--diff-filter=U", check=False).split("\0") if p]
        if (git.git_dir / "MERGE_HEAD").exists():
            git.run("merge", "--abort", check=False)
        if git.head() != before:  # never leave a half-made merge behind
            git.run("reset", "--quiet", "--merge", before, check=False)
        if unmerged:
            why = [line.split(":", 1)[1].strip() for line in (done.stderr or "").splitlines()
                   if line.startswith("propcli merge-driver:")]
            raise MergeStopped(_("these files were changed on both sides in ways that cannot be merged: {paths}",
                                 paths=", ".join(unmerged)) + "".join(f" ({w})" for w in why), unmerged)
        raise MergeStopped(_("git could not merge: {detail}", detail=reason(done)), [])
    return Merged(before, git.head())


def driver_ready(git) -> bool:
    """Is the record merge driver configured, with a program that still exists? (store.git says how it is run.)"""
    from propcli.store.git import merge_driver_resolves

    return merge_driver_resolves(git)


def clone(url: str, target: Path) -> None:
    """`git clone URL TARGET` without prompting; Unreachable (exit 3) when git cannot."""
    from propcli.store.git import Git

    parent = Git(target.parent)
    done = parent.attempt("clone", "--quiet", "--origin", "origin", url, str(target), env=network_env(parent))
    if done.returncode != 0:
        raise Unreachable(_("cannot clone {url}: {detail}", url=url, detail=reason(done)))
