"""Repairs 维修单: the workflow of clauses 10.4.1-10.4.3 (resident) and 10.4.2 (public facilities).

Pure rules over a Record (which step may come next, when it closes, fees), how `repair new` and each
`repair STEP` shape their data, and the kind's declaration (`KIND`) at the end.
"""
from decimal import Decimal

from propcli.errors import BadInput
from propcli.i18n import N_, _
from propcli.kinds import fields
from propcli.kinds.base import Action, Append, CallbackSource, Column, Create, Field, Kind, Option, Register, Stat
from propcli.kinds.base import Step as BaseStep
from propcli.kinds.fields import money
from propcli.model import Record

MATERIAL_RESULTS = ("合格", "不合格", "质量不佳")
NEEDS_DECISION = ("不合格", "质量不佳")
"""Verdicts after which the resident chooses (10.4.1-5): the record holds the choice actually made."""


PUBLIC = {"notify": (("new",), "10.4.2-1"), "take": (("notify",), "10.4.2-2"), "arrive": (("take",), "10.4.2-3"),
          "complete": (("arrive",), "10.4.2-4")}
"""The public procedure (10.4.2) as it refines the resident one (`Step.after`): its steps, what each follows, its
clause. A step not here is not a step of a public repair."""


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


def check_data(record: Record, step: str, data: dict) -> None:
    """What a step must carry, whoever wrote it (the command, an import, a hand edit): both signatures on a
    refusal (10.4.1-4), the resident's choice after a bad material verdict (10.4.1-5), who priced work not on
    the list (10.4.1-3), the resident's signature (10.4.1-6)."""
    if step == "refuse":
        if not data.get("reason"):
            raise BadInput(_("--reason: missing; expected why the resident refused (10.4.1-4)"))
        signed = (data.get("technician"), data.get("director"))
        if not all(signed) and len(data.get("signed_by") or ()) < 2:
            raise BadInput(_("--technician, --director: the refusal is signed by both the technician and the "
                             "engineering director (10.4.1-4); expected both names"))
    elif step == "material":
        result = data.get("result")
        if result not in MATERIAL_RESULTS:
            raise BadInput(_("--result: expected one of {results} (10.4.1-5)", results="|".join(MATERIAL_RESULTS)))
        if result in NEEDS_DECISION and not data.get("decision"):
            raise BadInput(_("--decision: missing; after '{result}' the record holds the resident's own choice "
                             "(10.4.1-5), e.g. --decision 用户坚持使用自备材料",
                             result=result))
    elif step == "complete":
        if is_public(record) and (data.get("items") or data.get("fees")):
            raise BadInput(_("--item, --fee: a public repair has no resident fee (10.4.2)"))
        if data.get("fees") and not data.get("quoted_by"):
            raise BadInput(_("--quoted-by: missing; work not on the price list is priced by the engineering director "
                             "(10.4.1-3, 10.3.1): expected his name"))
    elif step == "sign":
        if not data.get("signature"):
            raise BadInput(_("--signature: missing; expected the name the resident signed with after testing the "
                             "repair (10.4.1-6)"))


def check_step(record: Record, step: str, data: dict) -> None:
    """Refuse a step the procedure does not allow now, naming the missing or conflicting step, or what it
    must carry."""
    check_order(record, step)
    check_data(record, step, data)


def check_order(record: Record, step: str) -> None:
    """Refuse a step out of the order of 10.4.1 / 10.4.2 (or on a closed repair), whatever it carries: the
    generic check of `Step.after` (kinds/base.py), as `refine_after`, `clause_for` and `guard` refine it."""
    KIND.check_order(record, step)


def refine_after(record: Record, step: str, after: tuple[str, ...]) -> tuple[str, ...] | None:
    """What a step follows on this repair: the public procedure (10.4.2); an off-list item is on site after the
    resident accepted the quote, a listed one after the order was taken (10.4.1-2); a refusal before anything
    was priced or anyone came follows a quote or the arrival (10.4.1-4)."""
    if is_public(record):
        return PUBLIC[step][0] if step in PUBLIC else None
    if step == "arrive":
        return ("take",) if record.get("price_code") else ("accept",)
    if step == "refuse":
        quote = record.first("quote")
        if not (record.has("arrive") or (quote is not None and not quote.get("unrepairable"))):
            return ("quote", "arrive")
    return after


def clause_for(record: Record, step: str) -> str | None:
    """The clause of a step of a public repair (10.4.2-n); None: the step's own."""
    return PUBLIC[step][1] if is_public(record) and step in PUBLIC else None


def guard(record: Record, step: str) -> None:
    """What the order alone does not say: a quote only for off-list items (10.4.1-2③). (At no fee nothing is
    paid: the repair closed when copy 3 went to finance, 10.4.3, which the closing check says.)"""
    if step == "quote" and record.get("price_code"):
        raise BadInput(_("repair {id}: item {code} is on the price list; a quote is only for off-list items "
                         "(10.4.1-2③)",
                         id=record.id, code=record.get("price_code")))



