"""`propcli doctor`: the ledger's health end to end, each finding with what to do (CLI.md "Additions").

It reads and reports; it repairs nothing (the next propcli write clears what is safe to clear: the git locks
and leftovers of a killed command, a stale index). Every check is a function returning findings; a problem
makes the command exit 1, a warning does not."""
from __future__ import annotations

import os
from dataclasses import dataclass

from propcli.i18n import _

OK, WARNING, PROBLEM = "ok", "warning", "problem"
LOOSE_OBJECTS_WARN = 6700  # git's own gc.auto threshold


@dataclass
class Finding:
    check: str
    status: str
    detail: str
    action: str = ""

    def as_row(self) -> dict:
        return {"check": self.check, "status": self.status, "detail": self.detail, "action": self.action}


def diagnose(ledger_path: str | None, now=None) -> list[dict]:
    """Every check's findings, as rows (check, status, detail, action). Opening the ledger may fail: exit 3."""
    import propcli.app.schema  # noqa: F401  (the policy and calendar are read through the schema)
    from propcli.store.ledger import Ledger

    ledger = Ledger.discover(ledger_path)  # not Session.ledger: that would set things up, doctor only looks
    year = (now or _today(ledger)).year
    findings: list[Finding] = []
    for check in (check_git, check_locks, check_index, check_policy, check_staff, check_calendar,
                  check_merge_driver, check_objects, check_fsck, check_work_tree):
        try:
            found = check(ledger, year) if check is check_calendar else check(ledger)
        except Exception as error:  # noqa: BLE001 - a check that cannot run is itself a finding
            found = [Finding(check.__name__[6:], PROBLEM, _("the check could not run: {error}",
                                                          error=f"{type(error).__name__}: {error}"),
                             _("run propcli --debug doctor and report it"))]
        findings += found
    return [f.as_row() for f in findings]


def has_problems(rows: list[dict]) -> bool:
    return any(row["status"] == PROBLEM for row in rows)


def _today(ledger):
    from propcli.timeutil import parse_time, utc_now

    return parse_time(utc_now(), ledger.tz)


# --- the checks ------------------------------------------------------------------------------------------

def check_git(ledger) -> list[Finding]:
    git = ledger.git
    try:
        version = git.run("--version").strip()
    except Exception as error:  # noqa: BLE001
        return [Finding("git", PROBLEM, str(error), _("install git and put it on PATH"))]
    problem = git.state_problem()
    if problem:
        return [Finding("git", PROBLEM, problem, _("until then every change is refused (exit 3)"))]
    branch = (git.branch_ref() or "").removeprefix("refs/heads/")
    return [Finding("git", OK, _("{version}, on branch {branch}", version=version, branch=branch))]


def check_locks(ledger) -> list[Finding]:
    from propcli.store.unit import JOURNAL

    findings = []
    journal = ledger.state_dir / JOURNAL
    if journal.exists():
        findings.append(Finding("locks", PROBLEM, _("an interrupted propcli command left an unfinished change ({path})",
                                                    path=_rel(ledger, journal)),
                                _("nothing to do by hand: the next propcli command rolls it back")))
    for lock in ledger.git.lock_files():
        findings.append(Finding("locks", PROBLEM, _("{path} exists: git refuses to commit while it is there",
                                                    path=_rel(ledger, lock)),
                                _("if no git command is running in the ledger, delete it; one left by a killed propcli "
                                  "is cleared by the next propcli change")))
    held = _ledger_lock_held(ledger)
    if held:
        findings.append(Finding("locks", OK, _("a propcli command is writing right now (it holds the ledger lock)")))
    if not findings:
        findings.append(Finding("locks", OK, _("no git lock files, no unfinished change")))
    return findings


def _ledger_lock_held(ledger) -> bool:
    import fcntl

    path = ledger.state_dir / "lock"
    if not path.exists():
        return False
    handle = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(handle)


