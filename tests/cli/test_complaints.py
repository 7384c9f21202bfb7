"""Complaints (8.6, 8.7.1, 11.1.12-13), community events (11.1.5) and open letters (11.1.10), through the CLI."""
import json

from conftest import git, invoke, invoke_json, invoke_refused

COMPLAINANT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def new_complaint(ledger, *extra, now="2026-11-05T09:00", detail="楼上装修噪音"):
    return invoke_json(ledger, "complaint", "new", *COMPLAINANT, "--detail", detail, *extra, now=now)


def step(ledger, record_id, name, *options, now):
    result = invoke(ledger, "complaint", name, record_id, *options, "-f", "json", now=now)
    assert result.exit_code == 0, f"{name}: {result.stderr}"
    return json.loads(result.stdout)


def refused(ledger, *args, now="2026-11-06T10:00"):
    return invoke_refused(ledger, *args, now=now)


def test_complaint_runs_reply_assign_handle_close_and_status_is_the_last_step(ledger):
    record = new_complaint(ledger, "--severity", "important", "--channel", "来访")
    assert record["id"].startswith("T-") and record["status"] == "new" and record["open"] is True
    assert record["severity"] == "important" and record["channel"] == "来访"
    assert record["received"] == "2026-11-05T09:00:00+08:00"
    record_id = record["id"]
    assert step(ledger, record_id, "reply", "--note", "已致电说明", now="2026-11-05T09:05")["status"] == "reply"
    assert step(ledger, record_id, "assign", "--to", "工程部", now="2026-11-05T09:10")["status"] == "assign"
    handled = step(ledger, record_id, "handle", "--outcome", "已协调施工时间", now="2026-11-06T10:00")
    assert handled["status"] == "handle" and handled["open"] is True
    closed = step(ledger, record_id, "close", now="2026-11-06T11:00")
    assert closed["status"] == "close" and closed["open"] is False
    assert [e["step"] for e in closed["events"]] == ["new", "reply", "assign", "handle", "close"]
    assert closed["events"][2]["to"] == "工程部" and closed["events"][3]["outcome"] == "已协调施工时间"
    assert git(ledger, "log", "-1", "--format=%s").strip() == f"complaint {record_id}: close"
    refused(ledger, "complaint", "reply", record_id, now="2026-11-06T12:00")  # closed


def test_handle_may_follow_new_and_twice_is_refused(ledger):
    record_id = new_complaint(ledger)["id"]
    step(ledger, record_id, "handle", now="2026-11-06T10:00")
    message = refused(ledger, "complaint", "handle", record_id, now="2026-11-06T11:00")
    assert "already" in message
    assert "already" in refused(ledger, "complaint", "assign", record_id, "--to", "工程部", now="2026-11-06T11:00")


def test_close_needs_an_outcome_first(ledger):
    record_id = new_complaint(ledger)["id"]
    assert "11.1.11" in refused(ledger, "complaint", "close", record_id)


def test_bad_input_names_the_option_and_writes_nothing(ledger):
    assert "--detail" in refused(ledger, "complaint", "new", *COMPLAINANT)
    assert "--name" in refused(ledger, "complaint", "new", "--phone", "13800138000", "--address", "1栋",
                               "--detail", "x")
    assert "--phone" in refused(ledger, "complaint", "new", "--name", "张三", "--phone", "call me",
                                "--address", "1栋", "--detail", "x")
    assert "--written-reply-only" in refused(ledger, "complaint", "new", *COMPLAINANT, "--detail", "x",
                                             "--written-reply-only", "--channel", "来电")
    assert "--at" in refused(ledger, "complaint", "new", *COMPLAINANT, "--detail", "x", "--at", "2026-11-07T10:00")
    record_id = new_complaint(ledger)["id"]
    assert "--to" in refused(ledger, "complaint", "assign", record_id)
    assert "--into" in refused(ledger, "complaint", "merge", record_id)
    repair = invoke_json(ledger, "repair", "new", *COMPLAINANT, "--item", "灯", now="2026-11-05T09:00")["id"]
    assert "not a complaint" in refused(ledger, "complaint", "handle", repair)