def _item_line(line) -> dict:
    qty = int(line.get("qty") or 1)
    unit_price = money(line.get("unit_price") or 0, "unit_price")
    return {"item": line.get("code"), "name": line.get("name"), "qty": qty, "unit_price": unit_price,
            "amount": money(line["amount"], "items") if line.get("amount") is not None else unit_price * qty}


def _done_lines(complete) -> list[dict]:
    """The items actually done, as the completion recorded them (10.4.1-3): from the price list (with `qty`), and
    work not on it as the engineering director priced it."""
    if not complete:
        return []
    return ([_item_line(line) for line in complete.get("items") or ()]
            + [{"item": line["item"], "amount": money(line["amount"], "fees")} for line in complete.get("fees") or ()])


def charged_lines(record, complete, quote) -> list[dict]:
    """What the resident owes, line by line (10.4.1-3, -6): the items actually done (from the price list, and work
    not on it as the engineering director priced it), else the listed price, else the director's quote; each
    {item, name, qty, unit_price, amount} (Decimal amounts; the code as `item` for a listed one). `record` is a
    Record or a record as `show` prints it; `complete` and `quote` its events (None or {} when not recorded). The
    one place the fee lines are made: the fee total, the 维修单 and the paid-service record read it."""
    done = _done_lines(complete)
    if done:
        return done
    if record.get("price_code"):
        qty = int(record.get("qty") or 1)
        unit_price = money(record.get("unit_price") or 0, "unit_price")
        return [{"item": str(record.get("price_code")), "name": str(record.get("price_name") or ""), "qty": qty,
                 "unit_price": unit_price, "amount": unit_price * qty}]
    if quote and quote.get("price") is not None:
        return [{"item": _("quote"), "name": str(record.get("item") or ""),
                 "amount": money(quote.get("price"), "price")}]
    return []


def fee_lines(record: Record) -> list[dict]:
    """What the resident owes, line by line (`charged_lines`); a public repair owes nothing (10.4.2)."""
    if is_public(record):
        return []
    return charged_lines(record, record.first("complete"), record.first("quote"))


def fee_total(record: Record) -> Decimal:
    if record.has("refuse") or is_public(record):
        return Decimal("0.00")
    return sum((line["amount"] for line in fee_lines(record)), Decimal("0.00"))


def fee_at(record: Record):
    """A resident repair's fee is owed once the work is completed (10.4.1-6); it does not change after."""
    if is_public(record):
        return None
    complete = record.first("complete")
    return complete.at if complete is not None else None


def billed_at(record: Record):
    """Copy 3 handed to finance: billed with the management fee of the billing period (10.4.1-7, 10.4.3)."""
    if is_public(record):
        return None
    finance = record.first("finance")
    return finance.at if finance is not None else None


# --- shaping the data of `repair new` and `repair STEP` (the store writes it) -------------------------

REFUSE_WARNING = "已提醒用户可随时再次报修"
MATERIAL_WARNING = "已告知用户自备材料不合格可能造成的后果，尊重用户选择"
"""Recorded for 不合格 when --warning gives no words of its own: the step is the technician's statement that he
gave the warning 10.4.1-5 requires. The resident's decision is never filled in for him (--decision)."""
RECEPTION = "客户服务部前台接待员"


def new_repair(session, name=None, phone=None, address=None, item=None, price_code=None, qty=None,
               appointment=None, at=None, public=False, location=None, source=None,
               request=None, finding=None, patrol_officer=None, found_at=None, form_no=None) -> Create:
    """A repair request as received (10.4.1-1 / 10.4.2-1), planned; a public repair made from a patrol finding
    names the round, the finding, the patrol officer and when it was found (12, 10.5.2)."""
    from propcli.timeutil import format_time, parse_time

    ledger = session.ledger
    received = session.at(at)
    item = fields.required(item, "--item", _("what to repair, e.g. 厨房水龙头漏水"))
    if public:
        if any(v is not None for v in (name, phone, address, price_code, appointment)):
            raise BadInput(_("--public: a public repair has no resident, price code or appointment (10.4.2); give "
                             "--location and --item"))
        values = {"office": ledger.office, "public": True,
                  "location": fields.required(location, "--location", _("the place, e.g. 3栋电梯厅")), "item": item}
        if source:
            values["patrol"] = source
            values.update({k: v for k, v in (("patrol_finding", finding), ("patrol_officer", patrol_officer),
                                             ("found_at", found_at)) if v is not None})
    else:
        values = {"office": ledger.office, "public": False,
                  "name": fields.required(name, "--name", _("the resident's name")),
                  "phone": fields.phone(phone),
                  "address": fields.unit_number(
                      fields.required(address, "--address", _("building and unit, e.g. 3栋0301"))),
                  "item": item}
        if request:
            values["request"] = request  # the help request it came from (9.4.5)
        if qty is not None and price_code is None:
            raise BadInput(_("--qty: goes with --price-code (an item of the price list)"))
        if price_code is not None:
            price = ledger.prices.get(price_code.strip().upper()) or ledger.prices.get(price_code.strip())
            if price is None:
                raise BadInput(_("--price-code: '{code}' is not on the price list (propcli prices shows the codes)",
                                 code=price_code))
            if qty is not None and qty < 1:
                raise BadInput(_("--qty: expected a whole number of at least 1"))
            values.update(price_code=price.code, price_name=price.name, unit_price=str(price.price),
                          unit=price.unit, qty=qty or 1)
        if appointment is not None:
            moment = parse_time(appointment, ledger.tz, field="--appointment")
            if moment < received:
                raise BadInput(_("--appointment: {at} is before the request was received", at=moment.isoformat()))
            values["appointment"] = format_time(moment, ledger.tz)
    if form_no:  # the pre-numbered paper form this repair was written on (claimed by the caller, 11.4)
        values["form_no"] = form_no
    return Create("repair", values, received if at else None,
                  then=lambda record: _warn_appointment(session, record, received))


