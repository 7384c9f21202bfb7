"""`correct`, `undo` and `void`: amending the register by appending events (CLI.md "Correcting the register").

The events are applied when a record is read (propcli/amend.py, through propcli/model.py); this module
checks and records them, for every kind alike:

- a corrected value goes through the kind's own `new`, rehearsed (store.unit.rehearsing: it builds the
  record's fields and writes nothing), so it passes the very checks of intake and is normalised the same
  way; then the recorded steps are replayed over the corrected record (the kind's rules): a correction that
  would make a recorded step invalid is refused;
- `undo` withdraws the record's last step (not `new`), unless another record depends on it;
- `void` is for a director or the manager only, whatever policy.yaml `roles:` says.
"""
from propcli import amend, kinds
from propcli.kinds import fields
from propcli.errors import BadInput
from propcli.i18n import _

NOT_CORRECTABLE_TAKES = ("flag", "id")
"""Options of `new` whose fields a correction does not change: a flag decides which procedure the record
follows (a public repair, an anonymous complaint): a record entered under the wrong one is voided and entered
again; an id links records (`undo` and `void` deal with links)."""


def correctable_fields(kind_name: str) -> dict:
    """{field: the option of `new` that enters it}: the fields the kind declares (`Kind.fields`) that its `new`
    takes as one value (text, phone, a time, a choice, a number, a person, a price-list code)."""
    declared = kinds.kind(kind_name)
    options = {option.key: option for option in declared.new_options}
    return {f.name: options[f.name] for f in declared.fields
            if f.name in options and options[f.name].takes not in NOT_CORRECTABLE_TAKES
            and not options[f.name].multiple}


def _parse_sets(sets) -> list[tuple[str, str]]:
    pairs = []
    for text in sets or ():
        name, sep, value = str(text).partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadInput(_("--set: '{value}' is not FIELD=VALUE; expected e.g. --set phone=13800138000", value=text))
        if any(name == other for other, _value in pairs):
            raise BadInput(_("--set: {field} given twice", field=name))
        pairs.append((name, value.strip()))
    if not pairs:
        raise BadInput(_("--set: missing; expected FIELD=VALUE, e.g. --set phone=13800138000"))
    return pairs


def _reason(reason) -> str:
    if reason is None or not str(reason).strip():
        raise BadInput(_("--reason: missing; expected why the register is amended, e.g. 登记时电话号码输错"))
    return str(reason).strip()


def _kwargs_of_new(record, option_of: dict, corrected: dict) -> dict:
    """The options `new` would have been given for the record as it reads now, with the corrected values."""
    declared = kinds.kind(record.kind)
    values: dict = {}
    for option in declared.new_options:
        key = option.key
        if key == "at":
            values["at"] = record.received.isoformat()
        elif key in corrected:
            values[key] = corrected[key]
        elif option.takes == "flag":
            values[key] = bool(record.get(key))
        elif key in record.fields and not option.multiple and option.takes != "id":
            values[key] = record.get(key)
    return values


def _converted(option, field: str, value: str):
    if option.takes == "int":
        try:
            return int(value)
        except ValueError:
            raise BadInput(_("{field}: '{value}' is not a whole number", field=field, value=value)) from None
    if option.takes == "choice" and option.choices and value not in option.choices:
        raise BadInput(_("{field}: '{value}' is not one of {choices}", field=field, value=value,
                         choices="|".join(option.choices)))
    return value


def planned_changes(session, record, pairs) -> dict[str, list]:
    """{FIELD: [OLD, NEW]}: each value checked as `new` checks it; exit 2 naming the field otherwise."""
    from propcli.store.unit import Planned, rehearsing

    correctable = correctable_fields(record.kind)
    label = kinds.label(record.kind)
    corrected = {}
    for name, value in pairs:
        if name in amend.FIXED_FIELDS:
            raise BadInput(_("--set {field}: a record's {field} is never corrected; a record entered as the wrong kind "
                             "is voided and entered again",
                             field=name))
        if name not in correctable:
            raise BadInput(_("--set {field}: not a field of {kind} that a correction changes; expected one of {fields}",
                             field=name, kind=label, fields=", ".join(correctable) or "-"))
        if not value:
            raise BadInput(_("{field}: empty; expected the value it should read", field=name))
        corrected[name] = _converted(correctable[name], name, value)
        if correctable[name].takes in fields.PERSON_TAKES:  # the same check as at intake (issue 16, point 4)
            fields.named(session.ledger, correctable[name], value, field=name)
    declared = kinds.kind(record.kind)
    from propcli.kinds.base import Create

    try:
        with rehearsing():
            planned_new = declared.new(session, **_kwargs_of_new(record, correctable, corrected))
    except Planned as planned:
        result = planned.fields
    else:  # a kind's `new` plans the record (kinds.base.Create): its values are what it would keep
        if not isinstance(planned_new, Create):  # a kind whose `new` writes some other way: nothing to compare
            raise BadInput(_("--set: {kind} records cannot be corrected", kind=label))
        result = dict(planned_new.values)
    changes = {}
    for name in corrected:
        old, new = record.get(name), result.get(name)
        if new is None:
            raise BadInput(_("{field}: a {kind} does not keep this field as given; nothing to correct",
                             field=name, kind=label))
        if old == new:
            raise BadInput(_("{field}: already reads '{value}'; nothing to correct", field=name, value=new))
        changes[name] = [old, new]
    # what `new` derives from a corrected value and the kind does not declare (a price-list code's name and
    # price) changes with it
    declared_names = {f.name for f in declared.fields}
    for name, new in result.items():
        if name not in changes and name not in declared_names and name != "office" and name in record.fields \
                and record.get(name) != new:
            changes[name] = [record.get(name), new]
    return changes


