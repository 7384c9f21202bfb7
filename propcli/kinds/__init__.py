"""The registry of record kinds: one line each, metadata only.

A kind's module (`propcli.kinds.<name>`) declares the rest as data: its fields and validators, its steps
(which step may follow which, the clause, the options, the role that does it), when it closes, what it
contributes as a callback source, its forms and statistics. It is imported only when that kind is used,
so start-up pays for none of them.

Adding a kind: its module, one line below, its rows in `ledger/policy.yaml`, its form template.
"""
from importlib import import_module
from typing import NamedTuple


class Entry(NamedTuple):
    name: str
    prefix: str
    zh: str
    en: str
    clause: str


REGISTRY = (
    Entry("call", "C", "来电", "call", "8.7.2"),
    Entry("request", "Q", "求助", "help request", "9"),
    Entry("repair", "R", "维修单", "repair", "10.4"),
    Entry("complaint", "T", "投诉", "complaint", "8.6"),
    Entry("callback", "B", "回访", "callback", "11"),
    Entry("letter", "L", "公开信", "open letter", "11.1.10"),
    Entry("patrol", "P", "巡查", "patrol round", "12"),
    Entry("event", "E", "文体活动", "community event", "11.1.5"),
    Entry("visit", "V", "拜访", "visit", "11.1.6"),
)
NAMES = tuple(entry.name for entry in REGISTRY)
_BY_NAME = {entry.name: entry for entry in REGISTRY}


def entry(name: str) -> Entry:
    return _BY_NAME[name]


def kind(name: str):
    """The full declaration (`KIND`) of a kind, importing its module on first use."""
    return import_module(f"propcli.kinds.{name}").KIND


def all_kinds():
    return [kind(name) for name in NAMES]


def label(name: str | None) -> str:
    """`维修单 repair`: the kind's Chinese label and, for the English reader, its English one."""
    from propcli.i18n import _, language

    found = _BY_NAME.get(name or "")
    if found is None:
        return str(name)
    return found.zh if language() == "zh_CN" else f"{_(found.en)} ({found.zh})"


def _register() -> None:
    from propcli import ids

    ids.register({entry.name: entry.prefix for entry in REGISTRY})


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
