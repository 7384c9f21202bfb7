"""A corrupt index (any SQLite error) is rebuilt automatically with a warning; `reindex` always works
(issue 8, point 4). The index is a cache: the record files are the ledger."""
import json
import shutil

import pytest

from conftest import invoke, invoke_json, make_ledger

RESIDENT = ("--name", "张三", "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水")


def index_file(ledger):
    return ledger / ".git" / "propcli" / "index.sqlite"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A ledger with 40 records and a checkpointed index, copied for each test."""
    import sqlite3

    folder = tmp_path_factory.mktemp("template")
    ledger = make_ledger(folder)
    lines = [json.dumps({"kind": "call", "name": f"住户{n}", "phone": "13800138000", "reason": "咨询",
                         "at": f"2026-11-28T09:{n:02d}"}, ensure_ascii=False) for n in range(40)]
    (folder / "calls.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert invoke(ledger, "import", str(folder / "calls.jsonl"), now="2026-11-28T10:00").exit_code == 0
    ids = [r["id"] for r in invoke_json(ledger, "list", now="2026-11-28T10:00")]
    db = sqlite3.connect(index_file(ledger))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return ledger, ids


def zero_pages(path, first_page: int, pages: int = 3, size: int = 4096):
    with open(path, "r+b") as stream:
        stream.seek(first_page * size)
        stream.write(b"\0" * size * pages)


@pytest.mark.parametrize("damage, command", [
    ("zeroed pages", "list"), ("zeroed header", "list"), ("garbage", "list"), ("truncated", "list"),
    ("empty", "list"), ("zeroed pages", "reindex"), ("garbage", "reindex"), ("zeroed pages", "show"),
    ("zeroed pages", "note"), ("truncated", "note")])
def test_a_damaged_index_is_rebuilt_with_a_warning(template, tmp_path, damage, command):
    ledger = tmp_path / "ledger"
    shutil.copytree(template[0], ledger)
    ids = template[1]
    path = index_file(ledger)
    if damage == "zeroed pages":
        zero_pages(path, 1, pages=max(1, path.stat().st_size // 4096 - 1))
    elif damage == "zeroed header":
        zero_pages(path, 0, pages=1)
    elif damage == "garbage":
        path.write_bytes(b"not a database at all " * 500)
    elif damage == "truncated":
        with open(path, "r+b") as stream:
            stream.truncate(path.stat().st_size // 2)
    else:
        path.write_bytes(b"")
    args = {"list": ("list", "-f", "json"), "reindex": ("reindex",), "show": ("show", ids[3], "-f", "json"),
            "note": ("note", ids[3], "备注")}[command]
    result = invoke(ledger, *args, now="2026-11-28T10:00")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    if command == "list":
        assert sorted(r["id"] for r in json.loads(result.stdout)) == sorted(ids)
    assert len(invoke_json(ledger, "list", now="2026-11-28T10:00")) == len(ids)
    assert invoke(ledger, "check", now="2026-11-28T10:00").exit_code == 0