def _fees(ledger, pairs) -> list[dict]:
    """--fee NAME=YUAN: work not on the price list (10.4.1-3); a listed item goes by its code (--item)."""
    by_name = {price.name: price for price in ledger.prices.values()}
    lines = []
    for pair in pairs or ():
        item, sep, amount = pair.partition("=")
        item = item.strip()
        if not sep or not item:
            raise BadInput(_("--fee: '{value}' is not NAME=YUAN; expected e.g. --fee 更换阀芯=25", value=pair))
        listed = by_name.get(item) or ledger.prices.get(item) or ledger.prices.get(item.upper())
        if listed is not None:
            raise BadInput(_("--fee: '{name}' is on the price list as {code} ({price} 元/{unit}); record it with "
                             "--item {code} (10.4.1-3: listed work at its standard charge)",
                             name=item,
                             code=listed.code, price=f"{listed.price:.2f}", unit=listed.unit))
        lines.append({"item": item, "amount": str(money(amount, "--fee " + item))})
    return lines


def step_data(session, record: Record, step: str, options: dict) -> dict:
    """The event data of one `repair STEP` from its options (before the rules check it)."""
    ledger = session.ledger
    data: dict = {}
    if step == "take":
        if options.get("to"):
            data["to"] = options["to"].strip()
        if is_public(record):
            data["signed_for"] = "《公共区域现场巡视表》第二联"
        else:
            data["copy4_to"] = str(ledger.config.get("copy4") or "工程部")
    elif step == "quote":
        price, unrepairable = options.get("price"), options.get("unrepairable")
        if (price is None) == (not unrepairable):
            raise BadInput(_("quote: give either --price YUAN or --unrepairable (10.4.1-2③)"))
        data = {"unrepairable": True} if unrepairable else {"price": str(money(price, "--price"))}
    elif step == "refuse":
        data["reason"] = fields.required(options.get("reason"), "--reason", _("why the resident refused (10.4.1-4)"))
        technician = fields.staff_member(ledger, options.get("technician"), "--technician", ("technician",), "10.4.1-4")
        director = fields.staff_member(ledger, options.get("director"), "--director", ("engineering_director",),
                                       "10.4.1-4")
        data.update(reminded=REFUSE_WARNING, technician=technician, director=director,
                    signed_by=[technician, director], form_to="客户服务部")
    elif step == "material":
        result = options.get("result")
        if result not in MATERIAL_RESULTS:
            raise BadInput(_("--result: expected one of {results} (10.4.1-5)", results="|".join(MATERIAL_RESULTS)))
        data["result"] = result
        warning = fields.optional(options.get("warning"))
        if warning or result == "不合格":
            data["warning"] = warning or MATERIAL_WARNING
        decision = fields.optional(options.get("decision"))
        if decision:
            data["decision"] = decision
    elif step == "complete":
        items = fields.price_items(ledger, options.get("item"))
        fees = _fees(ledger, options.get("fee"))
        quoted_by = fields.optional(options.get("quoted_by"))
        if fees:
            if quoted_by is None:
                raise BadInput(_("--quoted-by: missing; work not on the price list is priced by the engineering "
                                 "director (10.4.1-3, 10.3.1): expected his name"))
            quoted_by = fields.staff_member(ledger, quoted_by, "--quoted-by", ("engineering_director",), "10.4.1-3")
        elif quoted_by is not None:
            raise BadInput(_("--quoted-by: goes with --fee (work not on the price list, 10.4.1-3)"))
        if items:
            data["items"] = items
        if fees:
            data.update(fees=fees, quoted_by=quoted_by)
        for key in ("work", "cleanup"):
            if options.get(key) and str(options[key]).strip():
                data[key] = str(options[key]).strip()
        if is_public(record):  # 10.4.2-4: 注明维修有关事项, 对维修现场进行收拾整理: both are written on the form
            if "work" not in data:
                raise BadInput(_("--work: missing; a public repair is completed with the work done noted on the "
                                 "inspection form (10.4.2-4)"))
            if "cleanup" not in data:
                raise BadInput(_("--cleanup: missing; a public repair is completed with the site cleaned up "
                                 "(10.4.2-4), e.g. --cleanup 已清扫现场"))
    elif step == "sign":
        data["signature"] = fields.required(options.get("signature"), "--signature",
                                            _("the name the resident signed with after testing the repair (10.4.1-6)"))
        data["copy1_to"] = "用户"
    elif step == "return":
        data["copies"] = [2, 3]
    elif step == "confirm":
        data.update(copies=[2, 3], handed_to=RECEPTION)
    elif step == "finance":
        data["copy"] = 3
    return data