def check_index(ledger) -> list[Finding]:
    """The SQLite cache read-only (doctor never rebuilds it): intact, and what it knows of damaged files."""
    import sqlite3

    path = ledger.state_dir / "index.sqlite"
    if (ledger.state_dir / "index.stale").exists():
        return [Finding("index", WARNING, _("marked stale: a change was committed that the index could not learn"),
                        _("nothing to do: the next command rebuilds it (or run propcli reindex)"))]
    if not path.exists():
        return [Finding("index", WARNING, _("no index yet"), _("the next command builds it (or run propcli reindex)"))]
    from propcli.store.queries import index_health

    try:
        verdict, count, damaged, total_damaged = index_health(path)
        if verdict != "ok":
            raise sqlite3.DatabaseError(verdict)
    except sqlite3.Error as error:
        return [Finding("index", PROBLEM, _("the index cache is damaged ({error})", error=error),
                        _("run propcli reindex (any command also rebuilds it, with a warning)"))]
    findings = [Finding("index", OK, _("{count} records indexed", count=count))]
    if total_damaged:
        shown = "; ".join(f"{p}:{line}: {m}" for p, line, m in damaged)
        findings.append(Finding("records", PROBLEM, _("{count} damaged record file(s): {files}", count=total_damaged,
                                                      files=shown),
                                _("run propcli check for every problem with its line; fix or restore each file (git "
                                  "checkout -- FILE)")))
    return findings


def check_policy(ledger) -> list[Finding]:
    from propcli.app.checks import check_policy as policy_problems

    problems = policy_problems(ledger)
    roles = str(ledger.config.get("roles") or "warn")
    findings = [Finding("policy", PROBLEM, str(problem), _("fix policy.yaml at that line (propcli check)"))
                for problem in problems]
    if roles not in ("warn", "enforce"):
        findings.append(Finding("policy", PROBLEM, _("propcli.yaml: roles: '{value}'; expected warn or enforce",
                                                     value=roles), _("set roles: warn or roles: enforce")))
    if not findings:
        findings += _readings(ledger)
    return findings or [Finding("policy", OK, _("policy.yaml reads cleanly; roles: {roles}", roles=roles))]


def _readings(ledger) -> list[Finding]:
    """Settings made by an earlier release lack what this one reads (issue 18 point 6): say what to run."""
    from propcli.app.upgrade import plan

    try:
        changes = plan(ledger).changes
    except Exception:  # noqa: BLE001  a file the round trip cannot read is reported by the checks above
        return []
    if not changes:
        return []
    shown = "; ".join(changes[:3]) + (_(" (and {count} more)", count=len(changes) - 3) if len(changes) > 3 else "")
    return [Finding("policy", WARNING, _("the settings lack {count} reading(s) of this release: {changes}",
                                         count=len(changes), changes=shown),
                    _("run propcli upgrade (one commit; records untouched; --dry-run to see it first)"))]


