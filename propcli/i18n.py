"""One translation function for every user-facing message (gettext style).

Catalogues live in `propcli/locale/<lang>/LC_MESSAGES/propcli.po` (or a compiled `.mo`); set
PROPCLI_LANG=zh_CN to use one. Call sites never change: to make Chinese the default, set the default
language here. Without a catalogue, or for a message it lacks, the English text is used.
"""
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_translation = None


class NoTranslation:
    """English, the text of the call sites."""

    def gettext(self, message: str) -> str:
        return message


class PoTranslations(NoTranslation):
    """A `.po` catalogue read directly (msgid/msgstr pairs), so no build step is needed."""

    def __init__(self, path: Path):
        import ast

        self.messages: dict[str, str] = {}
        entry: dict[str, str] = {}
        current = None
        for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
            line = raw.strip()
            if line.startswith(("msgid ", "msgstr ")):
                current, _sep, literal = line.partition(" ")
                if current == "msgid" and "msgstr" in entry:
                    self._add(entry)
                    entry = {}
                entry[current] = ast.literal_eval(literal)
            elif line.startswith('"') and current:
                entry[current] += ast.literal_eval(line)
            elif not line:
                self._add(entry)
                entry, current = {}, None

    def _add(self, entry: dict) -> None:
        if entry.get("msgid") and entry.get("msgstr"):
            self.messages[entry["msgid"]] = entry["msgstr"]

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


def _catalogue():
    global _translation
    if _translation is None:
        lang = os.environ.get("PROPCLI_LANG")
        _translation = NoTranslation()
        if lang:
            po = LOCALE_DIR / lang / "LC_MESSAGES" / "propcli.po"
            mo = po.with_suffix(".mo")
            if mo.is_file():
                import gettext

                _translation = gettext.translation("propcli", localedir=str(LOCALE_DIR), languages=[lang])
            elif po.is_file():
                _translation = PoTranslations(po)
    return _translation


def language() -> str:
    """The language people read now: `zh_CN` or `en`."""
    return "zh_CN" if (os.environ.get("PROPCLI_LANG") or "").startswith("zh") else "en"


def reset() -> None:
    """Read PROPCLI_LANG again (tests, long-running callers)."""
    global _translation
    _translation = None


def N_(message: str) -> str:
    """Mark a message for translation where it is declared (as data); it is translated where it is shown."""
    return message


def _(message: str, /, **values) -> str:
    """Translate `message`, then fill `{name}` placeholders from `values`."""
    text = _catalogue().gettext(message)
    return text.format(**values) if values else text
