"""`propcli demo`: the first command a new user runs."""
from conftest import git, invoke, invoke_json, run_cli


def test_demo_builds_a_month_and_shows_open_late_and_a_sample(tmp_path):
    path = tmp_path / "demo"
    result = run_cli("--now", "2026-11-28T10:00", "demo", str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Open repairs" in out and "Overdue" in out and "A sample record" in out
    assert "repair.arrive" in out or "repair.quote" in out          # this hour's late technician / quote
    assert git(path, "status", "--porcelain") == ""
    assert invoke(path, "check", now="2026-11-28T10:00").exit_code == 0
    records = invoke_json(path, "list", now="2026-11-28T10:00")
    kinds = {r["kind"] for r in records}
    assert {"repair", "request", "complaint", "call"} <= kinds
    received = sorted(r["received"] for r in records)
    assert received[0] < "2026-11-01" and received[-1] <= "2026-11-28T10:00:00+08:00"   # a month of activity
    assert invoke(path, "overdue", "--check", now="2026-11-28T10:00").exit_code == 1
    again = run_cli("--now", "2026-11-28T10:00", "demo", str(path))   # shows the same ledger again
    assert again.exit_code == 0 and git(path, "rev-list", "--count", "HEAD").strip() == "2"
