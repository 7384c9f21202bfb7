"""The 维修单 workflow of clauses 10.4.1-10.4.3 (resident) and 10.4.2 (public facilities).

Pure functions over a Record: which step may come next, status, whether it is open, fees.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from propcli.errors import BadInput
from propcli.i18n import _
from propcli.model import Record

MATERIAL_RESULTS = ("合格", "不合格", "质量不佳")


@dataclass(frozen=True)
class Step:
    after: tuple[str, ...]
    clause: str
    public_after: tuple[str, ...] | None = None  # None: not a step of a public repair
    public_clause: str = ""
    repeatable: bool = False


STEPS = {
    "fill": Step(("new",), "10.4.1-2"),
    "notify": Step(("fill",), "10.4.1-2", ("new",), "10.4.2-1"),
    "take": Step(("notify",), "10.4.1-2", ("notify",), "10.4.2-2"),
    "quote": Step(("take",), "10.4.1-2③"),
    "accept": Step(("quote",), "10.4.1-4"),
    "refuse": Step(("quote", "arrive", "material"), "10.4.1-4"),
    "arrive": Step(("take",), "10.4.1-2①", ("take",), "10.4.2-3"),
    "material": Step(("arrive", "material"), "10.4.1-5", repeatable=True),
    "complete": Step(("arrive", "material"), "10.4.1-6", ("arrive",), "10.4.2-4"),
    "sign": Step(("complete",), "10.4.1-6"),
    "return": Step(("sign",), "10.4.1-7"),
    "finance": Step(("return",), "10.4.1-7"),
    "paid": Step(("finance",), "10.4.3"),
}


def is_public(record: Record) -> bool:
    return bool(record.get("public"))


def last_step(record: Record) -> str:
    return record.workflow_events()[-1].step


def closing_event(record: Record):
    """The event that closed the repair, if any (CLI.md: open until paid/finance, refuse, unrepairable)."""
    for event in record.workflow_events():
        if event.step in ("refuse", "paid"):
            return event
        if event.step == "quote" and event.get("unrepairable"):
            return event
        if event.step == "complete" and is_public(record):
            return event
        if event.step == "finance" and fee_total(record) == 0:
            return event
    return None


def check_step(record: Record, step: str, data: dict) -> None:
    """Refuse a step the procedure does not allow now, naming the missing or conflicting step."""
    spec = STEPS.get(step)
    public = is_public(record)
    if spec is None or (public and spec.public_after is None):
        allowed = [s for s, v in STEPS.items() if not public or v.public_after is not None]
        raise BadInput(_("step: '{step}' is not a step of a {which} repair; expected one of {steps}",
                         step=step, which=_("public") if public else _("resident"), steps=", ".join(allowed)))
    clause = spec.public_clause if public else spec.clause
    closing = closing_event(record)
    if closing is not None:
        raise BadInput(_("repair {id}: closed by '{closing}' at {at}; '{step}' is not possible ({clause})",
                         id=record.id, closing=closing.step, at=closing.at.isoformat(), step=step,
                         clause="10.4.1-4" if closing.step == "refuse" else clause))
    done = record.first(step)
    if done is not None and not spec.repeatable:
        raise BadInput(_("repair {id}: '{step}' is already recorded at {at}; it is done once ({clause})",
                         id=record.id, step=step, at=done.at.isoformat(), clause=clause))
    listed = bool(record.get("price_code"))
    if step == "quote" and listed:
        raise BadInput(_("repair {id}: item {code} is on the price list; a quote is only for off-list items (10.4.1-2③)",
                         id=record.id, code=record.get("price_code")))
    after = spec.public_after if public else spec.after
    if step == "arrive" and not public and not listed:
        after = ("accept",)
    if step == "refuse":
        quote = record.first("quote")
        if not (record.has("arrive") or (quote is not None and not quote.get("unrepairable"))):
            after = ("quote", "arrive")
    current = last_step(record)
    if current not in after:
        raise BadInput(_("repair {id}: '{step}' must follow '{expected}' ({clause}); the last step is '{current}'",
                         id=record.id, step=step, expected="' or '".join(after), clause=clause, current=current))
    if step == "paid" and fee_total(record) == 0:
        raise BadInput(_("repair {id}: the fee is 0, nothing to pay; the repair closed when copy 3 went to finance (10.4.3)",
                         id=record.id))


def money(value, field: str) -> Decimal:
    """Decimal yuan with at most two decimals; never float arithmetic."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise BadInput(_("{field}: '{value}' is not an amount; expected yuan such as 35 or 35.50", field=field, value=value))
    return amount.quantize(Decimal("0.01"))


def fee_lines(record: Record) -> list[dict]:
    """What the resident owes, line by line: the items found on site (10.4.1-3), else the listed price or the quote."""
    if is_public(record):
        return []
    complete = record.first("complete")
    if complete is not None and complete.get("fees"):
        return [{"item": line["item"], "amount": money(line["amount"], "fees")} for line in complete.get("fees")]
    if record.get("price_code"):
        qty = int(record.get("qty") or 1)
        unit_price = money(record.get("unit_price") or 0, "unit_price")
        return [{"item": record.get("price_code"), "name": record.get("price_name"), "qty": qty,
                 "unit_price": unit_price, "amount": unit_price * qty}]
    quote = record.first("quote")
    if quote is not None and quote.get("price") is not None:
        return [{"item": _("quote"), "amount": money(quote.get("price"), "price")}]
    return []


def fee_total(record: Record) -> Decimal:
    if record.has("refuse") or is_public(record):
        return Decimal("0.00")
    return sum((line["amount"] for line in fee_lines(record)), Decimal("0.00"))
