"""Who may do a step (CLI.md "Additions", Who may act): policy.yaml `steps:`, `roles: warn|enforce`."""
from conftest import invoke, invoke_json, invoke_refused


def _repair(ledger):
    return invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                       "--item", "水龙头漏水", "--price-code", "SD-01", as_="赵丽娟")["id"]


def test_a_step_by_another_role_is_recorded_with_a_warning_by_default(ledger):
    repair = _repair(ledger)
    done = invoke(ledger, "repair", "fill", repair, as_="吴海涛")  # a technician fills the form
    assert done.exit_code == 0 and "repair fill" in done.stderr and "receptionist" in done.stderr
    quiet = invoke(ledger, "repair", "notify", repair, as_="赵丽娟")  # the receptionist: no warning
    assert quiet.exit_code == 0 and "policy.yaml" not in quiet.stderr


def test_roles_enforce_refuses_it_and_the_policy_decides_the_roles(ledger):
    config = ledger / "propcli.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("roles: warn", "roles: enforce"), encoding="utf-8")
    repair = _repair(ledger)
    assert "receptionist" in invoke_refused(ledger, "repair", "fill", repair, as_="吴海涛")
    policy = ledger / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("repair.fill: [receptionist]",
                                                                 "repair.fill: [receptionist, technician]"),
                      encoding="utf-8")
    assert invoke(ledger, "repair", "fill", repair, as_="吴海涛").exit_code == 0
