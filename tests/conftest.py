"""Shared fixtures: a fresh ledger in a tmp dir and a helper running the CLI in-process.

    ledger = make_ledger(tmp_path)                      # propcli init, returns the path
    result = invoke(ledger, "repair", "new", ..., now="2026-11-28T09:00", as_="王芳")
    result.exit_code, result.stdout, result.stderr

No mocks: real git repositories, real files, a fixed clock through --now.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

# The suite's assertions are in English; Chinese tests set PROPCLI_LANG=zh_CN (or --lang zh_CN) themselves.
os.environ["PROPCLI_LANG"] = "en"

from propcli.cli import cli  # noqa: E402

@pytest.fixture(autouse=True)
def _language_of_the_environment():
    """Each test starts with the language its environment says (PROPCLI_LANG=en): a command run in-process with
    zh_CN settles the language for the process, and a test calling the app layer next would read Chinese."""
    from propcli import i18n

    i18n.reset()
    yield


NOW = "2026-11-28T09:00:00+08:00"
ACTOR = "王芳"

# Tests must not depend on the developer's environment.
for _var in ("PROPCLI_LEDGER", "PROPCLI_NOW", "PROPCLI_USER", "PROPCLI_LOCK_TIMEOUT"):
    os.environ.pop(_var, None)


def run_cli(*args: str, env: dict | None = None):
    """Run `propcli ARGS` in-process; returns click's Result (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def make_ledger(tmp_path: Path, name: str = "ledger", *options: str) -> Path:
    """`propcli init tmp_path/name [options]`; returns the ledger's path."""
    path = Path(tmp_path) / name
    result = run_cli("init", str(path), *options)
    assert result.exit_code == 0, result.output
    return path


PEOPLE = {
    ("repair", "take"): "周志强", ("repair", "quote"): "周志强", ("repair", "confirm"): "周志强",
    ("repair", "refuse"): "吴海涛", ("repair", "arrive"): "吴海涛", ("repair", "material"): "吴海涛",
    ("repair", "complete"): "吴海涛", ("repair", "sign"): "吴海涛", ("repair", "return"): "吴海涛",
    ("repair", "paid"): "谢春兰",
    ("request", "reply"): "刘洋", ("request", "medical"): "刘洋", ("request", "charge"): "刘洋",
    ("patrol", "new"): "刘洋", ("patrol", "handle"): "刘洋",
    ("callback", "plan"): "陈静", ("visit", "record"): "刘洋",
}
"""Who does a step when a test does not say (`as_` left out): the person of the skeleton's roster holding the
role policy.yaml `steps:` names (a new ledger enforces it); everything else the receptionist ACTOR. A test
about roles passes `as_` itself."""
DESK = object()


CALLERS = {"manager": "李秀梅", "service_director": "陈静", "patrol_officer": "高敏", "area_officer": "罗婷",
           "culture_clerk": "梁小雨", "property_officer": "刘洋"}
"""`callback record`: the role the callback names (11.1.3 by the complaint's severity; 11.1.4-6), as a person."""


def person_for(ledger, args) -> str:
    words = [str(a) for a in args if not str(a).startswith("-")][:3]
    if words[:2] == ["callback", "record"] and len(words) == 3 and ledger is not None:
        shown = run_cli("--ledger", str(ledger), "show", words[2], "-f", "json")
        if shown.exit_code == 0:
            return CALLERS.get(json.loads(shown.stdout).get("role"), ACTOR)
    return PEOPLE.get(tuple(words[:2]), ACTOR)


def invoke(ledger: Path | str | None, *args: str, now: str | None = NOW, as_=DESK,
           env: dict | None = None):
    """`propcli --ledger L --now NOW --as AS ARGS`; pass None to leave a global option out; leave `as_` out
    and the person whose role does that step acts (PEOPLE)."""
    if as_ is DESK:
        as_ = person_for(ledger, args)
    head: list[str] = []
    if ledger is not None:
        head += ["--ledger", str(ledger)]
    if now is not None:
        head += ["--now", now]
    if as_ is not None:
        head += ["--as", as_]
    return run_cli(*head, *args, env=env)


def invoke_json(ledger, *args, **kw):
    """`invoke` with `-f json` appended; asserts exit 0 and returns the parsed output."""
    result = invoke(ledger, *args, "-f", "json", **kw)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


def git(ledger: Path | str, *args: str, check: bool = True) -> str:
    """Run git in the ledger; returns stdout."""
    done = subprocess.run(["git", *args], cwd=ledger, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"git {args} failed: {done.stderr}"
    return done.stdout


def add_staff(ledger: Path | str, *names: str, role: str = "receptionist") -> None:
    """Put test-only names (`one`, `staff3`) on the ledger's roster and commit it: whoever acts must be in
    staff.yaml (CLI.md "Who may act"); the shipped skeleton lists only people an office could have."""
    path = Path(ledger) / "staff.yaml"
    lines = "".join(f"  - {{name: {name}, role: {role}}}\n" for name in names)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + lines, encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "test: staff", "--", "staff.yaml")


def git_state(ledger: Path | str) -> tuple[str, str]:
    """(HEAD sha, `git status --porcelain`) -- compare before/after to prove nothing was written."""
    return git(ledger, "rev-parse", "HEAD").strip(), git(ledger, "status", "--porcelain", "--untracked-files=all")


@pytest.fixture
def ledger(tmp_path) -> Path:
    """A fresh empty ledger made by `propcli init`."""
    return make_ledger(tmp_path)


def invoke_refused(ledger, *args, now: str | None = NOW, as_=DESK) -> str:
    """`invoke` that must be refused as bad input: exit 2, one line on stderr, no traceback, nothing written.
    Returns the message."""
    before = git_state(ledger)
    result = invoke(ledger, *args, now=now, as_=as_)
    assert result.exit_code == 2, result.output
    assert git_state(ledger) == before, "nothing may be written"
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def record_from_yaml(text: str):
    """A Record from the YAML text of a record file, for unit tests of the kinds (no ledger, no git)."""
    import textwrap

    from ruamel.yaml import YAML

    import propcli.kinds  # noqa: F401  (registers the kinds' id prefixes)
    from propcli.model import record_from_plain

    return record_from_plain(YAML(typ="safe").load(textwrap.dedent(text)), "Asia/Shanghai")


@pytest.fixture
def make_record():
    """`make_record(YAML_TEXT)` -> Record (see record_from_yaml)."""
    return record_from_yaml
