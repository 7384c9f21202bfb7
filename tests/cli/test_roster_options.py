"""Every option naming a staff member checks the roster (issue 16, point 5; CLI.md "Who may act"): `take --to`
included, exit 2 naming the option with the closest names in staff.yaml, nothing written; a complaint's
`assign --to` takes a department or a person on the roster. End to end on a real ledger."""
from conftest import invoke, invoke_json, invoke_refused

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def notified_repair(ledger, *extra):
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "漏水", *extra)["id"]
    for step in ("fill", "notify"):
        assert invoke(ledger, "repair", step, record_id).exit_code == 0
    return record_id


def test_take_to_a_name_not_on_the_roster_is_refused_with_the_closest_names(ledger):
    record_id = notified_repair(ledger)
    message = invoke_refused(ledger, "repair", "take", record_id, "--to", "吴海", as_="周志强")
    assert message.startswith("propcli: --to:") and "吴海" in message and "closest: 吴海涛" in message
    message = invoke_refused(ledger, "repair", "take", record_id, "--to", "不存在的人", as_="周志强")
    assert message.startswith("propcli: --to:") and "staff.yaml" in message
    taken = invoke_json(ledger, "repair", "take", record_id, "--to", "吴海涛", as_="周志强")
    assert next(e for e in taken["events"] if e["step"] == "take")["to"] == "吴海涛"


def test_every_person_option_of_every_step_checks_the_roster(ledger):
    record_id = notified_repair(ledger)
    assert invoke(ledger, "repair", "take", record_id, "--to", "吴海涛", as_="周志强").exit_code == 0
    for option, bad in (("--technician", "吴海"), ("--director", "周志")):
        other = {"--technician": ("--director", "周志强"), "--director": ("--technician", "吴海涛")}[option]
        message = invoke_refused(ledger, "repair", "refuse", record_id, "--reason", "太贵", option, bad, *other,
                                 as_="吴海涛")
        assert message.startswith(f"propcli: {option}:") and "closest" in message
    request = invoke_json(ledger, "request", "new", *RESIDENT, "--category", "medical", "--detail", "头晕")["id"]
    message = invoke_refused(ledger, "request", "close", request, "--outcome", "已送医", "--to", "陈晶")
    assert message.startswith("propcli: --to:") and "陈静" in message


def test_complaint_assign_takes_a_department_or_a_person_on_the_roster(ledger):
    complaint = invoke_json(ledger, "complaint", "new", *RESIDENT, "--detail", "噪音")["id"]
    message = invoke_refused(ledger, "complaint", "assign", complaint, "--to", "吴海")
    assert message.startswith("propcli: --to:") and "closest: 吴海涛" in message
    assert invoke(ledger, "complaint", "assign", complaint, "--to", "工程部").exit_code == 0
    assert invoke(ledger, "complaint", "assign", complaint, "--to", "吴海涛").exit_code == 0


def test_a_test_name_is_put_on_the_roster_not_let_through(ledger):
    from conftest import add_staff

    record_id = notified_repair(ledger)
    invoke_refused(ledger, "repair", "take", record_id, "--to", "staff3", as_="周志强")
    add_staff(ledger, "staff3", role="technician")
    assert invoke(ledger, "repair", "take", record_id, "--to", "staff3", as_="周志强").exit_code == 0
