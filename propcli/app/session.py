"""What every command shares: the ledger, the clock (--now) and who is acting (--as)."""
import os
from datetime import datetime
from functools import cached_property

import propcli.app.schema  # noqa: F401  (installs the record schema the store calls)
import propcli.kinds  # noqa: F401  (registers the kinds' id prefixes)
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.timeutil import parse_time, utc_now


class Session:
    ledger_path: str | None
    now_text: str | None
    actor_text: str | None
    debug: bool
    warnings: list
    """What the command warns about after it is done (printed on stderr by the CLI)."""

    def __init__(self, ledger_path: str | None = None, now_text: str | None = None, actor_text: str | None = None,
                 debug: bool = False, warnings: list | None = None):
        self.ledger_path = ledger_path
        self.now_text = now_text
        self.actor_text = actor_text
        self.debug = debug
        self.warnings = [] if warnings is None else warnings

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @property
    def commits(self) -> int:
        """The commits this command made (none when it never opened the ledger)."""
        ledger = self.__dict__.get("ledger")
        return ledger.commits if ledger is not None else 0

    def write(self, planned):
        """Run what a kind planned as one unit of work (propcli/app/writes.py): a kind never writes itself."""
        from propcli.app.writes import write

        return write(self, planned)

    def linked(self, kind: str, field: str, ids: list, at) -> list:
        """Records of `kind` naming one of `ids` in `field` (propcli/app/writes.py)."""
        from propcli.app.writes import linked

        return linked(self, kind, field, ids, at)

    def load(self, record_id: str):
        """A record as its file says now, for a kind shaping a step (the kinds never read the store)."""
        from propcli.app.writes import load

        return load(self, record_id)

    @cached_property
    def ledger(self):
        from propcli.store.ledger import Ledger

        ledger = Ledger.discover(self.ledger_path)
        from propcli.store.git import MERGE_DRIVER_VERSION

        try:  # set up once per clone, and again when the merge driver's command changed
            done = (ledger.state_dir / "configured").read_text(encoding="utf-8").strip() == MERGE_DRIVER_VERSION
        except OSError:
            done = False
        if not done:
            from propcli.app.services import ensure_local_setup

            ensure_local_setup(ledger)
        return ledger

    @property
    def now(self) -> datetime:
        """--now, else the wall clock: read once, and read again by the unit of work once it holds the
        ledger lock (store.unit.Clock), so a step is stamped when it is made and reads after it see it."""
        if self.now_text:
            return self._given_now
        ledger = self.ledger
        if getattr(ledger, "clock_now", None) is None:
            ledger.clock_now = parse_time(utc_now(), ledger.tz)
        return ledger.clock_now

    @property
    def fixed_now(self) -> datetime | None:
        """--now for a write (store.unit), None without it: the unit of work reads the wall clock under the lock."""
        return self._given_now if self.now_text else None

    @cached_property
    def _given_now(self) -> datetime:
        """--now as ISO 8601, or as the desk types a time (`15:35`, `昨天下午3点`), read against the wall clock."""
        return self._human(self.now_text, lambda: parse_time(utc_now(), self.ledger.tz)) \
            or parse_time(self.now_text, self.ledger.tz, field="--now")

    def at(self, text: str | None, field: str = "--at") -> datetime:
        """A time option's value: ISO 8601, or as people type it (`15:35`, `今天17点`, `明天下午3点`; docs/terminal.md),
        read against the command's clock in the ledger's timezone."""
        if not text:
            return self.now
        return self._human(text, lambda: self.now) or parse_time(text, self.ledger.tz, field=field)

    def _human(self, text, clock):
        from propcli.humantime import parse_human

        raw = str(text).strip()
        if not raw or raw[:4].isdigit() and raw[4:5] == "-":
            return None
        return parse_human(raw, clock())

    @cached_property
    def actor(self) -> str:
        """Who acts (CLI.md "Who may act"): --as (or PROPCLI_USER), a name in staff.yaml; else the roster entry
        whose `login:` is the operating-system user; else exit 2. init, demo, clone, completion and --help
        never ask."""
        ledger = self.ledger
        name = self.actor_text if self.actor_text is not None else os.environ.get("PROPCLI_USER")
        if name is not None and str(name).strip():
            from propcli.kinds.fields import visible_name

            return ledger.member(visible_name(name, "--as"), "--as").name
        login = _login()
        member = ledger.member_of_login(login)
        if member is not None:
            return member.name
        raise BadInput(_("--as: who is acting? give --as NAME (a name in staff.yaml), set PROPCLI_USER, or add 'login: "
                         "{login}' to your entry in staff.yaml", login=login or "USER"))


def _login() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return None
