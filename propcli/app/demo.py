"""`propcli demo`: a ledger with a month of realistic activity, then what is open, what is late, a sample."""
import random
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType



NAMES = ["张伟", "王秀英", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴刚", "徐丽", "孙浩",
         "马超", "朱红", "胡军", "郭芳", "何平", "高燕", "林峰", "罗梅"]
LISTED = [("SD-01", "厨房水龙头漏水", "水龙头"), ("SD-04", "洗菜盆下水堵塞", "下水"), ("SD-12", "客厅灯管不亮", "灯管"),
          ("SD-11", "插座面板烧坏", "插座"), ("MC-01", "入户门锁芯坏了", "锁芯"), ("MC-06", "窗户执手松动关不严",
                                                                                   "执手")]
"""(price code, what the resident says, a word both share): each item is priced by the code it names
(10.4.1-2①; the test checks every pair against prices.yaml)."""
OFF_LIST = ["阳台防水层渗漏", "热水器打不着火", "吊顶石膏板开裂", "地暖分水器漏水"]
PUBLIC = [("5栋电梯厅", "电梯厅照明灯不亮"), ("地下车库B2", "车库排水沟堵塞"), ("3栋消防通道", "消防通道门闭门器损坏"),
          ("中心花园", "喷灌水管爆裂"), ("2栋大堂", "单元门禁无法刷卡")]
TECHNICIANS = ["吴海涛", "郑国平", "黄立新"]


def _phone(rng) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _address(rng) -> str:
    return f"{rng.randint(1, 12)}栋{rng.randint(1, 28):02d}{rng.randint(1, 4):02d}"


def _resident_events(rng, received, now, receptionist, listed: bool, late: bool, resident: str = ""):
    """A plausible run through the procedure; stops where `now` falls."""
    from propcli.model import Event

    events = [("new", received, receptionist, {})]
    clock = received

    def step(name, minutes, by, **data):
        nonlocal clock
        clock = clock + timedelta(minutes=minutes)
        if clock <= now:
            events.append((name, clock, by, data))
            return True
        return False

    tech = rng.choice(TECHNICIANS)
    ok = (step("fill", rng.choice([1, 1.5, 2 if not late else 4]), receptionist)
          and step("notify", rng.choice([0.5, 1]), receptionist)
          and step("take", rng.randint(1, 5), "周志强", to=tech))
    if ok and not listed:
        ok = step("quote", rng.randint(5, 14), "周志强", price=str(rng.choice([80, 120, 150, 260])) + ".00")
        ok = ok and step("accept", rng.randint(1, 10), tech)
    ok = ok and step("arrive", rng.randint(4, 9) if not late else rng.randint(12, 25), tech)
    ok = ok and step("complete", rng.randint(20, 90), tech)
    ok = ok and step("sign", 2, tech, signature=resident, copy1_to="用户")
    if ok:
        done_clock = clock
        return_at = done_clock.replace(hour=16, minute=rng.randint(0, 59)) if done_clock.hour < 16 else \
            (done_clock + timedelta(days=1)).replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59))
        if return_at <= now:
            events.append(("return", return_at, tech, {"copies": [2, 3]}))
            confirm_at = return_at + timedelta(minutes=rng.randint(5, 50))  # 返单 (10.4.1-7)
            if confirm_at <= now:
                events.append(("confirm", confirm_at, "周志强", {"copies": [2, 3],
                                                                 "handed_to": "客户服务部前台接待员"}))
                finance_at = confirm_at + timedelta(days=rng.randint(1, 6))
                if finance_at <= now:
                    events.append(("finance", finance_at, "赵丽娟", {"copy": 3}))
                    paid_at = finance_at + timedelta(days=rng.randint(1, 10))
                    if paid_at <= now:
                        events.append(("paid", paid_at, "谢春兰", {}))
    return [Event(s, at.replace(microsecond=0, second=0), by, MappingProxyType(d)) for s, at, by, d in events]


