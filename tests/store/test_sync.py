"""The record merge driver (store/merge.py) on real files, and fetch/merge/push (store/remote.py) on real git."""
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.store import merge, remote, yamlio
from propcli.store.git import Git

BASE = """\
schema: 1
kind: repair
id: R-2QG9RG0YKQ
name: 张三   # as the resident said it
phone: '13800138000'
address: 3栋0301
events:
- step: new
  at: '2026-11-28T09:00:00+08:00'
  by: 王芳
"""


def event(step, at, by="王芳", **data):
    lines = [f"- step: {step}", f"  at: '2026-11-28T{at}+08:00'", f"  by: {by}"]
    lines += [f"  {k}: {v}" for k, v in data.items()]
    return "\n".join(lines) + "\n"


def run_driver(tmp_path, base, ours, theirs):
    """Three real files, as git hands them to the driver; returns (reason, merged text, merged plain)."""
    paths = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        path = tmp_path / f".merge_file_{name}"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    reason = merge.merge_files(*paths)
    text = Path(paths[1]).read_text(encoding="utf-8")
    return reason, text, yamlio.parse_plain(text, "x")


def steps(plain):
    return [(e["step"], e["at"][11:19], e["by"]) for e in plain["events"]]


def test_events_of_both_desks_are_united_in_time_order(tmp_path):
    ours = BASE + event("fill", "09:01:00") + event("notify", "09:03:00")
    theirs = BASE + event("note", "09:02:00", "李静", note="催促") + event("note", "09:04:00", "李静", note="再催")
    reason, text, plain = run_driver(tmp_path, BASE, ours, theirs)
    assert reason is None
    assert steps(plain) == [("new", "09:00:00", "王芳"), ("fill", "09:01:00", "王芳"), ("note", "09:02:00", "李静"),
                            ("notify", "09:03:00", "王芳"), ("note", "09:04:00", "李静")]
    assert "# as the resident said it" in text  # comments survive
    assert "conflicts" not in plain


def test_the_merge_is_the_same_whichever_desk_merges(tmp_path):
    """Events of the two sides at the same second: one order on every desk; each side's own order kept."""
    ours = BASE + event("fill", "09:01:00") + event("notify", "09:01:00")
    theirs = BASE + event("note", "09:01:00", "李静", note="甲") + event("note", "09:01:00", "李静", note="乙")
    _r, _t, one = run_driver(tmp_path, BASE, ours, theirs)
    _r, _t, other = run_driver(tmp_path, BASE, theirs, ours)
    assert one["events"] == other["events"]
    order = [e.get("note") or e["step"] for e in one["events"]]
    assert order.index("fill") < order.index("notify") and order.index("甲") < order.index("乙")


def test_the_same_event_added_on_both_desks_counts_twice_and_one_deleted_stays_deleted(tmp_path):
    base = BASE + event("note", "09:01:00", note="旧")
    twice = event("notice", "09:05:00", "cron", rule="repair.notify")
    ours = BASE + twice  # the old note deleted by hand here
    theirs = base + twice
    reason, _text, plain = run_driver(tmp_path, base, ours, theirs)
    assert reason is None
    assert [e["step"] for e in plain["events"]] == ["new", "notice", "notice"]


def test_a_field_changed_on_one_desk_only_takes_that_value(tmp_path):
    theirs = BASE.replace("phone: '13800138000'", "phone: '13900139000'").replace("address: 3栋0301\n", "")
    theirs = theirs.replace("events:", "appointment: '2026-11-29T10:00:00+08:00'\nevents:")
    ours = BASE + event("fill", "09:01:00")
    reason, text, plain = run_driver(tmp_path, BASE, ours, theirs)
    assert reason is None
    assert plain["phone"] == "13900139000" and "address" not in plain
    assert list(plain).index("appointment") < list(plain).index("events")
    assert "conflicts" not in plain and len(plain["events"]) == 2


