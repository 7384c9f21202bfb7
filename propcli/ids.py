"""Record ids: kind prefix, creation time, randomness.

`R-6K2M9Q7XF4`: a kind prefix, six Crockford base-32 characters of seconds since
2024-01-01 UTC (sortable by when the record was received, good until 2058) and four
random ones, so independent clones never need to coordinate (20 random bits per second).
Crockford's alphabet has no I, L, O or U: easy to read over the phone.
"""
import re
from datetime import datetime

from propcli.errors import BadInput
from propcli.i18n import _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
EPOCH = 1704067200  # 2024-01-01T00:00:00Z
PREFIX: dict[str, str] = {}
"""kind -> prefix, filled by the kinds registry (propcli.kinds) when it is imported."""
KIND_OF_PREFIX: dict[str, str] = {}
ID_PATTERN = re.compile(r"^([A-Z])-([0-9A-HJKMNP-TV-Z]{10})$")
_PREFIX_PATTERN = re.compile(r"^[A-Z](-[0-9A-Z]{0,10})?$")
REFERENCE_PREFIX = "propcli:"
_REFERENCE = r"^propcli:([^@\s]+)(?:@([0-9a-fA-F]{7,40}))?$"
"""Compiled on first use (`re` keeps it), as _REGISTER: most commands never read a QR code's text."""


def register(prefixes: dict[str, str]) -> None:
    PREFIX.update(prefixes)
    KIND_OF_PREFIX.update({prefix: kind for kind, prefix in prefixes.items()})


def _base32(number: int, width: int) -> str:
    chars = []
    for _i in range(width):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(kind: str, received: datetime) -> str:
    seconds = max(0, int(received.timestamp()) - EPOCH)
    import os

    random_part = _base32(int.from_bytes(os.urandom(3), "big") >> 4, 4)  # 20 random bits (what `secrets` reads)
    return f"{PREFIX[kind]}-{_base32(seconds, 6)}{random_part}"


def split_reference(text: str) -> tuple[str, str | None]:
    """The text of a printed form's QR code, `propcli:ID@COMMIT` (or `propcli:FORM-NO`), as (ID, COMMIT);
    anything else is returned as it is, with no commit (CLI.md "Forms and the QR code")."""
    raw = str(text).strip()
    match = re.match(_REFERENCE, raw, re.IGNORECASE) if raw[:8].lower() == REFERENCE_PREFIX else None
    if not match:
        return str(text), None
    return match.group(1), (match.group(2).lower() if match.group(2) else None)


_REGISTER = r"^propcli:([a-z][a-z-]*)/([^@\s/]+)(?:@([0-9a-fA-F]{7,40}))?$"


def split_register_reference(text: str) -> tuple[str, str, str | None] | None:
    """A monthly register's QR code, `propcli:NAME/KEY@COMMIT` (`propcli:paid-service/2026-11@1a2b3c4`), as
    (NAME, KEY, COMMIT); None for anything else (a record's or a pre-numbered form's reference)."""
    match = re.match(_REGISTER, str(text).strip(), re.IGNORECASE)
    if not match:
        return None
    return match.group(1).lower(), match.group(2), (match.group(3).lower() if match.group(3) else None)


def normalise(text: str) -> str:
    """Upper-case, Crockford look-alikes folded (O→0, I/L→1); refuses anything that could name a path.
    A QR code's text `propcli:ID@COMMIT` names its ID."""
    value = split_reference(text)[0].strip().upper()
    head, sep, tail = value.partition("-")
    tail = tail.replace("O", "0").replace("I", "1").replace("L", "1")
    value = head + sep + tail
    if not _PREFIX_PATTERN.match(value):
        raise BadInput(_("ID: '{value}' is not a record id; expected e.g. R-6K2M9Q7XF4 or an unambiguous prefix of one",
                         value=text))
    return value


def kind_of(record_id: str) -> str | None:
    match = ID_PATTERN.match(record_id)
    return KIND_OF_PREFIX.get(match.group(1)) if match else None
