"""Correcting the register (CLI.md "Additions (third release)"): `correct`, `undo`, `void`, as events applied
when the record is read; end to end on a real ledger (real git), on a fixed clock."""
import json
import re
from pathlib import Path

import yaml
from conftest import git, invoke, invoke_json, invoke_refused

RESIDENT = ("--name", "张三", "--phone", "1380013800", "--address", "3栋301")
DIRECTOR = "张伟"  # property_director in the shipped staff.yaml
MANAGER = "李秀梅"


def new_repair(ledger, *extra, now="2026-11-28T09:00"):
    return invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "厨房水龙头漏水", *extra, now=now)["id"]


def record_file(ledger, record_id) -> Path:
    return next(Path(ledger, "records").rglob(f"{record_id}.yaml"))


def file_events(ledger, record_id) -> list:
    return yaml.safe_load(record_file(ledger, record_id).read_text(encoding="utf-8"))["events"]


def deadline(shown, rule):
    return next(d for d in shown["deadlines"] if d["rule"] == rule)


def test_correct_records_an_event_with_old_and_new_and_every_view_shows_the_new_value(ledger):
    record_id = new_repair(ledger, "--appointment", "2026-11-28T14:00")
    before = record_file(ledger, record_id).read_text(encoding="utf-8")
    shown = invoke_json(ledger, "correct", record_id, "--set", "phone=13800138000", "--set", "address=3栋0301",
                        "--reason", "登记时输错", now="2026-11-28T09:30")
    assert shown["phone"] == "13800138000" and shown["address"] == "3栋0301"
    assert shown["corrections"]["fields"]["phone"] == {"entered": "1380013800", "now": "13800138000"}
    event = shown["events"][-1]
    assert event["step"] == "correct" and event["reason"] == "登记时输错" and event["by"] == "王芳"
    assert event["changes"] == {"phone": ["1380013800", "13800138000"], "address": ["3栋301", "3栋0301"]}
    # the file only grew: the fields as entered stay, the correction is appended
    after = record_file(ledger, record_id).read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n").rsplit("\n", 0)[0][: len(before) - 1])
    plain = yaml.safe_load(after)
    assert plain["phone"] == "1380013800" and plain["events"][-1]["step"] == "correct"
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"repair {record_id}: correct"
    # list, search, export, show all read the corrected value
    listed = invoke_json(ledger, "list", now="2026-11-28T10:00")
    assert listed[0]["phone"] == "13800138000"
    assert [r["id"] for r in invoke_json(ledger, "list", "--search", "3栋0301", now="2026-11-28T10:00")] == [record_id]
    assert invoke_json(ledger, "list", "--search", "3栋301", now="2026-11-28T10:00") == []
    exported = invoke(ledger, "export", now="2026-11-28T10:00")
    assert json.loads(exported.stdout.splitlines()[0])["address"] == "3栋0301"
    table = invoke(ledger, "list", now="2026-11-28T10:00").stdout
    assert "13800138000" in table and "3栋301 " not in table
    assert invoke(ledger, "check").exit_code == 0


def test_now_before_the_correction_replays_the_record_as_it_was_with_its_old_deadlines(ledger):
    record_id = new_repair(ledger, "--appointment", "2026-11-28T14:00", "--price-code", "SD-01")
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:01")
    invoke_json(ledger, "repair", "notify", record_id, now="2026-11-28T09:02")
    invoke_json(ledger, "repair", "take", record_id, "--to", "吴海涛", now="2026-11-28T09:04", as_="吴海涛")
    invoke_json(ledger, "correct", record_id, "--set", "appointment=2026-11-28T16:00", "--reason", "用户改约",
                now="2026-11-28T09:30")
    now = invoke_json(ledger, "show", record_id, now="2026-11-28T10:00")
    assert now["appointment"] == "2026-11-28T16:00:00+08:00"
    assert deadline(now, "repair.arrive")["due"] == "2026-11-28T15:55:00+08:00"
    then = invoke_json(ledger, "show", record_id, now="2026-11-28T09:20")
    assert then["appointment"] == "2026-11-28T14:00:00+08:00" and "corrections" not in then
    assert deadline(then, "repair.arrive")["due"] == "2026-11-28T13:55:00+08:00"
    assert [e["step"] for e in then["events"]] == ["new", "fill", "notify", "take"]


