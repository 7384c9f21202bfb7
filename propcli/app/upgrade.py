"""`propcli upgrade`: an existing ledger moves to the readings of the installed release (issue 18, point 6).

The installed skeleton (`ledger/`, what `init` copies) is compared with the ledger's own settings, and what the
skeleton has that the ledger lacks is added, in one commit, comments kept (ruamel.yaml round trip):

- `propcli.yaml`: a top-level setting the ledger does not have (`roles: enforce` where no `roles:` is set);
- `policy.yaml` `rules:`: a rule the ledger does not have (the same `key`, `kind` and `when`), put beside the
  rules of its key in the skeleton's order (the first applicable rule wins, so the order matters); in a rule the
  ledger has, a setting it lacks (`sooner: callback_by` on the `callback.complaint` rules, 11.2.2);
- `policy.yaml` `steps:`: a step the ledger does not list, and a step still listing what an earlier skeleton
  shipped (`SHIPPED_BEFORE`), which becomes what the skeleton lists now; a list the office changed is kept
  and named.

Nothing the office set is changed: a length, a role, `roles: warn`. `--roles enforce|warn` sets the roles mode
in the same commit (CLI.md: an existing ledger keeps its setting until someone changes it). Records are never
touched. Running it again changes nothing ("already up to date"). `propcli doctor` says when it is needed."""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field

from propcli.errors import BadInput
from propcli.i18n import _

FILES = ("propcli.yaml", "policy.yaml")

SHIPPED_BEFORE: dict[str, tuple[tuple[str, ...], ...]] = {
    "request.reply": (("property_officer",),),
    "patrol.handle": (("property_officer",),),
}
"""`steps:` lists that earlier skeletons shipped and the installed one changed: a ledger still holding one of
them never chose it, so it moves to the skeleton's list (9.4.3-1: the customer director replies; 12.1: patrol
officers patrol)."""


@dataclass
class Plan:
    texts: dict[str, str] = field(default_factory=dict)
    """The files that change: name -> their new text."""
    changes: list[str] = field(default_factory=list)
    """What changed, one line each, as the person reads it."""
    kept: list[str] = field(default_factory=list)
    """What the office set differently and is kept, one line each."""


def _identity(rule) -> tuple:
    when = rule.get("when") or {}
    return (rule.get("key"), rule.get("kind"),
            tuple(sorted((str(k), repr(v)) for k, v in dict(when).items())) if isinstance(when, dict) else repr(when))


