"""`propcli company …` (issue 20) on real git: three offices, each pushed to a bare repository served by its own
`git daemon` on loopback (an ephemeral port), brought into a company folder, read, and one taken away mid-way."""
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, invoke, invoke_json, make_ledger, run_cli

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301")
NOW = "2026-11-30T12:00"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daemon:
    """`git daemon` on loopback serving one folder of bare repositories; `stop()` takes it away."""

    def __init__(self, served: Path):
        self.served = served
        self.port = _free_port()
        self.process = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={self.port}",
             f"--base-path={served}", str(served)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read()
                assert time.monotonic() < deadline, "git daemon did not start"
                time.sleep(0.05)

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def repair(ledger, at: str, fill_after: int | None) -> str:
    """A resident repair received at `at` (2026-11-DD HH:MM); filled `fill_after` minutes later (None: never)."""
    record_id = invoke_json(ledger, "repair", "new", *RESIDENT, "--item", "水龙头漏水", now=at)["id"]
    if fill_after is not None:
        hour, minute = int(at[11:13]), int(at[14:16]) + fill_after
        done = f"{at[:11]}{hour + minute // 60:02d}:{minute % 60:02d}"
        result = invoke(ledger, "repair", "fill", record_id, now=done)
        assert result.exit_code == 0, result.stderr
    return record_id


def publish(ledger: Path, bare: Path) -> None:
    git(bare.parent, "init", "-q", "--bare", "-b", "main", bare.name)
    git(ledger, "push", "-q", str(bare), "HEAD:refs/heads/main")


def company_cli(company: Path, *args, now: str | None = NOW):
    head = ["--now", now] if now else []
    return run_cli(*head, "company", "--company", str(company), *args)


def company_json(company: Path, *args, now: str | None = NOW):
    result = company_cli(company, *args, "-f", "json", now=now)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture
def offices(tmp_path):
    """Three offices (HY01, HY02, HY03), each behind its own git daemon, and a company folder holding them.

    repair.fill (2 minutes) in November: HY01 1 of 2 on time, HY02 3 of 3, HY03 0 of 1 (never filled: overdue)."""
    made = {}
    plan = {"HY01": [("2026-11-10T09:00", 1), ("2026-11-11T09:00", 5)],
            "HY02": [("2026-11-10T10:00", 1), ("2026-11-12T10:00", 1), ("2026-11-13T10:00", 2)],
            "HY03": [("2026-11-20T09:00", None)]}
    daemons = []
    for code, repairs in plan.items():
        ledger = make_ledger(tmp_path, code.lower(), "--office", code)
        ids = [repair(ledger, at, after) for at, after in repairs]
        served = tmp_path / f"served-{code}"
        served.mkdir()
        publish(ledger, served / "ledger.git")
        daemon = Daemon(served)
        daemons.append(daemon)
        made[code] = {"ledger": ledger, "ids": ids, "daemon": daemon, "bare": served / "ledger.git",
                      "url": daemon.url("ledger.git")}
    company = tmp_path / "company"
    assert run_cli("company", "init", str(company), "--name", "华苑物业").exit_code == 0
    for code, office in made.items():
        result = company_cli(company, "add", code, office["url"], "--name", f"{code}管理处")
        assert result.exit_code == 0, result.stderr
    try:
        yield company, made
    finally:
        for daemon in daemons:
            daemon.stop()


