"""The command line as Python decoded it: an invalid UTF-8 byte arrives as a lone surrogate
(surrogateescape) that no file, database or terminal can take. It is refused here, where argv is decoded,
as bad input naming the option or argument it was given to (the library refuses such text again before
any write: store.unit.check_text)."""
import click

from propcli.errors import BadInput
from propcli.i18n import _


def _undecodable(text: str) -> bool:
    """An undecodable byte, or a NUL (which no file name, git argument or C string can hold; only a caller
    in-process can pass one)."""
    if "\0" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refuse_undecodable(root: click.Group, args) -> None:
    """BadInput naming the field of the first argument holding an undecodable byte, if any."""
    args = list(args or [])
    if not any(isinstance(a, str) and _undecodable(a) for a in args):
        return
    command, ctx, positionals, expects = root, click.Context(root, info_name="propcli"), 0, None
    for token in args:
        if expects is not None:
            if _undecodable(token):
                raise _bad(expects, token)
            expects = None
            continue
        if token.startswith("-") and token != "-":
            name, _eq, value = token.partition("=")
            param = _option(command, name)
            if _undecodable(token):
                raise _bad(param.opts[0] if param is not None else name if not _undecodable(name) else _("an option"),
                           token)
            if param is not None and not param.is_flag and not _eq:
                expects = param.opts[0]
            continue
        if isinstance(command, click.Group):
            sub = None if _undecodable(token) else command.get_command(ctx, token)
            if sub is None:
                raise _bad(_("COMMAND"), token)
            ctx = click.Context(sub, parent=ctx, info_name=token)
            command, positionals = sub, 0
            continue
        if _undecodable(token):
            arguments = [p for p in command.params if isinstance(p, click.Argument)]
            name = arguments[min(positionals, len(arguments) - 1)].human_readable_name if arguments else _("argument")
            raise _bad(name, token)
        positionals += 1


def _long_form(param, token: str, has_value) -> str:
    """`-f` as `--format` (the same option): click tries every short option as a long one first and builds the
    "no such option" error for it, closest names and all (importing difflib: ~2 ms of `overdue -f json`)."""
    if param is None or len(token) != 2 or token[1] == "-" or token not in param.opts:
        return token
    if not (param.is_flag or has_value):
        return token  # a value is missing: click names the option as it was typed
    return next((opt for opt in param.opts if opt.startswith("--")), token)


def _option(command, name: str):
    for param in command.params:
        if isinstance(param, click.Option) and name in param.opts + param.secondary_opts:
            return param
    return None


def _bad(field: str, token: str = "") -> BadInput:
    if "\0" in token:
        return BadInput(_("{field}: contains a control character; expected printable text", field=field))
    return BadInput(_("{field}: not valid text (an undecodable byte); expected UTF-8 text", field=field))


GLOBAL_OPTIONS = ("--ledger", "--now", "--as", "--lang", "--debug", "--color")
"""The root group's options that may also follow the sub-command (CLI.md "Additions (third release)")."""


def hoist_globals(root: click.Group, args) -> list[str]:
    """`propcli note ID 文本 --as 赵丽娟` as `propcli --as 赵丽娟 note ID 文本`: the root group's options found after
    the sub-command (where that command has no option of the same name) are moved before it, with their
    values. Values of the command's own options and everything after `--` stay where they are."""
    args = [str(a) for a in (args or [])]
    flags = {name: _option(root, name) for name in GLOBAL_OPTIONS}
    head: list[str] = []
    rest: list[str] = []
    command, ctx, seen_command, expects, i, at = root, click.Context(root, info_name="propcli"), False, False, 0, 0
    while i < len(args):
        token = args[i]
        i += 1
        if expects:
            rest.append(token)
            expects = False
            continue
        if token == "--":
            rest += args[i - 1:]
            break
        if token.startswith("-") and token != "-":
            name, eq, _value = token.partition("=")
            own = _option(command, name) if command is not root else None
            if seen_command and own is None and flags.get(name) is not None:
                head.append(token)
                if not flags[name].is_flag and not eq:
                    if i >= len(args):
                        raise BadInput(_("{option}: a value is missing after it", option=name))
                    head.append(args[i])
                    i += 1
                continue
            param = own if command is not root else _option(root, name)
            rest.append(_long_form(param, token, has_value=eq or i < len(args)))
            if param is not None and not param.is_flag and not eq and not getattr(param, "count", False):
                expects = True
            continue
        if not seen_command:
            at = len(rest)  # the hoisted options go just before the sub-command, after the root's own
        rest.append(token)
        if isinstance(command, click.Group):
            try:
                sub = command.get_command(ctx, token)
            except Exception:  # noqa: BLE001 - click reports an unknown command itself, later
                sub = None
            if sub is None:
                return args
            ctx = click.Context(sub, parent=ctx, info_name=token)
            command, seen_command = sub, True
    return rest[:at] + head + rest[at:] if head else rest
