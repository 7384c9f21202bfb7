"""The repair rules of 10.4.1 on plain records (no git): signatures, material choices, fees from the price
list, the engineering director's confirmation before finance, and when a fee is owed and billed."""
from decimal import Decimal

import pytest

from propcli.errors import BadInput
from propcli.kinds import repair
from propcli.model import Event, Record, record_from_plain

TZ = "Asia/Shanghai"
STEPS = ["fill", "notify", "take", "arrive", "complete", "sign", "return", "confirm", "finance", "paid"]


def record(*steps, **fields) -> Record:
    """A resident repair of SD-01 x1 (15.00) with `steps` recorded a minute apart from 09:01; a step is a name
    or (name, {data})."""
    plain = {"schema": 1, "kind": "repair", "id": "R-2Q8CMG8W74", "public": False, "name": "张三",
             "phone": "13800138000", "address": "3栋0301", "item": "水龙头漏水", "price_code": "SD-01",
             "price_name": "更换水龙头", "unit_price": "15.00", "unit": "个", "qty": 1,
             "events": [{"step": "new", "at": "2026-11-25T09:00:00+08:00", "by": "赵丽娟"}]}
    plain.update(fields)
    for minute, item in enumerate(steps, start=1):
        name, data = (item, {}) if isinstance(item, str) else item
        plain["events"].append({"step": name, "at": f"2026-11-25T09:{minute:02d}:00+08:00", "by": "吴海涛", **data})
    return record_from_plain(plain, TZ)


def refused(before: Record, step: str, data: dict) -> str:
    with pytest.raises(BadInput) as error:
        repair.check_step(before, step, data)
    return error.value.message


SIGNED = {"signature": "张三"}


def test_refusal_needs_both_signatures():
    arrived = record("fill", "notify", "take", "arrive")
    assert "--technician, --director" in refused(arrived, "refuse", {"reason": "太贵", "technician": "吴海涛"})
    assert "10.4.1-4" in refused(arrived, "refuse", {"reason": "太贵", "director": "周志强"})
    assert "--reason" in refused(arrived, "refuse", {"technician": "吴海涛", "director": "周志强"})
    repair.check_step(arrived, "refuse", {"reason": "太贵", "technician": "吴海涛", "director": "周志强"})


def test_sign_needs_the_residents_name():
    completed = record("fill", "notify", "take", "arrive", "complete")
    assert "--signature" in refused(completed, "sign", {"copy1_to": "用户"})
    repair.check_step(completed, "sign", SIGNED)


@pytest.mark.parametrize("result", ["不合格", "质量不佳"])
def test_a_bad_material_verdict_needs_the_residents_own_decision(result):
    arrived = record("fill", "notify", "take", "arrive")
    assert "--decision" in refused(arrived, "material", {"result": result, "warning": "提示"})
    repair.check_step(arrived, "material", {"result": result, "decision": "用户坚持使用"})
    repair.check_step(arrived, "material", {"result": "合格"})


def test_work_off_the_list_needs_who_priced_it_and_a_public_repair_has_no_fee():
    arrived = record("fill", "notify", "take", "arrive")
    fees = {"fees": [{"item": "更换阀芯", "amount": "25.00"}]}
    assert "--quoted-by" in refused(arrived, "complete", fees)
    repair.check_step(arrived, "complete", dict(fees, quoted_by="周志强"))
    public = record("notify", "take", "arrive", public=True, location="3栋电梯厅", price_code=None)
    assert "10.4.2" in refused(public, "complete", {"items": [{"code": "SD-12", "amount": "5.00"}]})


def test_finance_follows_the_directors_confirmation():
    returned = record("fill", "notify", "take", "arrive", "complete", ("sign", SIGNED), "return")
    message = refused(returned, "finance", {"copy": 3})
    assert "'confirm'" in message and "10.4.1-7" in message
    assert "'return'" in refused(record("fill", "notify", "take", "arrive", "complete", ("sign", SIGNED)), "confirm",
                                 {})
    repair.check_step(returned, "confirm", {})
    repair.check_step(returned.with_event(Event("confirm", returned.last_at, "周志强")), "finance", {"copy": 3})


def test_fees_are_the_items_actually_done_from_the_list_and_the_quoted_work():
    items = [{"code": "SD-01", "name": "更换水龙头", "qty": 2, "unit_price": "15.00", "amount": "30.00"}]
    fees = [{"item": "材料", "amount": "12.50"}]
    done = record("fill", "notify", "take", "arrive", ("complete", {"items": items, "fees": fees,
                                                                    "quoted_by": "周志强"}))
    assert repair.fee_total(done) == Decimal("42.50")
    assert [line["item"] for line in repair.fee_lines(done)] == ["SD-01", "材料"]
    assert repair.fee_total(record("fill", "notify", "take", "arrive", "complete")) == Decimal("15.00")


def test_a_fee_is_owed_at_completion_and_billed_when_copy_3_reaches_finance():
    taken = record("fill", "notify", "take")
    assert repair.fee_at(taken) is None and repair.billed_at(taken) is None
    finished = record("fill", "notify", "take", "arrive", "complete", ("sign", SIGNED), "return", "confirm", "finance")
    assert repair.fee_at(finished) == finished.first("complete").at
    assert repair.billed_at(finished) == finished.first("finance").at
    public = record("notify", "take", "arrive", "complete", public=True, location="3栋电梯厅", price_code=None)
    assert repair.fee_at(public) is None


def test_paid_service_line_names_who_signed_not_a_mark():
    shown = {"id": "R-1", "name": "张三", "address": "3栋0301", "item": "水龙头漏水", "price_code": "SD-01",
             "price_name": "更换水龙头", "unit_price": 15.0, "qty": 1, "fee_total": 15.0,
             "events": [{"step": "take", "at": "2026-11-25T09:03:00+08:00", "by": "周志强", "to": "吴海涛"},
                        {"step": "complete", "at": "2026-11-25T09:30:00+08:00", "by": "吴海涛"},
                        {"step": "sign", "at": "2026-11-25T09:31:00+08:00", "by": "吴海涛", "signature": "张三"}]}
    line = repair.paid_service_line(shown)
    assert (line["date"], line["signature"], line["by"], line["amount"]) == ("2026-11-25", "张三", "吴海涛", 15.0)
    assert line["service"] == "SD-01 更换水龙头 15.00元×1"