def _check_replay(ledger, before, after) -> None:
    """The recorded steps still follow the procedure with the corrected fields (the kind's rules)."""
    from propcli.app.checks import semantic_problems

    known = set(semantic_problems(ledger, before))
    problems = [p for p in semantic_problems(ledger, after) if p not in known]
    if problems:
        raise BadInput(_("--set: the correction does not fit the steps already recorded: {problem}",
                         problem=problems[0]))


def correct(session, text_id: str, sets, reason, at_text=None) -> str:
    """`propcli correct ID --set FIELD=VALUE … --reason TEXT [--at DATETIME]` (更正)."""
    from propcli.store.unit import append, load, refuse_voided

    ledger = session.ledger
    why = _reason(reason)
    pairs = _parse_sets(sets)
    record_id = ledger.resolve(text_id)
    record = load(ledger, record_id)
    refuse_voided(record, "correct")
    changes = planned_changes(session, record, pairs)
    at = session.at(at_text) if at_text else None

    def validate(current, event):
        for name, (old, _new) in changes.items():
            if current.get(name) != old:
                raise BadInput(_("{field}: changed meanwhile (now '{value}'); run the correction again",
                                 field=name, value=current.get(name)))
        _check_replay(ledger, current, current.with_event(event))

    summary = ", ".join(changes)  # the fields' names only: a value may be confidential (git log shows commit messages)
    append(ledger, record_id, "correct", {"changes": changes, "reason": why}, at, session.actor, session.fixed_now,
           validate, summary=summary)
    return record_id


def dependents(ledger, record, event) -> list[str]:
    """Ids of the records (not voided) that named this record from the time of `event` on: made from it (a
    finding turned into a repair, a callback planned or chained, a repair from a help request) or naming it
    in a step; the step cannot be withdrawn under them."""
    import json

    from propcli.model import RecordProblem, record_from_plain
    from propcli.store import queries

    found = []
    for doc, path in queries.docs_mentioning(ledger.index.fresh(), record.id, record.id):
        try:
            other = record_from_plain(json.loads(doc), ledger.tz, path)
        except (RecordProblem, ValueError):
            continue
        if other.voided is not None:
            continue
        named_at = None
        if record.id in json.dumps(dict(other.fields), ensure_ascii=False, default=str):
            named_at = other.received
        else:
            for later in other.events:
                if record.id in json.dumps(dict(later.data), ensure_ascii=False, default=str):
                    named_at = later.at
                    break
        if named_at is not None and named_at >= event.at:
            found.append(other.id)
    return found


def undo(session, text_id: str, reason) -> str:
    """`propcli undo ID --reason TEXT` (撤销): withdraws the record's last step."""
    from propcli.store.unit import append, load

    ledger = session.ledger
    why = _reason(reason)
    record_id = ledger.resolve(text_id)

    def target_of(record) -> int:
        events = record.all_events
        index = amend.undoable_index(events)
        if index is None:
            raise BadInput(_("{id}: only '{step}' is recorded; nothing to undo (a record entered by mistake is voided: "
                             "propcli void)",
                             id=record.id, step="new"))
        step = events[index]
        if step.step == "void":
            raise BadInput(_("{id}: voided (作废); a void is not undone", id=record.id))
        others = dependents(ledger, record, step)
        if others:
            raise BadInput(_("{id}: '{step}' at {at} cannot be withdrawn: {others} depend(s) on it; undo or void those "
                             "first",
                             id=record.id, step=step.step, at=step.at.isoformat(), others=", ".join(others)))
        return index

    first = load(ledger, record_id)
    index = target_of(first)
    withdrawn = first.all_events[index].step
    if withdrawn not in amend.AMEND_STEPS and not may_void(ledger, session.actor):
        # a step is withdrawn by whoever may do it (policy.yaml steps:, as `roles:` says), or a director/manager
        from propcli.app.steps import check_actor_role

        check_actor_role(session, first.kind, withdrawn)

    def validate(current, event):
        if target_of(current) != index:
            raise BadInput(_("{id}: changed meanwhile; run undo again", id=record_id))

    step = first.all_events[index].step
    append(ledger, record_id, "undo", {"undoes": index, "reason": why}, None, session.actor, session.fixed_now,
           validate, summary=f"undoes events[{index}] ({step})")
    return record_id


def may_void(ledger, name: str) -> bool:
    """A director (any role ending in `_director`) or the manager (CLI.md), whatever `roles:` says."""
    return any(role.endswith("_director") or role == "manager" for role in ledger.roles_of(name))


def void(session, text_id: str, reason) -> str:
    """`propcli void ID --reason TEXT` (作废): a record entered by mistake or twice."""
    from propcli.policy.roles import role_label
    from propcli.store.unit import append

    ledger = session.ledger
    why = _reason(reason)
    record_id = ledger.resolve(text_id)
    actor = session.actor
    if not may_void(ledger, actor):
        held = ", ".join(role_label(r) for r in sorted(ledger.roles_of(actor))) or "-"
        raise BadInput(_("--as: {name} ({held}) may not void a record; a director or the manager voids (作废)",
                         name=actor, held=held))
    append(ledger, record_id, "void", {"reason": why}, None, actor, session.fixed_now, summary="void")
    return record_id