def test_severity_correction_rederives_the_callback_deadline_and_stats(ledger):
    complaint = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900139000", "--address",
                            "5栋0201", "--detail", "噪音", "--severity", "general", now="2026-11-05T09:00")
    corrected = invoke_json(ledger, "correct", complaint["id"], "--set", "severity=major", "--reason", "应为重大投诉",
                            now="2026-11-05T09:10")
    assert corrected["severity"] == "major"
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-05T10:00")
    assert stats["complaints"]["by_severity"]["major"] == 1 and stats["complaints"]["by_severity"]["general"] == 0


def test_bad_values_are_exit_2_naming_the_field_and_nothing_is_written(ledger):
    record_id = new_repair(ledger, "--appointment", "2026-11-28T14:00")
    assert "phone" in invoke_refused(ledger, "correct", record_id, "--set", "phone=abc", "--reason", "x")
    assert "appointment" in invoke_refused(ledger, "correct", record_id, "--set", "appointment=2026-11-27T10:00",
                                           "--reason", "x")
    assert "appointment" in invoke_refused(ledger, "correct", record_id, "--set", "appointment=明天", "--reason", "x")
    assert "colour" in invoke_refused(ledger, "correct", record_id, "--set", "colour=red", "--reason", "x")
    for fixed in ("id", "kind", "events"):
        assert fixed in invoke_refused(ledger, "correct", record_id, "--set", f"{fixed}=x", "--reason", "x")
    assert "--reason" in invoke_refused(ledger, "correct", record_id, "--set", "phone=13800138000")
    assert "--set" in invoke_refused(ledger, "correct", record_id, "--set", "phone", "--reason", "x")
    assert "name" in invoke_refused(ledger, "correct", record_id, "--set", "name=", "--reason", "x")
    assert "already" in invoke_refused(ledger, "correct", record_id, "--set", "name=张三", "--reason", "x")
    # a flag decides the procedure: not corrected, voided and entered again
    assert "public" in invoke_refused(ledger, "correct", record_id, "--set", "public=true", "--reason", "x")
    assert [e["step"] for e in file_events(ledger, record_id)] == ["new"]


def test_category_of_a_help_request_is_checked_and_normalised_as_at_intake(ledger):
    request = invoke_json(ledger, "request", "new", "--category", "other", "--name", "王五", "--phone", "13700137000",
                          "--address", "2栋0101", "--detail", "电梯困人", now="2026-11-10T09:00")
    assert "category" in invoke_refused(ledger, "correct", request["id"], "--set", "category=飞碟", "--reason", "x")
    fixed = invoke_json(ledger, "correct", request["id"], "--set", "category=SECURITY", "--reason", "类别选错",
                        now="2026-11-10T09:05")
    assert fixed["category"] == "security"
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-10T10:00")
    assert stats["requests"]["by_category"]["security"] == 1 and stats["requests"]["by_category"]["other"] == 0


def test_undo_withdraws_the_last_step_and_twice_the_one_before(ledger):
    record_id = new_repair(ledger)
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:01")
    invoke_json(ledger, "repair", "notify", record_id, now="2026-11-28T09:02")
    once = invoke_json(ledger, "undo", record_id, "--reason", "误点通知", now="2026-11-28T09:03")
    assert once["status"] == "fill" and once["withdrawn"] == [2]
    assert once["events"][-1] == {"step": "undo", "at": "2026-11-28T09:03:00+08:00", "by": "王芳", "undoes": 2,
                                  "reason": "误点通知"}
    assert deadline(once, "repair.notify")["done"] is None
    twice = invoke_json(ledger, "undo", record_id, "--reason", "也未填写", now="2026-11-28T09:04")
    assert twice["status"] == "new" and twice["withdrawn"] == [1, 2]
    assert [e["step"] for e in file_events(ledger, record_id)] == ["new", "fill", "notify", "undo", "undo"]
    # the step can be recorded again, and the record checks clean
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:05")
    assert invoke(ledger, "check").exit_code == 0
    # --now before the undo replays the step as recorded
    assert invoke_json(ledger, "show", record_id, now="2026-11-28T09:02:30")["status"] == "notify"
    assert "new" in invoke_refused(ledger, "undo", new_repair(ledger), "--reason", "x")


