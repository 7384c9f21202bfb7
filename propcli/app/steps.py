"""One generic way to record a kind's `new` and its steps, driven by the kinds' declarations.

The CLI hands in the options; the kind shapes and checks the event; the store writes it; the result
is the record as `show` prints it."""
from importlib import import_module

from propcli import kinds
from propcli.app.services import show


def new(session, kind_name: str, **options) -> dict:
    """`propcli KIND new …`: the kind's `new` creates the record; printed as `show` prints it."""
    record = kinds.kind(kind_name).new(session, **options)
    return show(session, record.id)


def step(session, kind_name: str, text_id: str, step_name: str, at=None, **options) -> dict:
    """`propcli KIND STEP ID …`: one event on a record of that kind (refused steps exit 2 citing the clause)."""
    record_id = session.ledger.resolve(text_id, kind_name)
    shown = kinds.kind(kind_name).step(session, record_id, step_name, at, **options)
    return show(session, shown or record_id)


def action(session, kind_name: str, action_name: str, *args, **options):
    """A kind's other command (`repair billing`, `callback plan`, `patrol repair`)."""
    declared = next(a for a in kinds.kind(kind_name).actions if a.name == action_name)
    module, function = declared.run.split(":")
    result = getattr(import_module(module), function)(session, *args, **options)
    return show(session, result) if declared.shows == "record" and isinstance(result, str) else result


def limit_text(ledger, rule_keys) -> str:
    """The time limits of `rule_keys` as the ledger's policy says them (help texts quote the policy)."""
    from propcli.policy.rules import describe_limit

    parts = []
    for key in rule_keys:
        rule = ledger.policy.rule(key) if ledger is not None else None
        if rule is not None:
            parts.append(describe_limit(rule))
    return " / ".join(dict.fromkeys(p for p in parts if p))
