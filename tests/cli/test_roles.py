"""The roles the procedures name, enforced by a new ledger (issue 18 point 2; SPEC.md "Readings settled in the
third release": 10.3.1, 10.4.1-7, 10.4.3, 11.1.2, 11.1.3, 11.1.8, 12.1), and `propcli upgrade` moving a ledger
made by the second release to the new readings (point 6). Through the CLI on a fixed clock."""
import json
import shutil
from pathlib import Path

from conftest import git, invoke, invoke_json, invoke_refused, make_ledger

RECEPTION, DIRECTOR, TECHNICIAN, FINANCE = "赵丽娟", "周志强", "吴海涛", "谢春兰"
OFFICER, SERVICE_DIRECTOR, MANAGER, PATROL = "刘洋", "陈静", "李秀梅", "高敏"
RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")
DATA = Path(__file__).parent / "data"


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return result


def _off_list_repair(ledger):
    record = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "阳台防水层渗漏", now="2026-11-10T09:00",
                         as_=RECEPTION)["id"]
    for step, at, who, extra in (("fill", "09:01", RECEPTION, ()), ("notify", "09:02", RECEPTION, ()),
                                 ("take", "09:03", DIRECTOR, ("--to", TECHNICIAN))):
        ok(invoke(ledger, "repair", step, record, *extra, now=f"2026-11-10T{at}", as_=who))
    return record


def test_10_3_1_off_list_work_is_priced_by_the_engineering_director_not_the_technician(ledger):
    record = _off_list_repair(ledger)
    message = invoke_refused(ledger, "repair", "quote", record, "--price", "260", now="2026-11-10T09:05",
                             as_=TECHNICIAN)
    assert "repair quote" in message and "engineering_director" in message and DIRECTOR in message
    quoted = invoke_json(ledger, "repair", "quote", record, "--price", "260", now="2026-11-10T09:06", as_=DIRECTOR)
    assert quoted["events"][-1]["by"] == DIRECTOR


def _handled_complaint(ledger, severity, day="2026-11-05"):
    complaint = invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "电梯多次困人", "--severity",
                            severity, now=f"{day}T09:00", as_=RECEPTION)["id"]
    ok(invoke(ledger, "complaint", "handle", complaint, "--outcome", "已维修", now=f"{day}T15:00",
              as_=SERVICE_DIRECTOR))
    rows = invoke_json(ledger, "list", "--kind", "callback", now=f"{day}T15:00")
    return next(r["id"] for r in rows if r["source"] == complaint)


def test_11_1_3_a_major_complaints_callback_is_the_managers(ledger):
    callback = _handled_complaint(ledger, "major")
    record = ("callback", "record", callback, "--method", "visit", "--signature", "张三", "--result", "satisfied")
    message = invoke_refused(ledger, *record, now="2026-11-06T10:00", as_=PATROL)
    assert "callback record" in message and "manager" in message and MANAGER in message
    assert "manager" in invoke_refused(ledger, *record, now="2026-11-06T10:00", as_=SERVICE_DIRECTOR)
    done = invoke_json(ledger, *record, now="2026-11-06T10:05", as_=MANAGER)
    assert done["events"][-1]["by"] == MANAGER and done["open"] is False


def test_11_1_3_the_caller_follows_the_severity(ledger):
    important = _handled_complaint(ledger, "important")
    general = _handled_complaint(ledger, "general", day="2026-11-06")
    record = ("--method", "phone", "--result", "satisfied")
    assert "service_director" in invoke_refused(ledger, "callback", "record", important, *record,
                                                now="2026-11-07T10:00", as_=PATROL)
    ok(invoke(ledger, "callback", "record", important, *record, now="2026-11-07T10:00", as_=SERVICE_DIRECTOR))
    assert "patrol_officer" in invoke_refused(ledger, "callback", "record", general, *record,
                                              now="2026-11-07T10:01", as_=MANAGER)
    ok(invoke(ledger, "callback", "record", general, *record, now="2026-11-07T10:02", as_=PATROL))


