"""Who may act (CLI.md "Additions", issue 8 point 9): --as (or PROPCLI_USER) names someone in staff.yaml, else
exit 2 with the closest names; without them the roster entry whose `login:` is the operating-system user acts;
with none: exit 2. cron acts as a `system` entry; init, demo and --help need no actor."""
import pytest

from conftest import add_staff, git, git_state, invoke, invoke_json, run_cli

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def test_as_must_name_someone_in_staff_yaml_with_the_closest_names(ledger):
    before = git_state(ledger)
    result = invoke(ledger, "repair", "new", *RESIDENT, as_="王方")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("propcli: --as: '王方' is not in staff.yaml")
    assert "王芳" in line  # the closest name
    assert git_state(ledger) == before


def test_propcli_user_is_checked_like_as(ledger):
    result = invoke(ledger, "repair", "new", *RESIDENT, as_=None, env={"PROPCLI_USER": "nobody-here"})
    assert result.exit_code == 2 and "--as" in result.stderr and "staff.yaml" in result.stderr
    made = invoke(ledger, "repair", "new", *RESIDENT, "-f", "json", as_=None, env={"PROPCLI_USER": "赵丽娟"})
    assert made.exit_code == 0, made.stderr
    assert git(ledger, "log", "-1", "--format=%an").strip() == "赵丽娟"


def test_the_os_login_acts_through_login_in_the_roster(ledger):
    staff = ledger / "staff.yaml"
    staff.write_text(staff.read_text(encoding="utf-8").replace(
        "{name: 赵丽娟, role: receptionist,", "{name: 赵丽娟, role: receptionist, login: zhaolj,"), encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "logins")
    env = {"LOGNAME": "zhaolj", "USER": "zhaolj", "PROPCLI_USER": None}
    record = invoke_json(ledger, "repair", "new", *RESIDENT, as_=None, env=env)
    assert record["events"][0]["by"] == "赵丽娟"
    before = git_state(ledger)
    result = invoke(ledger, "repair", "new", *RESIDENT, as_=None, env={"LOGNAME": "stranger", "USER": "stranger"})
    assert result.exit_code == 2 and "login: stranger" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert git_state(ledger) == before


def test_cron_acts_as_the_system_entry(ledger):
    assert {"name": "cron", "role": "system"}.items() <= next(
        p for p in invoke_json(ledger, "staff") if p["name"] == "cron").items()
    result = invoke(ledger, "overdue", as_="cron")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("args", [("--help",), ("repair", "--help")])
def test_help_needs_no_actor(args):
    result = run_cli(*args, env={"LOGNAME": "stranger", "USER": "stranger", "PROPCLI_USER": None})
    assert result.exit_code == 0


def test_init_and_demo_need_no_actor(tmp_path):
    env = {"LOGNAME": "stranger", "USER": "stranger", "PROPCLI_USER": None}
    assert run_cli("init", str(tmp_path / "l"), env=env).exit_code == 0
    result = run_cli("--now", "2026-11-28T10:00", "demo", str(tmp_path / "d"), env=env)
    assert result.exit_code == 0, result.stderr


def test_member_returns_the_entry_or_names_the_closest(ledger):
    import propcli.app.schema  # noqa: F401
    from propcli.errors import BadInput
    from propcli.store.ledger import Ledger

    store = Ledger(ledger)
    assert store.member("吴海涛", "--to").role == "technician"
    with pytest.raises(BadInput, match=r"^--technician: '吴海滔' is not in staff.yaml.*closest: 吴海涛"):
        store.member("吴海滔", "--technician")
    with pytest.raises(BadInput, match="^--to: missing"):
        store.member("  ", "--to")


def test_test_only_names_are_added_by_the_tests_not_shipped(ledger):
    names = {p["name"] for p in invoke_json(ledger, "staff")}
    assert "staff0" not in names and "one" not in names
    add_staff(ledger, "one")
    assert invoke(ledger, "repair", "new", *RESIDENT, as_="one").exit_code == 0
