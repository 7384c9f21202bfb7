"""One translation function for every user-facing message (gettext style).

A catalogue `propcli/locale/<lang>/LC_MESSAGES/propcli.mo` becomes active with
PROPCLI_LANG=<lang> (or LANGUAGE/LANG); call sites never change.
"""
import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_translation = None


def _catalogue():
    global _translation
    if _translation is None:
        lang = os.environ.get("PROPCLI_LANG")
        languages = [lang] if lang else None
        _translation = gettext.translation(
            "propcli", localedir=str(_LOCALE_DIR), languages=languages, fallback=True
        )
    return _translation


def _(message: str, /, **values) -> str:
    """Translate `message`, then fill `{name}` placeholders from `values`."""
    text = _catalogue().gettext(message)
    return text.format(**values) if values else text