def snapshot(copy: Path) -> dict:
    """Every file of a copy (work tree and .git) with its size and mtime: what 'never written' compares."""
    found = {}
    for folder, _dirs, files in os.walk(copy):
        for name in files:
            path = Path(folder) / name
            stat = path.stat()
            found[str(path.relative_to(copy))] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_stats_sums_counts_and_recomputes_shares_never_averaging(offices):
    company, made = offices
    before = {code: snapshot(company / "offices" / code) for code in made}
    data = company_json(company, "stats", "2026-11")
    assert data["month"] == "2026-11" and data["last_month"] == "2026-10"
    rows = {row["code"]: row for row in data["offices"]}
    assert list(rows) == ["HY01", "HY02", "HY03"]
    for code, row in rows.items():
        assert row["name"] == f"{code}管理处" and row["stale"] is False and row["fetched_at"]
        own = invoke_json(made[code]["ledger"], "stats", "2026-11", now=NOW)
        for key in ("requests", "repairs", "complaints", "callbacks"):  # the office's own figures, as it computes them
            assert row[key] == own[key], (code, key)
    assert rows["HY01"]["repairs"]["on_time"]["repair.fill"] == 0.5
    assert rows["HY02"]["repairs"]["on_time"]["repair.fill"] == 1.0
    assert rows["HY03"]["repairs"]["on_time"]["repair.fill"] == 0.0
    whole = data["company"]
    assert whole["repairs"]["total"] == 6
    assert whole["repairs"]["on_time"]["repair.fill"] == round(4 / 6, 4)  # not the average of the shares (0.5)
    assert whole["on_time_counts"]["repairs"]["repair.fill"] == [4, 2]
    assert whole["callbacks"]["repair"]["eligible"] == sum(r["callbacks"]["repair"]["eligible"] for r in rows.values())
    assert "repairs.on_time.repair.fill" in whole["misses"]
    assert rows["HY02"]["rank"] == 1 and rows["HY03"]["rank"] == 3
    assert whole["last_month"]["month"] == "2026-10" and whole["last_month"]["repairs"]["total"] == 0
    after = {code: snapshot(company / "offices" / code) for code in made}
    assert after == before  # reading never writes a copy


def _drop_indexes(company: Path, codes) -> list[Path]:
    dropped = []
    for code in codes:
        for suffix in ("", "-wal", "-shm"):
            path = company / ".propcli" / "cache" / code / f"index.sqlite{suffix}"
            path.unlink(missing_ok=True)
        dropped.append(company / ".propcli" / "cache" / code / "index.sqlite")
    return dropped


def test_stats_figures_kept_per_office_by_head_month_and_clock(offices):
    """Warm `company stats` (issue 20 point 5): an office whose copy did not move is not read again for the same
    month and clock; a sync that moves it, or another clock, reads it again."""
    company, made = offices
    first = company_json(company, "stats", "2026-11")
    dropped = _drop_indexes(company, made)
    assert company_json(company, "stats", "2026-11") == first  # kept: the same figures,
    assert not any(path.exists() for path in dropped)  # and no office's index was opened
    later = company_json(company, "stats", "2026-11", now="2026-12-05T12:00")  # another clock: read again
    assert all(path.exists() for path in dropped)
    assert later["now"] != first["now"] and later["offices"][0]["repairs"] == first["offices"][0]["repairs"]
    repair(made["HY01"]["ledger"], "2026-11-23T09:00", 1)
    git(made["HY01"]["ledger"], "push", "-q", str(made["HY01"]["bare"]), "HEAD:refs/heads/main")
    assert company_cli(company, "sync").exit_code == 0
    dropped = _drop_indexes(company, made)
    moved = company_json(company, "stats", "2026-11")
    rows = {row["code"]: row for row in moved["offices"]}
    assert rows["HY01"]["repairs"]["total"] == 3 and moved["company"]["repairs"]["total"] == 7
    assert rows["HY01"]["repairs"]["on_time"]["repair.fill"] == round(2 / 3, 4)
    assert [path.exists() for path in dropped] == [True, False, False]  # only the office that moved was read
    own = invoke_json(made["HY01"]["ledger"], "stats", "2026-11", now=NOW)
    assert rows["HY01"]["repairs"] == own["repairs"]
    wall = company_json(company, "stats", "2026-11", now=None)  # the wall clock, to the 5 minutes
    assert wall["now"][14:19].replace(":", "").isdigit() and int(wall["now"][14:16]) % 5 == 0
    assert wall["now"][17:19] == "00"