def test_undo_of_a_correction_brings_the_old_value_back(ledger):
    record_id = new_repair(ledger)
    invoke_json(ledger, "correct", record_id, "--set", "phone=13800138000", "--reason", "输错", now="2026-11-28T09:01")
    back = invoke_json(ledger, "undo", record_id, "--reason", "改错了", now="2026-11-28T09:02")
    assert back["phone"] == "1380013800" and "corrections" not in back


def test_undo_is_refused_on_a_step_another_record_depends_on(ledger):
    patrol = invoke_json(ledger, "patrol", "new", "--area", "3栋及周边", "--finding", "3栋电梯厅灯不亮",
                         now="2026-11-28T08:30", as_="刘洋")
    repair = invoke_json(ledger, "patrol", "repair", patrol["id"], "--finding", "1", now="2026-11-28T08:40")
    message = invoke_refused(ledger, "undo", patrol["id"], "--reason", "x", now="2026-11-28T08:50")
    assert repair["id"] in message
    # once the repair is voided, nothing depends on the finding's step any more
    invoke_json(ledger, "void", repair["id"], "--reason", "重复", now="2026-11-28T08:55", as_=DIRECTOR)
    assert invoke_json(ledger, "undo", patrol["id"], "--reason", "巡查录错", now="2026-11-28T09:00")["open"] is True


def test_undo_of_a_handled_complaint_whose_callback_is_chained_is_refused(ledger):
    complaint = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900139000", "--address",
                            "5栋0201", "--detail", "噪音", now="2026-11-05T09:00")
    invoke_json(ledger, "complaint", "handle", complaint["id"], "--outcome", "已处理", now="2026-11-05T10:00")
    planned = [r for r in invoke_json(ledger, "list", "--kind", "callback", now="2026-11-05T11:00")
               if r.get("source") == complaint["id"]]
    assert len(planned) == 1  # 11.1.3: handling a complaint plans its callback in the same commit
    assert planned[0]["id"] in invoke_refused(ledger, "undo", complaint["id"], "--reason", "x",
                                              now="2026-11-05T11:00")


def test_void_is_for_directors_and_the_manager_only_whatever_roles_says(ledger):
    record_id = new_repair(ledger)
    config = Path(ledger, "propcli.yaml")
    text = re.sub(r"(?m)^roles:.*\n", "", config.read_text(encoding="utf-8"))
    config.write_text(text.rstrip("\n") + "\nroles: warn\n", encoding="utf-8")  # roles: warn lets anyone do a step
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "test: roles warn")
    assert "director" in invoke_refused(ledger, "void", record_id, "--reason", "重复", as_="王芳")
    assert "director" in invoke_refused(ledger, "void", record_id, "--reason", "重复", as_="吴海涛")
    assert "--reason" in invoke_refused(ledger, "void", record_id, as_=MANAGER)
    voided = invoke_json(ledger, "void", record_id, "--reason", "重复登记", as_=MANAGER, now="2026-11-28T09:10")
    assert voided["status"] == "void" and voided["open"] is False and voided["deadlines"] == []
    assert voided["voided"] == {"at": "2026-11-28T09:10:00+08:00", "by": MANAGER, "reason": "重复登记"}
    # nothing more but a note on a voided record
    assert "void" in invoke_refused(ledger, "repair", "fill", record_id, now="2026-11-28T09:20")
    assert "void" in invoke_refused(ledger, "undo", record_id, "--reason", "x", now="2026-11-28T09:20")
    assert "void" in invoke_refused(ledger, "correct", record_id, "--set", "phone=13800138000", "--reason", "x",
                                    now="2026-11-28T09:20")
    assert invoke(ledger, "note", record_id, "用户来电确认重复", now="2026-11-28T09:21").exit_code == 0