def test_anonymous_and_written_reply_only_complaints(ledger):
    anonymous = invoke_json(ledger, "complaint", "new", "--anonymous", "--detail", "垃圾清运不及时",
                            now="2026-11-05T09:00")
    assert anonymous["anonymous"] is True and "name" not in anonymous
    forwarded = new_complaint(ledger, "--written-reply-only")
    assert forwarded["written_reply_only"] is True and forwarded["channel"] == "上级转办"
    replied = step(ledger, forwarded["id"], "reply", "--note", "复函已寄出", now="2026-11-06T10:00")
    assert replied["events"][-1]["note"] == "复函已寄出"  # the reply is attached to the complaint (11.1.13)


def test_merge_records_the_same_complainant_once(ledger):
    first = new_complaint(ledger, now="2026-11-05T09:00")["id"]
    duplicate = new_complaint(ledger, now="2026-11-05T10:00")["id"]
    other = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900000000", "--address", "5栋",
                        "--detail", "楼上装修噪音", now="2026-11-05T10:30")["id"]
    assert "11.1.12" in refused(ledger, "complaint", "merge", other, "--into", first)  # another complainant
    assert "itself" in refused(ledger, "complaint", "merge", first, "--into", first)
    merged = step(ledger, duplicate, "merge", "--into", first, now="2026-11-05T11:00")
    assert merged["status"] == "merge" and merged["open"] is False and merged["events"][-1]["into"] == first
    assert "merged into" in refused(ledger, "complaint", "merge", other, "--into", duplicate)
    refused(ledger, "complaint", "handle", duplicate)  # closed by the merge
    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-06T10:00")
    assert stats["complaints"]["total"] == 2  # the duplicate counts once
    open_ids = [r["id"] for r in invoke_json(ledger, "list", "--kind", "complaint", "--open", now="2026-11-06T10:00")]
    assert duplicate not in open_ids and first in open_ids


def test_merge_after_handling_is_refused(ledger):
    first = new_complaint(ledger, now="2026-11-05T09:00")["id"]
    second = new_complaint(ledger, now="2026-11-05T10:00")["id"]
    step(ledger, second, "handle", now="2026-11-05T12:00")
    assert "11.1.12" in refused(ledger, "complaint", "merge", second, "--into", first)


def test_event_is_complete_once_recorded_and_cannot_end_in_the_future(ledger):
    event = invoke_json(ledger, "event", "new", "--title", "中秋游园会", "--ended", "2026-11-14T21:00",
                        "--households", "40", now="2026-11-15T09:00")
    assert event["id"].startswith("E-") and event["open"] is False
    assert event["ended"] == "2026-11-14T21:00:00+08:00" and event["households"] == 40
    assert "--ended" in refused(ledger, "event", "new", "--title", "x", "--ended", "2026-11-16T21:00",
                                now="2026-11-15T09:00")
    assert "--ended" in refused(ledger, "event", "new", "--title", "x", "--ended", "soon", now="2026-11-15T09:00")
    assert "--title" in refused(ledger, "event", "new", "--ended", "2026-11-14T21:00", now="2026-11-15T09:00")


def test_open_letter_links_complaints_and_is_filed(ledger):
    first = new_complaint(ledger, now="2026-11-05T09:00")["id"]
    second = invoke_json(ledger, "complaint", "new", "--name", "李四", "--phone", "13900000000", "--address", "5栋",
                         "--detail", "电梯停运", now="2026-11-05T09:30")["id"]
    letter = invoke_json(ledger, "letter", "new", "--subject", "关于电梯停运的说明", "--text", "各位业主：……",
                         "--complaints", f"{first},{second}", now="2026-11-06T09:00")
    assert letter["id"].startswith("L-") and letter["open"] is False
    assert letter["complaints"] == [first, second] and letter["archive"] == "回访档案"
    repair = invoke_json(ledger, "repair", "new", *COMPLAINANT, "--item", "灯", now="2026-11-06T09:00")["id"]
    assert "--complaints" in refused(ledger, "letter", "new", "--subject", "s", "--text", "t",
                                     "--complaints", repair, now="2026-11-06T10:00")
    assert "--text" in refused(ledger, "letter", "new", "--subject", "s", now="2026-11-06T10:00")
