"""`propcli doctor` (issue 16 point 3): damaged git objects found with `git fsck`, bounded in time (a budget too
small falls back to a connectivity check and every loose object read back, and says what it did not read), and
duplicate names in staff.yaml, also ones that differ only in what a reader cannot see."""
import json
import os

import pytest
from conftest import git, invoke

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def doctor(ledger, env=None):
    result = invoke(ledger, "doctor", "-f", "json", as_=None, env=env)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def rows_of(rows, check):
    return [r for r in rows if r["check"] == check]


@pytest.fixture
def record_blob(ledger):
    """A ledger with one record; the loose git object holding that record file's text."""
    record_id = json.loads(invoke(ledger, "repair", "new", *RESIDENT, "-f", "json").stdout)["id"]
    relpath = git(ledger, "ls-files", f"records/*/{record_id}.yaml").split()[0]
    sha = git(ledger, "rev-parse", f"HEAD:{relpath}").strip()
    path = ledger / ".git" / "objects" / sha[:2] / sha[2:]
    assert path.is_file(), "propcli's writes leave loose objects"
    return sha, path


def corrupt(path):
    """Bytes flipped in the middle of the compressed object: what a failing disk or a torn write leaves."""
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, min(len(data) // 2 + 4, len(data))):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_healthy_ledger_passes_fsck(ledger, record_blob):
    code, rows = doctor(ledger)
    assert code == 0, rows
    assert [r["status"] for r in rows_of(rows, "fsck")] == ["ok"]
    assert "git fsck" in rows_of(rows, "fsck")[0]["detail"]


def test_a_corrupted_loose_object_is_a_problem_naming_it(ledger, record_blob):
    sha, path = record_blob
    corrupt(path)
    code, rows = doctor(ledger)
    assert code == 1
    found = rows_of(rows, "fsck")
    assert found[0]["status"] == "problem" and sha in found[0]["detail"], found
    assert "propcli sync" in found[0]["action"]


def test_with_too_little_time_the_loose_objects_are_still_read_and_doctor_says_what_it_left_out(ledger, record_blob):
    """A blob's contents are not read by --connectivity-only: only reading every loose object finds this one."""
    sha, path = record_blob
    corrupt(path)
    code, rows = doctor(ledger, env={"PROPCLI_FSCK_TIMEOUT": "0.001"})
    assert code == 1
    found = rows_of(rows, "fsck")
    assert any(r["status"] == "problem" and f"{sha[:2]}/{sha[2:]}" in r["detail"] for r in found), found
    warning = [r for r in found if r["status"] == "warning"]
    assert warning and "did not finish" in warning[0]["detail"] and "loose objects" in warning[0]["detail"]
    assert "packed objects were not read" in warning[0]["detail"]


def test_a_healthy_ledger_with_too_little_time_is_a_warning_not_a_problem(ledger, record_blob):
    code, rows = doctor(ledger, env={"PROPCLI_FSCK_TIMEOUT": "0.001"})
    assert code == 0, rows
    assert [r["status"] for r in rows_of(rows, "fsck")] == ["warning"]


def test_duplicate_names_in_staff_yaml_are_reported_with_their_lines(ledger):
    staff = ledger / "staff.yaml"
    text = staff.read_text(encoding="utf-8")
    lines = text.count("\n")
    staff.write_text(text + "  - {name: 王芳, role: technician}\n"            # the same name, another role
                     + "  - {name: \"李静\u3000\", role: receptionist}\n"      # a full-width space after it
                     + "  - {name: \"周师\u200b傅\"}\n", encoding="utf-8")       # invisible, and no role
    code, rows = doctor(ledger)
    assert code == 1
    problems = [r["detail"] for r in rows_of(rows, "staff") if r["status"] == "problem"]
    assert any(d.startswith(f"staff.yaml:{lines + 1}: 王芳 ") for d in problems), problems
    assert any(d.startswith(f"staff.yaml:{lines + 2}: 李静 ") for d in problems), problems
    assert any(d.startswith(f"staff.yaml:{lines + 3}: ") and "周师" in d for d in problems), problems


def test_the_findings_read_in_chinese(ledger, record_blob):
    _sha, path = record_blob
    corrupt(path)
    result = invoke(ledger, "--lang", "zh_CN", "doctor", as_=None, env={"PROPCLI_FSCK_TIMEOUT": "0.001"})
    assert result.exit_code == 1
    assert "损坏的 git 松散对象" in result.stdout
