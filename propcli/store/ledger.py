"""A ledger: a folder that is its own git repository, holding propcli.yaml, the policy,
price list, staff roster and one YAML file per record under records/<kind>/<yyyy>/<mm>/<id>.yaml.
"""
import os
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from propcli.errors import BadInput, LedgerUnusable
from propcli.i18n import _
from propcli.ids import normalise
from propcli.timeutil import zone
from propcli.values import Value, settable

if TYPE_CHECKING:
    from decimal import Decimal

CONFIG = "propcli.yaml"
RECORDS = "records"


class PriceItem(Value):
    __slots__ = ("code", "name", "price", "unit")
    code: str
    name: str
    price: "Decimal"
    unit: str

    def __init__(self, code: str, name: str, price: "Decimal", unit: str):
        settable(self, "code", code)
        settable(self, "name", name)
        settable(self, "price", price)
        settable(self, "unit", unit)


class StaffMember(Value):
    __slots__ = ("name", "role", "email", "phone", "login")
    name: str
    role: str
    email: str | None
    phone: str | None
    login: str | None
    """The operating-system user who acts as this member when neither --as nor PROPCLI_USER is given."""

    def __init__(self, name: str, role: str, email: str | None = None, phone: str | None = None,
                 login: str | None = None):
        settable(self, "name", name)
        settable(self, "role", role)
        settable(self, "email", email)
        settable(self, "phone", phone)
        settable(self, "login", login)


def find_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / CONFIG).is_file():
            return folder
    return None


