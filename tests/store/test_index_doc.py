"""reindex keeps a record file's parsed data as the index's document only when it is exactly the document the
record makes (model.written_as_read, issue 21): anything else is written from the record."""
import copy
import json

import pytest

import propcli.kinds  # noqa: F401  (registers the id prefixes)
from propcli.model import record_from_plain, record_to_plain, written_as_read

TZ = "Asia/Shanghai"
FILE = {"schema": 1, "kind": "repair", "id": "R-2PD5DCEDFM", "office": "HY01", "public": False, "name": "刘嘉怡",
        "phone": "13854422640", "address": "15栋2001", "item": "漏水",
        "events": [{"step": "new", "at": "2026-11-15T01:11:08+08:00", "by": "孙晓燕"},
                   {"step": "take", "at": "2026-11-15T01:25:36+08:00", "by": "周志强", "to": "郑国平"}]}


def doc(plain) -> str:
    return json.dumps(record_to_plain(record_from_plain(plain, TZ), TZ, current=True), ensure_ascii=False)


def test_a_file_as_propcli_writes_it_is_kept_and_is_the_document():
    plain = copy.deepcopy(FILE)
    assert written_as_read(plain, record_from_plain(plain, TZ))
    assert json.dumps(plain, ensure_ascii=False) == doc(plain)


def _moved_to_end(plain, key):
    plain[key] = plain.pop(key)


@pytest.mark.parametrize("change", [
    lambda p: p["events"][0].update(at="2026-11-14T17:11:08Z"),                 # the same moment, in UTC
    lambda p: p["events"][1].update(at="2026-11-15 01:25:36+08:00"),            # a space for the T
    lambda p: p["events"][1].update(at="2026-11-15T01:25:36.5+08:00"),          # a fraction of a second
    lambda p: p["events"][1].update(at="2026-11-15T02:25:36+09:00"),            # another offset
    lambda p: _moved_to_end(p["events"][1], "by"),                              # keys of an event in another order
    lambda p: _moved_to_end(p, "office"),                                       # a field after the events
    lambda p: p.update(schema=True),                                            # reads as 1, writes as true
    lambda p: p["events"].append({"step": "correct", "at": "2026-11-15T02:00:00+08:00", "by": "孙晓燕",
                                  "changes": {"phone": ["13854422640", "13854422641"]},
                                  "reason": "听错"}),                             # corrected: reads otherwise
])
def test_anything_else_is_written_from_the_record(change):
    plain = copy.deepcopy(FILE)
    change(plain)
    record = record_from_plain(plain, TZ)
    assert not written_as_read(plain, record)
    assert json.dumps(plain, ensure_ascii=False) != doc(plain)  # keeping the file would have been wrong
