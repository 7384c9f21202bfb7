"""The registry and the declarations agree with each other and with the skeleton policy."""
from pathlib import Path

import pytest

from propcli import kinds
from propcli.ids import PREFIX
from propcli.policy.roles import ROLES

REPO = Path(__file__).resolve().parents[2]


def skeleton_rules():
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((REPO / "ledger" / "policy.yaml").read_text(encoding="utf-8"))["rules"]


@pytest.mark.parametrize("name", kinds.NAMES)
def test_each_entry_names_a_module_declaring_that_kind(name):
    declared = kinds.kind(name)
    assert declared.name == name and declared.zh and declared.en and declared.clause
    assert declared.prefix == PREFIX[name] == kinds.PREFIXES[name]


def test_prefixes_are_unique_and_every_kind_of_cli_md_is_there():
    assert len(set(kinds.PREFIXES.values())) == len(kinds.PREFIXES)
    assert {"call", "request", "repair", "complaint", "callback", "letter", "patrol", "event",
            "visit"} <= set(kinds.NAMES)


@pytest.mark.parametrize("name", kinds.NAMES)
def test_steps_follow_steps_that_exist_and_are_done_by_known_roles(name):
    declared = kinds.kind(name)
    names = declared.step_names
    assert len(set(names)) == len(names), names
    for step in declared.steps:
        assert set(step.after) <= set(names) | {"new"}, (step.name, step.after)
        caller = {"caller"} if name == "callback" else set()  # the role the callback names (11.1.3-6)
        assert set(step.roles) <= set(ROLES) | caller, (step.name, step.roles)
        assert step.clause and step.zh, step.name
        assert len({o.key for o in step.options}) == len(step.options)


def test_every_rule_of_the_policy_belongs_to_a_registered_kind_and_has_a_label():
    for rule in skeleton_rules():
        assert rule["kind"] in kinds.NAMES, rule["key"]
        assert kinds.rule_label(rule["key"]), f"{rule['key']} has no Chinese label in its kind's rule_labels"


def test_step_limits_name_rules_of_the_policy():
    keys = {rule["key"] for rule in skeleton_rules()}
    for declared in kinds.all_kinds():
        for step in declared.steps:
            assert set(step.limit) <= keys, (declared.name, step.name, step.limit)
        assert set(declared.new_limit) <= keys, declared.name


def test_callback_sources_carry_the_quotas_of_11_1_3_to_5_in_clause_order():
    sources = kinds.callback_sources()
    assert [(name, s.target) for name, s in sources.items() if s.target is not None][:3] == [
        ("complaint", 0.5), ("repair", 0.3), ("event", 0.1)]


def test_the_label_of_a_kind_reads_in_chinese_or_english(monkeypatch):
    from propcli import i18n

    monkeypatch.setenv("PROPCLI_LANG", "zh_CN")
    i18n.reset()
    assert kinds.label("repair") == "维修单"
    monkeypatch.setenv("PROPCLI_LANG", "en")
    i18n.reset()
    assert kinds.label("repair").startswith("repair")
    i18n.reset()
