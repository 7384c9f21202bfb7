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


def _material_text(event: dict) -> str:
    """A 10.4.1-5 verdict as recorded: the result, the warning given and the resident's own decision."""
    extra = "；".join(f"{label}：{event[key]}" for key, label in (("warning", "提示"), ("decision", "用户决定"))
                     if event.get(key))
    return f"{event['result']}（{extra}）" if extra else event["result"]


def repair_order_context(record: dict) -> dict:
    from propcli.kinds.repair import actual_items

    def event(step):
        return next((e for e in record.get("events", []) if e["step"] == step), None)

    take, arrive, complete = event("take"), event("arrive"), event("complete")
    quote, refuse, sign, confirm = event("quote"), event("refuse"), event("sign"), event("confirm")
    materials = [_material_text(e) for e in record.get("events", []) if e["step"] == "material"]
    if record.get("price_code"):
        standard = f"{record['price_code']} {record.get('price_name', '')} {_yuan(record.get('unit_price'))}元/{record.get('unit', '')} × {record.get('qty', 1)}"
    elif quote:
        standard = _("无法维修") if quote.get("unrepairable") else f"评审报价 {_yuan(quote.get('price'))}元"
    else:
        standard = ""
    refusal = refuse or {}
    return {
        "编号": record.get("id", ""), "报修时间": _time(record.get("received")), "用户名称": record.get("name", ""),
        "地址": record.get("address", ""), "联系电话": record.get("phone", ""), "报修内容": record.get("item", ""),
        "预约维修时间": _time(record.get("appointment")), "收费标准项目": standard,
        "接单时间": _time(take and take["at"]), "维修人员": (take or {}).get("to", ""),
        "到场时间": _time(arrive and arrive["at"]),
        "实际维修项目及收费": actual_items(record) if record else "",
        "用户自备材料验证": "、".join(materials), "完成时间": _time(complete and complete["at"]),
        "应收费用合计": f"{record.get('fee_total', 0):.2f}" if record else "",
        "用户签名": (sign or {}).get("signature", ""),
        "拒修原因": refusal.get("reason", ""),
        "拒修签名": "、".join(refusal.get("signed_by", [])),
        "交回工程部时间": _time((event("return") or {}).get("at")),
        "交财务日期": ((event("finance") or {}).get("at") or "")[:10],
        # values for the layout to place (the fields above are printed in REPAIR_FIELDS order)
        "评审报价人": (complete or {}).get("quoted_by", "") or ((quote or {}).get("by", "") if quote and not quote.get("unrepairable") else ""),
        "拒修维修人员签名": refusal.get("technician", ""),
        "拒修工程部主任签名": refusal.get("director", ""),
        "工程部主任确认返单": " ".join(x for x in (_time((confirm or {}).get("at")), (confirm or {}).get("by", "")) if x),
        "用户签名时间": _time((sign or {}).get("at")),
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
    rows, extra = [], {}
    if record_id:
        rows = _rows_for(session, name, record_id)
        if name == "callback-summary":
            extra = summary_context(session, record_id)
    return env.get_template(f"register.{suffix}").render(title=title, clause=clause, columns=columns, rows=rows,
                                                         blank_rows=0 if rows else 10, **office, **extra)


def _rows_for(session, name: str, key: str) -> list[list[str]]:
    from propcli.app.services import list_records, show

    if name == "public-inspection":
        return _inspection_rows(session, key)
    if name == "paid-service":
        return _paid_service_rows(session, key)
    if name == "call-log":
        check_month(key, "ID")
        return [[_time(r["received"]), r.get("name", ""), r.get("phone", ""), r.get("address", ""),
                 r.get("reason", ""), "；".join(x for x in (r.get("handled", ""), r.get("record", "")) if x),
                 r["events"][0]["by"], r.get("note", "")]
                for r in list_records(session, kind="call", month=key)]
    if name == "complaint-register":
        check_month(key, "ID")
        callbacks = _callbacks_by_source(session)
        complaints = list_records(session, kind="complaint", month=key)
        rows = [_complaint_row(r, callbacks.get(r["id"])) for r in complaints]
        return rows + [_register_total(complaints, len(FORMS[name][2]))] if rows else rows
    if name == "callback-record":
        if key[:2].upper() == "B-":
            return [_callback_row(show(session, key))]
        check_month(key, "ID")
        return _archive_rows(session, key)
    if name == "callback-summary":
        return _summary_rows(session, key)
    raise BadInput(_("ID: the form {name} takes no id", name=name))


def source_zh(kind: str | None) -> str:
    from propcli import kinds

    return kinds.entry(kind).zh if kind in kinds.NAMES else ""


def _event(record: dict, step: str) -> dict:
    return next((e for e in record["events"] if e["step"] == step), {})


def _callbacks_by_source(session) -> dict:
    """source id -> its callbacks (as `show` prints them), in chain order."""
    from propcli.app.services import list_records

    found: dict = {}
    for callback in list_records(session, kind="callback"):
        found.setdefault(callback.get("source"), []).append(callback)
    for chain in found.values():
        chain.sort(key=lambda c: (c.get("attempt") or 1, c["received"]))
    return found


def _recorded(callback: dict, month: str) -> bool:
    return (_event(callback, "record").get("at") or "")[:7] == month


def _callback_state(callback: dict) -> str:
    """A callback as the register's 回访 column says it: `2026-11-08 15:00 陈静 不满意`, `待回访（…）`."""
    done = _event(callback, "record")
    if not done:
        return f"待回访（{_time(callback.get('due'))}）" if callback.get("due") else "待回访"
    if done.get("method") == "letter":
        return f"{_time(done['at'])} 公开信 {done.get('letter', '')}（11.1.10）"
    return f"{_time(done['at'])} {done['by']} {RESULT_ZH.get(done.get('result'), '')}"


def _complaint_row(record: dict, callbacks) -> list[str]:
    """One line of 《客户投诉登记表》 (8.7.1): a merged duplicate as 重复 of the one kept (11.1.12); the 回访
    column every callback of the loop (11.2.3); 复函 the written replies attached (11.1.13)."""
    if isinstance(callbacks, dict):
        callbacks = [callbacks]
    handled, merged = _event(record, "handle"), _event(record, "merge")
    outcome = handled.get("outcome", "")
    if merged:
        outcome = f"重复投诉，并入 {merged.get('into', '')}（11.1.12）"
        follow_up = f"见 {merged.get('into', '')}"
    elif record.get("anonymous") or record.get("written_reply_only"):
        follow_up = "无需回访（11.1.13）"
    else:
        follow_up = "；".join(_callback_state(c) for c in callbacks or [])
    written = [e for e in record["events"] if e["step"] == "reply" and e.get("text")]
    replies = [f"{e['at'][:10]} {e['text']}" for e in written]
    if record.get("written_reply_only"):
        replies += [e.get("note", "") for e in record["events"] if e["step"] == "reply" and e.get("note")]
    return [record["id"], _time(record["received"]), "匿名" if record.get("anonymous") else record.get("name", ""),
            record.get("address", ""), record.get("phone", ""), record.get("channel", ""), record.get("detail", ""),
            SEVERITY_ZH.get(record.get("severity"), ""), _event(record, "assign").get("to", ""),
            record["events"][0]["by"], outcome, _time(handled.get("at")), follow_up, "；".join(replies), ""]


def _register_total(complaints: list[dict], width: int) -> list[str]:
    """The register's last line: complaints counted, a merged duplicate once (11.1.12)."""
    repeats = sum(1 for r in complaints if _event(r, "merge"))
    text = f"{len(complaints) - repeats} 件" + (f"（另重复投诉 {repeats} 件，已并入原投诉，不重复计数，11.1.12）" if repeats else "")
    return ["合计", text] + [""] * (width - 2)


def _callback_row(record: dict) -> list[str]:
    """One line of 《回访记录表》 (11.3.1): how (上门 / 电话回访 / 公开信), the resident, the source and which
    callback of its loop, opinion, satisfaction, what is to be fixed (by whom, done), the agreed reply or next
    callback, the caller, the signature in person (11.1.7) and the director's review (11.1.8, 11.2.4)."""
    done = _event(record, "record")
    method = {"visit": "上门", "phone": "电话回访"}.get(done.get("method"), "")
    if done.get("method") == "letter":
        method = f"公开信 {done.get('letter', '')}"
    who = " ".join(x for x in (record.get("name", ""), record.get("address", ""), record.get("phone", "")) if x)
    reason = f"{source_zh(record.get('source_kind'))} {record.get('source', '')} {record.get('subject', '')}".strip()
    if (record.get("attempt") or 1) > 1:
        reason += f"（第{record['attempt']}次回访，上次 {record.get('previous', '')}）"
    fix = done.get("rectification", "") or ""
    if done.get("fix_by"):
        fix += f"（整改人 {done['fix_by']}）"
    fixed = _event(record, "fix")
    if fixed:
        fix += f"；已整改 {_time(fixed['at'])} {fixed.get('note', '')}"
    agreed = _time(done.get("reply_by"))
    if done.get("next"):
        agreed = "；".join(x for x in (agreed, f"下次回访 {_time(done['next'])} {done.get('next_callback', '')}".strip()) if x)
    review = _event(record, "review")
    opinion = f"{review.get('opinion', '')}（{review['by']} {review['at'][:10]}）" if review else ""
    return [record["id"], _time(done.get("at")), method, who, reason, done.get("note", "") or "",
            RESULT_ZH.get(done.get("result"), ""), fix, agreed, done.get("by", "") if method else "",
            done.get("signature", "") if done.get("method") == "visit" else "", opinion]


def _letter_row(letter: dict) -> list[str]:
    """An open letter in the callback archive (11.1.10): the complaints it answers and its text."""
    answered = "、".join(letter.get("complaints") or [])
    return [letter["id"], _time(letter["received"]), "公开信", f"相关投诉 {answered}" if answered else "",
            f"公开信（11.1.10）{letter.get('subject', '')}", letter.get("text", ""), "", "", "",
            letter["events"][0]["by"], "", ""]


def _visit_row(visit: dict) -> list[str]:
    """A move-in visit, the 入伙回访 of 11.1.6, in the callback archive."""
    done = _event(visit, "record")
    who = " ".join(x for x in (visit.get("name", ""), visit.get("address", ""), visit.get("phone", "")) if x)
    return [visit["id"], _time(done.get("at")), "上门", who, f"{visit.get('type_zh', '')}（11.1.6）",
            done.get("note", "") or "", RESULT_ZH.get(done.get("result"), ""), "", "", done.get("by", ""),
            done.get("signature", "") or "", ""]


def _archive_rows(session, month: str) -> list[list[str]]:
    """《回访记录表》 of a month: the callbacks made in it, the open letters filed in it (11.1.10) and the
    move-in visits made in it (11.1.6), by date."""
    from propcli import kinds
    from propcli.app.services import list_records

    dated = [(_event(r, "record").get("at") or "", _callback_row(r))
             for r in list_records(session, kind="callback") if _recorded(r, month)]
    dated += [(r["received"], _letter_row(r)) for r in list_records(session, kind="letter", month=month)]
    from propcli.model import record_from_plain

    for declared in kinds.all_kinds():
        if declared.is_callback is None:
            continue
        for item in list_records(session, kind=declared.name):
            if _recorded(item, month) and declared.is_callback(record_from_plain(dict(item, schema=1), session.ledger.tz)):
                dated.append((_event(item, "record")["at"], _visit_row(item)))
    return [row for _at, row in sorted(dated, key=lambda item: item[0])]


def _summary_rows(session, month: str) -> list[list[str]]:
    """《客户回访记录》 (11.3.2, 11.2.4): per source, the base, those called back and the rate against the target
    of 11.1.3-5, satisfied / dissatisfied, rectifications done and the handling rate (11.1.11, target 100 %);
    then the loops still open after dissatisfaction, the month, the office, 编制人, and the lines for 部门主任审阅
    and 报公司领导. (An event's figures are households, 11.1.5.)"""
    context = summary_context(session, month)
    width = len(FORMS["callback-summary"][2])

    def line(*cells):
        return list(cells) + [""] * (width - len(cells))

    rows = [line(*figure) for figure in context["figures"]]
    for label, value in context["lines"]:
        rows.append(line(label, value))
    return rows


def _percent(share: float) -> str:
    """`50%`, `9.8%`: a share as the summary prints it, never rounded up to a quota."""
    tenths = int(share * 1000 + 1e-9)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def summary_context(session, month: str) -> dict:
    """The values of 《客户回访记录》 (11.2.4) for a template: `month`, `preparer` (编制人: the service director of
    staff.yaml), `figures` (one row per source kind and a total), `open_loops`, `approvals` (the lines to sign:
    部门主任审阅, 报公司领导) and `lines` (all of these as label/value pairs)."""
    from propcli.app.callbacks import HANDLING_TARGET, month_loops
    from propcli.policy.roles import ROLE_LABELS

    check_month(month, "ID")
    ledger = session.ledger
    loops = month_loops(session, month)
    figures = []
    for kind, entry in loops["kinds"].items():
        target = f"≥{entry['target']:.0%}" if entry["target"] is not None else "—"
        figures.append([source_zh(kind), str(entry["eligible"]), str(entry["done"]),
                        _percent(entry["coverage"]) if entry["eligible"] else "—", target, str(entry["satisfied"]),
                        str(entry["dissatisfied"]), str(entry["fixed"]), _percent(entry["handling_rate"])])
    totals = {k: sum(e[k] for e in loops["kinds"].values()) for k in ("satisfied", "dissatisfied", "fixed")}
    figures.append(["合计", "", "", "", "", str(totals["satisfied"]), str(totals["dissatisfied"]), str(totals["fixed"]),
                    f"{_percent(loops['handling_rate'])}（目标 {HANDLING_TARGET:.0%}，11.1.11）"])
    open_loops = []
    for source, last in loops["open"]:
        open_loops.append({"source": source["id"], "callback": last.id, "attempt": last.attempt, "due": last.due})
    preparer = next((m.name for m in ledger.staff if m.role == "service_director"), "")
    approvals = ["部门主任审阅", "报公司领导"]
    open_text = "；".join(f"{o['source']} → {o['callback']}（第{o['attempt']}次回访，{_time(o['due'])}）" for o in open_loops)
    lines = [("不满意未闭环", f"{len(open_loops)} 件" + (f"：{open_text}" if open_text else "")),
             ("月份", month), ("管理处", " ".join(x for x in (ledger.office, ledger.config.get("name", "")) if x)),
             ("编制人", f"{preparer}（{ROLE_LABELS['service_director']}）" if preparer else "________")]
    lines += [(label, "________") for label in approvals]
    return {"month": month, "preparer": preparer, "preparer_role": "service_director", "figures": figures,
            "open_loops": open_loops, "approvals": approvals, "lines": lines,
            "handling_rate": loops["handling_rate"], "open_dissatisfied": loops["open_dissatisfied"]}

# --- 《有偿服务记录表》 (10.5.1) and 《公共区域现场巡视表》 (10.5.2) ------------------------------------------

PAID_SERVICE_KEYS = ("date", "id", "unit", "resident", "service", "amount", "by", "signature", "finance")


def _paid_line(line: dict) -> list[str]:
    return [str(line[key]) if key != "amount" else f"{line[key]:.2f}" for key in PAID_SERVICE_KEYS]


def _paid_service_rows(session, month: str) -> list[list[str]]:
    """The month's paid services (10.5.1): resident repairs completed in M as of --now, then their 合计 (=
    `stats` repairs.fees); help requests charged in M (9.4.9) follow with their own subtotal (= requests.fees)."""
    from propcli import kinds
    from propcli.app.billing import fee_records

    check_month(month, "ID")
    blank = [""] * (len(PAID_SERVICE_KEYS) - 6)
    repairs = kinds.kind("repair")
    lines = [repairs.paid_service(r) for r in fee_records(session, month, repairs.name)]
    rows = [_paid_line(line) for line in lines]
    rows.append(["合计", "", "", "", "", _yuan(sum(_cents(line["amount"]) for line in lines) / 100)] + blank)
    for declared in kinds.all_kinds():
        if declared.paid_service is None or declared is repairs:
            continue
        charged = [declared.paid_service(r) for r in fee_records(session, month, declared.name)]
        if charged:
            rows += [_paid_line(line) for line in charged]
            rows.append([f"{declared.zh}有偿服务小计（9.4.9）", "", "", "", "",
                         _yuan(sum(_cents(line["amount"]) for line in charged) / 100)] + blank)
    return rows


def _cents(amount) -> int:
    from decimal import Decimal

    return int(Decimal(str(amount or 0)) * 100)


def _inspection_line(found_at, officer, where, finding, handling, repair: dict | None) -> list[str]:
    ev = {}
    for e in (repair or {}).get("events", []):
        ev.setdefault(e["step"], e)
    complete = ev.get("complete", {})
    return [_time(found_at), officer or "", where or "", finding or "", handling,
            _time(ev.get("notify", {}).get("at")), ev.get("take", {}).get("by", ""), _time(ev.get("arrive", {}).get("at")),
            complete.get("work", ""), complete.get("cleanup", ""), _time(complete.get("at"))]


def _public_repair_line(repair: dict) -> list[str]:
    """A public repair (10.4.2): from a patrol finding, the officer and the time of the finding; else who
    recorded the report and when."""
    found_at = repair.get("found_at") or repair["received"]
    officer = repair.get("patrol_officer") or repair["events"][0]["by"]
    return _inspection_line(found_at, officer, repair.get("location", ""), repair.get("item", ""),
                            f"维修 {repair['id']}", repair)


def _round_lines(session, round_: dict) -> list[tuple[str, list[str]]]:
    from propcli.app.services import show
    from propcli.kinds.patrol import inspection_rows

    linked = {}
    for event in round_["events"]:
        if event["step"] == "repair" and event.get("repair"):
            try:
                linked[event["repair"]] = show(session, event["repair"])
            except BadInput:
                pass
    lines = []
    for row in inspection_rows(round_, linked):
        if row["repair_id"]:
            handling = f"维修 {row['repair_id']}"
        elif row["handled"]:
            handling = f"现场处理：{row['handled']}"
        else:
            handling = "待处理"
        lines.append((row["at"], _inspection_line(row["at"], row["officer"], row["where"], row["finding"], handling,
                                                  row["repair"])))
    return lines


def _inspection_rows(session, key: str) -> list[list[str]]:
    """《公共区域现场巡视表》 (10.5.2) of a public repair, of a patrol round (one line per finding) or of a month
    (every round made in it, and the public repairs reported in it that no round found)."""
    import re

    from propcli.app.services import list_records, show

    if re.match(r"^\d{4}-\d{2}$", key):
        check_month(key, "ID")
        lines = []
        for round_ in list_records(session, kind="patrol", month=key):
            lines += _round_lines(session, round_)
        for repair in list_records(session, kind="repair", month=key):
            if repair.get("public") and not repair.get("patrol"):
                lines.append((repair["received"], _public_repair_line(repair)))
        return [line for _at, line in sorted(lines, key=lambda pair: pair[0])]
    record = show(session, key)
    if record.get("public"):
        return [_public_repair_line(record)]
    if "findings" in record:
        return [line for _at, line in _round_lines(session, record)]
    raise BadInput(_("ID: {id} is neither a public repair (10.4.2) nor a patrol round (12); expected one of them or a month YYYY-MM",
                     id=record["id"]))