def test_stats_table_and_csv(offices):
    company, _made = offices
    table = company_cli(company, "stats", "2026-11")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "2026-10" in lines[0]
    assert any(line.split()[:2] == ["1", "HY02"] for line in lines)
    assert any("company" in line and "华苑物业" in line for line in lines)
    company_line = next(line for line in lines if "华苑物业" in line)
    assert "%✗(" in company_line  # the company's on-time share, marked below its 100 % target
    csv = company_cli(company, "stats", "2026-11", "-f", "csv")
    assert csv.exit_code == 0, csv.stderr
    header, *rows = csv.stdout.splitlines()
    assert header.startswith("rank,code,name,stale,fetched_at,") and "repairs.on_time.repair.fill" in header
    assert len(rows) == 4


def test_one_office_taken_away_mid_way_is_stale_with_its_last_copy(offices):
    company, made = offices
    repair(made["HY03"]["ledger"], "2026-11-21T09:00", 1)
    git(made["HY03"]["ledger"], "push", "-q", str(made["HY03"]["bare"]), "HEAD:refs/heads/main")
    first = company_cli(company, "sync")
    assert first.exit_code == 0, first.stderr
    fetched = {r["code"]: r["fetched_at"] for r in company_json(company, "stats", "2026-11")["offices"]}
    made["HY02"]["daemon"].stop()  # HY02's server goes away
    repair(made["HY01"]["ledger"], "2026-11-22T09:00", 1)
    git(made["HY01"]["ledger"], "push", "-q", str(made["HY01"]["bare"]), "HEAD:refs/heads/main")
    time.sleep(1.1)  # fetched_at has seconds
    result = company_cli(company, "sync")
    assert result.exit_code == 1, result.stderr
    assert "HY02" in result.stderr.splitlines()[-1] and "HY01" not in result.stderr.splitlines()[-1]
    data = company_json(company, "stats", "2026-11")
    rows = {r["code"]: r for r in data["offices"]}
    assert rows["HY02"]["stale"] is True and rows["HY02"]["fetched_at"] == fetched["HY02"]
    assert rows["HY02"]["repairs"]["total"] == 3  # its last copy, still counted
    assert rows["HY01"]["stale"] is False and rows["HY01"]["fetched_at"] > fetched["HY01"]
    assert rows["HY01"]["repairs"]["total"] == 3 and rows["HY03"]["repairs"]["total"] == 2
    assert data["company"]["repairs"]["total"] == 8
    late = company_cli(company, "overdue", "-f", "json")
    assert late.exit_code == 0 and "HY02" in late.stderr and "stale" in late.stderr


def test_an_office_never_brought_in_is_exit_3(offices, tmp_path):
    company, _made = offices
    gone = f"git://127.0.0.1:{_free_port()}/nothing.git"
    added = company_cli(company, "add", "HY09", gone, "--no-fetch")
    assert added.exit_code == 0, added.stderr
    result = company_cli(company, "sync")
    assert result.exit_code == 3
    assert "HY09" in result.stderr.splitlines()[-1]
    data = company_json(company, "stats", "2026-11")  # the other offices are still read
    assert [r["code"] for r in data["offices"]] == ["HY01", "HY02", "HY03", "HY09"]
    assert data["offices"][-1]["stale"] is True and data["offices"][-1]["fetched_at"] is None
    assert data["company"]["repairs"]["total"] == 6


def test_overdue_names_each_row_code_id_and_check_exits_1(offices):
    company, made = offices
    rows = company_json(company, "overdue")
    assert rows and all(row["id"] == f"{row['office']}:{row['id'].split(':', 1)[1]}" for row in rows)
    assert {row["office"] for row in rows} >= {"HY03"}
    mine = [row for row in rows if row["office"] == "HY03" and row["rule"] == "repair.fill"]
    assert mine and mine[0]["id"] == f"HY03:{made['HY03']['ids'][0]}"
    assert company_cli(company, "overdue", "--check").exit_code == 1
    only = company_json(company, "overdue", "--office", "hy01", "--kind", "repair")
    assert only and {row["office"] for row in only} == {"HY01"}
    early = company_cli(company, "overdue", "--check", now="2026-11-01T08:00")
    assert early.exit_code == 0, early.stderr
    shown = company_json(company, "show", mine[0]["id"])
    assert shown["id"] == mine[0]["id"] and shown["office"] == "HY03" and shown["kind"] == "repair"