def test_a_field_changed_differently_on_two_desks_is_kept_as_a_conflict(tmp_path):
    ours = BASE.replace("name: 张三 ", "name: 张三丰") + event("fill", "09:01:00")
    theirs = BASE.replace("name: 张三 ", "name: 张叁") + event("note", "09:02:00", "李静", note="x")
    reason, text, plain = run_driver(tmp_path, BASE, ours, theirs)
    assert reason is None  # git goes on; the conflict is in the file, for a person
    assert plain["name"] == "张三丰"
    assert plain["conflicts"] == [{"field": "name", "values": ["张三丰", "张叁"], "was": "张三"}]
    assert len(plain["events"]) == 3  # the events still merge
    messages = merge.conflict_messages("records/repair/2026/11/R-2QG9RG0YKQ.yaml", text)
    assert len(messages) == 1
    path, line, message = messages[0].path, messages[0].line, messages[0].message  # a Problem (propcli/problems.py)
    assert path == "records/repair/2026/11/R-2QG9RG0YKQ.yaml"
    assert text.splitlines()[int(line) - 1] == "- field: name"
    assert "R-2QG9RG0YKQ" in message and "张三丰" in message and "张叁" in message
    assert str(messages[0]) == f"{path}:{line}: {message}"
    assert merge.conflicts_in(plain)[0]["values"] == ["张三丰", "张叁"]


def test_a_conflict_resolved_on_one_desk_stays_resolved(tmp_path):
    _r, conflicted, _p = run_driver(tmp_path, BASE, BASE.replace("name: 张三 ", "name: 张三丰"),
                                    BASE.replace("name: 张三 ", "name: 张叁"))
    document = yamlio.parse_roundtrip(conflicted, "x")
    merge.resolve_document(document, "name", "张叁")
    resolved = yamlio.dump(document)
    still = conflicted + event("note", "09:03:00", "李静", note="x")
    reason, _text, plain = run_driver(tmp_path, conflicted, still, resolved)
    assert reason is None
    assert plain["name"] == "张叁" and "conflicts" not in plain and len(plain["events"]) == 2


def test_two_different_records_with_one_id_are_not_merged(tmp_path):
    """Ids carry 20 random bits per second: a clash is about one in a million for two records of one kind
    received in the same second on two desks. If it happens, git stops; two records never become one."""
    other = BASE.replace("by: 王芳", "by: 李静").replace("张三 ", "李四 ")
    reason, text, _plain = run_driver(tmp_path, "", BASE, other)
    assert reason is not None and "R-2QG9RG0YKQ" in reason
    assert text == BASE  # the file is left as it was
    assert run_driver(tmp_path, "", BASE, BASE)[0] is None  # the same record added on both sides is fine


def test_an_unreadable_side_stops_the_merge(tmp_path):
    reason, text, _plain = run_driver(tmp_path, BASE, BASE + event("fill", "09:01:00"), BASE + "events: [\n")
    assert reason is not None
    assert text == BASE + event("fill", "09:01:00")


def test_a_conflicted_record_is_refused_with_path_line_and_the_record(tmp_path):
    from types import SimpleNamespace

    from propcli.errors import LedgerUnusable

    _r, text, plain = run_driver(tmp_path, BASE, BASE.replace("name: 张三 ", "name: 张三丰"),
                                 BASE.replace("name: 张三 ", "name: 张叁"))
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    record = SimpleNamespace(id=plain["id"], path="r.yaml", fields={"conflicts": plain["conflicts"]})
    with pytest.raises(LedgerUnusable) as refused:
        merge.refuse_conflicted(SimpleNamespace(root=tmp_path), record)
    line = text.splitlines().index("- field: name") + 1
    assert refused.value.message.startswith(f"r.yaml:{line}: R-2QG9RG0YKQ: 'name' ")
    assert refused.value.exit_code == 3
    merge.refuse_conflicted(SimpleNamespace(root=tmp_path), SimpleNamespace(fields={}, id="x", path="x"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=6), st.lists(st.integers(0, 50), max_size=6),
       st.lists(st.integers(0, 50), max_size=6))