def _fresh_requests(ledger, now, rng):
    """This hour's desk: one just in, one whose technician is late, one waiting for its quote."""
    from propcli.ids import new_id
    from propcli.model import Event, Record

    plans = [
        (2, "SD-06", "卫生间地漏堵塞", [("new", 0, "赵丽娟", {})]),
        (26, "SD-12", "客厅灯管不亮", [("new", 0, "赵丽娟", {}), ("fill", 1, "赵丽娟", {}), ("notify", 1, "赵丽娟", {}),
                                  ("take", 2, "周志强", {"to": "郑国平"})]),
        (40, None, "阳台防水层渗漏", [("new", 0, "孙晓燕", {}), ("fill", 2, "孙晓燕", {}), ("notify", 1, "孙晓燕", {}),
                                  ("take", 3, "周志强", {"to": "黄立新"})]),
    ]
    records = []
    for minutes_ago, code, item, steps in plans:
        received = (now - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
        fields = {"office": ledger.office, "public": False, "name": rng.choice(NAMES), "phone": _phone(rng),
                  "address": _address(rng), "item": item}
        if code in ledger.prices:
            price = ledger.prices[code]
            fields.update(price_code=code, price_name=price.name, unit_price=str(price.price), unit=price.unit, qty=1)
        clock, events = received, []
        for name, minutes, by, data in steps:
            clock += timedelta(minutes=minutes)
            events.append(Event(name, clock, by, MappingProxyType(data)))
        record_id = new_id("repair", received)
        records.append(Record("repair", record_id, MappingProxyType(fields), tuple(events),
                              ledger.record_relpath("repair", record_id, received)))
    return records


PAID_HELP = {"钥匙锁在家里，请求帮助联系开锁": "MC-03"}
"""Help given for a fee (9.4.9), by the price list: opening the door is MC-03 开启户门."""
HELP = [("enquiry", "咨询本月物业费缴纳方式"), ("other", "钥匙锁在家里，请求帮助联系开锁"),
        ("medical", "老人在家摔倒，需要送医"), ("enquiry", "咨询装修申报手续"), ("security", "车库发现可疑人员")]
COMPLAINTS = [("general", "楼上夜间装修噪音"), ("important", "电梯多次困人"), ("general", "垃圾未及时清运")]


def _desk_records(ledger, now, start, rng):
    """The rest of the desk's month: help requests (9), complaints (8.6) and the call log (8.7.2)."""
    from propcli.ids import new_id
    from propcli.model import Event, Record

    records = []

    def add(kind, received, fields, steps):
        events = [Event("new", received, steps[0][1], MappingProxyType({}))]
        clock = received
        for name, by, minutes, data in steps[1:]:
            clock = clock + timedelta(minutes=minutes)
            if clock > now:
                break
            events.append(Event(name, clock, by, MappingProxyType(data)))
        record_id = new_id(kind, received)
        records.append(Record(kind, record_id, MappingProxyType(dict(fields, office=ledger.office)), tuple(events),
                              ledger.record_relpath(kind, record_id, received)))

    for day in range(0, 30, 3):
        received = (start + timedelta(days=day)).replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59),
                                                         second=0, microsecond=0)
        category, detail = rng.choice(HELP)
        resident = {"name": rng.choice(NAMES), "phone": _phone(rng), "address": _address(rng)}
        steps = [("new", "刘洋"), ("reply", "刘洋", rng.choice([3, 6, 12]), {"note": "已答复"})]
        code = PAID_HELP.get(detail)
        if code in ledger.prices:
            price = ledger.prices[code]
            steps.append(("charge", "刘洋", 40, {"items": [{"code": code, "name": price.name, "qty": 1,
                                                            "unit": price.unit,
                                                           "unit_price": str(price.price), "amount": str(price.price)}],
                                                "signature": resident["name"]}))
        close = {"outcome": "已处理"}
        if category == "medical":
            close["reported_to"] = "service_director"  # 9.4.2-2: an ordinary case, afterwards
        add("request", received, dict(resident, category=category, detail=detail, major=False),
            steps + [("close", "刘洋", 30, close)])
        add("call", received - timedelta(minutes=1), dict(resident, reason=detail, category=category,
                                                          handled="转求助登记"),
            [("new", "孙晓燕")])
    for day in (4, 11, 19):
        received = (start + timedelta(days=day)).replace(hour=10, minute=15, second=0, microsecond=0)
        severity, detail = rng.choice(COMPLAINTS)
        add("complaint", received, {"name": rng.choice(NAMES), "phone": _phone(rng), "address": _address(rng),
                                    "detail": detail, "severity": severity, "channel": "来电",
                                    "anonymous": False, "written_reply_only": False},
            [("new", "孙晓燕"), ("reply", "孙晓燕", 8, {}), ("assign", "陈静", 20, {"to": "物业部"}),
             ("handle", "张伟", 60 * 24, {"outcome": "已协调处理"}), ("close", "陈静", 60 * 24, {})])
    return records