def test_bad_input(offices, tmp_path):
    company, made = offices
    before = (company / "company.yaml").read_text(encoding="utf-8")
    unknown = company_cli(company, "overdue", "--office", "XX99")
    assert unknown.exit_code == 2 and "HY01, HY02, HY03" in unknown.stderr
    assert company_cli(company, "show", "XX99:R-2QG9RGJC7P").exit_code == 2
    assert company_cli(company, "show", "R-2QG9RGJC7P").exit_code == 2
    twice = company_cli(company, "add", "HY01", str(made["HY02"]["bare"]))
    assert twice.exit_code == 2 and "HY01" in twice.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    git(plain, "init", "-q", "-b", "main")
    (plain / "README").write_text("not a ledger\n", encoding="utf-8")
    git(plain, "add", "README")
    git(plain, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "x")
    for remote in (str(plain), str(tmp_path / "nowhere.git")):
        result = company_cli(company, "add", "HY04", remote)
        assert result.exit_code == 3, result.stderr
        assert remote in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (company / "offices" / "HY04").exists()
    assert (company / "company.yaml").read_text(encoding="utf-8") == before  # nothing half-added
    assert company_cli(company, "stats", "2026-13").exit_code == 2
    outside = run_cli("company", "stats", "2026-11", env={"PROPCLI_COMPANY": str(tmp_path / "nowhere")})
    assert outside.exit_code == 3


def test_a_damaged_record_is_that_offices_warning(offices):
    company, made = offices
    ledger = made["HY01"]["ledger"]
    path = next(ledger.glob("records/repair/*/*/*.yaml"))
    path.write_text("kind: repair\nid: [unclosed\n", encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "hand edit")
    git(ledger, "push", "-q", str(made["HY01"]["bare"]), "HEAD:refs/heads/main")
    assert company_cli(company, "sync").exit_code == 0
    result = company_cli(company, "stats", "2026-11", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "HY01: " in result.stderr and path.name in result.stderr
    data = json.loads(result.stdout)
    assert {r["code"]: r["repairs"]["total"] for r in data["offices"]} == {"HY01": 1, "HY02": 3, "HY03": 1}


def test_report_for_leadership_html_xlsx_and_pdf(offices, tmp_path):
    company, _made = offices
    html_path = tmp_path / "report.html"
    result = company_cli(company, "stats", "2026-11", "-f", "html", "-o", str(html_path))
    assert result.exit_code == 0, result.stderr
    html = html_path.read_text(encoding="utf-8")
    assert "size: A4" in html and "<script" not in html.lower()
    assert html.count("<svg") >= 3 and "<polyline" in html  # offices side by side, the month-by-month line, volumes
    for code in ("HY01", "HY02", "HY03"):
        assert f"{code} {code}管理处" in html
    assert "华苑物业" in html and "2026-10" in html and "11.2.4" in html
    xlsx_path = tmp_path / "report.xlsx"
    assert company_cli(company, "stats", "2026-11", "-f", "xlsx", "-o", str(xlsx_path)).exit_code == 0
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet.max_row == 5 and [c.value for c in sheet[2]][1] == "HY02"  # ranked: HY02 first
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        pytest.skip(f"no PDF library here ({error})")
    pdf_path = tmp_path / "report.pdf"
    result = company_cli(company, "stats", "2026-11", "-f", "pdf", "-o", str(pdf_path))
    assert result.exit_code == 0, result.stderr
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0:
        text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True).stdout
        assert "HY03" in text and "华苑物业" in text
