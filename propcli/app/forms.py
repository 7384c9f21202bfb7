"""The paper forms (SPEC.md "The paper forms and their fields"), rendered from Jinja2 templates in templates/."""
from propcli.errors import BadInput
from propcli.i18n import _
from propcli.kinds.callback import RESULT_ZH
from propcli.kinds.complaint import SEVERITY_ZH
from propcli.timeutil import check_month

FORMS = {
    "complaint-register": ("《客户投诉登记表》", "8.7.1",
                           ["编号", "投诉时间", "投诉人", "房号/地址", "联系电话", "投诉方式", "投诉内容", "严重程度",
                            "责任部门", "接待人", "处理措施及结果", "处理完毕时间", "回访", "复函", "主管审核"]),
    "call-log": ("《客户来电记录表》", "8.7.2",
                 ["来电时间", "来电人", "电话", "房号", "来电事由", "处理情况/转办", "接听人", "备注"]),
    "repair-order": ("《维修单》", "10.4.1", []),
    "paid-service": ("《有偿服务记录表》", "10.5.1",
                     ["日期", "编号", "房号", "用户", "服务项目", "收费金额", "维修人员", "用户签名", "交财务日期"]),
    "public-inspection": ("《公共区域现场巡视表》", "10.5.2",
                          ["巡视日期/时间", "巡视人", "区域/位置", "发现问题", "处理要求", "通知工程部时间",
                           "工程部签收(第二联)", "到场时间", "维修情况", "现场清理", "完成时间"]),
    "callback-record": ("《回访记录表》", "11.3.1",
                        ["编号", "回访日期", "回访方式", "回访对象/房号/电话", "回访事由", "客户意见", "满意度",
                         "需整改事项", "约定答复/下次回访时间", "回访人", "客户签名", "部门主任审阅意见"]),
    "callback-summary": ("《客户回访记录》", "11.3.2",
                         ["类别", "应回访数", "已回访", "回访率", "目标", "满意", "不满意", "整改完成", "处理率"]),
}
COPIES = ["第一联 客户（缴费依据）", "第二联 客户服务部留存", "第三联 财务部（计收依据）"]
FORMATS = ("text", "html")


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from propcli.store.resources import templates_dir

    return Environment(loader=FileSystemLoader(str(templates_dir())), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=lambda name: bool(name and name.endswith(".html.j2")))


def _yuan(value) -> str:
    """An amount as the forms print it: two decimals."""
    from decimal import Decimal

    return "" if value is None else f"{Decimal(str(value)):.2f}"