def build_demo(session, path: str) -> dict:
    from propcli.ids import new_id
    from propcli.model import Event, Record
    from propcli.app.services import init_ledger
    from propcli.store.unit import create_many

    from propcli.app.services import is_ledger

    target = Path(path)
    if not is_ledger(path):
        init_ledger(path, None, None)
        session.ledger_path = str(target)
        ledger = session.ledger
        now = session.now
        rng = random.Random(20261128)
        records = []
        start = now - timedelta(days=30)
        for day in range(31):
            for _n in range(rng.randint(1, 3)):
                received = (start + timedelta(days=day)).replace(hour=rng.randint(8, 19), minute=rng.randint(0, 59),
                                                                   second=0, microsecond=0)
                if received > now:
                    continue
                receptionist = rng.choice(["赵丽娟", "孙晓燕"])
                listed = rng.random() < 0.75
                code, item, _word = rng.choice(LISTED) if listed else (None, rng.choice(OFF_LIST), None)
                fields = {"office": ledger.office, "public": False, "name": rng.choice(NAMES), "phone": _phone(rng),
                          "address": _address(rng), "item": item}
                if code and code in ledger.prices:
                    price = ledger.prices[code]
                    fields.update(price_code=code, price_name=price.name, unit_price=str(price.price),
                                  unit=price.unit, qty=1)
                events = _resident_events(rng, received, now, receptionist, bool(fields.get("price_code")),
                                          late=rng.random() < 0.2, resident=fields["name"])
                record_id = new_id("repair", received)
                records.append(Record("repair", record_id, MappingProxyType(fields), tuple(events),
                                      ledger.record_relpath("repair", record_id, received)))
            if day % 6 == 2:
                location, item = rng.choice(PUBLIC)
                received = (start + timedelta(days=day)).replace(hour=10, minute=rng.randint(0, 59), second=0,
                                                                 microsecond=0)
                tech = rng.choice(TECHNICIANS)
                steps = [("new", 0, "刘洋", {}), ("notify", 6, "赵丽娟", {}),
                         ("take", 3, "周志强", {"to": tech, "signed_for": "《公共区域现场巡视表》第二联"}),
                         ("arrive", rng.choice([10, 12, 18]), tech, {}),
                         ("complete", 40, tech, {"work": "已修复", "cleanup": "现场已清理"})]
                clock, events = received, []
                for name, minutes, by, data in steps:
                    clock += timedelta(minutes=minutes)
                    if clock <= now:
                        events.append(Event(name, clock, by, MappingProxyType(data)))
                record_id = new_id("repair", received)
                records.append(Record("repair", record_id,
                                      MappingProxyType({"office": ledger.office, "public": True,
                                                        "location": location, "item": item}),
                                      tuple(events), ledger.record_relpath("repair", record_id, received)))
        records += _fresh_requests(ledger, now, rng)
        records += _desk_records(ledger, now, start, rng)
        records.sort(key=lambda r: r.received)
        create_many(ledger, records, "propcli", "demo: a month of activity\n\nStep: demo\n")
    else:
        session.ledger_path = str(target)
    from propcli.app.overdue import overdue
    from propcli.app.services import list_records, show

    open_records = list_records(session, kind="repair", open_only=True)
    late = overdue(session)
    sample = show(session, late[0]["id"]) if late else (show(session, open_records[-1]["id"]) if open_records else None)
    return {"path": str(target.resolve()), "open": open_records, "overdue": late, "sample": sample,
            "now": session.now.isoformat()}
