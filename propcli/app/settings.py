"""The office's settings files checked strictly: a malformed `policy.yaml`, `calendar.yaml`, `staff.yaml` or
`prices.yaml` stops every command that needs it with exit 3 and `FILE:LINE: message` (CLI.md "Failures that
are loud"), never a quiet default (an empty overdue list, a price left out, a closure day ignored).

`problems(name, plain)` checks the plain data (cheap: warm commands read a JSON copy, no YAML parser) and
gives each problem as the keys that lead to it; only when something is wrong is the file parsed again with
ruamel.yaml for the line (`yamlio.line_at`). `propcli check` lists every problem, a command stops at the
first. The keys each file may hold are listed here: an unknown key is refused (a typo such as `closure:`
would otherwise be read as "no closures").
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from propcli.errors import LedgerUnusable
from propcli.i18n import _

FILES = ("policy.yaml", "calendar.yaml", "staff.yaml", "prices.yaml")

POLICY_KEYS = {"schema", "travel_time", "rules", "steps"}
CALENDAR_KEYS = {"schema", "closures"}
STAFF_KEYS = {"schema", "staff"}
MEMBER_KEYS = {"name", "role", "email", "phone", "login"}
PRICES_KEYS = {"schema", "items"}
ITEM_KEYS = {"code", "name", "price", "unit"}


def problems(name: str, plain) -> list[tuple[tuple, str]]:
    """Every problem of settings file `name` holding `plain` (parsed YAML): (keys leading to it, message)."""
    if plain is None:  # an empty file: nothing set (the defaults)
        return [] if name != "policy.yaml" else [((), _("empty; expected a mapping with a 'rules' list"))]
    if not isinstance(plain, dict):
        return [((), _("expected a mapping of settings, not {value}", value=_shown(plain)))]
    found: list[tuple[tuple, str]] = []
    allowed = {"policy.yaml": POLICY_KEYS, "calendar.yaml": CALENDAR_KEYS, "staff.yaml": STAFF_KEYS,
               "prices.yaml": PRICES_KEYS}[name]
    for key in plain:
        if key not in allowed:
            found.append(((key,), _("unknown setting '{key}'; expected {expected}", key=key,
                                    expected=", ".join(sorted(allowed)))))
    if "schema" in plain and plain["schema"] != 1:
        found.append((("schema",), _("schema: expected 1, not {value}", value=_shown(plain["schema"]))))
    found += {"policy.yaml": _policy, "calendar.yaml": _calendar, "staff.yaml": _staff,
              "prices.yaml": _prices}[name](plain)
    return found


def _shown(value) -> str:
    return "null" if value is None else repr(value) if isinstance(value, str) else str(value)


def _policy(plain) -> list:
    from propcli.kinds import NAMES
    from propcli.policy.rules import parse_policy
    from propcli.timeutil import parse_duration
    from propcli.errors import BadInput

    found = []
    if "travel_time" in plain:
        try:
            span = parse_duration(plain["travel_time"], "travel_time").exact
            if span is None or span.total_seconds() < 0:
                raise BadInput(_("travel_time: expected minutes or hours, e.g. 10m"))
        except BadInput as error:
            found.append((("travel_time",), error.message))
    _rules, policy_problems = parse_policy(plain)
    found += [(problem.where, problem.message) for problem in policy_problems]
    for index, raw in enumerate(plain.get("rules") or []):
        if isinstance(raw, dict) and isinstance(raw.get("kind"), str) and raw["kind"] not in NAMES:
            found.append((("rules", index, "kind"),
                          _("rule {key}: kind '{kind}' is not a record kind; expected one of {kinds}",
                            key=raw.get("key", "?"), kind=raw["kind"], kinds=", ".join(NAMES))))
    return found


def _calendar(plain) -> list:
    closures = plain.get("closures")
    if closures is None:
        return []
    if not isinstance(closures, list):
        return [(("closures",), _("closures: expected a list of dates YYYY-MM-DD, not {value}",
                                  value=_shown(closures)))]
    found = []
    for index, value in enumerate(closures):
        if isinstance(value, date):
            continue
        try:
            date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "?")
        except ValueError:
            found.append((("closures", index),
                          _("closures: {value} is not a date; expected YYYY-MM-DD, e.g. \"2026-06-16\"",
                            value=_shown(value))))
    return found


def _staff(plain) -> list:
    from propcli.kinds.fields import invisible_in
    from propcli.policy.roles import ROLES

    members = plain.get("staff")
    if members is None:
        return []
    if not isinstance(members, list):
        return [(("staff",), _("staff: expected a list of people ({{name: …, role: …}}), not {value}",
                               value=_shown(members)))]
    found = []
    for index, member in enumerate(members):
        where = ("staff", index)
        if not isinstance(member, dict):
            found.append((where, _("staff: expected an entry {{name: …, role: …}}, not {value}",
                                   value=_shown(member))))
            continue
        for key in member:
            if key not in MEMBER_KEYS:
                found.append((where + (key,), _("staff: unknown setting '{key}'; expected {expected}", key=key,
                                                expected=", ".join(sorted(MEMBER_KEYS)))))
        name = member.get("name")
        if not isinstance(name, str) or not name.strip():
            found.append((where + ("name",), _("staff: name: expected a person's name, not {value}",
                                               value=_shown(name))))
        elif name != name.strip() or invisible_in(name):
            found.append((where + ("name",), _("staff: name: {value} holds spaces at its ends or invisible characters",
                                               value=ascii(name))))
        role = member.get("role")
        if not isinstance(role, str) or role not in ROLES:
            found.append((where + ("role",), _("staff: {name}: role {role} is not a role key; expected one of {roles}",
                                               name=name, role=_shown(role), roles=", ".join(ROLES))))
        email = member.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email or any(c.isspace() for c in email)):
            found.append((where + ("email",), _("staff: {name}: email {value} is not an e-mail address",
                                                name=name, value=_shown(email))))
        for key in ("phone", "login"):
            value = member.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
                found.append((where + (key,), _("staff: {name}: {key} must be text, not {value}",
                                                name=name, key=key, value=_shown(value))))
    return found


def _prices(plain) -> list:
    items = plain.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        return [(("items",), _(
            "items: expected a list of priced items ({{code: …, name: …, price: …}}), not {value}",
                               value=_shown(items)))]
    found = []
    codes: set = set()
    for index, item in enumerate(items):
        where = ("items", index)
        if not isinstance(item, dict):
            found.append((where, _("items: expected an entry {{code: …, name: …, price: …}}, not {value}",
                                   value=_shown(item))))
            continue
        for key in item:
            if key not in ITEM_KEYS:
                found.append((where + (key,), _("items: unknown setting '{key}'; expected {expected}", key=key,
                                                expected=", ".join(sorted(ITEM_KEYS)))))
        code = item.get("code")
        if not isinstance(code, str) or not code.strip():
            found.append((where + ("code",), _("items: code: expected a price code such as SD-01, not {value}",
                                               value=_shown(code))))
        elif code in codes:
            found.append((where + ("code",), _("items: code {code} is listed twice", code=code)))
        codes.add(code)
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            found.append((where + ("name",), _("items: {code}: name: expected the item's name, not {value}",
                                               code=code, value=_shown(item.get("name")))))
        price = item.get("price")
        try:
            if isinstance(price, bool) or not isinstance(price, (str, int, float)):
                raise InvalidOperation
            amount = Decimal(str(price).strip())
            if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            found.append((where + ("price",), _(
                "items: {code}: price {value} is not an amount of yuan; expected e.g. \"15.00\"",
                                                code=code, value=_shown(price))))
        unit = item.get("unit")
        if unit is not None and not isinstance(unit, str):
            found.append((where + ("unit",), _("items: {code}: unit must be text, not {value}", code=code,
                                               value=_shown(unit))))
    return found


def located(ledger, name: str, found: list[tuple[tuple, str]]) -> list:
    """A Problem (FILE, LINE, message) for each problem, the line found with ruamel.yaml."""
    from propcli.problems import Problem
    from propcli.store import yamlio

    text = ledger.file_text(name)
    return [Problem(name, yamlio.line_at(text, where), message) for where, message in found]


def require(ledger, name: str, plain) -> None:
    """LedgerUnusable (exit 3) naming the file, the line and the first problem of settings file `name`."""
    found = problems(name, plain)
    if not found:
        return
    first = located(ledger, name, found[:1])[0]
    more = _(" (and {n} more; propcli check lists them)", n=len(found) - 1) if len(found) > 1 else ""
    raise LedgerUnusable(f"{first}{more}")