def test_a_voided_record_leaves_overdue_stats_and_the_default_list(ledger):
    kept = new_repair(ledger, now="2026-11-28T09:00")
    twice = new_repair(ledger, now="2026-11-28T09:01")
    late = invoke_json(ledger, "overdue", now="2026-11-28T12:00")
    assert {r["id"] for r in late} == {kept, twice}
    invoke_json(ledger, "void", twice, "--reason", "重复登记", now="2026-11-28T09:05", as_=DIRECTOR)
    assert {r["id"] for r in invoke_json(ledger, "overdue", now="2026-11-28T12:00")} == {kept}
    assert [r["id"] for r in invoke_json(ledger, "list", now="2026-11-28T12:00")] == [kept]
    with_voided = invoke_json(ledger, "list", "--voided", now="2026-11-28T12:00")
    assert {r["id"] for r in with_voided} == {kept, twice}
    assert [r["id"] for r in invoke_json(ledger, "list", "--status", "void", now="2026-11-28T12:00")] == [twice]
    assert invoke_json(ledger, "stats", "2026-11", now="2026-11-28T12:00")["repairs"]["total"] == 1
    # before the void it was counted, and late
    assert invoke_json(ledger, "stats", "2026-11", now="2026-11-28T09:04")["repairs"]["total"] == 2
    assert twice in {r["id"] for r in invoke_json(ledger, "overdue", now="2026-11-28T09:04")}
    assert invoke(ledger, "check").exit_code == 0


def test_registers_print_a_voided_record_marked_and_a_corrected_value_marked(ledger):
    first = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "1390013900", "--address", "5栋0201",
                        "--detail", "噪音", now="2026-11-05T09:00")["id"]
    twice = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900139000", "--address",
                        "5栋0201", "--detail", "噪音", now="2026-11-05T09:01")["id"]
    invoke_json(ledger, "correct", first, "--set", "phone=13900139000", "--reason", "少输一位", now="2026-11-05T09:05")
    invoke_json(ledger, "void", twice, "--reason", "重复登记", now="2026-11-05T09:06", as_="陈静")
    text = invoke(ledger, "--lang", "zh_CN", "form", "complaint-register", "2026-11", now="2026-11-05T10:00").stdout
    lines = {line.split(" | ")[0].split()[-1]: line for line in text.splitlines() if " | " in line}
    assert lines[twice].startswith("[作废] ")
    assert "13900139000（更正）" in lines[first] and "1390013900 " not in lines[first]
    assert "另作废 1 件" in text
    html = invoke(ledger, "--lang", "zh_CN", "form", "complaint-register", "2026-11", "-f", "html",
                  now="2026-11-05T10:00").stdout
    assert html.count('<tr class="void">') == 1 and '<span class="corrected">更正</span>' in html
    # the voided complaint is not counted, the corrected one is
    assert invoke_json(ledger, "stats", "2026-11", now="2026-11-05T10:00")["complaints"]["total"] == 1


