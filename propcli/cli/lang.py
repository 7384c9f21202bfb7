"""The language on the command line: settled before any output, applied to click's objects when shown.

* `settle(args)`: the root group calls it with the raw arguments before click parses them, so even
  `propcli --help` speaks the ledger's language: --lang, PROPCLI_LANG, the ledger's `locale:` (the ledger
  given by --ledger / PROPCLI_LEDGER, or found upwards from here), LC_ALL/LANG, zh_CN.
* click's own strings (Usage:, Options:, Error: …) go through click's module-level `_`/`ngettext`
  (bound from the stdlib gettext at import); `install_click_translation` rebinds them to our `click`
  catalogue, so they follow the same language.
* Help texts are made at import (option help, docstrings); `localize(command)` translates them again from
  their msgids when the command is resolved, and a group resolved through a localized group localizes the
  commands it resolves in turn: lazily loaded commands are localized when they load, never before.
"""
import os
from pathlib import Path

import click

from propcli import i18n

_ROOT_VALUE_OPTIONS = {"--ledger", "--now", "--as", "--lang", "--color"}


def ledger_locale(ledger: str | None) -> str | None:
    """The `locale:` of the ledger's propcli.yaml, read as text (no YAML parser on the warm path)."""
    if ledger:
        config = Path(ledger) / "propcli.yaml"
    else:
        try:
            here = Path.cwd()
        except OSError:
            return None
        config = None
        for folder in (here, *here.parents):
            if (folder / "propcli.yaml").is_file():
                config = folder / "propcli.yaml"
                break
        if config is None:
            return None
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():  # `locale: zh_CN  # comment` at the top level (no YAML parser here)
        if line.startswith("locale:"):
            value = line[len("locale:"):].split("#", 1)[0].strip().strip("'\"")
            return value or None
    return None


def _root_options(args: list[str]) -> dict:
    """--lang and --ledger among the root options (those before the sub-command)."""
    found: dict = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        if not arg.startswith("-"):
            break
        name, eq, value = arg.partition("=")
        if name in _ROOT_VALUE_OPTIONS:
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            found[name] = value
        i += 1
    return found


def settle(args) -> str:
    """Choose the language for this command line and settle it (see the module doc)."""
    options = _root_options([str(a) for a in args])
    lang = options.get("--lang")
    locale = None
    if not i18n.normalize(lang) and not i18n.normalize(os.environ.get("PROPCLI_LANG")):
        locale = ledger_locale(options.get("--ledger") or os.environ.get("PROPCLI_LEDGER"))
    chosen = i18n.choose(lang, locale)
    i18n.set_language(chosen)
    install_click_translation()
    return chosen


# --- click's own strings ------------------------------------------------------------------------
def _click_gettext(message: str) -> str:
    return i18n.catalogue("click").gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    """One Chinese form for both; the catalogue keys plurals as `singular` (n == 1) and `plural`."""
    catalogue = i18n.catalogue("click")
    return catalogue.gettext(singular if n == 1 else plural)


def install_click_translation() -> None:
    """Rebind `_` and `ngettext` in click's modules to the click catalogue of the settled language."""
    import sys

    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        current = getattr(module, "_", None)
        if current is not None and (current is _click_gettext or getattr(current, "__module__", "") == "gettext"):
            module._ = _click_gettext
        current = getattr(module, "ngettext", None)
        if current is not None and (current is _click_ngettext or getattr(current, "__module__", "") == "gettext"):
            module.ngettext = _click_ngettext


# --- help texts ---------------------------------------------------------------------------------
_TEXT_ATTRS = ("help", "short_help", "epilog")
_PARAM_ATTRS = ("help", "prompt")


def _translate_attrs(obj, attrs) -> None:
    originals = obj.__dict__.setdefault("_propcli_msgids", {})
    for attr in attrs:
        if attr not in originals:
            originals[attr] = getattr(obj, attr, None)
        original = originals[attr]
        if isinstance(original, str) and original:
            text = i18n.retranslate(original)
            if text == original:  # click's own options (--help, --version): the click catalogue
                text = i18n.retranslate(original, "click")
            setattr(obj, attr, text)


class LocalizingGroup:
    """Mixin for click groups: the commands it resolves or lists are localized first."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            localize(command)
            import sys

            completion = sys.modules.get("propcli.cli.completion")
            if completion is not None and completion.ACTIVE:  # completing: values for this command's parameters
                completion.attach(command, ctx)
        return name, command, rest

    def format_commands(self, ctx, formatter):
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None:
                localize(command)
        return super().format_commands(ctx, formatter)


_mixed: dict = {}


def localize(command) -> None:
    """Translate a command's help texts (its own and its parameters') into the language of now."""
    _translate_attrs(command, _TEXT_ATTRS)
    help_option = command.__dict__.get("_help_option")  # click >= 8.2 keeps the --help option made once
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        _translate_attrs(param, _PARAM_ATTRS)
    if isinstance(command, click.Group) and not isinstance(command, LocalizingGroup):
        cls = type(command)
        if cls not in _mixed:
            _mixed[cls] = type(f"Localizing{cls.__name__}", (LocalizingGroup, cls), {})
        command.__class__ = _mixed[cls]
