"""The groups of the record kinds (`propcli repair …`, `propcli request …`), built from their declarations
in propcli/kinds/: `new`, one command per step, and the kind's other actions."""
import click

from propcli import kinds
from propcli.cli.common import DeclaredCommand, DeclaredGroup, DeclaredOption, LazyHelp, format_option, session_of

_TYPES = {"int": click.INT}
_METAVARS = {"time": "DATETIME", "person": "NAME", "id": "ID", "price": "CODE", "role": "ROLE"}


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


def _new_command(declared):
    @click.pass_context
    def run(ctx, fmt, **values):
        from propcli.app import steps
        from propcli.cli import render

        session = session_of(ctx)
        data = steps.new(session, declared.name, **values)
        render.record(data, fmt)
        if declared.after_new is not None:
            render.lines(declared.after_new(data), err=True)
        render.lines(session.warnings, err=True)

    run = format_option()(run)
    run = _with_options(run, declared.new_options)
    return click.command("new", cls=DeclaredCommand,
                         lazy_help=LazyHelp(declared.new_help, declared.new_limit))(run)


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
    run = click.option("--at", metavar="DATETIME", help="when it happened (default --now)", cls=DeclaredOption)(run)
    run = _with_options(run, step.options)
    return click.command(step.name, cls=DeclaredCommand, lazy_help=LazyHelp(step.help, step.limit))(run)


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
    return click.command(action.name, cls=DeclaredCommand, lazy_help=LazyHelp(action.help))(run)


def group_for(name: str) -> click.Group:
    declared = kinds.kind(name)
    group = DeclaredGroup(name, lazy_help=LazyHelp(declared.help))
    if declared.new is not None:
        group.add_command(_new_command(declared))
    if declared.step is not None:
        for step in declared.steps:
            group.add_command(_step_command(declared, step))
    for action in declared.actions:
        group.add_command(_action_command(declared, action))
    return group
