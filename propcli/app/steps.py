"""One generic way to record a kind's `new` and its steps, driven by the kinds' declarations.

The CLI hands in the options; the kind shapes and checks the event; the store writes it; the result
is the record as `show` prints it."""
from importlib import import_module

from propcli import kinds
from propcli.kinds import fields
from propcli.app.services import show, shown
from propcli.app.writes import write
from propcli.policy.rules import CALLER  # the role the callback names (11.1.3 by severity; 11.1.4-6)


def new(session, kind_name: str, **options) -> dict:
    """`propcli KIND new …`: the kind's `new` plans the record, the unit of work writes it; printed as `show`
    prints it."""
    declared = kinds.kind(kind_name)
    fields.check_named(session.ledger, declared.new_options, options, declared.clause)
    # who made the round, where the kind takes one (`patrol new --officer`, 12.1), else whoever records it
    check_actor_role(session, kind_name, "new", person=options.get("officer") or None)
    # a pre-numbered paper form (11.4): the number claimed and the record made under one lock
    if options.get("form_no"):
        from propcli.app import formbook

        with session.ledger.lock():
            options["form_no"] = formbook.claim(session.ledger, options["form_no"])
            return shown(session, _created(session, declared.new(session, **options)))
    return shown(session, _created(session, declared.new(session, **options)))


def _created(session, planned):
    """The record a kind's `new` made: its plan written (a `Change`: the first record it creates)."""
    from propcli.kinds.base import Change

    written = write(session, planned)
    return written[planned.creates[0].id] if isinstance(planned, Change) else written


def roles_for(ledger, kind_name: str, step_name: str) -> tuple[str, ...]:
    """Who does a step: policy.yaml `steps:` (`repair.take: [...]`), else the kind's declaration (a step or an
    action, `callback.plan`); `KIND.new` for recording a new record."""
    configured = ledger.policy.step_roles.get(f"{kind_name}.{step_name}")
    if configured:
        return configured
    declared = kinds.kind(kind_name)
    if step_name == "new":
        return declared.new_roles
    step_declared = declared.step_named(step_name)
    if step_declared is not None:
        return step_declared.roles
    action = next((a for a in declared.actions if a.name == step_name), None)
    return getattr(action, "roles", ()) if action is not None else ()


def check_actor_role(session, kind_name: str, step_name: str, record_id: str | None = None,
                     person: str | None = None) -> None:
    """A step done by another role than the policy says: refused (`roles: enforce` in propcli.yaml, what `init`
    writes since the third release), exit 2 naming who may; or recorded with a warning (`roles: warn`).
    `caller` in the roles stands for the role the callback names (`record_id`'s `role`); `person` is who did
    it when not the one at the keyboard (`patrol new --officer`)."""
    from propcli.errors import BadInput
    from propcli.i18n import _
    from propcli.policy.roles import role_label

    ledger = session.ledger
    roles = roles_for(ledger, kind_name, step_name)
    if CALLER in roles:
        named = None
        if record_id is not None:
            from propcli.store.unit import load

            named = load(ledger, record_id).get("role")
        roles = tuple(dict.fromkeys(named if r == CALLER else r for r in roles if r != CALLER or named))
    who = person or session.actor
    held = ledger.roles_of(who)
    if person and not held:
        return  # not on the roster: the kind names the option and the closest names
    if not roles or held & set(roles):
        return
    people = [m.name for m in ledger.staff if m.role in roles][:4]
    declared = kinds.kind(kind_name).step_named(step_name) or next(
        (action for action in kinds.kind(kind_name).actions if action.name == step_name), None)
    message = _("{field}: {name} ({held}) is not among the roles that do '{kind} {step}' ({clause}): {roles} "
                "(policy.yaml steps:); who may: {people}", clause=declared.clause if declared else "-",
                field="--officer" if person and person != session.actor else "--as", name=who,
                held=", ".join(sorted(held)) or "-", kind=kind_name, step=step_name,
                roles=", ".join(role_label(r) for r in roles), people=" / ".join(people) or "-")
    if str(ledger.config.get("roles") or "warn") == "enforce":
        raise BadInput(message)
    session.warnings.append(message)


def step(session, kind_name: str, text_id: str, step_name: str, at=None, **options) -> dict:
    """`propcli KIND STEP ID …`: one event on a record of that kind (refused steps exit 2 citing the clause)."""
    record_id = session.ledger.resolve(text_id, kind_name)
    declared = kinds.kind(kind_name).step_named(step_name)
    if declared is not None:
        fields.check_named(session.ledger, declared.options, options, declared.clause)
    check_actor_role(session, kind_name, step_name, record_id)
    written = write(session, kinds.kind(kind_name).step(session, record_id, step_name, at, **options))
    return show(session, written if isinstance(written, str) else record_id)


SERVICES = {"billing": "propcli.app.billing:billing", "callback_plan": "propcli.app.callbacks:plan"}
"""The app-layer services a kind's action may name (`Action.run`), imported when the action runs."""


def action(session, kind_name: str, action_name: str, *args, **options):
    """A kind's other command (`repair billing`, `callback plan`, `patrol repair`)."""
    declared = next(a for a in kinds.kind(kind_name).actions if a.name == action_name)
    fields.check_named(session.ledger, declared.options, options)
    check_actor_role(session, kind_name, action_name)  # `callback plan`: the service director (11.1.2)
    run = declared.run
    if isinstance(run, str):
        module, function = SERVICES[run].split(":")
        run = getattr(import_module(module), function)
    result = run(session, *args, **options)
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