def test_11_1_2_the_callback_plan_is_the_service_directors(ledger):
    message = invoke_refused(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-30T09:00", as_=RECEPTION)
    assert "callback plan" in message and "service_director" in message and SERVICE_DIRECTOR in message
    ok(invoke(ledger, "callback", "plan", "--month", "2026-11", now="2026-11-30T09:00", as_=SERVICE_DIRECTOR))


def test_12_1_a_patrol_round_is_a_property_or_patrol_officers_not_finances(ledger):
    round_ = ("patrol", "new", "--area", "3栋及周边", "--finding", "3栋电梯厅灯不亮")
    message = invoke_refused(ledger, *round_, now="2026-11-10T10:00", as_=FINANCE)
    assert "patrol new" in message and "patrol_officer" in message and "property_officer" in message
    # the round is the officer's: a clerk may type it in, naming who made it (--officer), not someone else
    assert "--officer" in invoke_refused(ledger, *round_, "--officer", FINANCE, now="2026-11-10T10:00",
                                         as_=RECEPTION)
    by_patrol = invoke_json(ledger, *round_, now="2026-11-10T10:01", as_=PATROL)
    assert by_patrol["events"][0]["by"] == PATROL
    ok(invoke(ledger, *round_, "--officer", OFFICER, now="2026-11-10T10:02", as_=RECEPTION))


def _paid_ready(ledger):
    record = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", "--price-code", "SD-01",
                         now="2026-11-10T09:00", as_=RECEPTION)["id"]
    steps = (("fill", RECEPTION, ()), ("notify", RECEPTION, ()), ("take", DIRECTOR, ("--to", TECHNICIAN)),
             ("arrive", TECHNICIAN, ()), ("complete", TECHNICIAN, ("--item", "SD-01")),
             ("sign", TECHNICIAN, ("--signature", "张三")), ("return", TECHNICIAN, ()), ("confirm", DIRECTOR, ()),
             ("finance", RECEPTION, ()))
    for minute, (step, who, extra) in enumerate(steps, start=1):
        ok(invoke(ledger, "repair", step, record, *extra, now=f"2026-11-10T09:{minute:02d}", as_=who))
    return record


def test_10_4_3_only_finance_collects_and_the_office_cannot_relax_it(ledger):
    record = _paid_ready(ledger)
    assert "finance" in invoke_refused(ledger, "repair", "paid", record, now="2026-11-20T10:00", as_=RECEPTION)
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if row.strip().startswith("repair.paid:"))
    policy.write_text(text.replace("repair.paid: [finance]", "repair.paid: [finance, receptionist]"),
                      encoding="utf-8")
    for who in (RECEPTION, FINANCE):  # refused loud for everyone until the line is put back: never a quiet setting
        refused = invoke(ledger, "repair", "paid", record, now="2026-11-20T10:00", as_=who)
        assert refused.exit_code == 3 and f"policy.yaml:{line}:" in refused.stderr and "10.4.3" in refused.stderr
    policy.write_text(text, encoding="utf-8")
    assert invoke_json(ledger, "repair", "paid", record, now="2026-11-20T10:01", as_=FINANCE)["open"] is False


def test_an_office_relaxes_a_step_in_policy_yaml(ledger):
    record = _off_list_repair(ledger)
    policy = ledger / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "repair.quote: [engineering_director]", "repair.quote: [engineering_director, technician]"), encoding="utf-8")
    assert invoke_json(ledger, "repair", "quote", record, "--price", "260", now="2026-11-10T09:06",
                       as_=TECHNICIAN)["events"][-1]["by"] == TECHNICIAN


def test_the_demo_acts_as_the_people_the_policy_names(tmp_path):
    from propcli.app.steps import roles_for
    from propcli.store.ledger import Ledger

    ok(invoke(None, "demo", str(tmp_path / "demo"), now="2026-11-28T09:00", as_=None))
    ledger = Ledger(tmp_path / "demo")
    records = [json.loads(line) for line in ok(invoke(tmp_path / "demo", "export", now="2026-11-28T09:00",
                                                      as_="cron")).stdout.splitlines()]
    checked = 0
    for record in records:
        for event in record["events"]:
            roles = roles_for(ledger, record["kind"], event["step"])
            roles = tuple(record.get("role") if r == "caller" else r for r in roles)
            if roles:
                checked += 1
                assert ledger.roles_of(event["by"]) & set(roles), (record["id"], event["step"], event["by"], roles)
    assert checked > 100


# --- point 6: `propcli upgrade` -----------------------------------------------------------------------------

def _second_release_ledger(tmp_path):
    """A ledger as the second release's `init` made it (its policy.yaml and propcli.yaml), with records."""
    ledger = make_ledger(tmp_path, "old")
    shutil.copy(DATA / "policy-second-release.yaml", ledger / "policy.yaml")
    shutil.copy(DATA / "propcli-second-release.yaml", ledger / "propcli.yaml")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "second release settings", "--",
        "policy.yaml", "propcli.yaml")
    complaint = invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "楼上装修噪音", "--severity",
                            "important", now="2026-11-05T09:00", as_=RECEPTION)["id"]
    return ledger, complaint


