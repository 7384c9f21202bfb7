"""Privacy (issue 16 point 4): a confidential enquiry's text (9.4.3-4) never reaches what `git log` shows
(author, subject, body), whatever step carries it; tested on the ledger's real git history."""
from conftest import git, invoke, invoke_json

SECRET = "开发商合同第七条赔偿金额"
RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")


def _logged(ledger) -> str:
    """Everything git log shows of every commit: subject, body, author and committer names and addresses."""
    return git(ledger, "log", "--all", "--format=%s%n%b%n%B%n%an <%ae>%n%cn <%ce>%n%N")


def test_no_step_of_a_confidential_enquiry_puts_its_text_in_a_commit_message(ledger):
    def run(*args, at):
        result = invoke(ledger, *args, now=at)
        assert result.exit_code == 0, result.stderr
        assert SECRET not in _logged(ledger), f"{args} put the secret in git log"
        return result

    made = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", SECRET,
                       "--confidential", now="2026-11-20T09:00")["id"]
    assert SECRET not in _logged(ledger)
    run("request", "escalate", made, "--to", "service_director", "--note", SECRET, at="2026-11-20T09:01")
    run("note", made, f"来电补充：{SECRET}", at="2026-11-20T09:02")
    run("request", "reply", made, "--note", SECRET, at="2026-11-20T09:03")
    run("request", "route", made, "--to", "complaint", "--note", SECRET, at="2026-11-20T09:04")
    log = invoke(ledger, "log", made, now="2026-11-20T09:05")
    assert log.exit_code == 0 and SECRET not in log.stdout
    assert "保密" in _logged(ledger)  # the body says a text was kept out, not what it was
    assert SECRET in invoke_json(ledger, "show", made, now="2026-11-20T09:05")["detail"]  # the record keeps it


def test_a_closing_outcome_of_a_confidential_enquiry_stays_out_of_git_log(ledger):
    made = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", "合同问题",
                       "--confidential", now="2026-11-20T09:00")["id"]
    assert invoke(ledger, "request", "close", made, "--outcome", SECRET, now="2026-11-20T09:05").exit_code == 0
    assert SECRET not in _logged(ledger)


def test_an_ordinary_note_still_reads_in_git_log(ledger):
    """The guard is for confidential records only: the office's history keeps its usual notes (a test that
    the check above can fail)."""
    made = invoke_json(ledger, "request", "new", "--category", "enquiry", *RESIDENT, "--detail", "物业费问题",
                       now="2026-11-20T09:00")["id"]
    assert invoke(ledger, "note", made, SECRET, now="2026-11-20T09:01").exit_code == 0
    assert SECRET in _logged(ledger)
