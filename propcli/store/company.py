"""The company folder (issue 20): `company.yaml` (the offices: code, name, remote), `offices/<CODE>/` (a
read-only copy of each office's ledger, a git clone) and `.propcli/` (this machine's own state, never part of
a copy: when each office was last brought in, and each office's index cache).

A copy is written only by `company add` (git clone) and `company sync` (git fetch, then git reset --hard to the
office's tip); every other command only reads it. The index of a copy lives in `.propcli/cache/<CODE>/`
(`CopyLedger.state_dir`), never inside the copy, so reading an office leaves its work tree, its refs and its
`.git` exactly as git left them.
"""
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _
from propcli.store import remote as remote_git
from propcli.store import yamlio
from propcli.store.ledger import Ledger
from propcli.timeutil import zone

COMPANY = "company.yaml"
OFFICES = "offices"
STATE = ".propcli"
FIGURES = "figures.json"
"""In an office's cache folder: its `company stats` figures by (HEAD, month, now), see app.company."""
FIGURES_KEPT = 48
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    remote: str


def normal_code(text, field: str = "CODE") -> str:
    """An office code as written in `CODE:ID` (HY01): letters, digits, `-` and `_`, upper-cased."""
    code = str(text or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise BadInput(_("{field}: '{value}' is not an office code; expected letters and digits, e.g. HY01",
                         field=field, value=text))
    return code


def find_company(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / COMPANY).is_file():
            return folder
    return None


class CopyLedger(Ledger):
    """An office's ledger as the company reads it: its caches kept in the company folder, not in the copy."""

    def __init__(self, root: Path, cache: Path):
        self._cache = Path(cache)
        super().__init__(root)
        # Nobody edits a copy by hand: it changes only by `company sync` (a new HEAD, which the index follows
        # through git diff), so the index never needs to stat every record file to find edits made in place.
        self.config = {**self.config, "index": {**(self.config.get("index") or {}), "full_scan_limit": -1,
                                                "full_scan_every": 10 ** 12}}

    @property
    def state_dir(self) -> Path:
        return self._cache


class Company:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        path = self.root / COMPANY
        if not path.is_file():
            raise LedgerUnusable(_("{path} is not a company folder: no {file} (make one with 'propcli company init "
                                   "PATH')",
                                   path=self.root, file=COMPANY))
        try:
            plain = yamlio.read_plain_file(path, COMPANY)
        except yamlio.DamagedFile as error:
            raise LedgerUnusable(error.message) from None
        if plain is None:
            plain = {}
        if not isinstance(plain, dict) or not isinstance(plain.get("offices") or [], list):
            raise LedgerUnusable(_("{file}:1: expected a mapping with 'name' and a list 'offices'", file=COMPANY))
        self.name = str(plain.get("name") or "")
        self.timezone = str(plain.get("timezone") or "Asia/Shanghai")
        try:
            zone(self.timezone)
        except Exception:  # noqa: BLE001  (whatever the zone library raises for a name it does not know)
            raise LedgerUnusable(_("{file}: timezone '{tz}' is unknown; expected e.g. Asia/Shanghai", file=COMPANY,
                                   tz=self.timezone)) from None
        self.offices: list[Office] = []
        for number, raw in enumerate(plain.get("offices") or [], 1):
            if not isinstance(raw, dict) or not raw.get("code") or not raw.get("remote"):
                raise LedgerUnusable(_("{file}: office {number}: expected 'code' and 'remote'", file=COMPANY,
                                       number=number))
            self.offices.append(Office(str(raw["code"]).upper(), str(raw.get("name") or raw["code"]),
                                       str(raw["remote"])))

    @classmethod
    def discover(cls, given: str | None) -> "Company":
        if given:
            return cls(Path(given))
        root = find_company(Path.cwd().resolve())
        if root is None:
            raise LedgerUnusable(_("no company folder here: no {file} in this folder or above; give --company PATH or "
                                   "set PROPCLI_COMPANY",
                                   file=COMPANY))
        return cls(root)

    # --- the folder -------------------------------------------------------------------------------
    @staticmethod
    def create(path, name: str) -> Path:
        """A new company folder at `path` (empty, or not there yet); BadInput naming PATH when it cannot be one."""
        text = str(path or "")
        try:
            if not text.strip() or not text.isprintable():
                raise ValueError(text)
            root = Path(text).expanduser().absolute()
            if (root / COMPANY).exists():
                raise BadInput(_("PATH: {path} is already a company folder", path=root))
            if root.exists() and not root.is_dir():
                raise BadInput(_("PATH: {path} exists and is not a folder", path=root))
            (root / OFFICES).mkdir(parents=True, exist_ok=True)
            (root / STATE).mkdir(exist_ok=True)
            (root / STATE / ".gitignore").write_text("*\n", encoding="utf-8")
            yamlio.write_atomic(root / COMPANY, _company_text(name, "Asia/Shanghai", []))
        except (OSError, ValueError) as error:  # a NUL, a name too long, a path through a file, no permission
            raise BadInput(_("PATH: {path} cannot be used ({error})", path=text,
                             error=getattr(error, "strerror", None) or _("not a folder name"))) from None
        return root

    def save(self, offices: list[Office]) -> None:
        yamlio.write_atomic(self.root / COMPANY, _company_text(self.name, self.timezone, offices))
        self.offices = list(offices)

    def lock(self):
        from propcli.store.lock import ledger_lock

        return ledger_lock(self.root / STATE / "lock", 30)

    def office(self, code: str) -> Office:
        """The office of `code`; exit 2 naming the codes known."""
        wanted = str(code or "").strip().upper()
        for office in self.offices:
            if office.code == wanted:
                return office
        known = ", ".join(o.code for o in self.offices) or _("(none yet: propcli company add CODE URL)")
        raise BadInput(_("office '{code}' is not in {file}; known offices: {known}", code=code, file=COMPANY,
                         known=known))

    def copy_path(self, code: str) -> Path:
        return self.root / OFFICES / code

    def cache_dir(self, code: str) -> Path:
        return self.root / STATE / "cache" / code

    def has_copy(self, code: str) -> bool:
        return (self.copy_path(code) / ".git").exists() and (self.copy_path(code) / "propcli.yaml").is_file()

    def ledger(self, code: str) -> CopyLedger:
        return CopyLedger(self.copy_path(code), self.cache_dir(code))

    # --- what this machine knows of each copy ---------------------------------------------------
    def states(self) -> dict:
        try:
            data = json.loads((self.root / STATE / "offices.json").read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def save_states(self, states: dict) -> None:
        yamlio.write_atomic(self.root / STATE / "offices.json",
                            json.dumps(states, ensure_ascii=False, indent=1, sort_keys=True))

    # --- each office's figures, kept (issue 20: warm `company stats`) --------------------------------
    def copy_head(self, code: str) -> str | None:
        """The commit the office's copy is at (read from its .git, no process in the usual layout)."""
        from propcli.store.git import Git

        return Git(self.copy_path(code)).head()

    def kept_figures(self, code: str) -> dict:
        """key -> what `company stats` computed for the office (see app.company.figures_key); {} when none."""
        try:
            data = json.loads((self.cache_dir(code) / FIGURES).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def keep_figures(self, code: str, fresh: dict) -> None:
        """Add `fresh` (key -> figures) to the office's kept figures, the newest FIGURES_KEPT only. A cache: a
        failed write is no failure (the figures are computed again next time)."""
        kept = {k: v for k, v in self.kept_figures(code).items() if k not in fresh}
        kept.update(fresh)
        kept = dict(list(kept.items())[-FIGURES_KEPT:])
        try:
            self.cache_dir(code).mkdir(parents=True, exist_ok=True)
            yamlio.write_atomic(self.cache_dir(code) / FIGURES, json.dumps(kept, ensure_ascii=False), sync=False)
        except OSError:
            pass

    def forget(self, code: str) -> None:
        """Remove an office's copy and cache (a copy half-made by a failed `company add`)."""
        shutil.rmtree(self.copy_path(code), ignore_errors=True)
        shutil.rmtree(self.cache_dir(code), ignore_errors=True)


def _company_text(name: str, timezone: str, offices: list[Office]) -> str:
    head = ("# propcli company: the offices whose ledgers this folder brings in (propcli company add CODE URL).\n"
            "# offices/<CODE>/ are read-only copies (propcli company sync); .propcli/ is this machine's cache.\n")
    data = {"name": name, "timezone": timezone, "offices": [{"code": o.code, "name": o.name,
                                                             "remote": o.remote} for o in offices]}
    return head + yamlio.dump(data)


# --- bringing a copy in (git) ----------------------------------------------------------------------

def clone_copy(url: str, target: Path) -> str:
    """`git clone` an office's ledger into `target` (which must not exist); its HEAD commit. Unreachable
    (exit 3) when git cannot; LedgerUnusable naming the remote when what it holds is not a propcli ledger
    (the clone is removed again then)."""
    from propcli.store.git import Git

    target.parent.mkdir(parents=True, exist_ok=True)
    remote_git.clone(url, target)
    git = Git(target)
    if not (target / "propcli.yaml").is_file():
        _check_out_ledger_branch(git)
    if not (target / "propcli.yaml").is_file():
        shutil.rmtree(target, ignore_errors=True)
        raise LedgerUnusable(_("{url} is not a propcli ledger (no propcli.yaml on its branch)", url=url))
    head = git.head()
    if head is None:
        shutil.rmtree(target, ignore_errors=True)
        raise LedgerUnusable(_("{url} is not a propcli ledger (no commit)", url=url))
    return head


def _check_out_ledger_branch(git) -> None:
    """A bare repository whose HEAD names a branch nobody pushed: check out `main`, or the only branch."""
    names = [n for n in git.run("for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/",
                                check=False).split() if n != "HEAD"]
    chosen = "main" if "main" in names else (names[0] if len(names) == 1 else None)
    if chosen:
        git.run("checkout", "-q", "-B", chosen, "--track", f"origin/{chosen}", check=False)


def refresh_copy(copy: Path, url: str) -> tuple[str, bool]:
    """Fetch the office's branch and move the copy to its tip (git reset --hard): (HEAD, moved). The copy's
    remote URL follows company.yaml. Unreachable (exit 3) when the remote cannot be read; LedgerUnusable when
    its tip is no longer a propcli ledger (the copy is then left as it was)."""
    from propcli.store.git import Git

    git = Git(copy)
    if remote_git.remote_url(git, "origin") != url:
        git.run("remote", "set-url", "origin", url, check=False)
    branch = remote_git.current_branch(git) or "main"
    tip = remote_git.fetch(git, "origin", branch)
    if tip is None:
        raise remote_git.Unreachable(_("cannot reach the remote {remote} ({url}): {detail}", remote="origin", url=url,
                                       detail=_("it has no branch {branch}", branch=branch)))
    if git.attempt("cat-file", "-e", f"{tip}:propcli.yaml").returncode != 0:
        raise LedgerUnusable(_("{url} is not a propcli ledger (no propcli.yaml on its branch)", url=url))
    head = git.head()
    dirty = bool(git.run("--no-optional-locks", "status", "--porcelain", "--untracked-files=no", check=False).strip())
    if head != tip or dirty:
        git.run("reset", "--quiet", "--hard", tip)
    return tip, head != tip


def record_count(index) -> int:
    """How many record files a copy's index holds."""
    return index.query("SELECT count(*) FROM records")[0][0]
