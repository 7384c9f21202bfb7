"""Record ids: kind prefix, sortable by creation time, prefix lookup, no path escapes,
and independent clones that never collide."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import assume, given, strategies as st

from conftest import add_staff, git, git_state, invoke, invoke_json, make_ledger
from propcli import ids
from propcli.errors import BadInput

ID_RE = re.compile(r"^[A-Z]-[0-9A-HJKMNP-TV-Z]{10}$")
KIND_PREFIX = {"repair": "R", "request": "Q", "call": "C", "complaint": "T", "callback": "B",
               "letter": "L", "patrol": "P", "event": "E"}


def new_repair(ledger, now="2026-11-28T09:00", **kw):
    return invoke_json(ledger, "repair", "new", "--name", "张三", "--phone", "13800138000",
                       "--address", "3栋0301", "--item", "水龙头漏水", now=now, **kw)


# --- the shape of an id ---------------------------------------------------------------------

def test_every_kind_has_its_own_prefix():
    at = datetime(2026, 11, 28, 9, tzinfo=timezone.utc)
    prefixes = {}
    for kind, expected in KIND_PREFIX.items():
        record_id = ids.new_id(kind, at)
        assert ID_RE.match(record_id), record_id
        assert record_id.startswith(expected + "-")
        assert ids.kind_of(record_id) == kind
        prefixes[kind] = record_id[0]
    assert len(set(prefixes.values())) == len(prefixes)


def test_repair_ids_from_the_cli_start_with_R(ledger):
    record = new_repair(ledger)
    assert ID_RE.match(record["id"]) and record["id"].startswith("R-")
    assert record["kind"] == "repair"


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2057, 12, 31),
                       timezones=st.just(timezone.utc))


@given(a=moments, b=moments)
def test_ids_sort_by_creation_time(a, b):
    assume(int(a.timestamp()) != int(b.timestamp()))
    first, second = sorted((a, b))
    assert ids.new_id("repair", first) < ids.new_id("repair", second)


@given(moment=moments)
def test_ids_made_in_the_same_second_differ(moment):
    made = {ids.new_id("repair", moment) for _ in range(20)}
    assert len(made) >= 19  # 20 random bits a second


def test_records_created_later_have_larger_ids_and_list_in_that_order(ledger):
    times = ["2026-11-28T09:00:00", "2026-11-28T09:00:01", "2026-11-28T10:00", "2026-12-01T00:00",
             "2027-01-01T08:00"]
    made = [new_repair(ledger, now=t)["id"] for t in times]
    assert made == sorted(made)
    assert [r["id"] for r in invoke_json(ledger, "list", now="2027-01-02T00:00")] == made


def test_id_of_a_backdated_record_sorts_by_when_it_was_received(ledger):
    late = new_repair(ledger, now="2026-11-28T10:00")["id"]
    backdated = invoke_json(ledger, "repair", "new", "--name", "a", "--phone", "13800138000", "--address", "b",
                            "--item", "c", "--at", "2026-11-28T08:00", now="2026-11-28T10:10")["id"]
    assert backdated < late
    assert [r["id"] for r in invoke_json(ledger, "list", now="2026-11-28T11:00")] == [backdated, late]


# --- lookup ---------------------------------------------------------------------------------

def test_unambiguous_prefix_finds_the_record(ledger):
    a = new_repair(ledger, now="2026-11-28T09:00")["id"]
    b = new_repair(ledger, now="2026-11-29T15:00")["id"]
    # the two ids differ early (a day apart): a short prefix is enough
    common = next(i for i in range(len(a)) if a[i] != b[i])
    for record_id in (a, b):
        for length in range(common + 1, len(record_id) + 1):
            shown = invoke_json(ledger, "show", record_id[:length], now="2026-11-30T00:00")
            assert shown["id"] == record_id
    # lower case and Crockford look-alikes are accepted
    assert invoke_json(ledger, "show", a.lower(), now="2026-11-30T00:00")["id"] == a
    # steps accept a prefix too, and act on the right record
    assert invoke(ledger, "repair", "fill", b[:common + 1], now="2026-11-29T15:01").exit_code == 0
    assert invoke_json(ledger, "show", b, now="2026-11-30T00:00")["status"] == "fill"
    assert invoke_json(ledger, "show", a, now="2026-11-30T00:00")["status"] == "new"


def test_ambiguous_prefix_exits_2_listing_candidates(ledger):
    made = [new_repair(ledger, now="2026-11-28T09:00")["id"] for _ in range(3)]
    before = git_state(ledger)
    for prefix in ("R", "R-", made[0][:5]):
        result = invoke(ledger, "show", prefix)
        assert result.exit_code == 2, (prefix, result.output)
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1
        assert "ambiguous" in message
        for record_id in made:
            assert record_id in message
    result = invoke(ledger, "repair", "fill", made[0][:5], now="2026-11-28T09:01")
    assert result.exit_code == 2 and "ambiguous" in result.stderr
    assert git_state(ledger) == before


def test_unknown_id_and_prefix_exit_2(ledger):
    new_repair(ledger)
    for text in ("R-ZZZZ", "T-0", "E-0000000000"):
        result = invoke(ledger, "show", text)
        assert result.exit_code == 2, text
        assert text in result.stderr


ESCAPES = ["../x", "R-../../etc", "R-../../../etc/passwd", "/etc/passwd", "R-0/../../x", "..", ".",
           "R-..", "records/repair", "R-2QG9RGA1T9/../../propcli", "R-2QG9\\..\\x", "R-2QG9RGA1T9.yaml",
           "R 2QG9", "", " ", "R-\x00", "~/x"]


@pytest.mark.parametrize("text", ESCAPES)
def test_ids_that_try_to_escape_the_ledger_exit_2(ledger, text):
    new_repair(ledger)
    before = git_state(ledger)
    commands = [["show", text], ["note", text, "备注"], ["repair", "fill", text]]
    if text:  # `log ""` is `log` without an id: the whole ledger
        commands.append(["log", text])
    for args in commands:
        result = invoke(ledger, *args, now="2026-11-28T09:01")
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert git_state(ledger) == before
    assert not (ledger.parent / "x").exists()


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_normalise_never_lets_a_path_through(text):
    try:
        value = ids.normalise(text)
    except BadInput:
        return
    assert re.fullmatch(r"[A-Z](-[0-9A-Z]{0,10})?", value)
    assert "/" not in value and "." not in value and "\\" not in value


# --- independent clones ---------------------------------------------------------------------

def test_two_clones_work_offline_and_merge_without_collision(tmp_path):
    origin = make_ledger(tmp_path, "origin")
    add_staff(origin, "one", "two")
    seed = new_repair(origin, now="2026-11-28T08:00")["id"]
    one, two = tmp_path / "one", tmp_path / "two"
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(origin), str(clone))

    # both offices work at the very same seconds, offline
    made = {one: [], two: []}
    for second in range(5):
        now = f"2026-11-28T09:00:0{second}"
        for clone in (one, two):
            made[clone].append(new_repair(clone, now=now, as_=clone.name)["id"])
    # each clone also moves on an older record of its own
    invoke(one, "repair", "fill", made[one][0], now="2026-11-28T09:01", as_="one")
    invoke(two, "note", made[two][0], "住户外出，改约", now="2026-11-28T09:02", as_="two")
    assert not set(made[one]) & set(made[two])

    # exchange: one pulls two, then two pulls one
    git(one, "fetch", "-q", str(two), "main")
    git(one, "-c", "user.name=one", "-c", "user.email=one@x", "merge", "-q", "--no-edit", "FETCH_HEAD")
    git(two, "fetch", "-q", str(one), "main")
    git(two, "merge", "-q", "--ff-only", "FETCH_HEAD")

    everything = {seed, *made[one], *made[two]}
    for clone in (one, two):
        result = invoke(clone, "check")
        assert result.exit_code == 0, result.stdout + result.stderr
        listed = invoke_json(clone, "list", now="2026-11-28T10:00")
        assert {r["id"] for r in listed} == everything
        assert len(listed) == len(everything)
        assert git(clone, "status", "--porcelain") == ""
        for record_id in everything:
            assert invoke_json(clone, "show", record_id, now="2026-11-28T10:00")["id"] == record_id
    # the other clone's steps arrived too
    assert invoke_json(two, "show", made[one][0], now="2026-11-28T10:00")["status"] == "fill"
    assert invoke_json(one, "show", made[two][0], now="2026-11-28T10:00")["events"][-1]["step"] == "note"
    # and work continues in the merged clones
    assert invoke(two, "repair", "fill", seed, now="2026-11-28T09:03", as_="two").exit_code == 0
    assert invoke(two, "check").exit_code == 0


def test_two_clones_changing_the_same_record_merge(tmp_path):
    origin = make_ledger(tmp_path, "origin")
    add_staff(origin, "one", "two")
    seed = new_repair(origin, now="2026-11-28T08:00")["id"]
    one, two = tmp_path / "one", tmp_path / "two"
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert invoke(one, "repair", "fill", seed, now="2026-11-28T08:01", as_="one").exit_code == 0
    assert invoke(two, "note", seed, "住户外出，改约", now="2026-11-28T08:02", as_="two").exit_code == 0
    invoke(one, "list")  # the first command sets up what a clone needs locally
    git(one, "fetch", "-q", str(two), "main")
    git(one, "-c", "user.name=one", "-c", "user.email=one@x", "merge", "-q", "--no-edit", "FETCH_HEAD")
    events = invoke_json(one, "show", seed, now="2026-11-28T10:00")["events"]
    assert [e["step"] for e in events] == ["new", "fill", "note"]
    assert [e["by"] for e in events[1:]] == ["one", "two"]
    assert invoke(one, "check").exit_code == 0
    assert git(one, "status", "--porcelain") == ""
    git(two, "fetch", "-q", str(one), "main")
    git(two, "merge", "-q", "--ff-only", "FETCH_HEAD")
    assert invoke_json(two, "show", seed, now="2026-11-28T10:00")["events"] == events


def test_clone_index_is_set_up_by_the_first_command(tmp_path):
    origin = make_ledger(tmp_path, "origin")
    add_staff(origin, "one", "two")
    record_id = new_repair(origin)["id"]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert not (clone / ".git" / "propcli").exists()
    assert invoke_json(clone, "show", record_id[:6])["id"] == record_id
    assert (clone / ".git" / "propcli" / "index.sqlite").is_file()
    assert git(clone, "status", "--porcelain") == ""
