"""Validators every kind uses, defined once: required and optional text, phone numbers, amounts, times.

Each raises BadInput naming the option and what is expected (exit 2, nothing written)."""
import re
from decimal import Decimal, InvalidOperation

from propcli.errors import BadInput
from propcli.i18n import _

PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")
"""A phone number as residents give it: digits, spaces, dashes, brackets, an optional +."""


INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
"""Zero-width and direction-changing characters (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069): a name holding
one looks like another name on screen and on paper, or turns the text around it (issue 16, point 4)."""


def invisible_in(value) -> str | None:
    """The first invisible or direction-changing character of `value` as U+XXXX, else None."""
    found = INVISIBLE.search(str(value or ""))
    return f"U+{ord(found.group()):04X}" if found else None


def visible_name(value, field: str):
    """BadInput (exit 2, naming `field`) when a name holds an invisible or direction-changing character."""
    char = invisible_in(value)
    if char is not None:
        raise BadInput(_("{field}: holds an invisible or direction-changing character ({char}); "
                         "type the name again without it",
                         field=field, char=char))
    return value


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


MAX_AMOUNT = Decimal("100000000")
"""No amount of a property office's desk reaches a hundred million yuan; larger is a typing error."""


def money(value, field: str) -> Decimal:
    """Decimal yuan with at most two decimals, below MAX_AMOUNT; never float arithmetic."""
    amount: Decimal | None
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
            amount = None  # 1e309 is finite for Decimal, but quantize would overflow
    except (InvalidOperation, ValueError, ArithmeticError):
        amount = None
    if amount is None or amount < 0:
        raise BadInput(_("{field}: '{value}' is not an amount; expected yuan such as 35 or 35.50",
                         field=field, value=value))
    return amount.quantize(Decimal("0.01"))


_UNIT: list = []  # the pattern of a unit number, compiled on first use
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")


def unit_number(value):
    """An address in the one form the ledger stores (docs/terminal.md): full-width digits as ASCII, no spaces
    inside, and a room number after the building (栋, 幢, 座, 号楼, 单元, #, -) as four digits, 室 dropped:
    `3栋301` and `3 栋 301室` -> `3栋0301`; `12栋1803` and addresses of another shape stay as typed. None stays None."""
    if value is None:
        return None
    text = str(value).strip().translate(_WIDE_DIGITS)
    if not _UNIT:
        _UNIT.append(re.compile(r"^(?P<head>.*?\d+\s*(?:栋|幢|座|号楼|单元|#|-))\s*(?P<room>\d{3,4})\s*室?$"))
    found = _UNIT[0].match(text)
    if not found:
        return text
    head = re.sub(r"\s+", "", found.group("head"))
    return head + found.group("room").zfill(4)


def unit_prefix(text: str) -> str | None:
    """The building part of a unit number (`3栋0301` -> `3栋`), which every way of typing the unit contains;
    None when `text` is not a unit number."""
    normal = unit_number(text)
    found = _UNIT[0].match(normal) if normal else None
    return re.sub(r"\s+", "", found.group("head")) if found else None


def digits(phone_number) -> str:
    return re.sub(r"\D", "", str(phone_number or ""))


def staff_member(ledger, name, field: str, roles: tuple[str, ...] = (), clause: str = "",
                 is_required: bool = True) -> str | None:
    """A person named by an option (a signature, who quoted): someone in staff.yaml, holding one of `roles`
    when given; otherwise BadInput naming the closest names (CLI.md "Who may act")."""
    from propcli.policy.roles import role_label

    wanted = " / ".join(role_label(r) for r in roles) if roles else _("a staff member")
    value = text(name, field, _("the name of {who} in staff.yaml", who=wanted), is_required)
    if value is None:
        return None
    members = [m for m in ledger.staff if not roles or m.role in roles]
    if any(m.name == value for m in members):
        return value
    where = f" ({clause})" if clause else ""
    known = [m for m in ledger.staff if m.name == value]
    if known:
        raise BadInput(_("{field}: {name} is {role} in staff.yaml; expected {who}{where}", field=field, name=value,
                         role=role_label(known[0].role), who=wanted, where=where))
    from difflib import get_close_matches

    close = get_close_matches(value, [m.name for m in members], n=3, cutoff=0.3)
    hint = _("; closest: {names}", names=", ".join(close)) if close else ""
    raise BadInput(_("{field}: '{name}' is not in staff.yaml; expected {who}{where}{hint}", field=field, name=value,
                     who=wanted, where=where, hint=hint))