def _time(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else ""


def repair_order_context(record: dict) -> dict:
    def event(step):
        return next((e for e in record.get("events", []) if e["step"] == step), None)

    take, arrive, complete = event("take"), event("arrive"), event("complete")
    quote, refuse, sign = event("quote"), event("refuse"), event("sign")
    materials = [e["result"] for e in record.get("events", []) if e["step"] == "material"]
    fees = (complete or {}).get("fees") or []
    if record.get("price_code"):
        standard = f"{record['price_code']} {record.get('price_name', '')} {_yuan(record.get('unit_price'))}元/{record.get('unit', '')} × {record.get('qty', 1)}"
    elif quote:
        standard = _("无法维修") if quote.get("unrepairable") else f"评审报价 {_yuan(quote.get('price'))}元"
    else:
        standard = ""
    return {
        "编号": record.get("id", ""), "报修时间": _time(record.get("received")), "用户名称": record.get("name", ""),
        "地址": record.get("address", ""), "联系电话": record.get("phone", ""), "报修内容": record.get("item", ""),
        "预约维修时间": _time(record.get("appointment")), "收费标准项目": standard,
        "接单时间": _time(take and take["at"]), "维修人员": (take or {}).get("to", ""),
        "到场时间": _time(arrive and arrive["at"]),
        "实际维修项目及收费": "；".join(f"{f['item']} {_yuan(f['amount'])}元" for f in fees),
        "用户自备材料验证": "、".join(materials), "完成时间": _time(complete and complete["at"]),
        "应收费用合计": f"{record.get('fee_total', 0):.2f}" if record else "",
        "用户签名": (sign or {}).get("signature", "已签" if sign else ""),
        "拒修原因": (refuse or {}).get("reason", ""),
        "拒修签名": "、".join((refuse or {}).get("signed_by", [])),
        "交回工程部时间": _time((event("return") or {}).get("at")),
        "交财务日期": ((event("finance") or {}).get("at") or "")[:10],
    }


REPAIR_FIELDS = ["编号", "报修时间", "用户名称", "地址", "联系电话", "报修内容", "预约维修时间", "收费标准项目",
                 "接单时间", "维修人员", "到场时间", "实际维修项目及收费", "用户自备材料验证", "完成时间",
                 "应收费用合计", "用户签名", "拒修原因", "拒修签名", "交回工程部时间", "交财务日期"]


def declared_registers() -> dict:
    """The registers the kinds declare (`Kind.registers`), by form name."""
    from propcli import kinds

    return {form.name: (declared.name, form) for declared in kinds.all_kinds() for form in declared.registers}


def form_names() -> list[str]:
    return list(FORMS) + [name for name in declared_registers() if name not in FORMS]


def _render_declared(session, kind: str, form, key: str | None, fmt: str) -> str:
    from propcli.app.services import list_records

    ledger = session.ledger
    rows = []
    if key:
        check_month(key, "ID")
        rows = form.rows(list_records(session, kind=kind, month=key))
    suffix = "html.j2" if fmt == "html" else "txt.j2"
    return _environment().get_template(f"{form.template}.{suffix}").render(
        title=form.title, clause=form.clause, columns=list(form.columns), rows=rows, blank_rows=0 if rows else 10,
        office=ledger.office, office_name=ledger.config.get("name", ""))


def render_form(session, name: str, record_id: str | None, fmt: str) -> str:
    if name not in FORMS:
        declared = declared_registers()
        if name in declared:
            if fmt not in FORMATS:
                raise BadInput(_("--format: '{fmt}' is not available for forms; expected text or html", fmt=fmt))
            return _render_declared(session, *declared[name], record_id, fmt)
        raise BadInput(_("NAME: '{name}' is not a form; expected one of {names}", name=name,
                         names=", ".join(form_names())))
    if fmt not in FORMATS:
        raise BadInput(_("--format: '{fmt}' is not available for forms; expected text or html", fmt=fmt))
    title, clause, columns = FORMS[name]
    ledger = session.ledger
    office = {"office": ledger.office, "office_name": ledger.config.get("name", "")}
    env = _environment()
    suffix = "html.j2" if fmt == "html" else "txt.j2"
    if name == "repair-order":
        record = {}
        if record_id:
            from propcli.app.services import show

            record = show(session, record_id)
            if record["kind"] != "repair" or record.get("public"):
                raise BadInput(_("ID: {id} is not a resident repair; the 维修单 is for 10.4.1 repairs", id=record["id"]))
        values = repair_order_context(record) if record else {k: "" for k in REPAIR_FIELDS}
        copies = COPIES + [f"第四联 {ledger.config.get('copy4') or '工程部'}"]
        return env.get_template(f"repair-order.{suffix}").render(
            title=title, clause=clause, fields=REPAIR_FIELDS, values=values, copies=copies, **office)
    rows = []
    if record_id:
        rows = _rows_for(session, name, record_id)
    return env.get_template(f"register.{suffix}").render(title=title, clause=clause, columns=columns, rows=rows,
                                                         blank_rows=0 if rows else 10, **office)


def _rows_for(session, name: str, key: str) -> list[list[str]]:
    from propcli.app.services import list_records, show

    if name == "public-inspection":
        record = show(session, key)
        if not record.get("public"):
            raise BadInput(_("ID: {id} is not a public repair (10.4.2)", id=record["id"]))
        ev = {e["step"]: e for e in record["events"]}
        return [[_time(record["received"]), record["events"][0]["by"], record.get("location", ""), record.get("item", ""),
                 "维修", _time(ev.get("notify", {}).get("at")), ev.get("take", {}).get("by", ""),
                 _time(ev.get("arrive", {}).get("at")), ev.get("complete", {}).get("work", ""),
                 ev.get("complete", {}).get("cleanup", ""), _time(ev.get("complete", {}).get("at"))]]
    if name == "paid-service":
        check_month(key, "ID")
        rows = []
        for record in list_records(session, kind="repair", month=key):
            if record.get("public") or not record.get("fee_total"):
                continue
            ev = {e["step"]: e for e in record["events"]}
            if "complete" not in ev:
                continue
            rows.append([record["received"][:10], record["id"], record.get("address", ""), record.get("name", ""),
                         record.get("item", ""), f"{record['fee_total']:.2f}", ev.get("take", {}).get("to", ""),
                         "已签" if "sign" in ev else "", (ev.get("finance", {}).get("at") or "")[:10]])
        total = sum(float(r[5]) for r in rows)
        rows.append(["合计", "", "", "", "", f"{total:.2f}", "", "", ""])
        return rows
    if name == "call-log":
        check_month(key, "ID")
        return [[_time(r["received"]), r.get("name", ""), r.get("phone", ""), r.get("address", ""),
                 r.get("reason", ""), "；".join(x for x in (r.get("handled", ""), r.get("record", "")) if x),
                 r["events"][0]["by"], r.get("note", "")]
                for r in list_records(session, kind="call", month=key)]
    if name == "complaint-register":
        check_month(key, "ID")
        callbacks = _callbacks_by_source(session)
        return [_complaint_row(r, callbacks.get(r["id"])) for r in list_records(session, kind="complaint", month=key)]
    if name == "callback-record":
        if key[:2].upper() == "B-":
            records = [show(session, key)]
        else:
            check_month(key, "ID")
            records = [r for r in list_records(session, kind="callback") if _recorded(r, key)]
        return [_callback_row(r) for r in records]
    if name == "callback-summary":
        return _summary_rows(session, key)
    raise BadInput(_("ID: the form {name} takes no id", name=name))


def source_zh(kind: str | None) -> str:
    from propcli import kinds

    return kinds.entry(kind).zh if kind in kinds.NAMES else ""


def _event(record: dict, step: str) -> dict:
    return next((e for e in record["events"] if e["step"] == step), {})


def _callbacks_by_source(session) -> dict:
    from propcli.app.services import list_records

    return {r.get("source"): r for r in list_records(session, kind="callback")}


def _recorded(callback: dict, month: str) -> bool:
    return (_event(callback, "record").get("at") or "")[:7] == month


def _complaint_row(record: dict, callback: dict | None) -> list[str]:
    """One line of 《客户投诉登记表》 (8.7.1)."""
    handled, done = _event(record, "handle"), (_event(callback, "record") if callback else {})
    if record.get("anonymous") or record.get("written_reply_only"):
        follow_up = "无需回访（11.1.13）"
    elif done:
        follow_up = f"{_time(done['at'])} {done['by']} {RESULT_ZH.get(done.get('result'), '')}"
    else:
        follow_up = "待回访" if callback else ""
    replies = [e.get("note", "") for e in record["events"] if e["step"] == "reply" and e.get("note")]
    return [record["id"], _time(record["received"]), "匿名" if record.get("anonymous") else record.get("name", ""),
            record.get("address", ""), record.get("phone", ""), record.get("channel", ""), record.get("detail", ""),
            SEVERITY_ZH.get(record.get("severity"), ""), _event(record, "assign").get("to", ""),
            record["events"][0]["by"], handled.get("outcome", ""), _time(handled.get("at")), follow_up,
            "；".join(replies) if record.get("written_reply_only") else "", ""]


def _callback_row(record: dict) -> list[str]:
    """One line of 《回访记录表》 (11.3.1)."""
    done = _event(record, "record")
    method = {"visit": "上门", "phone": "电话回访"}.get(done.get("method"), "")
    who = " ".join(x for x in (record.get("name", ""), record.get("address", ""), record.get("phone", "")) if x)
    reason = f"{source_zh(record.get('source_kind'))} {record.get('source', '')} {record.get('subject', '')}"
    return [record["id"], _time(done.get("at")), method, who, reason.strip(), done.get("note", ""),
            RESULT_ZH.get(done.get("result"), ""), done.get("rectification", ""), _time(done.get("reply_by")),
            done.get("by", ""), done.get("signature", "") if done.get("method") == "visit" else "", ""]


def _summary_rows(session, month: str) -> list[list[str]]:
    """《客户回访记录》 (11.3.2): per source, planned base, done, rate against the target of 11.1.3-5."""
    from propcli.app.services import list_records
    from propcli.app.stats import month_stats

    check_month(month, "ID")
    figures = month_stats(session, month)["callbacks"]
    results: dict = {}
    for callback in list_records(session, kind="callback"):
        done = _event(callback, "record")
        if done and callback.get("plan_month", (callback.get("source_done") or "")[:7]) == month:
            counts = results.setdefault(callback.get("source_kind"), {"satisfied": 0, "dissatisfied": 0, "fixed": 0})
            counts[done.get("result", "satisfied")] = counts.get(done.get("result", "satisfied"), 0) + 1
            counts["fixed"] += 1 if done.get("result") == "dissatisfied" and _event(callback, "reply") else 0
    rows = []
    from propcli.app.callbacks import targets

    for kind in targets():
        f, counts = figures[kind], results.get(kind, {})
        rows.append([source_zh(kind), str(f["eligible"]), str(f["done"]), f"{f['coverage']:.0%}", f"≥{f['target']:.0%}",
                     str(counts.get("satisfied", 0)), str(counts.get("dissatisfied", 0)), str(counts.get("fixed", 0)),
                     f"{figures['handling_rate']:.0%}" if not rows else ""])
    return rows