def check_staff(ledger) -> list[Finding]:
    from propcli.app.mail import is_address
    from propcli.policy.roles import ROLES

    from propcli.errors import LedgerUnusable

    findings = []
    for name, lines in staff_duplicates(ledger):  # read from the file itself: also when the roster is malformed
        findings.append(Finding("staff", PROBLEM, _("staff.yaml:{line}: {name} is listed more than once (lines {lines})",  # noqa: E501
                                                    line=lines[1], name=name, lines=", ".join(map(str, lines))),
                                _("keep one entry per person (their roles would be mixed up)")))
    try:
        staff = ledger.staff
    except LedgerUnusable as error:  # malformed: every command that needs the roster stops (exit 3)
        return [Finding("staff", PROBLEM, error.message, _("fix staff.yaml at that line (propcli check)"))] + findings
    for member in staff:
        if member.role not in ROLES:
            findings.append(Finding("staff", PROBLEM, _("staff.yaml: {name}: role '{role}' is not a role key",
                                                        name=member.name, role=member.role),
                                    _("use one of: {roles}", roles=", ".join(ROLES))))
        if member.email and not is_address(member.email):
            findings.append(Finding("staff", PROBLEM, _("staff.yaml: {name}: '{email}' is not an e-mail address",
                                                        name=member.name, email=member.email),
                                    _("correct it: the overdue mail skips it")))
    logins = [m.login for m in staff if m.login]
    for login in sorted({x for x in logins if logins.count(x) > 1}):
        findings.append(Finding("staff", PROBLEM, _("staff.yaml: login {login} is given to several people",
                                                    login=login), _("one login: per person")))
    if not any(m.role == "system" for m in staff):
        findings.append(Finding("staff", WARNING, _("staff.yaml has no entry with role system"),
                                _("add {{name: cron, role: system}} for cron jobs and scripts (--as cron)")))
    held = {m.role for m in staff}
    for role in ("receptionist", "engineering_director", "technician", "finance", "service_director"):
        if role not in held:
            findings.append(Finding("staff", WARNING, _("nobody holds the role {role}", role=role),
                                    _("add the person to staff.yaml; deadlines of that role reach nobody")))
    return findings or [Finding("staff", OK, _("{count} people, every role key known", count=len(staff)))]


_INVISIBLE = dict.fromkeys([*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF, 0xAD])


def same_name(name) -> str:
    """A name as a person reads it: Unicode NFKC (full-width letters and digits, compatibility forms), no
    invisible or direction characters, no spaces (full-width ones included), case folded."""
    import unicodedata

    text = unicodedata.normalize("NFKC", str(name)).translate(_INVISIBLE)
    return "".join(text.split()).casefold()


def staff_duplicates(ledger) -> list[tuple[str, list[int]]]:
    """(name, its lines in staff.yaml) for every person listed more than once: every entry with a name counts
    (also one without a role, which the roster leaves out), and names that differ only in what a reader cannot
    see (spaces, full-width forms, invisible characters, case) are the same name."""
    from propcli.store import yamlio

    text = ledger.file_text("staff.yaml")
    if not text.strip():
        return []
    try:
        document = yamlio.parse_roundtrip(text, "staff.yaml")
    except yamlio.DamagedFile:
        return []  # check_config_files reports it, with its line
    entries = document.get("staff") if hasattr(document, "get") else None
    if not isinstance(entries, list):
        return []
    seen: dict[str, list] = {}
    for number, entry in enumerate(entries):
        if not hasattr(entry, "get") or entry.get("name") in (None, ""):
            continue
        try:
            line = entries.lc.item(number)[0] + 1
        except Exception:  # noqa: BLE001 - a line is a courtesy
            line = 0
        seen.setdefault(same_name(entry.get("name")), []).append((line, str(entry.get("name"))))
    return [(found[0][1].strip(), [line for line, _name in found]) for found in seen.values() if len(found) > 1]


def check_calendar(ledger, year: int) -> list[Finding]:
    """chinesecalendar knows the official holidays (and 调休) only for the years it was released with."""
    from datetime import date

    try:
        import chinese_calendar
    except ImportError:
        return [Finding("calendar", WARNING, _("chinesecalendar is not installed: working days are Monday to Friday"),
                        _("pip install chinesecalendar"))]
    findings = []
    version = getattr(chinese_calendar, "__version__", "?")
    for wanted in (year, year + 1):
        try:
            chinese_calendar.is_holiday(date(wanted, 6, 1))
        except NotImplementedError:
            findings.append(Finding("calendar", WARNING,
                                    _("chinesecalendar {version} has no official holidays for {year}: working-day "
                                      "deadlines count every Monday to Friday as a working day", version=version,
                                      year=wanted),
                                    _("pip install -U chinesecalendar once the State Council publishes {year}'s "
                                      "holidays; until then list closures in calendar.yaml", year=wanted)))
    return findings or [Finding("calendar", OK,
                                _("official holidays known for {first} and {second} (chinesecalendar {version})",
                                  first=year, second=year + 1,
                                                  version=version))]


