"""The git merge driver for record files: several desks that worked on one record offline merge without loss.

Git calls it (`python -m propcli merge-driver %O %A %B`, configured in .git/config by the first command in a
ledger) for a record file changed on both sides since their common ancestor, and takes its result as the
merged file:

- events are append-only, so the merge is the three-way union of both sides' events (an event added on
  either side is kept, an event deleted on one side by hand stays deleted), in time order; each side keeps
  its own order, and events of the two sides at the same second are ordered the same way on every desk;
- a field changed on one side only takes that side's value;
- a field changed differently on both sides is never decided by the merge: the file keeps this side's value
  in the field and both values in a `conflicts:` section, which `propcli check` reports as `path:line:`,
  `show` shows, and which blocks further steps on that record (exit 3) until a person resolves it, by an
  ordinary edit (set the field, delete the entry) or `propcli resolve ID --field F --value V`;
- a conflict entry resolved on one side (deleted) stays resolved; entries are merged like a set.

The driver fails (git then stops the merge, and `propcli sync` aborts it) only when a side is not a
readable record file, or when both sides created *different* records at the same path (the same id made on
two desks: ids carry 20 random bits per second of the received time, so this is about one in a million
for two records of one kind received in the same second).

    conflicts:
    - field: name          # the field
      values: [张三丰, 张叁]  # the values the two desks gave it (the field keeps one of them until resolved)
      was: 张三             # its value before
"""
import sys
from pathlib import Path

from propcli.errors import LedgerUnusable
from propcli.i18n import _
from propcli.store import yamlio

CONFLICTS = "conflicts"
_MISSING = object()


# --- plain data -------------------------------------------------------------------------------

def _plain(value):
    """ruamel's round-trip types as plain Python data (for comparing and for keys)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _key(value) -> str:
    import json

    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, default=str)


def _moment(event) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(event.get("at"))).timestamp()
    except (TypeError, ValueError, AttributeError):
        return float("inf")


# --- events -----------------------------------------------------------------------------------

def merge_events(base: list, ours: list, theirs: list) -> list:
    """The three-way union of event lists: each event kept max(0, ours + theirs - base) times (an event
    both desks added counts twice, one deleted on one side is gone), in time order. Each side's own order
    is kept; at the same second, events already in the base come first, then the two sides' additions in
    a fixed order (by content), so every desk computes the same list."""
    from collections import Counter

    base_count = Counter(_key(e) for e in base)
    ours_count = Counter(_key(e) for e in ours)
    theirs_count = Counter(_key(e) for e in theirs)
    wanted = {k: max(0, ours_count[k] + theirs_count[k] - base_count[k]) for k in ours_count | theirs_count}

    kept_ours: list = []
    seen: Counter = Counter()
    for event in ours:
        k = _key(event)
        if seen[k] < wanted[k]:
            seen[k] += 1
            kept_ours.append((event, k, 0 if seen[k] <= base_count[k] else 1))
    extra = {k: wanted[k] - seen[k] for k in wanted}
    from_theirs = []
    for event in reversed(theirs):  # theirs' additions are its last occurrences of an event
        k = _key(event)
        if extra.get(k, 0) > 0:
            extra[k] -= 1
            from_theirs.append((event, k, 1))
    from_theirs.reverse()

    merged, i, j = [], 0, 0
    while i < len(kept_ours) or j < len(from_theirs):
        if j >= len(from_theirs):
            take_ours = True
        elif i >= len(kept_ours):
            take_ours = False
        else:
            (o, ok, orank), (t, tk, trank) = kept_ours[i], from_theirs[j]
            take_ours = (_moment(o), orank, ok) <= (_moment(t), trank, tk)
        if take_ours:
            merged.append(kept_ours[i][0])
            i += 1
        else:
            merged.append(from_theirs[j][0])
            j += 1
    first = next((e for e in merged if isinstance(e, dict) and e.get("step") == "new"), None)
    if first is not None and merged[0] is not first:
        merged.remove(first)
        merged.insert(0, first)
    return merged


# --- conflicts --------------------------------------------------------------------------------

def conflicts_in(plain) -> list[dict]:
    """The unresolved conflicts of a record (its `conflicts:` section) as `{"field", "values", "was"}`;
    anything at all left in that section counts, so a half-finished hand edit still blocks the record."""
    if not isinstance(plain, dict):
        return []
    section = plain.get(CONFLICTS)
    if section in (None, "", [], {}):
        return []
    items = section if isinstance(section, list) else [section]
    found = []
    for item in items:
        if isinstance(item, dict):
            values = item.get("values")
            found.append({"field": str(item.get("field") or "?"),
                          "values": list(values) if isinstance(values, list) else [values],
                          "was": item.get("was")})
        else:
            found.append({"field": "?", "values": [item], "was": None})
    return found


def _shown(value) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, str):
        return f"“{value}”"
    import json

    return json.dumps(_plain(value), ensure_ascii=False)


def conflict_lines(relpath: str, text: str) -> list[tuple[int, dict, str]]:
    """(line, conflict, description) for each unresolved conflict in a record file's text."""
    try:
        plain = yamlio.parse_plain(text, relpath)
    except yamlio.DamagedFile:
        return []
    found = conflicts_in(plain)
    if not found:
        return []
    record_id = plain.get("id", "?") if isinstance(plain, dict) else "?"
    lines = []
    try:
        document = yamlio.parse_roundtrip(text, relpath)
        section = document[CONFLICTS]
        for index in range(len(found)):
            try:
                lines.append(section.lc.item(index)[0] + 1)
            except Exception:
                lines.append(yamlio.line_of(document, CONFLICTS))
    except Exception:
        lines = [1] * len(found)
    result = []
    for line, conflict in zip(lines, found):
        conflict["id"] = record_id
        values = _(" or ").join(_shown(v) for v in conflict["values"])
        result.append((line, conflict, _("{id}: '{field}' was changed differently on two desks: {values}",
                                         id=record_id, field=conflict["field"], values=values)))
    return result


