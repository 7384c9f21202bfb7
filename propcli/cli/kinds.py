"""The groups of the record kinds (`propcli repair …`, `propcli request …`), built from their declarations
in propcli/kinds/: `new`, one command per step, and the kind's other actions."""
from functools import partial

import click

from propcli import kinds
from propcli.cli.common import DeclaredCommand, DeclaredGroup, DeclaredOption, LazyHelp, format_option, session_of

class DeskTime(click.ParamType):
    """A time as the desk types it (`14:00`, `明天下午3点`), read against the command's clock in the ledger's
    timezone and handed on as ISO 8601; anything else is handed on as typed (the library names the field)."""

    name = "datetime"

    def convert(self, value, param, ctx):
        from propcli.errors import PropcliError
        from propcli.humantime import parse_human

        text = str(value)
        if value is None or text[:4].isdigit() and text[4:5] == "-":
            return value
        try:
            session = session_of(ctx)
            moment = parse_human(text, session.now)
        except (PropcliError, AttributeError):
            return value
        return moment.isoformat() if moment is not None else value


_TYPES = {"int": click.INT, "time": DeskTime()}
_METAVARS = {"time": "DATETIME", "person": "NAME", "name": "NAME", "department": "DEPARTMENT", "id": "ID",
             "price": "CODE", "role": "ROLE"}


SAMPLES = {"--name": "张三", "--phone": "13800138000", "--address": "3栋0301", "--item": "厨房水龙头漏水",
           "--detail": "夜间装修噪音", "--reason": "价格太高", "--note": "已电话答复", "--outcome": "已协调处理",
           "--month": "2026-11", "--title": "中秋游园会", "--subject": "关于电梯维修的公开信", "--text": "……",
           "--area": "3栋及周边", "--finding": "3栋电梯厅灯不亮", "--location": "3栋电梯厅", "--price": "80",
           "--fee": "更换阀芯=25", "--signature": "张三", "--to": "吴海涛", "--technician": "吴海涛",
           "--director": "周志强", "--way": "ambulance", "--category": "medical", "--price-code": "SD-01"}
_TAKES = {"time": "2026-11-28T14:00", "int": "1", "id": "T-6K2M9Q7XF3", "role": "manager", "person": "吴海涛"}
"""Values for the examples in --help (a resident, a unit, an item as the desk types them)."""


def example(words, options, how_many: int = 4) -> str:
    """`propcli repair take R-6K2M9Q7XF4 --to 吴海涛`: one example built from the declaration."""
    parts = ["propcli", *words]
    for option in [o for o in options if o.name != "--at"][:how_many]:
        if option.takes == "flag":
            continue
        value = option.sample or (_TAKES.get(option.takes) if option.takes in ("int", "id") else None) \
            or SAMPLES.get(option.name) \
            or (option.choices[0] if option.choices else None) or _TAKES.get(option.takes)
        if value is not None:
            parts += [option.name, value]
    return " ".join(parts)


def click_option(option, required: bool = False):
    """A kinds.base.Option as a click option."""
    settings = {"help": option.help or None, "cls": DeclaredOption, "required": required}
    if option.takes == "flag":
        settings["is_flag"] = True
    elif option.takes == "choice":
        settings["type"] = click.Choice(option.choices)
    elif option.takes in _TYPES:
        settings["type"] = _TYPES[option.takes]
    metavar = option.metavar or _METAVARS.get(option.takes)
    if metavar and option.takes != "flag":
        settings["metavar"] = metavar
    if option.multiple:
        settings["multiple"] = True
    if option.default is not None:
        settings["default"] = option.default
        settings["show_default"] = True
    return click.option(option.name, option.key, **settings)


def _with_options(function, options):
    for option in reversed(options):
        function = click_option(option)(function)
    return function


