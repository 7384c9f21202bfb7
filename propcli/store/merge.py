"""A git merge driver for record files: two offices that appended events to one record offline merge cleanly.

Events are append-only, so the merge is the union of both sides' events in time order; a field changed on
one side only takes that side's value; a field changed differently on both sides is a real conflict (exit 1,
git leaves the file for a person).
"""
from pathlib import Path

from propcli.store import yamlio


def _event_key(event) -> tuple:
    return tuple(sorted((str(k), str(v)) for k, v in event.items()))


def merge_record_files(base_path: str, ours_path: str, theirs_path: str) -> bool:
    """Merge into `ours_path` (git's %A); True when clean."""
    def load(path):
        text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
        return yamlio.parse_roundtrip(text, path) if text.strip() else None

    base, ours, theirs = load(base_path), load(ours_path), load(theirs_path)
    if ours is None or theirs is None:
        return False
    base = base or {}
    clean = True
    for key in list(theirs.keys()):
        if key == "events":
            continue
        if key not in ours:
            if key not in base:
                ours[key] = theirs[key]
            continue
        if theirs[key] != ours[key]:
            if base.get(key) == ours[key]:
                ours[key] = theirs[key]
            elif base.get(key) != theirs[key]:
                clean = False
    seen = {_event_key(e) for e in ours.get("events") or []}
    added = [e for e in theirs.get("events") or [] if _event_key(e) not in seen]
    if added:
        events = list(ours["events"]) + added
        events.sort(key=lambda e: str(e.get("at")))
        first = [e for e in events if e.get("step") == "new"][:1]
        rest = [e for e in events if not first or e is not first[0]]
        merged = first + rest
        del ours["events"][:]
        ours["events"].extend(merged)
    if clean:
        yamlio.write_atomic(Path(ours_path), yamlio.dump(ours))
    return clean