def conflict_messages(relpath: str, text: str) -> list:
    """`check`'s problems for a record file's unresolved conflicts (propcli/problems.py), naming the record."""
    from propcli.problems import Problem

    messages = []
    for line, conflict, description in conflict_lines(relpath, text):
        messages.append(Problem(relpath, line, _("{description}; resolve: propcli resolve {id} --field {field} --value "
                                                 "VALUE", description=description, id=conflict["id"],
                                                 field=conflict["field"])))
    return messages


def refuse_conflicted(ledger, record) -> None:
    """A record with an unresolved conflict takes no further change (exit 3); every other record does."""
    if not record.fields.get(CONFLICTS):
        return
    relpath = record.path
    text = (ledger.root / relpath).read_text(encoding="utf-8")
    found = conflict_lines(relpath, text) or [(1, {"field": "?", "id": record.id}, record.id)]
    line, conflict, description = found[0]
    raise LedgerUnusable(_("{path}:{line}: {description}; no changes until resolved: propcli resolve {id} --field "
                           "{field} --value VALUE",
                           path=relpath, line=line, description=description, id=record.id, field=conflict["field"]))


def resolve_document(document, field: str, value) -> None:
    """Set `field` to the chosen value and drop its conflict entry (the section goes when empty)."""
    section = document.get(CONFLICTS)
    if isinstance(section, list):
        keep = [item for item in section if not (isinstance(item, dict) and str(item.get("field")) == field)]
        if keep:
            section[:] = keep
        else:
            del document[CONFLICTS]
    elif section is not None:
        del document[CONFLICTS]
    document[field] = value


def _merge_conflicts(base, ours, theirs, new: list[dict]) -> list[dict]:
    """Conflict entries merged as a set (one resolved on a side stays resolved), plus this merge's; one
    entry per field (the values of several merges gathered)."""
    def entries(document):
        section = (document or {}).get(CONFLICTS)
        if section in (None, "", [], {}):
            return []
        return [_plain(e) for e in section] if isinstance(section, list) else [_plain(section)]

    base_keys = {_key(e) for e in entries(base)}
    ours_list, theirs_list = entries(ours), entries(theirs)
    ours_keys, theirs_keys = {_key(e) for e in ours_list}, {_key(e) for e in theirs_list}
    kept = [e for e in ours_list if _key(e) in theirs_keys or _key(e) not in base_keys]
    kept += [e for e in theirs_list if _key(e) not in ours_keys and _key(e) not in base_keys]
    by_field: dict[str, dict] = {}
    for entry in kept + new:
        if not isinstance(entry, dict):
            entry = {"field": "?", "values": [entry]}
        name = str(entry.get("field") or "?")
        if name not in by_field:
            values = entry.get("values")
            by_field[name] = {"field": name, "values": list(values) if isinstance(values, list) else [values],
                              "was": entry.get("was")}
        else:
            known = {_key(v) for v in by_field[name]["values"]}
            for candidate in entry.get("values") or []:
                if _key(candidate) not in known:
                    by_field[name]["values"].append(candidate)
                    known.add(_key(candidate))
    return list(by_field.values())


