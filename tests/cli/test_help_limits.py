"""Help texts quote time limits from the ledger's policy: an office that edits policy.yaml sees its own."""
import re

from conftest import invoke, run_cli


def test_step_help_reads_the_limit_from_the_ledgers_policy(ledger):
    assert "2 min" in invoke(ledger, "repair", "fill", "--help").stdout
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(re.sub(r"(key: repair\.fill(?:\n    .*)*?\n    length: )2m", r"\g<1>4m", text), encoding="utf-8")
    shown = invoke(ledger, "repair", "fill", "--help").stdout
    assert "4 min" in shown and "2 min" not in shown
    assert "4 min" in invoke(ledger, "repair", "--help").stdout


def test_help_works_outside_a_ledger_with_the_skeletons_limits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("repair", "return", "--help")
    assert result.exit_code == 0 and "17:00" in result.stdout