def check_merge_driver(ledger) -> list[Finding]:
    """The command git runs to merge record files: configured, and it runs (tried on three copies of a record
    in a temporary folder: nothing of the ledger is touched)."""
    import subprocess
    import tempfile

    from propcli.store.git import MERGE_DRIVER_KEY, merge_driver_programs

    git = ledger.git
    command = git.run("config", "--get", MERGE_DRIVER_KEY, check=False).strip()
    attributes = ledger.root / ".gitattributes"
    if not attributes.is_file() or "merge=propcli-record" not in attributes.read_text(encoding="utf-8",
                                                                                      errors="replace"):
        return [Finding("merge driver", PROBLEM,
                        _(".gitattributes does not send record files to the propcli merge driver"),
                        _("restore it: records/**/*.yaml merge=propcli-record (as propcli init writes it)"))]
    if not command:
        return [Finding("merge driver", WARNING, _("not set up in this clone yet"),
                        _("nothing to do: the next propcli command sets it up"))]
    record = ("schema: 1\nkind: call\nid: C-2QG9RG0000\nevents:\n- step: new\n  at: '2026-11-28T09:00:00+08:00'\n"
              "  by: doctor\n")
    with tempfile.TemporaryDirectory(prefix="propcli-doctor-") as folder:
        paths = []
        for name in ("base", "ours", "theirs"):
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(record)
            paths.append(path)
        import shlex

        quoted = [shlex.quote(p) for p in paths]
        run = command.replace("%O", quoted[0]).replace("%A", quoted[1]).replace("%B", quoted[2])
        try:
            done = subprocess.run(["sh", "-c", run], capture_output=True, text=True, timeout=60, cwd=ledger.root)
            works = done.returncode == 0
            why = (done.stderr or done.stdout).strip().splitlines()[-1:] or [str(done.returncode)]
        except (OSError, subprocess.SubprocessError) as error:
            works, why = False, [str(error)]
    programs = ", ".join(merge_driver_programs(command)) or command
    if not works:
        return [Finding("merge driver", PROBLEM,
                        _("git's merge driver for record files does not run ({programs}: {why})", programs=programs,
                          why=why[0]),
                        _("point it at an installed propcli: git config {key} 'propcli merge-driver %O %A %B' (or any "
                          "propcli command sets it up again after rm .git/propcli/configured)",
                          key=MERGE_DRIVER_KEY))]
    return [Finding("merge driver", OK, _("runs ({programs})", programs=programs))]


def check_objects(ledger) -> list[Finding]:
    out = ledger.git.run("count-objects", "-v")
    figures = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    loose, garbage = int(figures.get("count", 0)), int(figures.get("garbage", 0))
    try:
        limit = int(ledger.git.run("config", "--get", "gc.auto", check=False).strip() or LOOSE_OBJECTS_WARN)
    except ValueError:
        limit = LOOSE_OBJECTS_WARN
    findings = []
    if limit and loose > limit:
        findings.append(Finding("objects", PROBLEM, _("{count} loose git objects (git packs them past {limit})",
                                                      count=loose, limit=limit),
                                _("run git gc in the ledger (propcli runs git gc --auto as it writes)")))
    if garbage:
        findings.append(Finding("objects", WARNING, _("{count} garbage file(s) among git's objects", count=garbage),
                                _("git gc --prune=now removes them")))
    return findings or [Finding("objects", OK, _("{loose} loose, {packed} packed objects", loose=loose,
                                                 packed=figures.get("in-pack", 0)))]


FSCK_TIMEOUT = 60.0
"""Seconds the full `git fsck` may take before doctor falls back to what it can check quickly."""


