"""Repairs (10.4): `repair new`, every `repair STEP`, and the finance hand-over list."""
import re

from propcli.kinds import repair as repairs
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.app.derive import to_json, view
from propcli.app.services import show
from propcli.timeutil import check_month, format_time, parse_time
from propcli.store.unit import append, create, load

_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")
REFUSE_WARNING = "已提醒用户可随时再次报修"
MATERIAL_WARNING = "已告知用户自备材料不合格可能造成的后果，尊重用户选择"


def _required(value, field: str, expected: str) -> str:
    if value is None or not str(value).strip():
        raise BadInput(_("{field}: missing; expected {expected}", field=field, expected=expected))
    return str(value).strip()


def new_repair(session, name=None, phone=None, address=None, item=None, price_code=None, qty=None,
               appointment=None, at=None, public=False, location=None, source=None,
               request=None) -> dict:
    """Record a repair request as received (10.4.1-1 / 10.4.2-1)."""
    ledger = session.ledger
    received = session.at(at)
    item = _required(item, "--item", _("what to repair, e.g. 厨房水龙头漏水"))
    if public:
        if any(v is not None for v in (name, phone, address, price_code, appointment)):
            raise BadInput(_("--public: a public repair has no resident, price code or appointment (10.4.2); give --location and --item"))
        fields = {"office": ledger.office, "public": True,
                  "location": _required(location, "--location", _("the place, e.g. 3栋电梯厅"))} | {"item": item}
        if source:
            fields["patrol"] = source
    else:
        fields = {"office": ledger.office, "public": False,
                  "name": _required(name, "--name", _("the resident's name")),
                  "phone": _required(phone, "--phone", _("the resident's phone number, e.g. 13800138000")),
                  "address": _required(address, "--address", _("building and unit, e.g. 3栋0301")),
                  "item": item}
        if request:
            fields["request"] = request  # the help request it came from (9.4.5)
        if not _PHONE.match(fields["phone"]):
            raise BadInput(_("--phone: '{value}' is not a phone number; expected digits such as 13800138000", value=phone))
        if qty is not None and price_code is None:
            raise BadInput(_("--qty: goes with --price-code (an item of the price list)"))
        if price_code is not None:
            price = ledger.prices.get(price_code.strip().upper()) or ledger.prices.get(price_code.strip())
            if price is None:
                raise BadInput(_("--price-code: '{code}' is not on the price list (propcli prices shows the codes)", code=price_code))
            if qty is not None and qty < 1:
                raise BadInput(_("--qty: expected a whole number of at least 1"))
            fields.update(price_code=price.code, price_name=price.name, unit_price=str(price.price),
                          unit=price.unit, qty=qty or 1)
        if appointment is not None:
            moment = parse_time(appointment, ledger.tz, field="--appointment")
            if moment < received:
                raise BadInput(_("--appointment: {at} is before the request was received", at=moment.isoformat()))
            fields["appointment"] = format_time(moment, ledger.tz)
    record = create(ledger, "repair", fields, received, session.actor, session.now)
    return to_json(view(record, ledger, session.now), session.now, ledger.tz)


def _fees(pairs) -> list[dict]:
    lines = []
    for pair in pairs or ():
        item, sep, amount = pair.partition("=")
        if not sep or not item.strip():
            raise BadInput(_("--fee: '{value}' is not ITEM=YUAN; expected e.g. --fee 更换阀芯=25", value=pair))
        lines.append({"item": item.strip(), "amount": str(repairs.money(amount, "--fee " + item.strip()))})
    return lines


def repair_step(session, text_id: str, step: str, at=None, **options) -> dict:
    """Record one step of the 维修单 (CLI.md `repair STEP`); refused steps exit 2 with the clause."""
    ledger = session.ledger
    record_id = ledger.resolve(text_id, "repair")
    data: dict = {}
    if step == "take":
        if options.get("to"):
            data["to"] = options["to"].strip()
        if load(ledger, record_id).get("public"):
            data["signed_for"] = "《公共区域现场巡视表》第二联"
        else:
            data["copy4_to"] = str(ledger.config.get("copy4") or "工程部")
    elif step == "quote":
        price, unrepairable = options.get("price"), options.get("unrepairable")
        if (price is None) == (not unrepairable):
            raise BadInput(_("quote: give either --price YUAN or --unrepairable (10.4.1-2③)"))
        data = {"unrepairable": True} if unrepairable else {"price": str(repairs.money(price, "--price"))}
    elif step == "refuse":
        data["reason"] = _required(options.get("reason"), "--reason", _("why the resident refused (10.4.1-4)"))
        data["reminded"] = REFUSE_WARNING
        signed = [s for s in (options.get("technician"), options.get("director")) if s]
        if signed:
            data["signed_by"] = signed
        data["form_to"] = "客户服务部"
    elif step == "material":
        result = options.get("result")
        if result not in repairs.MATERIAL_RESULTS:
            raise BadInput(_("--result: expected one of {results} (10.4.1-5)", results="|".join(repairs.MATERIAL_RESULTS)))
        data["result"] = result
        if result == "不合格":
            data["warning"] = options.get("warning") or MATERIAL_WARNING
            data["decision"] = options.get("decision") or "用户坚持使用自备材料"
    elif step == "complete":
        fees = _fees(options.get("fee"))
        if fees:
            data["fees"] = fees
        for key in ("work", "cleanup"):
            if options.get(key):
                data[key] = options[key]
    elif step == "sign":
        data["copy1_to"] = "用户"
        if options.get("signature"):
            data["signature"] = options["signature"]
    elif step == "return":
        data["copies"] = [2, 3]
    elif step == "finance":
        data["copy"] = 3

    actor = session.actor

    def validate(record, event):
        repairs.check_step(record, step, data)
        if step == "paid" and "finance" not in ledger.roles_of(actor):
            raise BadInput(_("--as: {name} does not have the finance role in staff.yaml; only finance collects repair fees (10.4.3)",
                             name=actor))

    append(ledger, record_id, step, data, session.at(at) if at else None, actor, session.now, validate)
    return show(session, record_id)


def billing(session, month: str) -> list[dict]:
    """Copy-3 forms handed to finance in `month` (10.4.1-7, 10.4.3): what finance bills."""
    from propcli.app.services import list_records

    check_month(month)
    from datetime import datetime

    from propcli.timeutil import zone

    month_start = datetime(int(month[:4]), int(month[5:]), 1, tzinfo=zone(session.ledger.tz))
    rows = []
    for record in list_records(session, kind="repair", touched_since=month_start):
        finance = next((e for e in record["events"] if e["step"] == "finance"), None)
        if finance and finance["at"][:7] == month:
            rows.append({"id": record["id"], "name": record.get("name"), "address": record.get("address"),
                         "phone": record.get("phone"), "item": record.get("item"), "amount": record.get("fee_total", 0.0),
                         "finance": finance["at"], "paid": any(e["step"] == "paid" for e in record["events"])})
    return rows
