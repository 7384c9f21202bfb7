"""Pre-numbered paper forms (issue 11.4): `repair new --form-no` claims a number issued by
`form repair-order --blank --count N`; a number never issued or already used is refused (exit 2)."""
from conftest import invoke, invoke_json, invoke_refused

NEW = ("repair", "new", "--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def test_a_repair_links_an_issued_form_number_once(ledger):
    issued = invoke(ledger, "form", "repair-order", "--blank", "--count", "2", as_="赵丽娟")
    assert issued.exit_code == 0, issued.stderr
    from propcli.app.formbook import read_issued
    from propcli.store.ledger import Ledger

    import propcli.app.schema  # noqa: F401
    first = read_issued(Ledger(ledger))[0]["number"]
    repair = invoke_json(ledger, *NEW, "--form-no", first, as_="赵丽娟")
    assert repair["form_no"] == first
    assert "already used" in invoke_refused(ledger, *NEW, "--form-no", first, as_="赵丽娟")
    assert "never issued" in invoke_refused(ledger, *NEW, "--form-no", "HY01-1999-9999", as_="赵丽娟")
