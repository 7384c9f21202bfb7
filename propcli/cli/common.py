"""What the commands share: output formats, the session, option conversion."""
import click

from propcli.i18n import _

FORMATS = ("table", "json", "csv", "xlsx")


def format_option(*extra):
    """-f/--format, with -o FILE and --bom (propcli.cli.render.output_options: xlsx, CSV for Excel)."""
    from propcli.cli.render import output_options

    def decorate(command):
        return click.option("-f", "--format", "fmt", type=click.Choice(FORMATS + extra), default="table",
                            show_default=True, help=_("output format"))(output_options(command))
    return decorate


def session_of(ctx):
    return ctx.find_root().obj


def help_policy(ctx):
    """The policy that help texts quote: the ledger's, else the skeleton's (help works outside a ledger)."""
    from propcli.errors import PropcliError

    try:
        return session_of(ctx).ledger.policy
    except (PropcliError, AttributeError, OSError):
        from propcli.policy import parse_policy
        from propcli.store import yamlio
        from propcli.store.resources import skeleton_dir

        try:
            policy, _problems = parse_policy(yamlio.read_plain_file(skeleton_dir() / "policy.yaml"))
        except Exception:
            return None
        return policy


def limits(ctx, rule_keys) -> str:
    from propcli.policy.rules import describe_limit

    policy = help_policy(ctx) if rule_keys else None
    if policy is None:
        return ""
    texts = [describe_limit(rule) for key in rule_keys if (rule := policy.rule(key)) is not None]
    return " / ".join(dict.fromkeys(t for t in texts if t))


class LazyHelp:
    """A help text translated (and its `{limit}` filled from the ledger's policy) when it is shown."""

    def __init__(self, message: str, rule_keys=()):
        self.message, self.rule_keys = message, tuple(rule_keys)

    def text(self, ctx) -> str:
        translated = _(self.message)
        if "{limit}" in translated:
            translated = translated.replace("{limit}", limits(ctx, self.rule_keys) or "-")
        return translated


class _DeclaredHelp:
    """Help declared as data (propcli.kinds), rendered in the reader's language when shown."""

    def __init__(self, *args, lazy_help: LazyHelp | None = None, example: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_help, self.example = lazy_help, example

    def format_epilog(self, ctx, formatter):
        if self.example:
            formatter.write_paragraph()
            formatter.write_text(_("Example:"))
            formatter.write(f"{'':>{formatter.current_indent + 2}}{self.example}\n")
        super().format_epilog(ctx, formatter)

    def format_help_text(self, ctx, formatter):
        if self.lazy_help is not None:
            self.help = self.lazy_help.text(ctx)
        super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit=45):
        if self.lazy_help is not None:
            self.help = self.lazy_help.text(click.get_current_context(silent=True))
        return super().get_short_help_str(limit)


class DeclaredCommand(_DeclaredHelp, click.Command):
    """A command whose help is declared as data and shown in the reader's language, with an example."""


class DeclaredGroup(_DeclaredHelp, click.Group):
    """A group whose help is declared as data."""


class DeclaredOption(click.Option):
    def get_help_record(self, ctx):
        if isinstance(self.help, str) and self.help:
            original = self.help
            self.help = _(original)
            try:
                return super().get_help_record(ctx)
            finally:
                self.help = original
        return super().get_help_record(ctx)