def check_roles(session, record: Record, step: str) -> None:
    """10.4.3: only finance collects repair fees."""
    if step == "paid" and "finance" not in session.ledger.roles_of(session.actor):
        raise BadInput(_("--as: {name} does not have the finance role in staff.yaml; only finance collects repair fees "
                         "(10.4.3)",
                         name=session.actor))


def repair_step(session, record_id: str, step: str, at=None, **options) -> Append:
    """One step of the 维修单 (CLI.md `repair STEP`), planned: the order (`Step.after`, refined) and what the step
    carries are checked under the lock (`Kind.check_event`), then who may do it; refused steps exit 2 with the
    clause."""
    data = step_data(session, session.load(record_id), step, options)
    warn = (lambda updated: _warn_appointment(session, updated, updated.last_at)) if step in ("take", "accept") \
        else None
    return Append(record_id, step, data, session.at(at) if at else None,
                  check=lambda record, event: check_roles(session, record, step), then=warn)


# --- the appointment warning (10.4.1-2②) ---------------------------------------------------------------

def travel_time(ledger):
    """The time a technician needs to reach a unit with tools and parts: `travel_time` of the ledger's policy."""
    from propcli.errors import LedgerUnusable
    from propcli.policy.rules import PolicyProblem

    try:
        return ledger.policy.travel()
    except PolicyProblem as problem:
        raise LedgerUnusable(problem.message) from None