def test_every_event_of_either_side_is_kept_in_time_order(common, mine, yours):
    def events(seconds, by):
        return [{"step": "note", "at": f"2026-11-28T09:{10 + s // 60:02d}:{s % 60:02d}+08:00", "by": by, "n": i}
                for i, s in enumerate(sorted(seconds))]

    new = [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "王芳"}]
    base = new + events(common, "base")
    last = base[-1]["at"]
    ours = base + [e for e in events([s + 51 for s in mine], "ours") if e["at"] >= last]
    theirs = base + [e for e in events([s + 51 for s in yours], "theirs") if e["at"] >= last]
    merged = merge.merge_events(base, ours, theirs)
    key = merge._key
    assert sorted(map(key, merged)) == sorted(map(key, base + ours[len(base):] + theirs[len(base):]))
    assert [e["at"] for e in merged] == sorted(e["at"] for e in merged)
    assert merged[0]["step"] == "new"
    assert list(map(key, merged)) == list(map(key, merge.merge_events(base, theirs, ours)))


# --- remote.py on real git ----------------------------------------------------------------------------

def git(folder, *args):
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit_file(folder: Path, name: str, text: str, message: str = "change") -> str:
    (folder / name).write_text(text, encoding="utf-8")
    git(folder, "add", name)
    git(folder, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", message)
    return git(folder, "rev-parse", "HEAD").strip()


@pytest.fixture
def desks(tmp_path):
    bare = tmp_path / "office.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        git(tmp_path, "init", "-q", "-b", "main", str(folder))
        git(folder, "remote", "add", "origin", str(bare))
    return bare, Git(one), Git(two)


def test_fetch_merge_push_between_two_desks(desks):
    bare, one, two = desks
    assert remote.fetch(one, "origin", "main") is None  # an empty remote
    first = commit_file(one.root, "a.txt", "1\n2\n3\n")
    remote.push(one, "origin", first, "main")
    tip = remote.fetch(two, "origin", "main")
    assert tip == first
    assert remote.merge(two, tip, "sync\n", "t", "t@x").after == first  # a fast-forward
    mine = commit_file(one.root, "b.txt", "b\n")
    yours = commit_file(two.root, "c.txt", "c\n")
    remote.push(one, "origin", mine, "main")
    with pytest.raises(remote.PushFailed):
        remote.push(two, "origin", yours, "main")  # the remote moved meanwhile
    tip = remote.fetch(two, "origin", "main")
    assert not remote.is_ancestor(two, tip, yours)
    merged = remote.merge(two, tip, "sync\n", "t", "t@x")
    assert remote.is_ancestor(two, tip, merged.after) and remote.is_ancestor(two, yours, merged.after)
    remote.push(two, "origin", merged.after, "main")
    assert git(bare, "rev-parse", "main").strip() == merged.after


def test_a_text_conflict_is_aborted_leaving_the_desk_as_it_was(desks):
    _bare, one, two = desks
    first = commit_file(one.root, "policy.yaml", "a: 1\nb: 2\n")
    remote.push(one, "origin", first, "main")
    remote.merge(two, remote.fetch(two, "origin", "main"), "sync\n", "t", "t@x")
    remote.push(one, "origin", commit_file(one.root, "policy.yaml", "a: 10\nb: 2\n"), "main")
    before = commit_file(two.root, "policy.yaml", "a: 20\nb: 2\n")
    with pytest.raises(remote.MergeStopped) as stopped:
        remote.merge(two, remote.fetch(two, "origin", "main"), "sync\n", "t", "t@x")
    assert stopped.value.paths == ["policy.yaml"]
    assert git(two.root, "rev-parse", "HEAD").strip() == before
    assert git(two.root, "status", "--porcelain") == ""
    assert not (two.git_dir / "MERGE_HEAD").exists()
    assert (two.root / "policy.yaml").read_text(encoding="utf-8") == "a: 20\nb: 2\n"


def test_an_unreachable_remote_says_so(desks, tmp_path):
    _bare, one, _two = desks
    git(one.root, "remote", "set-url", "origin", str(tmp_path / "not-mounted" / "office.git"))
    with pytest.raises(remote.Unreachable) as error:
        remote.fetch(one, "origin", "main")
    assert error.value.exit_code == 3 and "not-mounted" in error.value.message


def test_attempt_hands_back_git_stderr(tmp_path):
    done = Git(tmp_path).attempt("rev-parse", "--verify", "no-such-ref")
    assert done.returncode != 0 and done.stderr
    assert json.dumps(remote.reason(done))
