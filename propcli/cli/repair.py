"""`propcli repair …`: the 维修单 commands of CLI.md."""
import click

from propcli.cli import format_option, session_of, step_command
from propcli.i18n import _


@click.group()
def repair():
    """Repair work orders 维修单 (10.4)."""


@repair.command("new")
@click.option("--name", help=_("resident's name"))
@click.option("--phone")
@click.option("--address", help=_("building and unit, e.g. 3栋0301"))
@click.option("--item", help=_("what to repair"))
@click.option("--price-code", metavar="CODE")
@click.option("--qty", type=int)
@click.option("--appointment", metavar="DATETIME")
@click.option("--at", metavar="DATETIME", help=_("when the request was received (default --now)"))
@click.option("--public", is_flag=True, help=_("a public facility (10.4.2)"))
@click.option("--location")
@format_option()
@click.pass_context
def repair_new(ctx, fmt, **options):
    """Record a repair request."""
    from propcli.cli import render
    from propcli.app.repair_service import new_repair

    render.record(new_repair(session_of(ctx), **options), fmt)


def _step_command(step: str, doc: str, *options):
    step_command(repair, step, doc, "repair_service:repair_step", *options)


_step_command("fill", _("The receptionist has filled the form 《维修单》 (10.4.1-2, 2 min)."))
_step_command("notify", _("Engineering notified to collect the order (10.4.1-2 3 min; public 10.4.2-1 10 min)."))
_step_command("take", _("Engineering took the order (接单); --to names the technician."),
              click.option("--to", metavar="TECHNICIAN"))
_step_command("quote", _("Off-list item: the engineering director's price, or --unrepairable (10.4.1-2③)."),
              click.option("--price", metavar="YUAN"), click.option("--unrepairable", is_flag=True))
_step_command("accept", _("The resident accepted the price (10.4.1-4)."))
_step_command("refuse", _("The resident refused; the form goes back to customer service (10.4.1-4)."),
              click.option("--reason"), click.option("--technician", metavar="NAME", help=_("signs the reason")),
              click.option("--director", metavar="NAME", help=_("engineering director, signs the reason")))
_step_command("arrive", _("The technician is on site (10.4.1-2①②, 10.4.2-3)."))
_step_command("material", _("Resident-supplied material checked (10.4.1-5)."),
              click.option("--result", type=click.Choice(["合格", "不合格", "质量不佳"])),
              click.option("--warning", help=_("the warning given for unacceptable material")),
              click.option("--decision", help=_("the resident's decision")))
_step_command("complete", _("Work done; --fee ITEM=YUAN records the items actually done (10.4.1-3, -6)."),
              click.option("--fee", multiple=True, metavar="ITEM=YUAN"),
              click.option("--work", help=_("work done (public repairs, 10.4.2-4)")),
              click.option("--cleanup", help=_("site clean-up (10.4.2-4)")))
_step_command("sign", _("The resident tested and signed; copy 1 to the resident (10.4.1-6)."),
              click.option("--signature", metavar="NAME"))
_step_command("return", _("Copies 2 and 3 returned to the engineering director (10.4.1-7, 17:00)."))
_step_command("finance", _("Copy 3 handed to finance (10.4.1-7, by the 25th)."))
_step_command("paid", _("Finance collected the fee (10.4.3; finance role only)."))


@repair.command("billing")
@click.option("--month", required=True, metavar="YYYY-MM")
@format_option()
@click.pass_context
def repair_billing(ctx, month, fmt):
    """Copy-3 forms handed to finance in a month: what finance bills (10.4.3)."""
    from propcli.cli import render
    from propcli.app.repair_service import billing

    render.rows(billing(session_of(ctx), month), fmt,
                ["id", "name", "address", "phone", "item", "amount", "finance", "paid"])
