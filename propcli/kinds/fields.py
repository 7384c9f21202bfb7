"""Validators every kind uses, defined once: required and optional text, phone numbers, amounts, times.

Each raises BadInput naming the option and what is expected (exit 2, nothing written)."""
import re
from decimal import Decimal, InvalidOperation

from propcli.errors import BadInput
from propcli.i18n import _

PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")
"""A phone number as residents give it: digits, spaces, dashes, brackets, an optional +."""


def required(value, field: str, expected: str) -> str:
    if value is None or not str(value).strip():
        raise BadInput(_("{field}: missing; expected {expected}", field=field, expected=expected))
    return str(value).strip()


def optional(value) -> str | None:
    return str(value).strip() if value is not None and str(value).strip() else None


def text(value, field: str, expected: str, is_required: bool = True) -> str | None:
    return required(value, field, expected) if is_required else optional(value)


def phone(value, field: str = "--phone", who: str | None = None, is_required: bool = True) -> str | None:
    number = text(value, field, who or _("the resident's phone number, e.g. 13800138000"), is_required)
    if number is not None and not PHONE.match(number):
        raise BadInput(_("--phone: '{value}' is not a phone number; expected digits such as 13800138000", value=value))
    return number


def money(value, field: str) -> Decimal:
    """Decimal yuan with at most two decimals; never float arithmetic."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise BadInput(_("{field}: '{value}' is not an amount; expected yuan such as 35 or 35.50", field=field, value=value))
    return amount.quantize(Decimal("0.01"))


def digits(phone_number) -> str:
    return re.sub(r"\D", "", str(phone_number or ""))