def appointment_warning(ledger, record: Record, at, travel) -> str | None:
    """A warning when the appointment leaves the technician less than `travel` to be on site by the time
    repair.arrive asks (5 min before it, 10.4.1-2②), counted from `at` (received, taken or accepted)."""
    from propcli.policy.rules import due_at, facts_of

    if is_public(record) or not record.get("appointment"):
        return None
    rule = ledger.policy.rule("repair.arrive", facts_of(record))
    if rule is None or rule.offset_from is None:
        return None
    due = due_at(rule, at, record, None, ledger.calendar)
    if due is None:
        return None
    left = (due - at).total_seconds()
    if left >= travel.total_seconds():
        return None
    appointment, by = record.get("appointment")[:16].replace("T", " "), f"{due:%Y-%m-%d %H:%M}"
    if left < 0:
        return _("propcli: warning: repair {id}: the appointment {appointment} wants the technician on site by {by} "
                 "({clause}), which is already past; agree a new time with the resident",
                 id=record.id, appointment=appointment, by=by, clause=rule.clause)
    return _("propcli: warning: repair {id}: the appointment {appointment} leaves the technician {minutes} min to be "
             "on site by {by} ({clause}); the policy's travel time is {travel} min: confirm the time with the resident",
             id=record.id, appointment=appointment, minutes=int(left // 60), by=by, clause=rule.clause,
             travel=int(travel.total_seconds() // 60))


def _warn_appointment(session, record: Record, at) -> None:
    if is_public(record) or not record.get("appointment"):
        return
    message = appointment_warning(session.ledger, record, at, travel_time(session.ledger))
    if message:
        session.warn(message)


# --- the paper: the 维修单 (10.4.1) and 《有偿服务记录表》 (10.5.1) -------------------------------------------------

def actual_items(shown: dict) -> str:
    """The items actually done (10.4.1-3) as the forms print them: 'SD-01 更换水龙头 15.00元×2 30.00元' from the
    price list, work not on it by name and amount; empty when the completion named none."""
    from propcli.kinds.paper import event_of

    return "；".join(f"{line['item']} {line['name']} {line['unit_price']:.2f}元×{line['qty']} {line['amount']:.2f}元"
                    if "qty" in line else f"{line['item']} {line['amount']:.2f}元"
                    for line in _done_lines(event_of(shown, "complete")))


def service_items(shown: dict) -> str:
    """What was charged for: the items actually done, else the listed item or the quoted work."""
    from propcli.kinds.paper import event_of

    done = actual_items(shown)
    if done:
        return done
    if shown.get("price_code"):
        (line,) = charged_lines(shown, None, None)
        return f"{line['item']} {line['name']} {line['unit_price']:.2f}元×{line['qty']}"
    quote = event_of(shown, "quote")
    if quote.get("price") is not None:
        (line,) = charged_lines(shown, None, quote)
        return f"{line['name']}（评审报价 {line['amount']:.2f}元）"
    return str(shown.get("item", ""))


def paid_service_line(shown: dict) -> dict:
    """One line of 《有偿服务记录表》 (10.5.1): a completed resident repair, as `show` prints it; finance's billing
    list names the repair requested (`item`)."""
    from propcli.kinds.paper import event_of

    complete, sign = event_of(shown, "complete"), event_of(shown, "sign")
    return {"date": (complete.get("at") or "")[:10], "id": shown["id"], "unit": shown.get("address", ""),
            "resident": shown.get("name", ""), "service": service_items(shown),
            "amount": shown.get("fee_total", 0.0), "by": event_of(shown, "take").get("to") or complete.get("by", ""),
            "signature": sign.get("signature", ""), "finance": (event_of(shown, "finance").get("at") or "")[:10],
            "item": shown.get("item")}


def paid_service_rows(sheet) -> list[dict]:
    """《有偿服务记录表》 (10.5.1): every paid service whose fee became owed in the month as of --now (resident repairs
    completed, help requests charged, 9.4.9: each kind's `paid_service` line), by date, and their one 合计
    (= `stats` fees.total = repairs.fees + requests.fees): finance collects them all alike (10.4.3-1), so there is
    no separate subtotal."""
    from propcli import kinds
    from propcli.kinds.paper import Sign, Total, yuan

    lines: list[dict] = []
    for declared in kinds.all_kinds():
        if declared.paid_service is not None:
            lines += [declared.paid_service(record) for record in sheet.fee_records(declared.name)]
    lines.sort(key=lambda line: line["date"])  # stable: within a day, in the index's order
    cents = sum(int(Decimal(str(line["amount"] or 0)) * 100) for line in lines)
    rows = [dict(line, amount=yuan(line["amount"]), signature=Sign(line["signature"])) for line in lines]
    return rows + [Total({"date": _("Total"), "amount": yuan(Decimal(cents) / 100)})]


COPIES = (
    (N_("Copy 1: resident (basis for payment)"),
     N_("Goes to: the resident, from the technician, as the basis for payment (10.4.1-6)")),
    (N_("Copy 2: kept by customer service"),
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then kept by customer service "
        "after 返单 (10.4.1-7)")),
    (N_("Copy 3: finance (basis for billing)"),
     N_("Goes to: the engineering director by 17:00 the same day for confirmation, then to finance by the 25th as the "
        "basis for billing (10.4.1-7, 10.4.3)")),
)
"""The copies of the 维修单 and where each goes (10.4.1-6, -7); the fourth is the office's (propcli.yaml copy4)."""


def _copies(copy4: str) -> list[dict]:
    from propcli.i18n import gettext

    copies = [{"label": gettext(label), "goes": gettext(goes)} for label, goes in COPIES]
    copies.append({"label": _("Copy 4: {destination}", destination=copy4),
                   "goes": _("Goes to: kept by {destination} (propcli.yaml copy4; 10.4.1-7 leaves it open)",
                             destination=copy4)})
    return copies


def _material_text(event: dict) -> str:
    """A 10.4.1-5 verdict as recorded: the result, the warning given and the resident's own decision."""
    colon = _(": ")
    extra = _("; ").join(f"{label}{colon}{event[key]}" for key, label in
                         (("warning", _("warning given")), ("decision", _("resident's decision"))) if event.get(key))
    return _("{result} ({details})", result=event["result"], details=extra) if extra else event["result"]


def _technician(record: dict) -> str:
    from propcli.kinds.paper import event_of

    return event_of(record, "take").get("to", "") or event_of(record, "arrive").get("by", "")


def _printed_fee_line(line: dict) -> dict:
    from propcli.kinds.paper import yuan

    qty = line.get("qty")
    return {"item": str(line.get("name") or line.get("item") or ""), "code": str(line.get("item") or "")
            if "unit_price" in line else "", "unit_price": yuan(line.get("unit_price")),
            "qty": "" if qty is None else str(qty), "amount": yuan(line.get("amount"))}


def order_form(sheet, record: dict) -> dict:
    """One 《维修单》 (10.4.1) of a resident repair as paper prints it ({} for a blank form): its fields, fee lines,
    signature lines and four copies."""
    from propcli.kinds.paper import Sign, first_events, last_event, time_text, yuan

    if record and (record["kind"] != KIND.name or record.get("public")):
        raise BadInput(_("ID: {id} is not a resident repair; the 维修单 is for 10.4.1 repairs", id=record["id"]))
    done = first_events(record)
    take, arrive, complete = done.get("take", {}), done.get("arrive", {}), done.get("complete", {})
    quote, refuse, sign = last_event(record, "quote"), done.get("refuse", {}), done.get("sign", {})
    confirm = done.get("confirm", {})
    if record.get("price_code"):
        standard = _("{code} {name}, {price} yuan per {unit} × {qty}", code=record["price_code"],
                     name=record.get("price_name", ""), price=yuan(record.get("unit_price")),
                     unit=record.get("unit", ""), qty=record.get("qty", 1))
    elif quote:
        standard = _("Cannot be repaired (10.4.1-2③)") if quote.get("unrepairable") else \
            _("Director's quote {price} yuan (10.4.1-2③)", price=yuan(quote.get("price")))
    else:
        standard = ""
    materials = [e for e in record.get("events", []) if e["step"] == "material"]
    refusal_signers = list(refuse.get("signed_by") or [])
    technician_signer = refuse.get("technician") or (refusal_signers[0] if refusal_signers else "")
    director_signer = refuse.get("director") or (refusal_signers[1] if len(refusal_signers) > 1 else "")
    head = [
        (_("Reported at"), time_text(record.get("received"))), (_("Appointment"), time_text(record.get("appointment"))),
        (_("Resident"), record.get("name", "")), (_("Phone"), record.get("phone", "")),
        (_("Address"), record.get("address", "")), (_("Ledger record"), record.get("id", "")),
    ]
    quoted_by = complete.get("quoted_by") or (quote.get("by", "") if quote and not quote.get("unrepairable") else "")
    work = [
        (_("Order taken at"), time_text(take.get("at"))), (_("Technician"), _technician(record)),
        (_("On site at"), time_text(arrive.get("at"))), (_("Completed at"), time_text(complete.get("at"))),
        (_("Quoted by (engineering director)"), quoted_by), (_("Resident signed at"), time_text(sign.get("at"))),
    ]
    lines = [_printed_fee_line(line) for line in charged_lines(record, complete, quote)] if record else []
    total = yuan(record.get("fee_total")) if record and record.get("fee_total") is not None else ""
    return {
        "copies": _copies(str(sheet.ledger.config.get("copy4") or "工程部")), "head": head, "work": work,
        "item_label": _("Repair requested"), "item": record.get("item", ""),
        "standard_label": _("Price-list item or quote"), "standard": standard,
        "material_label": _("Resident's material check (10.4.1-5)"),
        "material": _("; ").join(_material_text(m) for m in materials),
        "fees_label": _("Work done and charges (10.4.1-3, -6)"),
        "actual_label": _("Work done and charges"), "actual": actual_items(record) if record else "",
        "fee_columns": [_("Item"), _("Price code"), _("Unit price"), _("Qty"), _("Amount (yuan)")],
        "fees": lines, "fee_blank_rows": 0 if lines else 3, "total_label": _("Total due (yuan)"), "total": total,
        "signatures": [
            {"label": _("Resident's signature (tested and accepted)"), "short": _("Resident's signature"),
             "sign": Sign(sign.get("signature", ""))},
            {"label": _("Technician"), "short": _("Technician"), "sign": Sign(_technician(record) if complete else "")},
        ],
        "refusal_signed_label": _("Refusal signed by"),
        "refusal_signed": ("、" if sheet.lang == "zh_CN" else ", ").join(x for x in (technician_signer,
                                                                                     director_signer) if x),
        "refusal_label": _("Refusal (10.4.1-4)"), "reason_label": _("Reason"), "reason": refuse.get("reason", ""),
        "refusal_signatures": [
            {"label": _("Technician"), "sign": Sign(technician_signer)},
            {"label": _("Engineering director"), "sign": Sign(director_signer)},
        ],
        "return_label": _("Returned (10.4.1-7)"),
        "returns": [(_("Copies 2 and 3 back to engineering at"), time_text(done.get("return", {}).get("at"))),
                    (_("Confirmed by the engineering director at"), time_text(confirm.get("at"))),
                    (_("Copy 3 handed to finance on"), (done.get("finance", {}).get("at") or "")[:10])],
        "confirm": {"label": _("Engineering director's confirmation"), "sign": Sign(confirm.get("by", ""))},
    }


ORDER = Register("repair-order", N_("Repair order 《维修单》"), "10.4.1", template="repair-order",
                 orientation="portrait", takes=N_("a resident repair id"), fill=order_form, numbered="form_no")

PAID_SERVICE = Register(
    "paid-service", N_("Paid service record 《有偿服务记录表》"), "10.5.1",
    (Column("date", N_("Date"), 19), Column("id", N_("Record no."), 23), Column("unit", N_("Unit"), 18),
     Column("resident", N_("Resident"), 18), Column("service", N_("Service"), 76),
     Column("amount", N_("Charge (yuan)"), 24), Column("by", N_("Technician"), 18),
     Column("signature", N_("Resident's signature"), 40), Column("finance", N_("Handed to finance"), 28)),
    paid_service_rows, footer=(N_("Prepared by"), N_("Engineering director"), N_("Finance department")))


def done_at(record: Record):
    """A resident repair's callback window starts when it is completed (11.1.4); public repairs have no customer."""
    if is_public(record):
        return None
    event = record.first("complete")
    return event.at if event else None


# --- the declaration ----------------------------------------------------------------------------------

_AT = Option("--at", N_("when it happened (default --now)"), takes="time", metavar="DATETIME")

LABELS = {  # the kind's words by group (propcli.i18n.label; issue 17: a kind's facts come from the kind)
    "field": {"patrol": N_("patrol")},  # the patrol round a public repair was found on (10.4.2-1)
    "rule": {
        "repair.fill": N_("fill in the repair form"),
        "repair.notify": N_("notify engineering to collect the order"),
        "repair.quote": N_("price review of an off-list item"),
        "repair.arrive": N_("technician on site"),
        "repair.return": N_("copies 2 and 3 returned"),
        "repair.finance": N_("copy 3 to finance"),
        "public.notify": N_("public repair: notify engineering"),
        "public.arrive": N_("public repair: on site"),
        "callback.repair": N_("repair callback"),
    },
    "stat": {
        "repairs": N_("repairs"),
        "public": N_("public repairs"),
        "billed": N_("billed (yuan)"),
        "public_repairs": N_("public repairs"),
    },
}

KIND = Kind(
    name="repair", zh="维修单", en="repair", clause="10.4",
    help=N_("Repair work orders 维修单 (10.4)."),
    fields=(Field("name", "用户名称", "resident"), Field("phone", "联系电话", "phone"), Field("address", "地址",
                                                                                              "address"),
            Field("item", "报修内容", "item"), Field("price_code", "收费标准项目", "price code"), Field("qty", "数量",
                                                                                                        "qty"),
            Field("appointment", "预约维修时间", "appointment"), Field("location", "区域/位置", "location"),
            Field("public", "公共设施", "public")),
    new=new_repair,
    asks=lambda values: ("location", "item") if values.get("public") else ("name", "phone", "address", "item",
                                                                           "price_code"),
    new_help=N_("Record a repair request."),
    new_limit=("repair.fill", "repair.notify"),
    new_options=(
        Option("--name", N_("resident's name"), takes="name"),
        Option("--phone"),
        Option("--address", N_("building and unit, e.g. 3栋0301")),
        Option("--item", N_("what to repair")),
        Option("--price-code", metavar="CODE", takes="price"),
        Option("--qty", takes="int"),
        Option("--appointment", metavar="DATETIME", takes="time"),
        Option("--at", N_("when the request was received (default --now)"), takes="time", metavar="DATETIME"),
        Option("--public", N_("a public facility (10.4.2)"), takes="flag"),
        Option("--location"),
        Option("--form-no", N_("the number of the pre-numbered paper form used (form repair-order --blank)"),
               metavar="NO"),
    ),
    steps=(
        BaseStep("fill", "填写维修单", "10.4.1-2",
                 N_("The receptionist has filled the form 《维修单》 (10.4.1-2, {limit})."),
                 after=("new",), roles=("receptionist",), limit=("repair.fill",)),
        BaseStep("notify", "通知工程部", "10.4.1-2",
                 N_("Engineering notified to collect the order (10.4.1-2, {limit}; public 10.4.2-1)."),
                 after=("fill",), roles=("receptionist",), limit=("repair.notify", "public.notify")),
        BaseStep("take", "接单", "10.4.1-2", N_("Engineering took the order (接单); --to names the technician."),
                 after=("notify",), roles=("engineering_director", "technician"),
                 options=(Option("--to", metavar="TECHNICIAN", takes="person"),)),
        BaseStep("quote", "评审报价", "10.4.1-2③",
                 N_("Off-list item: the engineering director's price, or --unrepairable (10.4.1-2③, {limit})."),
                 after=("take",), roles=("engineering_director",), limit=("repair.quote",),
                 options=(Option("--price", metavar="YUAN"), Option("--unrepairable", takes="flag"))),
        BaseStep("accept", "用户同意", "10.4.1-4", N_("The resident accepted the price (10.4.1-4)."), after=("quote",)),
        BaseStep("refuse", "用户拒修", "10.4.1-4",
                 N_("The resident refused; the form goes back to customer service (10.4.1-4)."),
                 after=("quote", "arrive", "material"), roles=("technician", "engineering_director"),
                 options=(Option("--reason", N_("why the resident refused (required)")),
                          Option("--technician", N_("the technician, signs the reason (required, 10.4.1-4)"),
                                 takes="person", metavar="NAME"),
                          Option("--director", N_("the engineering director, signs the reason (required, 10.4.1-4)"),
                                 takes="person", metavar="NAME"))),
        BaseStep("arrive", "到场", "10.4.1-2①", N_("The technician is on site (10.4.1-2①②, 10.4.2-3; {limit})."),
                 after=("take", "accept"), roles=("technician",), limit=("repair.arrive",)),
        BaseStep("material", "自备材料验证", "10.4.1-5", N_("Resident-supplied material checked (10.4.1-5)."),
                 after=("arrive", "material"), roles=("technician",), repeatable=True,
                 options=(Option("--result", takes="choice", choices=MATERIAL_RESULTS),
                          Option("--warning", N_("the words of the warning given for unacceptable material")),
                          Option("--decision", N_("the resident's own choice; required for 不合格 and 质量不佳")))),
        BaseStep("complete", "完成维修", "10.4.1-6",
                 N_("Work done; --item CODE[xQTY] records the price-list items actually done, --fee NAME=YUAN work not "
                    "on the list as the engineering director priced it (--quoted-by) (10.4.1-3, -6)."),
                 after=("arrive", "material"), roles=("technician",),
                 options=(Option("--item", N_("a price-list item actually done, e.g. SD-01x2 (repeatable)"),
                                 multiple=True, metavar="CODE[xQTY]", sample="SD-01x2"),
                          Option("--fee", N_("work not on the price list (repeatable); needs --quoted-by"),
                                 multiple=True, metavar="NAME=YUAN", sample="更换阀芯=25"),
                          Option("--quoted-by", N_("the engineering director who priced the --fee work"),
                                 takes="person", metavar="NAME", sample="周志强"),
                          Option("--work", N_("work done (public repairs, 10.4.2-4)")),
                          Option("--cleanup", N_("site clean-up (10.4.2-4)")))),
        BaseStep("sign", "用户签名", "10.4.1-6",
                 N_("The resident tested and signed; copy 1 to the resident (10.4.1-6)."),
                 after=("complete",), roles=("technician",),
                 options=(Option("--signature", N_("the name the resident signed with (required)"), takes="name"),)),
        BaseStep("return", "交回工程部", "10.4.1-7",
                 N_("Copies 2 and 3 returned to the engineering director (10.4.1-7, {limit})."),
                 after=("sign",), roles=("technician",), limit=("repair.return",)),
        BaseStep("confirm", "工程部主任确认返单", "10.4.1-7",
                 N_("The engineering director confirmed copies 2 and 3 and handed them to reception for 返单 "
                    "(10.4.1-7)."),
                 after=("return",), roles=("engineering_director",)),
        BaseStep("finance", "第三联送财务", "10.4.1-7", N_("Copy 3 handed to finance (10.4.1-7, {limit})."),
                 after=("confirm",), roles=("receptionist",), limit=("repair.finance",)),
        BaseStep("paid", "财务收费", "10.4.3", N_("Finance collected the fee (10.4.3; finance role only)."),
                 after=("finance",), roles=("finance",)),
    ),
    step=repair_step,
    actions=(
        Action("billing",
               N_("Copy-3 forms handed to finance from the 26th of the month before to the 25th: what finance bills "
                  "with the month's management fee (10.4.1-7, 10.4.3)."),
               "billing", options=(Option("--month", metavar="YYYY-MM"),), required=("month",), clause="10.4.3",
               shows="rows", columns=("id", "name", "address", "phone", "item", "fee_total", "finance", "paid"),
               total="fee_total"),
    ),
    check_step=lambda before, event: check_data(before, event.step, dict(event.data)),
    refine_after=refine_after,
    clause_for=clause_for,
    guard=guard,
    closing_event=closing_event,
    fee_total=fee_total,
    fee_at=fee_at,
    billed_at=billed_at,
    paid_service=paid_service_line,
    callback_source=CallbackSource("callback.repair", 0.3, "11.1.4", title=N_("Repairs"),
                                   compared=N_("Repair callbacks"),
                                   role_of=lambda record: "area_officer",
                                   done_at=done_at),
    registers=(ORDER, PAID_SERVICE),
    rule_labels={"repair.fill": "填写维修单", "repair.notify": "通知工程部接单",
                 "repair.quote": "收费标准外项目评审答复",
                 "repair.arrive": "维修人员到场", "repair.return": "第二、三联交回工程部",
                 "repair.finance": "第三联送财务",
                 "public.notify": "公共维修通知工程部", "public.arrive": "公共维修到场", "callback.repair": "维修回访"},
    labels=LABELS,
    stats=Stat("repairs", "repairs", rule_sections={"public.": "public_repairs"}),
)
