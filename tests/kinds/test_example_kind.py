"""The worked example of "Adding a kind" (docs/design.md, issue 17 point 4): a kind declared in ONE module
written by this test, registered through the registry's one hook (`kinds.add`), plus its rows in the ledger's
policy.yaml, works end to end — `new`, a step, `list`, `show`, `overdue`, `check`, `stats`, a register — with
no other file of propcli touched.

The kind is a fire drill 消防演练 (an office's own procedure, not one of the seed's): planned with a title, held
(`hold`, within 7 days of planning), then reviewed (`review`, after `hold`, within 2 days of it). It has a
statistic of its own and prints a monthly register keyed by column name."""
import sys
import textwrap

import pytest
from conftest import git, invoke, invoke_json, invoke_refused

from propcli import kinds

LEAD = "马俊杰"  # the skeleton roster's security duty leader

MODULE = '''
"""Fire drills 消防演练: an office's own procedure, declared as data (the worked example of docs/design.md)."""
from propcli.errors import BadInput
from propcli.kinds import fields
from propcli.kinds.base import Append, Create, Field, Kind, Option, Register, Stat, Step


def new_drill(session, title=None, at=None):
    """A drill to hold: the record's values; the app layer writes it."""
    title = fields.required(title, "--title", "the drill's name, e.g. 3栋疏散演练")
    return Create("drill", {"office": session.ledger.office, "title": title}, session.at(at))


def drill_step(session, record_id, step, at=None, people=None, note=None):
    """A step's event data; `Kind.check_order` (Step.after) and `check_step` refuse it under the lock."""
    if step == "hold" and (people is None or people < 1):
        raise BadInput("--people: expected a whole number of at least 1 (who took part)")
    data = {"people": people} if step == "hold" else {"note": fields.required(note, "--note", "the review")}
    return Append(record_id, step, data, session.at(at) if at else None)


def closing_event(record):
    return record.first("review")


def register_rows(sheet):
    """《消防演练记录表》: one row a drill of the month (the app hands them over on `sheet`), keyed by column name."""
    rows = []
    for drill in sheet.records:
        held = next((e for e in drill["events"] if e["step"] == "hold"), {})
        rows.append({"编号": drill["id"], "演练名称": drill.get("title", ""),
                     "实施时间": (held.get("at") or "")[:16].replace("T", " "),
                     "参加人数": str(held.get("people", ""))})
    return rows


def statistics(records, on_time):
    """`stats` section `drills` from the month's drills (as `show` prints them) and their on-time shares."""
    held = [r for r in records if any(e["step"] == "hold" for e in r["events"])]
    return {"total": len(records), "held": len(held), "on_time": on_time}


KIND = Kind(
    name="drill", zh="消防演练", en="fire drill", clause="X.1",
    help="Fire drills 消防演练 (an office's own procedure).",
    fields=(Field("title", "演练名称", "title"),),
    new=new_drill,
    new_help="Plan a fire drill.",
    new_limit=("drill.hold",),
    new_options=(Option("--title"), Option("--at", takes="time")),
    steps=(
        Step("hold", "实施演练", "X.1-1", "The drill was held ({limit}).", after=("new",), roles=("security_lead",),
             limit=("drill.hold",), options=(Option("--people", takes="int"),)),
        Step("review", "演练总结", "X.1-2", "The drill was reviewed ({limit}).", after=("hold",),
             roles=("security_lead",), limit=("drill.review",), options=(Option("--note"),)),
    ),
    step=drill_step,
    closing_event=closing_event,
    rule_labels={"drill.hold": "实施演练", "drill.review": "演练总结"},
    labels={"rule": {"drill.hold": ("drill held", "实施演练"), "drill.review": ("drill reviewed", "演练总结")},
            "stat": {"drills": ("fire drills", "消防演练"), "held": ("held", "已实施")}},
    stats=Stat("drills", statistics),
    registers=(Register("drill-record", "《消防演练记录表》", "X.1", ("编号", "演练名称", "实施时间", "参加人数"),
                        register_rows),),
    summary_keys=("title",),
)
'''