class Ledger:
    clock_now: datetime | None = None
    """The wall clock as this command last read it (None with --now); store.unit reads it again under the lock."""
    commits: int = 0
    """How many commits this command made to this ledger (store.unit): a failure after one (printing to -o)
    must not turn done into an error (Session.commits)."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        path = self.root / CONFIG
        if not path.is_file():
            raise LedgerUnusable(_("{path} is not a ledger: no {config} (make one with 'propcli init PATH')",
                                   path=self.root, config=CONFIG))
        self.config = self._read_config(path)
        if not (self.root / ".git").exists():
            raise LedgerUnusable(_("{path} is not a git repository; a ledger is one (propcli init)", path=self.root))
        self.tz = str(self.config.get("timezone") or "Asia/Shanghai")
        try:
            zone(self.tz)
        except Exception:
            raise LedgerUnusable(_("{config}: timezone '{tz}' is unknown; expected e.g. Asia/Shanghai",
                                   config=CONFIG, tz=self.tz)) from None
        self.office = str(self.config.get("office") or "")

    def _read_config(self, path: Path) -> dict:
        config = self._cached_plain(path)
        if not isinstance(config, dict):
            raise LedgerUnusable(_("{config}: expected a mapping of settings", config=CONFIG))
        return config

    def _cached_plain(self, path: Path):
        """A settings file's data, through a JSON copy in the state folder (.git/propcli) keyed by its mtime
        and size: warm commands do not import a YAML parser."""
        import json

        stat = path.stat()
        key = f"{stat.st_mtime_ns}:{stat.st_size}"
        cache = self.state_dir / f"{path.name}.json"
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                return cached["data"]
        except (OSError, ValueError, AttributeError):
            pass
        from propcli.store import yamlio

        try:
            data = yamlio.read_plain_file(path, path.name, links=True)
        except yamlio.DamagedFile as error:  # a settings file, not a record: FILE:LINE: message
            raise LedgerUnusable(f"{error.path}:{error.line}: {error.problem}") from None
        try:
            if cache.parent.is_dir():
                from propcli.store.unit import remove_dead_temp_files

                remove_dead_temp_files(self)  # a reader killed while writing this cache left its temp file
                yamlio.write_atomic(cache, json.dumps({"key": key, "data": data}, ensure_ascii=False, default=str))
        except OSError:
            pass
        return data

    @classmethod
    def discover(cls, given: str | None) -> "Ledger":
        if given:
            return cls(Path(given))
        root = find_root(Path.cwd().resolve())
        if root is None:
            raise LedgerUnusable(_("no ledger here: no {config} in this folder or above; give --ledger PATH or set "
                                   "PROPCLI_LEDGER",
                                   config=CONFIG))
        return cls(root)

    # --- parts ---------------------------------------------------------------------------
    @cached_property
    def git(self):
        from propcli.store.git import Git

        return Git(self.root)

    @property
    def state_dir(self) -> Path:
        """Local, never committed: the index cache and the lock live inside .git."""
        return self.root / ".git" / "propcli"

    @cached_property
    def index(self):
        from propcli.store.index import Index

        return Index(self)

    def lock(self):
        from propcli.store.lock import ledger_lock

        timeout = float(os.environ.get("PROPCLI_LOCK_TIMEOUT") or self.config.get("lock_timeout") or 30)
        return ledger_lock(self.state_dir / "lock", timeout)

    def read_plain(self, name: str, default=None):
        path = self.root / name
        if not path.is_file():
            return default
        return self._cached_plain(path)

    def settings(self, name: str):
        """The plain data of settings file `name` (policy.yaml, calendar.yaml, staff.yaml, prices.yaml), checked
        by the installed schema: malformed is LedgerUnusable, `FILE:LINE: message` (CLI.md "Failures that are
        loud"); a missing file is None (the defaults)."""
        checked = self.__dict__.setdefault("_settings", {})
        if name not in checked:
            plain = self.read_plain(name, None)
            from propcli.store import schema

            schema.current().check_settings(self, name, plain)
            checked[name] = plain
        return checked[name]

    def file_bytes(self, name: str) -> bytes:
        """A settings file's bytes (b"" when there is none), unchecked: for a digest of the rules (the text, once
        decoded, is checked where it is read: `settings`, `file_text`)."""
        path = self.root / name
        return path.read_bytes() if path.is_file() else b""

    def file_text(self, name: str) -> str:
        from propcli.store import yamlio

        path = self.root / name
        return yamlio.read_text(path, name, links=True) if path.is_file() else ""

    @cached_property
    def policy(self):
        """The deadline rules of policy.yaml, parsed by the policy layer (through the installed schema)."""
        from propcli.store import schema

        return schema.current().policy_of(self)

    @cached_property
    def calendar(self):
        """The work calendar (official holidays less calendar.yaml closures), built by the policy layer."""
        from propcli.store import schema

        return schema.current().calendar_of(self)

    @cached_property
    def prices(self) -> dict[str, PriceItem]:
        from decimal import Decimal

        plain = self.settings("prices.yaml") or {}
        return {str(raw["code"]): PriceItem(str(raw["code"]), str(raw["name"]), Decimal(str(raw["price"]).strip()),
                                            str(raw.get("unit") or ""))
                for raw in plain.get("items") or []}

    @cached_property
    def staff(self) -> list[StaffMember]:
        plain = self.settings("staff.yaml") or {}
        return [StaffMember(str(p["name"]), str(p["role"]), p.get("email"),
                            None if p.get("phone") is None else str(p.get("phone")),
                            None if p.get("login") is None else str(p.get("login")))
                for p in plain.get("staff") or []]

    def member(self, name, field: str = "--as") -> StaffMember:
        """The staff member `name` names (CLI.md "Who may act"); BadInput naming `field` and the closest names
        in staff.yaml otherwise."""
        text = "" if name is None else str(name).strip()
        if not text:
            raise BadInput(_("{field}: missing; expected a name in staff.yaml (propcli staff lists them)", field=field))
        for member in self.staff:
            if member.name == text:
                return member
        from difflib import get_close_matches

        close = get_close_matches(text, [m.name for m in self.staff], n=3, cutoff=0.3)
        hint = _("; closest: {names}", names=", ".join(close)) if close else ""
        raise BadInput(_("{field}: '{name}' is not in staff.yaml (propcli staff lists the names){hint}",
                         field=field, name=text, hint=hint))

    def member_of_login(self, login: str | None) -> StaffMember | None:
        """The roster entry whose `login:` is this operating-system user, if any."""
        if not login:
            return None
        return next((m for m in self.staff if m.login == login), None)

    def roles_of(self, name: str) -> set[str]:
        return {member.role for member in self.staff if member.name == name}

    def email_of(self, name: str) -> str | None:
        return next((m.email for m in self.staff if m.name == name and m.email), None)

    # --- records -------------------------------------------------------------------------
    def record_relpath(self, kind: str, record_id: str, received: datetime) -> str:
        local = received.astimezone(zone(self.tz))
        return f"{RECORDS}/{kind}/{local:%Y}/{local:%m}/{record_id}.yaml"

    def resolve(self, text: str, kind: str | None = None, field: str = "ID") -> str:
        """The full id for an id or unambiguous prefix; exit 2 listing candidates when ambiguous, or when
        it names a record of another kind than `kind`."""
        record_id = self._resolve(text)
        if kind is not None:
            from propcli.store import schema

            kinds = schema.current()
            actual = kinds.kind_of_id(record_id)
            if actual != kind:
                raise BadInput(_("{field}: {id} is a {actual}, not a {kind}", field=field, id=record_id,
                                 actual=kinds.kind_label(actual), kind=kinds.kind_label(kind)))
        return record_id

    def _resolve(self, text: str) -> str:
        prefix = normalise(text)
        matches = self.index.ids_with_prefix(prefix)
        if prefix in matches:
            return prefix
        if not matches:
            for path, line, message in self.index.damaged():
                if path.rsplit("/", 1)[-1].startswith(prefix):
                    raise LedgerUnusable(_("{path}:{line}: damaged record file: {problem}",
                                           path=path, line=line, problem=message))
            raise BadInput(_("ID: no record '{value}' in this ledger", value=text))
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (" …" if len(matches) > 10 else "")
            raise BadInput(_("ID: '{value}' is ambiguous; it matches {candidates}", value=text, candidates=shown))
        return matches[0]

    def path_of(self, relpath: str) -> Path:
        """The file of `relpath`, refused when it (or a folder on the way, a link) leads outside the ledger.
        Folders are resolved once per command (an import writes thousands of files into a few folders)."""
        folder, _sep, name = str(relpath).rpartition("/")
        if name in ("", ".", "..") or "\\" in name:
            raise LedgerUnusable(_("{path}: outside the ledger", path=relpath))
        cache = self.__dict__.setdefault("_folders", {})
        resolved = cache.get(folder)
        if resolved is None:
            resolved = (self.root / folder).resolve() if folder else self.root
            if resolved != self.root and self.root not in resolved.parents:
                raise LedgerUnusable(_("{path}: outside the ledger", path=relpath))
            cache[folder] = resolved
        path = resolved / name
        if path.is_symlink():
            target = path.resolve()
            if self.root not in target.parents:
                raise LedgerUnusable(_("{path}: outside the ledger", path=relpath))
        return path