def fsck_budget(ledger) -> float:
    """PROPCLI_FSCK_TIMEOUT, else propcli.yaml `doctor: {fsck_timeout: SECONDS}`, else 60 s."""
    settings = ledger.config.get("doctor")
    configured = settings.get("fsck_timeout") if isinstance(settings, dict) else None
    for value in (os.environ.get("PROPCLI_FSCK_TIMEOUT"), configured):
        try:
            if value is not None and float(value) > 0:
                return float(value)
        except (TypeError, ValueError):
            continue
    return FSCK_TIMEOUT


def check_fsck(ledger) -> list[Finding]:
    """Damaged git objects (issue 16 point 3; docs/history.md "doctor"): `git fsck`, bounded in time. On a
    ledger too big for the budget it falls back to `git fsck --connectivity-only` (every reachable object
    present, commits and trees readable) plus every loose object read back and hashed -- and says what it
    did not read (the contents of packed blobs)."""
    import time

    git = ledger.git
    budget = fsck_budget(ledger)
    began = time.monotonic()
    finished, code, lines = git.fsck(budget)
    restore = _("bring the objects back from another copy of the ledger: git fetch from the office's remote (propcli sync), or clone it again (propcli clone) and keep this folder for the records it alone has")  # noqa: E501
    if finished:
        if code != 0:
            return [Finding("fsck", PROBLEM, _("git fsck: {errors}", errors="; ".join(lines[:5]) or code), restore)]
        return [Finding("fsck", OK, _("git fsck: every object intact and reachable ({seconds:.1f} s)",
                                      seconds=time.monotonic() - began))]
    findings = []
    left = max(budget, 10.0)
    connected, code, lines = git.fsck(left, connectivity_only=True)
    if connected and code != 0:
        findings.append(Finding("fsck", PROBLEM, _("git fsck --connectivity-only: {errors}",
                                                   errors="; ".join(lines[:5]) or code), restore))
    checked, damaged = git.damaged_loose_objects()
    for line in damaged[:5]:
        findings.append(Finding("fsck", PROBLEM, _("damaged loose git object {object}", object=line), restore))
    if len(damaged) > 5:
        findings.append(Finding("fsck", PROBLEM, _("{count} more damaged loose objects", count=len(damaged) - 5),
                                restore))
    what = _("the full git fsck did not finish in {seconds:.0f} s; checked instead: {connectivity}, the contents of {count} loose objects; the contents of packed objects were not read",  # noqa: E501
             seconds=budget, count=checked,
             connectivity=_("every reachable object present") if connected
             else _("not even the connectivity (it did not finish either)"))
    findings.append(Finding("fsck", WARNING, what,
                            _("run git fsck in the ledger out of hours, or raise doctor: fsck_timeout in propcli.yaml")))  # noqa: E501
    return findings


def check_work_tree(ledger) -> list[Finding]:
    """Hand edits waiting to be committed, temp files of killed writers."""
    from propcli.store import yamlio

    findings = []
    changed = ledger.git.changed_paths("records")
    if changed:
        shown = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
        findings.append(Finding("work tree", WARNING, _("{count} record file(s) differ from the last commit: {files}",
                                                        count=len(changed), files=shown),
                                _("a hand edit is committed on its own by the next change to that record; undo one "
                                  "with git checkout -- FILE")))
    temps = []
    for folder, _dirs, files in os.walk(ledger.root / "records"):
        temps += [os.path.join(folder, n) for n in files if n.endswith(".tmp")]
    temps += [str(p) for p in ledger.state_dir.glob(".*.tmp") if yamlio.pid_of_temp(p.name) is not None]
    if temps:
        findings.append(Finding("work tree", WARNING,
                                _("{count} temporary file(s) left by an interrupted write: {first}",
                                                        count=len(temps), first=_rel(ledger, temps[0])),
                                _("nothing to do: the next propcli change removes those of finished processes")))
    return findings or [Finding("work tree", OK, _("clean"))]


def _rel(ledger, path) -> str:
    try:
        return os.path.relpath(path, ledger.root)
    except ValueError:
        return str(path)