def test_upgrade_adds_the_new_readings_in_one_commit_keeps_the_history_and_is_idempotent(tmp_path, monkeypatch):
    ledger, complaint = _second_release_ledger(tmp_path)
    # before: the per-complaint date is refused, saying what to run; a technician's quote only warned (roles: warn)
    message = invoke_refused(ledger, "complaint", "handle", complaint, "--callback-by", "2026-11-06T12:00",
                             now="2026-11-05T15:00", as_=SERVICE_DIRECTOR)
    assert "propcli upgrade" in message
    doctor = invoke_json(ledger, "doctor", now="2026-11-05T15:00", as_=None)
    assert any("propcli upgrade" in (row["action"] or "") for row in doctor)
    records_log = git(ledger, "log", "--format=%H %s", "--", "records")
    head = git(ledger, "rev-parse", "HEAD").strip()
    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    done = ok(invoke(ledger, "upgrade", now="2026-11-05T15:00", as_=MANAGER))
    assert "sooner: callback_by" in done.stdout and "callback.record" in done.stdout and "新增" in done.stdout
    assert "roles: warn" in done.stderr  # the office's setting is kept, and how to change it is said
    assert git(ledger, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert sorted(git(ledger, "diff", "--name-only", head, "HEAD").split()) == ["policy.yaml"]
    assert git(ledger, "log", "--format=%H %s", "--", "records") == records_log
    policy = (ledger / "policy.yaml").read_text(encoding="utf-8")
    assert policy.count("sooner: callback_by") == 3 and "# 11.1.4 维修完成后1个月内回访" in policy  # comments kept
    assert "request.reply: [property_officer, service_director]" in policy
    assert "patrol.new: [property_officer, patrol_officer]" in policy
    monkeypatch.setenv("PROPCLI_LANG", "en")
    assert ok(invoke(ledger, "check", now="2026-11-05T15:00")).exit_code == 0
    again = ok(invoke(ledger, "upgrade", now="2026-11-05T15:00", as_=MANAGER))
    assert "up to date" in again.stdout and git(ledger, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    # after: the new readings hold
    handled = invoke_json(ledger, "complaint", "handle", complaint, "--outcome", "已协调", "--callback-by",
                          "2026-11-06T12:00", now="2026-11-05T15:00", as_=SERVICE_DIRECTOR)
    assert handled["events"][-1]["callback_by"] == "2026-11-06T12:00:00+08:00"
    assert not any("propcli upgrade" in (row["action"] or "")
                   for row in invoke_json(ledger, "doctor", now="2026-11-05T15:00", as_=None))


def test_upgrade_roles_enforce_and_the_offices_own_choices_kept(tmp_path):
    ledger, _complaint = _second_release_ledger(tmp_path)
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8").replace("length: 1mo\n    role: area_officer",
                                                      "length: 14d\n    role: area_officer")
    text = text.replace("repair.fill: [receptionist]", "repair.fill: [receptionist, technician]")
    policy.write_text(text, encoding="utf-8")
    # an edit not yet committed would be committed with the upgrade: refused, nothing written
    assert "policy.yaml" in invoke_refused(ledger, "upgrade", "--roles", "enforce", as_=MANAGER)
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "office", "--", "policy.yaml")
    ok(invoke(ledger, "upgrade", "--roles", "enforce", as_=MANAGER))
    after = policy.read_text(encoding="utf-8")
    assert "length: 14d" in after and "repair.fill: [receptionist, technician]" in after
    assert "roles: enforce" in (ledger / "propcli.yaml").read_text(encoding="utf-8")
    record = _off_list_repair(ledger)
    assert "engineering_director" in invoke_refused(ledger, "repair", "quote", record, "--price", "9",
                                                    now="2026-11-10T09:05", as_=TECHNICIAN)


def test_upgrade_adds_a_rule_the_ledger_lacks_beside_its_key(tmp_path):
    ledger, _complaint = _second_release_ledger(tmp_path)
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    start = text.index("  - key: callback.complaint\n    clause: 11.1.3\n    kind: callback\n    when: {source_kind: "
                       "complaint, role: service_director}")
    end = text.index("  # 一般投诉由物业巡查员回访")
    policy.write_text(text[:start] + text[end:], encoding="utf-8")  # an office without the important-complaint rule
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "office", "--", "policy.yaml")
    done = ok(invoke(ledger, "upgrade", "--dry-run", as_=MANAGER))
    assert "callback.complaint" in done.stdout and git(ledger, "status", "--porcelain") == ""
    ok(invoke(ledger, "upgrade", as_=MANAGER))
    from propcli.store.ledger import Ledger

    rules = [r for r in Ledger(ledger).policy.rules if r.key == "callback.complaint"]
    assert [r.role for r in rules] == ["manager", "service_director", "patrol_officer"]  # the general one last