PERSON_TAKES = ("person", "name", "department")
"""Options naming someone (kinds.base.Option.takes): "person" a staff member (checked against staff.yaml),
"name" a resident or an outside body as they sign (`--name`, `--signature`, `--forwarded-by`; never checked
against the roster, CLI.md "Additions"), "department" a department or a staff member (`complaint assign --to`)."""

DEPARTMENT_ENDINGS = ("部", "处", "科", "组", "中心", "室", "办", "队", "班")
"""How an office's departments are named (工程部, 客户服务部, 管理处, 保安队, 综合办): `complaint assign --to`
takes one of them, or a person on the roster (8.6)."""


def named(ledger, option, value, clause: str = "", field: str | None = None):
    """One value of an option naming someone (issue 16, points 4 and 5): no invisible or direction-changing
    character (exit 2 naming the option), and a staff member's name on the roster (closest names otherwise)."""
    if value is None:
        return value
    field = field or option.name
    visible_name(value, field)
    if option.takes == "person":
        return staff_member(ledger, value, field, clause=clause, is_required=False)
    if option.takes == "department":
        text_value = str(value).strip()
        if text_value and not text_value.endswith(DEPARTMENT_ENDINGS) \
                and not any(m.name == text_value for m in ledger.staff):
            from difflib import get_close_matches

            close = get_close_matches(text_value, [m.name for m in ledger.staff], n=3, cutoff=0.3)
            hint = _("; closest: {names}", names=", ".join(close)) if close else ""
            raise BadInput(_("{field}: '{name}' is neither a department (工程部, 客户服务部, 管理处 …) nor a name in "
                             "staff.yaml{where}{hint}", field=field, name=text_value,
                             where=f" ({clause})" if clause else "", hint=hint))
    return value


def check_named(ledger, options, values: dict, clause: str = "") -> None:
    """Every option of `options` (kinds.base.Option) that names someone, checked by `named`: the one place
    `new`, every step, every action and `correct` go through (app/steps.py, app/amending.py), so a prompt's
    answer, a typed option and a corrected value meet the same check."""
    for option in options:
        if option.takes not in PERSON_TAKES:
            continue
        given = values.get(option.key)
        for value in (given if isinstance(given, (list, tuple)) else (given,)):
            named(ledger, option, value, clause)


def price_items(ledger, values, field: str = "--item", clause: str = "10.4.1-3") -> list[dict]:
    """`CODE[xQTY]` of the price list 有偿服务收费标准, each as a line with its standard charge (exact decimals)."""
    lines = []
    for raw in values or ():
        spec = str(raw).strip()
        match = re.match(r"^(?P<code>.+?)(?:\s*[xX×*]\s*(?P<qty>\d+))?$", spec)
        code = match.group("code").strip() if match else ""
        price = ledger.prices.get(code) or ledger.prices.get(code.upper())
        if price is None or match is None:
            raise BadInput(_("{field}: '{value}' is not on the price list; expected CODE or CODExQTY such as SD-01x2 "
                             "(propcli prices shows the codes, {clause})",
                             field=field, value=raw, clause=clause))
        qty = int(match.group("qty") or 1)
        if qty < 1:
            raise BadInput(_("{field}: '{value}': the quantity must be at least 1", field=field, value=raw))
        unit_price = price.price.quantize(Decimal("0.01"))
        lines.append({"code": price.code, "name": price.name, "qty": qty, "unit": price.unit,
                      "unit_price": str(unit_price), "amount": str(unit_price * qty)})
    return lines
