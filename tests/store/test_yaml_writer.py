"""New record files are written without loading ruamel; what they say must read back the same in both parsers."""
from hypothesis import given, settings, strategies as st

from propcli.store import yamlio

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)  # control characters: below
scalar = st.one_of(text, st.integers(-10**6, 10**6), st.booleans(), st.none(), st.floats(allow_nan=False),
                   st.sampled_from(["0301", "3栋0301", "13800138000", "yes", "No", "null", "~", "1e3", "0o17", "0x1F",
                                    "2026-11-28", "2026-11-28T09:00:00+08:00", "12:30", "- x", "a: b", "#c", "O'Brien",
                                    " padded ", "多行\n文本", "", "'", '"', "@x", "`x", "%x", "!x", "&x", "*x", "|",
                                    ">"]))
event = st.dictionaries(st.sampled_from(["step", "at", "by", "note", "to", "price", "copies", "fees"]),
                        st.one_of(scalar, st.lists(st.integers(0, 9), max_size=3),
                                  st.lists(st.fixed_dictionaries({"item": text, "amount": text}), max_size=2)),
                        min_size=1)
record = st.fixed_dictionaries({"schema": st.just(1), "kind": st.just("repair"), "id": st.just("R-2QGG9FGSTH")},
                               optional={"odd key": scalar, "2": scalar, "name": scalar, "phone": scalar,
                                         "address": scalar, "item": scalar,
                                         "qty": scalar, "public": st.booleans(), "findings": st.lists(text, max_size=3)}
                               ).flatmap(lambda fields: st.lists(event, min_size=1, max_size=3).map(
                                   lambda events: dict(fields, events=events)))


@settings(max_examples=300, deadline=None)
@given(record)
def test_new_record_text_reads_back_identically_in_both_parsers(data):
    written = yamlio.dump_new(data)
    assert yamlio.parse_plain(written, "<test>") == data
    roundtrip = yamlio.parse_roundtrip(written, "<test>")
    assert _plain(roundtrip) == data


def test_typical_record_matches_ruamel_byte_for_byte():
    data = {"schema": 1, "kind": "repair", "id": "R-2QGG9FGSTH", "office": "HY01", "public": False, "name": "张三",
            "phone": "13800138000", "address": "3栋0301", "item": "厨房水龙头漏水: 急", "price_code": "SD-01",
            "unit_price": "15.00", "qty": 1, "appointment": None,
            "events": [{"step": "new", "at": "2026-11-28T09:00:00+08:00", "by": "王芳", "copies": [2, 3],
                        "fees": [{"item": "阀芯", "amount": "25.00"}]},
                       {"step": "note", "at": "2026-11-28T09:01:00+08:00", "by": "O'Brien", "note": "多行\n文本"}]}
    assert yamlio.dump_new(data) == yamlio.dump(data)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value  # a float, date or timestamp: a type the writer should not have produced


def test_control_characters_are_left_to_ruamel():
    data = {"schema": 1, "note": "铃\x07声", "other": "del\x7f"}
    assert yamlio.dump_new(data) == yamlio.dump(data)
    assert yamlio.parse_plain(yamlio.dump_new(data), "<test>") == data
