"""The registry of record kinds: one line each, metadata only.

A kind's module (`propcli.kinds.<name>`) declares the rest as data: its fields and validators, its steps
(which step may follow which, the clause, the options, the role that does it), when it closes, what it
contributes as a callback source, its forms and statistics. It is imported only when that kind is used,
so start-up pays for none of them.

Adding a kind: its module, its line in `PREFIXES` below, its rows in `ledger/policy.yaml` (docs/design.md).
"""
import sys
from importlib import import_module

PREFIXES = {"call": "C", "request": "Q", "repair": "R", "complaint": "T", "callback": "B", "letter": "L",
            "patrol": "P", "event": "E", "visit": "V"}
"""The registry: kind -> its id prefix, one entry a kind; the kind is the module `propcli.kinds.<name>`, whose
`KIND` declares everything else (labels, clause, fields, steps, rules, forms, statistics). The prefix alone lives
here: resolving an id must not import every kind's module (start-up, docs/design.md "The registry")."""
MODULES: dict[str, str] = {name: f"propcli.kinds.{name}" for name in PREFIXES}
NAMES: tuple[str, ...] = tuple(PREFIXES)


def add(name: str, prefix: str, module: str) -> None:
    """Register a kind declared outside this package (a plug-in, the worked example of tests/kinds)."""
    global NAMES
    from propcli import ids

    PREFIXES[name], MODULES[name] = prefix, module
    NAMES = tuple(PREFIXES)
    ids.register({name: prefix})


def remove(name: str) -> None:
    """Forget a kind `add` registered (a test's worked example cleaning up after itself)."""
    global NAMES
    from propcli import ids

    prefix = PREFIXES.pop(name)
    MODULES.pop(name)
    NAMES = tuple(PREFIXES)
    ids.PREFIX.pop(name, None)
    ids.KIND_OF_PREFIX.pop(prefix, None)


def kind(name: str):
    """The full declaration (`KIND`) of a kind, importing its module on first use; KeyError for no kind."""
    module = sys.modules.get(MODULES[name])
    return (module if module is not None else import_module(MODULES[name])).KIND


def all_kinds():
    return [kind(name) for name in NAMES]


def label(name: str | None) -> str:
    """`维修单 repair`: the kind's Chinese label and, for the English reader, its English one."""
    from propcli.i18n import _, language

    if name not in PREFIXES:
        return str(name)
    found = kind(name)
    return found.zh if language() == "zh_CN" else f"{_(found.en)} ({found.zh})"


def declared_label(group: str, key: str):
    """The word a kind declares for `key` (`Kind.labels`; a rule's Chinese label from `rule_labels`): an English
    msgid, an (English, Chinese) pair, or None. The hook propcli.i18n.label asks after its own tables."""
    first = key.split(".", 1)[0] if group == "rule" else None
    ordered = ([first] if first in PREFIXES else []) + [n for n in NAMES if n != first]
    for name in ordered:
        declared = kind(name)
        found = declared.labels.get(group, {}).get(key)
        if found is not None:
            return found
    if group == "rule":
        zh = rule_label(key)
        return (key, zh) if zh else None
    return None


def _register() -> None:
    from propcli import i18n, ids

    ids.register(PREFIXES)
    i18n.LABEL_SOURCES.append(declared_label)


_register()


def rule_label(key: str) -> str | None:
    """The Chinese label of a deadline rule, from the kind that declares it (`repair.fill` 填写维修单)."""
    for declared in all_kinds():
        if key in declared.rule_labels:
            return declared.rule_labels[key]
    return None


def callback_sources() -> dict:
    """kind -> CallbackSource, for every kind that is a callback source, in the order of their clauses (11.1.3-6)."""
    found = [(k.callback_source.clause, k.name,
              k.callback_source) for k in all_kinds() if k.callback_source is not None]
    return {name: source for _clause, name, source in sorted(found)}
