"""What every command shares: the ledger, the clock (--now) and who is acting (--as)."""
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import propcli.app.schema  # noqa: F401  (installs the record schema the store calls)
import propcli.kinds  # noqa: F401  (registers the kinds' id prefixes)
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.timeutil import parse_time, utc_now


@dataclass
class Session:
    ledger_path: str | None = None
    now_text: str | None = None
    actor_text: str | None = None
    debug: bool = False
    warnings: list = field(default_factory=list)
    """What the command warns about after it is done (printed on stderr by the CLI)."""

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    @cached_property
    def ledger(self):
        from propcli.store.ledger import Ledger

        ledger = Ledger.discover(self.ledger_path)
        if not (ledger.state_dir / "configured").exists():
            from propcli.app.services import ensure_local_setup

            ensure_local_setup(ledger)
        return ledger

    @cached_property
    def now(self) -> datetime:
        if self.now_text:
            return parse_time(self.now_text, self.ledger.tz, field="--now")
        return parse_time(utc_now(), self.ledger.tz)

    def at(self, text: str | None, field: str = "--at") -> datetime:
        return parse_time(text, self.ledger.tz, field=field) if text else self.now

    @cached_property
    def actor(self) -> str:
        name = self.actor_text or os.environ.get("PROPCLI_USER") or self.ledger.git.user_name()
        if not name or not name.strip():
            raise BadInput(_("--as: who is acting? give --as NAME, set PROPCLI_USER, or set git's user.name"))
        return name.strip()