POLICY_ROWS = """
  - key: drill.hold
    clause: X.1-1
    kind: drill
    start: new
    end: hold
    length: 7d
    role: security_lead
    escalate: [manager]

  - key: drill.review
    clause: X.1-2
    kind: drill
    start: hold
    end: review
    length: 2d
    role: security_lead
    escalate: [manager]
"""


@pytest.fixture
def drill_ledger(ledger, tmp_path):
    """A ledger whose policy has the drill's rows, with the kind registered from its one module."""
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "example_drill.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    sys.path.insert(0, str(folder))
    kinds.add("drill", "D", "example_drill")
    policy = ledger / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("\nrules:\n", "\nrules:\n" + POLICY_ROWS.lstrip("\n") + "\n", 1), encoding="utf-8")
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "drill rules", "--", "policy.yaml")
    try:
        yield ledger
    finally:
        kinds.remove("drill")
        sys.path.remove(str(folder))
        sys.modules.pop("example_drill", None)


def test_a_kind_declared_in_one_module_works_end_to_end(drill_ledger):
    ledger = drill_ledger
    drill = invoke_json(ledger, "drill", "new", "--title", "3栋疏散演练", now="2026-11-02T09:00")
    assert drill["id"].startswith("D-") and drill["kind"] == "drill" and drill["open"] is True
    (deadline,) = drill["deadlines"]
    assert deadline["rule"] == "drill.hold" and deadline["due"].startswith("2026-11-09T23:59:59")

    # the step order comes from Step.after: a review before the drill was held is refused, nothing written
    assert "hold" in invoke_refused(ledger, "drill", "review", drill["id"], "--note", "ok", now="2026-11-03T09:00",
                                     as_=LEAD)
    assert "--people" in invoke_refused(ledger, "drill", "hold", drill["id"], "--people", "0", as_=LEAD)

    late = invoke_json(ledger, "overdue", now="2026-11-10T09:00")
    assert [(row["id"], row["rule"]) for row in late] == [(drill["id"], "drill.hold")]

    held = invoke_json(ledger, "drill", "hold", drill["id"], "--people", "40", now="2026-11-10T10:00",
                       as_=LEAD)
    assert held["open"] is True and [d["state"] for d in held["deadlines"]][:1] == ["missed"]
    assert [r["id"] for r in invoke_json(ledger, "list", "--kind", "drill", now="2026-11-10T10:00")] == [drill["id"]]
    shown = invoke_json(ledger, "show", drill["id"], now="2026-11-10T10:00")
    assert shown["title"] == "3栋疏散演练" and [e["step"] for e in shown["events"]] == ["new", "hold"]
    assert "实施演练" in invoke(ledger, "show", drill["id"], now="2026-11-10T10:00",
                             env={"PROPCLI_LANG": "zh_CN"}).stdout

    done = invoke_json(ledger, "drill", "review", drill["id"], "--note", "疏散用时4分钟", now="2026-11-11T09:00",
                       as_=LEAD)  # the step's role (security_lead): a new ledger enforces it
    assert done["open"] is False
    assert "closed by 'review'" in invoke_refused(ledger, "drill", "review", drill["id"], "--note", "again",
                                                  now="2026-11-11T10:00", as_=LEAD)

    checked = invoke(ledger, "check", now="2026-11-11T10:00")
    assert checked.exit_code == 0, checked.output

    stats = invoke_json(ledger, "stats", "2026-11", now="2026-11-11T10:00")
    assert stats["drills"] == {"total": 1, "held": 1, "on_time": {"drill.hold": 0.0, "drill.review": 1.0}}
    table = invoke(ledger, "stats", "2026-11", now="2026-11-11T10:00", env={"PROPCLI_LANG": "zh_CN"})
    assert "消防演练 · 已实施" in table.stdout and "消防演练 · 按时 · 实施演练" in table.stdout, table.stdout

    register = invoke(ledger, "form", "drill-record", "2026-11", now="2026-11-11T10:00",
                      env={"PROPCLI_LANG": "zh_CN"}).stdout
    assert "《消防演练记录表》" in register and "3栋疏散演练" in register and "40" in register


def test_the_registry_forgets_a_removed_kind(drill_ledger):
    assert "drill" in kinds.NAMES
    kinds.remove("drill")
    assert "drill" not in kinds.NAMES
    kinds.add("drill", "D", "example_drill")  # the fixture removes it again