def _fresh(node):
    """A copy of a skeleton node without its comments (they describe the skeleton's neighbours), keeping flow
    style (`when: {…}`, `escalate: […]`)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        copy = CommentedMap()
        for key, value in node.items():
            copy[key] = _fresh(value)
        if node.fa.flow_style():
            copy.fa.set_flow_style()
        return copy
    if isinstance(node, CommentedSeq):
        seq = CommentedSeq(_fresh(v) for v in node)
        if node.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    return deepcopy(node)


def _insert_after(mapping, skeleton, key, value) -> None:
    """Put `key` into `mapping` after the nearest key that precedes it in `skeleton` and `mapping` has."""
    order = list(skeleton.keys())
    position = len(mapping)
    for earlier in reversed(order[:order.index(key)]):
        if earlier in mapping:
            position = list(mapping.keys()).index(earlier) + 1
            break
    mapping.insert(position, key, value)
    comment = skeleton.ca.items.get(key)
    if comment and len(comment) > 2 and comment[2] is not None and comment[2].value.lstrip().startswith("#") \
            and "\n" not in comment[2].value.strip("\n"):
        mapping.yaml_add_eol_comment(comment[2].value.strip(), key)


def _eol(skeleton, key) -> str:
    comment = skeleton.ca.items.get(key)
    text = comment[2].value if comment and len(comment) > 2 and comment[2] is not None else ""
    return text.strip().splitlines()[0] if text.strip() else ""


def plan(ledger, roles: str | None = None) -> Plan:
    """What `upgrade` would write (nothing is written here)."""
    from propcli.store import yamlio
    from propcli.store.resources import skeleton_dir

    result = Plan()
    docs = {}
    for name in FILES:
        path = ledger.root / name
        shipped = skeleton_dir() / name
        docs[name] = (yamlio.parse_roundtrip(path.read_text(encoding="utf-8"), path),
                      yamlio.parse_roundtrip(shipped.read_text(encoding="utf-8"), shipped))
    changed: set[str] = set()

    config, skeleton = docs["propcli.yaml"]
    for key in skeleton:
        if key not in config:
            _insert_after(config, skeleton, key, _fresh(skeleton[key]))
            changed.add("propcli.yaml")
            result.changes.append(_("propcli.yaml: added {key}: {value}", key=key, value=_shown(skeleton[key])))
    if roles is not None and config.get("roles") != roles:
        old = config.get("roles")
        config["roles"] = roles
        changed.add("propcli.yaml")
        result.changes.append(_("propcli.yaml: roles: {old} -> {new}", old=old or "warn", new=roles))
    elif config.get("roles") == "warn":
        result.kept.append(_("propcli.yaml: roles: warn kept (a step by another role is recorded with a warning); "
                             "to refuse it as a new ledger does: propcli upgrade --roles enforce"))

    policy, skeleton = docs["policy.yaml"]
    rules, wanted = policy.get("rules"), skeleton.get("rules") or []
    if isinstance(rules, list):
        for index, rule in enumerate(wanted):
            ident = _identity(rule)
            mine = next((r for r in rules if isinstance(r, dict) and _identity(r) == ident), None)
            if mine is not None:
                for key in rule:
                    if key not in mine:
                        _insert_after(mine, rule, key, _fresh(rule[key]))
                        changed.add("policy.yaml")
                        result.changes.append(_("policy.yaml: rule {key} ({clause}): added {name}: {value}",
                                                key=rule.get("key"), clause=rule.get("clause"), name=key,
                                                value=_shown(rule[key])))
                continue
            rules.insert(_rule_position(rules, wanted, index), _fresh(rule))
            changed.add("policy.yaml")
            when = rule.get("when")
            result.changes.append(_("policy.yaml: added rule {key} ({clause}){when}", key=rule.get("key"),
                                    clause=rule.get("clause"), when=f" when {_shown(when)}" if when else ""))
    steps, shipped = policy.get("steps"), skeleton.get("steps") or {}
    if steps is None and shipped:
        from ruamel.yaml.comments import CommentedMap

        steps = CommentedMap()
        policy["steps"] = steps
    if isinstance(steps, dict):
        for key, value in shipped.items():
            now = tuple(value)
            if key not in steps:
                _insert_after(steps, shipped, key, _fresh(value))
                changed.add("policy.yaml")
                result.changes.append(_("policy.yaml: steps: added {key}: [{roles}] {note}", key=key,
                                        roles=", ".join(now), note=_eol(shipped, key)))
                continue
            mine = tuple(steps[key]) if isinstance(steps[key], list) else (steps[key],)
            if mine == now:
                continue
            if mine in SHIPPED_BEFORE.get(key, ()):
                steps[key] = _fresh(value)
                changed.add("policy.yaml")
                result.changes.append(_("policy.yaml: steps: {key}: [{old}] -> [{new}] {note}", key=key,
                                        old=", ".join(mine), new=", ".join(now), note=_eol(shipped, key)))
            else:
                result.kept.append(_("policy.yaml: steps: {key}: [{mine}] kept (the office's; the skeleton lists "
                                     "[{now}])", key=key, mine=", ".join(map(str, mine)), now=", ".join(now)))
    for name in sorted(changed):
        result.texts[name] = _dump(docs[name][0])
    return result


def _dump(document) -> str:
    """The settings files' own layout (`rules:` items indented under their key), unlike a record file's."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _rule_position(rules, wanted, index: int) -> int:
    """Where skeleton rule `wanted[index]` goes in the ledger's `rules`: before the first ledger rule of its key
    that comes after it in the skeleton, else after the last ledger rule of its key, else at the end."""
    key = wanted[index].get("key")
    later = [_identity(r) for r in wanted[index + 1:] if r.get("key") == key]
    for position, rule in enumerate(rules):
        if isinstance(rule, dict) and _identity(rule) in later:
            return position
    same = [p for p, r in enumerate(rules) if isinstance(r, dict) and r.get("key") == key]
    return same[-1] + 1 if same else len(rules)


def _shown(value) -> str:
    from propcli.store import yamlio

    return yamlio.dump({"v": value}).strip()[3:].strip() if not isinstance(value, str) else value


def upgrade(session, roles: str | None = None, dry_run: bool = False) -> Plan:
    """Write the plan as one commit (`ledger: upgrade`), records untouched; refused (exit 2) while a settings
    file has edits not yet committed (they would be committed with it)."""
    from propcli.store import yamlio

    ledger = session.ledger
    if roles is not None and roles not in ("enforce", "warn"):
        raise BadInput(_("--roles: '{value}'; expected enforce or warn", value=roles))
    for name in ("policy.yaml", "calendar.yaml", "staff.yaml", "prices.yaml"):
        ledger.settings(name)  # a malformed settings file: exit 3, FILE:LINE (nothing is upgraded over it)
    with ledger.lock():
        for name in FILES:
            if ledger.git.is_modified(name):
                raise BadInput(_("{file}: has edits not yet committed; commit them (propcli sync) or undo them "
                                 "(git checkout -- {file}) before propcli upgrade", file=name))
        result = plan(ledger, roles)
        if dry_run or not result.texts:
            return result
        for name, text in result.texts.items():
            yamlio.write_atomic(ledger.root / name, text)
        body = "\n".join(result.changes)
        message = f"ledger: upgrade settings to this release\n\n{body}\n\nStep: upgrade\n"
        ledger.git.commit(sorted(result.texts), message, session.actor, ledger.email_of(session.actor))
    return result
