"""Filters as people type them (issue 19 point 4, docs/terminal.md): `list --status` by the label the table
prints (受理, 已接单, …) in either language, or by its key."""
from propcli.errors import BadInput
from propcli.i18n import _, catalogue, label


def states_of(kind: str | None) -> list[str]:
    """The states (step keys) a record of `kind` can be in, in the order of its procedure; every kind's
    when `kind` is None."""
    from propcli import kinds

    found: list[str] = ["new"]
    for declared in (kinds.all_kinds() if kind is None else [kinds.kind(kind)]):
        found += [name for name in declared.step_names if name not in found]
    return found + ["void"]  # 作废: any record may be voided (CLI.md "Correcting the register")


def _names(kind: str | None, key: str) -> set[str]:
    """Every way a person may type the state `key`: the key, the table's label in Chinese and English, the
    label its kind declares."""
    from propcli import kinds
    from propcli.i18n import STEPS

    names = {key, label("step", key)}
    if key in STEPS:
        names |= {STEPS[key], catalogue("propcli", "zh_CN").gettext(STEPS[key])}
    for declared in (kinds.all_kinds() if kind is None else [kinds.kind(kind)]):
        if key in declared.step_names or key == "new":
            names.add(declared.step_label(key))
    return {n.strip().casefold() for n in names if n}


def status_key(kind: str | None, text: str) -> str:
    """The state key `text` names (a key or a label), or BadInput listing the states of that kind (exit 2)."""
    wanted = text.strip().casefold()
    states = states_of(kind)
    for key in states:
        if wanted in _names(kind, key):
            return key
    shown = ", ".join(f"{label('step', key)} ({key})" if label("step", key) != key else key for key in states)
    if kind is None:
        raise BadInput(_("--status: '{value}' is not a state of any record; expected one of: {states}",
                         value=text, states=shown))
    from propcli import kinds

    raise BadInput(_("--status: '{value}' is not a state of a {kind}; expected one of: {states}",
                     value=text, kind=kinds.label(kind), states=shown))
