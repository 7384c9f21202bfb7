"""Who may do a step (CLI.md "Additions", Who may act): policy.yaml `steps:`, `roles: warn|enforce`.
Since the third release `init` writes `roles: enforce` (CLI.md "The procedures, third pass")."""
from conftest import invoke, invoke_json, invoke_refused


def _repair(ledger):
    return invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301",
                       "--item", "水龙头漏水", "--price-code", "SD-01", as_="赵丽娟")["id"]


def _set(ledger, name, old, new):
    path = ledger / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_new_ledger_refuses_a_step_by_another_role_naming_who_may(ledger):
    assert "roles: enforce" in (ledger / "propcli.yaml").read_text(encoding="utf-8")
    repair = _repair(ledger)
    message = invoke_refused(ledger, "repair", "fill", repair, as_="吴海涛")  # a technician fills the form
    assert "repair fill" in message and "receptionist" in message and "赵丽娟" in message
    quiet = invoke(ledger, "repair", "fill", repair, as_="赵丽娟")  # the receptionist: no warning
    assert quiet.exit_code == 0 and "policy.yaml" not in quiet.stderr


def test_roles_warn_records_it_with_a_warning(ledger):
    _set(ledger, "propcli.yaml", "roles: enforce", "roles: warn")
    repair = _repair(ledger)
    done = invoke(ledger, "repair", "fill", repair, as_="吴海涛")
    assert done.exit_code == 0 and "repair fill" in done.stderr and "receptionist" in done.stderr


def test_the_policy_decides_the_roles(ledger):
    repair = _repair(ledger)
    assert "receptionist" in invoke_refused(ledger, "repair", "fill", repair, as_="吴海涛")
    _set(ledger, "policy.yaml", "repair.fill: [receptionist]", "repair.fill: [receptionist, technician]")
    assert invoke(ledger, "repair", "fill", repair, as_="吴海涛").exit_code == 0


def test_a_refused_action_names_its_clause_too(ledger):
    """A command that is not a step on one record (`callback plan`, 11.1.2) quotes its clause when it refuses
    someone, as a step does (it printed "(-)")."""
    message = invoke_refused(ledger, "callback", "plan", "--month", "2026-11", as_="吴海涛")
    assert "callback plan' (11.1.2)" in message and "service_director" in message