# --- the merge --------------------------------------------------------------------------------

def merge_documents(base, ours, theirs) -> str | None:
    """Merge `theirs` into the round-trip document `ours` in place; None when done, else why it cannot be."""
    if not isinstance(ours, dict) or not isinstance(theirs, dict) or not isinstance(base or {}, dict):
        return _("not a record file on both sides")
    base = base or {}
    ours_events, theirs_events = ours.get("events"), theirs.get("events")
    if not isinstance(ours_events, list) or not isinstance(theirs_events, list) or not ours_events or not theirs_events:
        return _("a side has no events list")
    base_events = base.get("events") if isinstance(base.get("events"), list) else []
    if not base_events and _key(ours_events[0]) != _key(theirs_events[0]):
        return _("two different records were created with the same id {id} on two desks; give one of them a new id",
                 id=ours.get("id"))
    new_conflicts = []
    names = [k for k in list(ours.keys()) + [k for k in theirs.keys() if k not in ours] + list(base.keys())
             if k not in ("events", CONFLICTS)]
    for name in dict.fromkeys(names):
        o, t, b = ours.get(name, _MISSING), theirs.get(name, _MISSING), base.get(name, _MISSING)
        pk = {side: (None if value is _MISSING else _key(value)) for side, value in (("o", o), ("t", t), ("b", b))}
        if pk["o"] == pk["t"]:
            continue
        if pk["b"] == pk["o"]:  # changed on their side only
            if t is _MISSING:
                del ours[name]
            elif o is _MISSING:
                _insert_before_events(ours, name, t)
            else:
                ours[name] = t
        elif pk["b"] == pk["t"]:  # changed on our side only
            continue
        else:
            if o is _MISSING:
                _insert_before_events(ours, name, t)
            new_conflicts.append({"field": str(name),
                                  "values": [None if v is _MISSING else _plain(v) for v in (o, t)],
                                  "was": None if b is _MISSING else _plain(b)})
    conflicts = _merge_conflicts(base, ours, theirs, new_conflicts)
    if conflicts:
        if CONFLICTS in ours:
            ours[CONFLICTS] = conflicts
        else:
            _insert_before_events(ours, CONFLICTS, conflicts)
    elif CONFLICTS in ours:
        del ours[CONFLICTS]
    merged = merge_events(list(base_events), list(ours_events), list(theirs_events))
    del ours["events"][:]
    ours["events"].extend(merged)
    return None


def _insert_before_events(document, key, value) -> None:
    keys = list(document.keys())
    if "events" in keys and hasattr(document, "insert"):
        document.insert(keys.index("events"), key, value)
    else:
        document[key] = value


def merge_files(base_path: str, ours_path: str, theirs_path: str) -> str | None:
    """Merge into `ours_path` (git's %A); None when merged (conflicting fields are kept in the file),
    else the reason git must stop."""
    def load(path):
        file = Path(path)
        text = file.read_text(encoding="utf-8") if file.exists() else ""
        return yamlio.parse_roundtrip(text, path) if text.strip() else None

    try:
        base, ours, theirs = load(base_path), load(ours_path), load(theirs_path)
    except (yamlio.DamagedFile, UnicodeDecodeError) as error:
        return getattr(error, "message", str(error))
    if ours is None or theirs is None:
        return _("a side is empty")
    reason = merge_documents(base, ours, theirs)
    if reason is None:
        yamlio.write_atomic(Path(ours_path), yamlio.dump(ours))
    return reason


def merge_record_files(base_path: str, ours_path: str, theirs_path: str) -> bool:
    """The merge driver's entry point: True when merged; otherwise says why on stderr (git shows it)."""
    reason = merge_files(base_path, ours_path, theirs_path)
    if reason is not None:
        print(f"propcli merge-driver: {reason}", file=sys.stderr)
    return reason is None