def test_show_and_explain_list_the_correction_and_what_it_replaced(ledger):
    record_id = new_repair(ledger)
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:01")
    invoke_json(ledger, "undo", record_id, "--reason", "误点", now="2026-11-28T09:02")
    invoke_json(ledger, "correct", record_id, "--set", "phone=13800138000", "--reason", "输错", now="2026-11-28T09:03")
    shown = invoke(ledger, "--lang", "zh_CN", "show", record_id, now="2026-11-28T09:10").stdout
    assert "13800138000  （更正，原登记为 1380013800）" in shown
    assert "（已撤销）" in shown and "原因：误点" in shown
    explained = invoke(ledger, "--lang", "zh_CN", "explain", record_id, now="2026-11-28T09:10").stdout
    assert "电话: 1380013800 → 13800138000" in explained and "原因：输错" in explained
    data = invoke_json(ledger, "explain", record_id, now="2026-11-28T09:10")
    assert data["corrections"]["fields"]["phone"] == {"entered": "1380013800", "now": "13800138000"}
    assert [e.get("withdrawn", False) for e in data["events"]] == [False, True, False, False]
    # the commit message names the field, never the value (git log must not show what a record holds)
    assert "13800138000" not in git(ledger, "log", "-1", "--format=%B")


def test_an_exported_corrected_record_imports_with_its_history(ledger, tmp_path):
    from conftest import make_ledger

    record_id = new_repair(ledger)
    invoke_json(ledger, "correct", record_id, "--set", "phone=13800138000", "--reason", "输错", now="2026-11-28T09:03")
    exported = tmp_path / "all.jsonl"
    exported.write_text(invoke(ledger, "export", now="2026-11-28T10:00").stdout, encoding="utf-8")
    other = make_ledger(tmp_path, "other")
    assert invoke(other, "import", str(exported), now="2026-11-28T10:00").exit_code == 0
    again = invoke_json(other, "show", record_id, now="2026-11-28T10:00")
    assert again["phone"] == "13800138000" and again["corrections"]["fields"]["phone"]["entered"] == "1380013800"
    assert yaml.safe_load(record_file(other, record_id).read_text(encoding="utf-8"))["phone"] == "1380013800"


def test_the_overdue_mail_carries_the_corrected_address_and_leaves_a_voided_record_out(ledger):
    import pytest

    controller_module = pytest.importorskip("aiosmtpd.controller")
    from email import message_from_bytes, policy

    received = []

    class Collector:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # an ephemeral port (aiosmtpd's controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_module.Controller(Collector(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        kept = new_repair(ledger)
        twice = new_repair(ledger, now="2026-11-28T09:01")
        invoke_json(ledger, "correct", kept, "--set", "address=3栋0301", "--reason", "房号少一位",
                    now="2026-11-28T09:02")
        invoke_json(ledger, "void", twice, "--reason", "重复登记", now="2026-11-28T09:03", as_=DIRECTOR)
        result = invoke(ledger, "--lang", "zh_CN", "overdue", "--mail-to", "a@example.com", "--smtp",
                        f"smtp://127.0.0.1:{port}", now="2026-11-28T10:00")
        assert result.exit_code in (0, 1), result.stderr
    finally:
        controller.stop()
    assert received
    text = "".join(part.get_content() for envelope in received
                   for part in message_from_bytes(envelope.original_content or envelope.content,
                                                  policy=policy.default).walk()
                   if part.get_content_type() == "text/plain")
    assert kept in text and twice not in text
    assert "3栋0301" in text and "3栋301" not in text


def test_a_step_is_withdrawn_by_whoever_may_do_it_or_a_director(ledger):
    config = Path(ledger, "propcli.yaml")
    text = re.sub(r"(?m)^roles:.*\n", "", config.read_text(encoding="utf-8"))
    config.write_text(text.rstrip("\n") + "\nroles: enforce\n", encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "test: roles enforce")
    record_id = new_repair(ledger, "--price-code", "SD-01")
    invoke_json(ledger, "repair", "fill", record_id, now="2026-11-28T09:01")
    invoke_json(ledger, "repair", "notify", record_id, now="2026-11-28T09:02")
    invoke_json(ledger, "repair", "take", record_id, "--to", "吴海涛", now="2026-11-28T09:04", as_="吴海涛")
    assert "take" in invoke_refused(ledger, "undo", record_id, "--reason", "x", now="2026-11-28T09:05")  # receptionist
    undone = invoke_json(ledger, "undo", record_id, "--reason", "派错人", now="2026-11-28T09:05", as_="周志强")
    assert undone["status"] == "notify"
