"""The command line: the root group, error handling in one place, sub-commands found by name and
imported only when called (as click's "complex" example does). Commands live in propcli/cli/*.py; the
groups of the record kinds (`repair …`, `request …`) are built from the kinds registry (cli/kinds.py)."""
import sys
from importlib import import_module

import click

from propcli.errors import PropcliError, ProblemsFound
from propcli.i18n import _

COMMANDS = {
    "init": "propcli.cli.ledger:init",
    "upgrade": "propcli.cli.ledger:upgrade",
    "demo": "propcli.cli.ledger:demo",
    "check": "propcli.cli.ledger:check",
    "reindex": "propcli.cli.ledger:reindex",
    "show": "propcli.cli.ledger:show",
    "list": "propcli.cli.ledger:list_",
    "log": "propcli.cli.ledger:log",
    "note": "propcli.cli.ledger:note",
    "correct": "propcli.cli.amend:correct",
    "undo": "propcli.cli.amend:undo",
    "void": "propcli.cli.amend:void",
    "export": "propcli.cli.ledger:export",
    "import": "propcli.cli.ledger:import_",
    "prices": "propcli.cli.ledger:prices",
    "staff": "propcli.cli.ledger:staff",
    "merge-driver": "propcli.cli.ledger:merge_driver",
    "overdue": "propcli.cli.desk:overdue",
    "explain": "propcli.cli.desk:explain",
    "stats": "propcli.cli.desk:stats",
    "form": "propcli.cli.desk:form",
    "completion": "propcli.cli.completion:completion",
    "doctor": "propcli.cli.doctor:doctor",
    "sync": "propcli.cli.sync:sync",
    "clone": "propcli.cli.sync:clone",
    "resolve": "propcli.cli.sync:resolve",
    "company": "propcli.cli.company:company",
}
"""Command name -> "module:attribute"; the kinds' groups come from propcli.kinds.NAMES."""


from propcli.cli.lang import LocalizingGroup  # noqa: E402


class PropcliGroup(LocalizingGroup, click.Group):
    """The root group: lazy sub-commands, and every PropcliError mapped to its exit code here, once.
    The language is settled from the raw arguments before click prints anything (propcli.cli.lang)."""

    def parse_args(self, ctx, args):
        from propcli.cli.lang import localize, settle

        settle(args)
        localize(self)
        return super().parse_args(ctx, args)

    def _main_shell_completion(self, ctx_args, prog_name, complete_var=None):
        import os

        name = complete_var or f"_{(prog_name or 'propcli').replace('-', '_').upper()}_COMPLETE"
        if not os.environ.get(name):
            return None  # not completing: nothing to load
        from propcli.cli import completion
        from propcli.cli.lang import settle

        settle([])
        completion.ACTIVE = True  # values: open record ids, staff names, price codes, … (completion mode only)
        completion.attach(self, None, recurse=False)
        return super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def list_commands(self, ctx):
        from propcli.kinds import NAMES

        return sorted(set(COMMANDS) | set(NAMES) | set(self.commands))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        built = self.__dict__.setdefault("built", {})
        if name in built:  # (argv.hoist_globals and click both look the command up: built once a call of main)
            return built[name]
        if name in COMMANDS:
            module, attribute = COMMANDS[name].split(":")
            return getattr(import_module(module), attribute)
        from propcli.kinds import NAMES

        if name in NAMES:
            from propcli.cli.kinds import group_for

            built[name] = group_for(name)
            return built[name]
        return None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors (click's own: a missing value, a bad choice) are one line naming the option, exit 2."""
        self.__dict__["built"] = {}  # kinds' groups are built afresh for each call (a test may add a kind)
        try:
            from propcli.cli.argv import hoist_globals, refuse_undecodable

            args = sys.argv[1:] if args is None else args
            refuse_undecodable(self, args)
            args = hoist_globals(self, args)
            returned = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except PropcliError as error:  # an undecodable byte in argv (propcli/cli/argv.py)
            click.echo(f"propcli: {error.message}", err=True)
            code = error.exit_code
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx is not None else "propcli"
            click.echo(_("propcli: {message} (see: {command} --help)", message=error.format_message(),
                         command=command), err=True)
            code = error.exit_code
        except click.ClickException as error:
            click.echo(f"propcli: {error.format_message()}", err=True)
            code = error.exit_code
        except click.exceptions.Exit as done:
            code = done.exit_code
        except click.Abort:
            click.echo(_("propcli: aborted"), err=True)
            code = 1
        else:  # with standalone_mode=False click returns an Exit's code (commands themselves return None)
            code = returned if isinstance(returned, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PropcliError as error:
            if ctx.obj is not None and ctx.obj.debug and not isinstance(error, ProblemsFound):
                raise
            if error.message:
                click.echo(f"propcli: {error.message}", err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except OSError as error:  # a full disk, a read-only ledger, a permission refused: exit 3, never 4
            if ctx.obj is not None and ctx.obj.debug:
                raise
            from propcli.errors import os_failure

            click.echo(f"propcli: {os_failure(error).message}", err=True)
            ctx.exit(3)
        except Exception as error:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            click.echo(_("propcli: internal error ({kind}: {error}); please report it, with --debug for the traceback",
                         kind=type(error).__name__, error=error), err=True)
            ctx.exit(4)


@click.group(cls=PropcliGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="\b\npropcli repair new --name 张三 --phone 13800138000 --address 3栋0301 --item 厨房水龙头漏水")
@click.option("--ledger", envvar="PROPCLI_LEDGER", metavar="PATH",
              help=_("the ledger folder (default: nearest propcli.yaml upwards)"))
@click.option("--now", envvar="PROPCLI_NOW", metavar="DATETIME", help=_("the clock for this command, ISO 8601"))
@click.option("--as", "actor", envvar="PROPCLI_USER", metavar="NAME", help=_("the staff member acting"))
@click.option("--debug", is_flag=True, help=_("show tracebacks"))
@click.option("--lang", type=click.Choice(["zh_CN", "en"], case_sensitive=False), metavar="zh_CN|en",
              help=_("the language people read (env PROPCLI_LANG; default: the ledger's locale, LANG, zh_CN)"))
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
              help=_("colour tables by state: auto (only on a terminal), always, never (or set NO_COLOR)"))
@click.version_option(package_name="propcli", prog_name="propcli")
@click.pass_context
def cli(ctx, ledger, now, actor, debug, lang, color):
    """propcli: the customer-service ledger of a property-management office."""
    from propcli.app.session import Session
    from propcli.cli import render

    render.set_color(color)  # --lang was settled before parsing (PropcliGroup.parse_args)
    ctx.obj = Session(ledger, now, actor, debug)




def main(argv=None):
    cli.main(args=argv, prog_name="propcli")


if __name__ == "__main__":
    main()
