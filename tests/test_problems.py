"""Problems are values (issue 17 point 5; propcli/problems.py): `check` returns Problem(path, line, message);
the command line prints them as CLI.md fixes them, `path:line: message`, and nothing else formats them."""
from conftest import invoke


def test_check_returns_problems_as_values_and_the_command_line_prints_them(ledger):
    from propcli.app.checks import check_ledger
    from propcli.problems import Problem
    from propcli.store.ledger import Ledger

    (ledger / "records" / "notes.txt").write_text("手写备注\n", encoding="utf-8")
    policy = ledger / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("length: 2m", "length: abc", 1), encoding="utf-8")
    problems = check_ledger(Ledger(ledger))
    assert problems and all(isinstance(problem, Problem) for problem in problems)
    by_path = {problem.path: problem for problem in problems}
    assert by_path["records/notes.txt"].line == 1 and "not a record file" in by_path["records/notes.txt"].message
    bad_rule = by_path["policy.yaml"]
    assert isinstance(bad_rule.line, int) and "length: abc" in policy.read_text(encoding="utf-8").splitlines()[
        bad_rule.line - 1]
    printed = invoke(ledger, "check")
    assert printed.exit_code == 1
    assert printed.stdout.splitlines() == [f"{p.path}:{p.line}: {p.message}" for p in problems]
