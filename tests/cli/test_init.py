"""`init` never takes over a folder that is not its own (issue 8, point 5): a non-empty folder that is not
a ledger, the file-system root and the home folder are bad input (exit 2, nothing written); inside an
existing git repository the ledger's first commit holds only its own files; `init -` is bad input."""
import os
import subprocess

import pytest

from conftest import git, run_cli


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.read_bytes() if p.is_file() else b"")
                  for p in folder.rglob("*") if ".git" not in p.relative_to(folder).parts)


def refused(*args) -> str:
    result = run_cli("init", *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    return result.stderr


def test_a_non_empty_folder_that_is_not_a_ledger_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "staff.yaml").write_text("staff: [我的名单]\n", encoding="utf-8")
    (folder / "notes.txt").write_text("私人笔记\n", encoding="utf-8")
    before = snapshot(folder)
    message = refused(str(folder))
    assert "PATH" in message and "not empty" in message and "staff.yaml" in message
    assert snapshot(folder) == before and not (folder / ".git").exists()


@pytest.mark.parametrize("path", ["/", "~", "-", "", " "])
def test_root_home_and_dash_are_bad_input(tmp_path, path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(home)
    message = refused(path)
    assert message.startswith("propcli: PATH: ")
    assert snapshot(home) == before and not (home / ".git").exists()
    assert not os.path.exists("/propcli.yaml")


def test_the_home_folder_by_its_full_path_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert "home folder" in refused(str(tmp_path))


def test_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert "file" in refused(str(tmp_path / "f"))


def test_an_undecodable_path_is_bad_input(tmp_path):
    bad = str(tmp_path / "x") + b"\xff".decode("utf-8", "surrogateescape")
    assert "PATH" in refused(bad)


def test_inside_a_git_repository_only_the_ledgers_own_files_are_committed(tmp_path):
    outer = tmp_path / "project"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    (outer / "untracked.txt").write_text("the user's own\n", encoding="utf-8")
    (outer / "ledger").mkdir()
    result = run_cli("init", str(outer / "ledger"))
    assert result.exit_code == 0, result.output
    ledger = outer / "ledger"
    files = git(ledger, "ls-files").split()
    assert "untracked.txt" not in files and not any(".." in f for f in files)
    assert sorted(files) == sorted(["propcli.yaml", "policy.yaml", "prices.yaml", "staff.yaml", "calendar.yaml",
                                    ".gitignore", ".gitattributes", "records/.gitkeep"])
    assert git(outer, "status", "--porcelain").count("untracked.txt") == 1  # the outer repository untouched
    assert git(outer, "rev-list", "--all").strip() == ""


def test_an_empty_git_repository_can_become_a_ledger(tmp_path):
    folder = tmp_path / "cloned"
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    assert run_cli("init", str(folder)).exit_code == 0
    assert git(folder, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_failed_init_leaves_nothing(tmp_path):
    result = run_cli("init", str(tmp_path / "new"), "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert not (tmp_path / "new").exists()
