"""Every command's --help carries one example (issue 10.5), found by walking click's command tree."""
import click

from conftest import run_cli
from propcli.cli import cli


def walk(group, ctx, path):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield path + [name], command
        if isinstance(command, click.Group):
            yield from walk(command, click.Context(command, info_name=name, parent=ctx), path + [name])


def test_every_command_has_an_example_in_its_help():
    ctx = click.Context(cli, info_name="propcli")
    missing = []
    for path, _command in walk(cli, ctx, []):
        result = run_cli(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        if "propcli " not in result.stdout.split("Options:")[-1]:
            missing.append(" ".join(path))
    assert not missing, missing


def test_form_help_lists_the_forms():
    shown = run_cli("form", "--help").stdout
    for name in ("complaint-register", "call-log", "repair-order", "paid-service", "public-inspection",
                 "callback-record", "callback-summary", "visit-record"):
        assert name in shown