def _on_a_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask_for_missing(ctx, declared, values: dict) -> list[str]:
    """On a terminal, a `new` missing what the desk must record asks for it (the price list as numbered
    choices, a choice by its number, label or key); what it asks depends on what was answered (a medical
    emergency: is it major, 9.4.2-2). Without a terminal nothing is asked and the library refuses the missing
    option (exit 2). The keys asked, in order."""
    asked: list[str] = []
    while True:
        options = {o.key: o for o in declared.new_options}
        pending = [key for key in declared.asks(values) if key in options and key not in asked
                   and _missing(ctx, options[key], values)]
        if not pending:
            return asked
        _ask_one(ctx, declared, options[pending[0]], values)
        asked.append(pending[0])


def _refused(declared, message: str):
    """The option of `new` a refusal names (`--phone: …`), when the desk can answer it again."""
    name = message.split(":", 1)[0].split("：", 1)[0].strip()
    return next((o for o in declared.new_options if o.name == name and o.takes not in ("flag",)), None)


def _missing(ctx, option, values: dict) -> bool:
    if option.takes == "flag":
        source = ctx.get_parameter_source(option.key)
        return source is None or source.name == "DEFAULT"
    return values.get(option.key) in (None, ())


def _choices(declared, option) -> tuple[str, ...]:
    """The keys a choice option takes (a kind's categories for takes="category")."""
    if option.choices:
        return tuple(option.choices)
    if option.takes == "category":
        from importlib import import_module

        return tuple(getattr(import_module(f"propcli.kinds.{declared.name}"), "CATEGORIES", ()))
    return ()


def _ask_one(ctx, declared, option, values: dict) -> None:
    """Ask for one option, again and again until the answer is one it takes (choices); the library checks
    the rest when the record is made, and a refused answer is asked again there (`_new_command`)."""
    from propcli.i18n import _, label

    key = option.key  # the field's label where the help is missing or a list of keys (`phone`, `medical|repair|…`)
    title = _(option.help) if option.help and "|" not in option.help else label("field", key)
    if option.takes == "price":
        values[key] = _ask_price(ctx)
        return
    if option.takes == "flag":
        values[key] = click.confirm(f"{title} ({option.name})", default=False)
        return
    choices = _choices(declared, option)
    if choices:
        shown = [(n, k, label("value", k)) for n, k in enumerate(choices, 1)]
        for number, choice, name in shown:
            click.echo(f"{number:>3}  {name}" + (f" ({choice})" if name != choice else ""))

        def pick(text):
            typed = str(text).strip()
            for number, choice, name in shown:
                if typed.casefold() in (str(number), choice.casefold(), name.casefold()) or \
                        (option.takes == "category" and _category_of(declared, typed) == choice):
                    return choice
            raise click.BadParameter(_("'{value}' is not one of the choices; type its number or its name",
                                       value=typed))

        values[key] = click.prompt(f"{title} ({option.name})", value_proc=pick)
        return
    values[key] = click.prompt(f"{title} ({option.name})").strip() or None


def _category_of(declared, typed: str):
    from importlib import import_module

    from propcli.errors import PropcliError

    try:
        return import_module(f"propcli.kinds.{declared.name}").category_key(typed)
    except (PropcliError, AttributeError):
        return None


def _ask_price(ctx):
    """有偿维修收费标准 as numbered choices; 0: not on the list (the engineering director quotes, 10.4.1-2③)."""
    from propcli.i18n import _

    items = list(session_of(ctx).ledger.prices.values())
    for number, item in enumerate(items, 1):
        click.echo(f"{number:>3}  {item.code:<8} {item.name}  {item.price:.2f}/{item.unit}")
    click.echo(_("  0  not on the price list (quoted by the engineering director, 10.4.1-2③)"))
    chosen = click.prompt(_("price-list item"), type=click.IntRange(0, len(items)), default=0)
    return items[chosen - 1].code if chosen else None


