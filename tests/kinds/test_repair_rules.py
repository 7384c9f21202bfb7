"""The 维修单 rules (10.4.1, 10.4.2) on plain records: no ledger, no git."""
from decimal import Decimal

import pytest

from propcli.errors import BadInput
from propcli.kinds import repair

LISTED = """
schema: 1
kind: repair
id: R-00000000AB
public: false
name: 张三
phone: '13800138000'
address: 3栋0301
item: 厨房水龙头漏水
price_code: SD-01
price_name: 更换水龙头
unit_price: '15.00'
unit: 个
qty: 2
events:
- {step: new, at: '2026-11-28T09:00:00+08:00', by: 王芳}
- {step: fill, at: '2026-11-28T09:01:00+08:00', by: 王芳}
- {step: notify, at: '2026-11-28T09:02:00+08:00', by: 王芳}
"""


def test_a_step_out_of_order_is_refused_naming_the_step_it_must_follow(make_record):
    record = make_record(LISTED)
    with pytest.raises(BadInput) as refused:
        repair.check_step(record, "arrive", {})
    assert "'take'" in refused.value.message and "10.4.1-2" in refused.value.message
    repair.check_step(record, "take", {})


def test_a_quote_is_only_for_off_list_items(make_record):
    record = make_record(LISTED + "- {step: take, at: '2026-11-28T09:03:00+08:00', by: 周志强, to: 吴海涛}\n")
    with pytest.raises(BadInput) as refused:
        repair.check_step(record, "quote", {"price": "30"})
    assert "10.4.1-2③" in refused.value.message


def test_the_fee_of_a_listed_item_is_price_times_quantity_and_a_refusal_closes_at_no_fee(make_record):
    record = make_record(LISTED)
    assert repair.fee_total(record) == Decimal("30.00")
    assert repair.KIND.closing_event(record) is None
    refused = make_record(LISTED + "- {step: take, at: '2026-11-28T09:03:00+08:00', by: 周志强}\n"
                                   "- {step: arrive, at: '2026-11-28T09:10:00+08:00', by: 吴海涛}\n"
                                   "- {step: refuse, at: '2026-11-28T09:12:00+08:00', by: 吴海涛, reason: 太贵}\n")
    assert repair.KIND.closing_event(refused).step == "refuse"
    assert repair.fee_total(refused) == Decimal("0.00")


def test_a_public_repair_closes_at_complete_and_is_no_callback_source(make_record):
    public = make_record("""
        schema: 1
        kind: repair
        id: R-00000000AC
        public: true
        location: 3栋电梯厅
        item: 灯不亮
        events:
        - {step: new, at: '2026-11-28T09:00:00+08:00', by: 王芳}
        - {step: notify, at: '2026-11-28T09:05:00+08:00', by: 王芳}
        - {step: take, at: '2026-11-28T09:06:00+08:00', by: 周志强}
        - {step: arrive, at: '2026-11-28T09:15:00+08:00', by: 吴海涛}
        - {step: complete, at: '2026-11-28T09:40:00+08:00', by: 吴海涛}
        """)
    assert repair.KIND.closing_event(public).step == "complete"
    assert repair.KIND.callback_source.done_at(public) is None