def _new_command(declared):
    @click.pass_context
    def run(ctx, fmt, **values):
        from propcli.app import steps
        from propcli.cli import render

        from propcli.errors import BadInput

        asked = _ask_for_missing(ctx, declared, values) if _on_a_terminal() else []
        session = session_of(ctx)
        while True:  # what was typed is never lost: a refused answer is asked again, in place
            try:
                data = steps.new(session, declared.name, **values)
                break
            except BadInput as error:
                option = _refused(declared, error.message) if asked else None
                if option is None:
                    raise
                click.echo(f"propcli: {error.message}", err=True)
                _ask_one(ctx, declared, option, values)
        render.record(data, fmt)
        if declared.after_new is not None:
            render.lines(declared.after_new(data), err=True)
        render.lines(session.warnings, err=True)

    run = format_option()(run)
    run = _with_options(run, declared.new_options)
    return click.command("new", cls=DeclaredCommand, lazy_help=LazyHelp(declared.new_help, declared.new_limit),
                         example=example([declared.name, "new"], declared.new_options, 5))(run)


def _step_command(declared, step):
    @click.argument("record_id", metavar="ID")
    @click.pass_context
    def run(ctx, record_id, at, fmt, **values):
        from propcli.app import steps
        from propcli.cli import render

        session = session_of(ctx)
        render.record(steps.step(session, declared.name, record_id, step.name, at, **values), fmt)
        render.lines(session.warnings, err=True)

    run = format_option()(run)
    run = click.option("--at", metavar="DATETIME", type=DeskTime(), help="when it happened (default --now)",
                       cls=DeclaredOption)(run)
    run = _with_options(run, step.options)
    sample_id = f"{declared.prefix}-6K2M9Q7XF4"
    return click.command(step.name, cls=DeclaredCommand, lazy_help=LazyHelp(step.help, step.limit),
                         example=example([declared.name, step.name, sample_id], step.options, 3))(run)


def _action_command(declared, action):
    extra = ("html",) if action.shows == "rows-html" else ()

    @click.pass_context
    def run(ctx, fmt, **values):
        from propcli.app import steps
        from propcli.cli import render

        args = (values.pop("record_id"),) if action.argument else ()
        session = session_of(ctx)
        result = steps.action(session, declared.name, action.name, *args, **values)
        if action.shows == "rows":
            render.rows(result, fmt, list(action.columns), total=action.total)
        elif action.shows == "records":
            render.records(result, fmt)
        else:
            render.record(result, fmt)
        render.lines(session.warnings, err=True)

    run = format_option(*extra)(run)
    for option in reversed(action.options):
        run = click_option(option, required=option.key in action.required)(run)
    if action.argument:
        run = click.argument("record_id", metavar=action.argument)(run)
    words = [declared.name, action.name] + ([f"{declared.prefix}-6K2M9Q7XF4"] if action.argument else [])
    return click.command(action.name, cls=DeclaredCommand, lazy_help=LazyHelp(action.help),
                         example=example(words, action.options, 2))(run)


class KindGroup(DeclaredGroup):
    """A kind's group, each command built when it is named: `repair new` builds `new`, not the kind's thirty
    commands and their two hundred options (issue 21). Help and completion list and build them all."""

    def __init__(self, declared):
        super().__init__(declared.name, lazy_help=LazyHelp(declared.help))
        self.makers: dict = {}
        if declared.new is not None:
            self.makers["new"] = partial(_new_command, declared)
        if declared.step is not None:
            for step in declared.steps:
                self.makers[step.name] = partial(_step_command, declared, step)
        for action in declared.actions:
            self.makers[action.name] = partial(_action_command, declared, action)

    @property
    def example(self):
        first = next(iter(self.makers), None)
        return self.get_command(None, first).example if first is not None else None

    @example.setter
    def example(self, value) -> None:
        pass  # (derived from the first command)

    def list_commands(self, ctx):
        return sorted(set(self.makers) | set(self.commands))

    def get_command(self, ctx, name):
        if name not in self.commands and name in self.makers:
            self.add_command(self.makers[name]())
        return self.commands.get(name)


def group_for(name: str) -> click.Group:
    return KindGroup(kinds.kind(name))
