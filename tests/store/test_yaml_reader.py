"""The small reader of the layout propcli writes (yamlio._fast_plain, issue 21: reindex of 200,000 records): for any
text it accepts it must give exactly what PyYAML's loader gives (types included); anything else it declines."""
import pytest
from hypothesis import given, settings, strategies as st
from test_yaml_writer import record

from propcli.store import yamlio

TYPICAL = """schema: 1
kind: repair
id: R-2N8422MBTS
office: HY01
public: false
name: 黄国平
phone: '17755107355'
address: 26栋2003
unit_price: '15.00'
qty: 2
appointment:
note: "多行\\n文本"
fees: []
extra: {}
events:
- step: new
  at: '2026-11-01T00:01:06+08:00'
  by: 赵丽娟
- step: return
  at: '2026-11-01T21:26:28+08:00'
  copies:
  - 2
  - 3
  lines:
    - item: 阀芯
      amount: '25.00'
"""


def _typed(value):
    """The value with every scalar's type beside it (1 and True, '1' and 1 differ)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _library(text: str):
    yaml, loader = yamlio._fast()
    try:
        return ("ok", _typed(yaml.load(text, Loader=loader)))
    except Exception as error:  # noqa: BLE001  (whatever the library refuses)
        return ("error", type(error).__name__)


def _agrees(text: str) -> bool:
    """Declined, or exactly what the library reads; False when the reader accepted what the library refuses or
    read it differently."""
    try:
        fast = yamlio._fast_plain(text)
    except (yamlio._Declined, ValueError):
        return True
    return _library(text) == ("ok", _typed(fast))


def test_the_layout_propcli_writes_is_read_by_the_small_reader():
    data = yamlio._fast_plain(TYPICAL)  # not declined: this is what makes reindex fast
    assert _library(TYPICAL) == ("ok", _typed(data))
    assert data["events"][1]["copies"] == [2, 3] and data["appointment"] is None and data["phone"] == "17755107355"
    assert data["events"][1]["lines"] == [{"item": "阀芯", "amount": "25.00"}] and data["note"] == "多行\n文本"


@pytest.mark.parametrize("text", [
    "a: 1 # comment\n", "# head\na: 1\n", "a: 1\n\nb: 2\n", "a: 1\na: 2\n", "a: 1.5\n", "a: 0x1F\n", "a: 0o17\n",
    "a: .inf\n", "a: 1e3\n", "a: yes\n", "a: True\n", "a: ~\n", "a: 'x' # c\n", "a: x \n", "a:  x\n", "a:\tx\n",
    "\ufeffa: 1\n", "a: 1", "a: 1\r\n", "---\na: 1\n", "a: &x 1\nb: *x\n", "a: [1, 2]\n", "a: {b: 1}\n",
    "a: |\n  text\n", "a: >\n  text\n", "a: x\n  y\n", "a:\n  x\n", "a:\n- 1\n - 2\n", "- 1\n", "a:\n  - - 1\n",
    "a: !!str 1\n", "true: 1\n", "null: 1\n", "1: a\n", "a: 'it''s'\n", "a: 'it's'\n", 'a: "x\\ty"\n',
    'a: "x\\ud83dy"\n', 'a: "x\\ay"\n', 'a: "x\\"y"\n', "a: key: v\n", "a: -1\n", "a: -x\n", "a: +5\n", "a: 007\n",
    "a: 3栋0301\n", "a: 12:30\n", "a: 2026-11-28\n", "a: x:y\n", "a: @x\n", "a: %x\n", "a: `x\n", "a: ?x\n",
    "a: ? x\n", "a: -\n", "a:\n-\n", "a:\n- \n", "a: 'x\n", "a: \"x\n", "a:\n- b: 1\n  c:\n  - 2\n- 3\n",
    "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", "a: \u3000x\n", "a: x\u2028y\n", "a: x\x85y\n", "a: \x07\n", "a: '\x07'\n",
    "a: 99999999999999999999999999\n", "a: " + "9" * 5000 + "\n",
])
def test_unusual_text_is_declined_or_read_as_the_library_reads_it(text):
    assert _agrees(text), text


@settings(max_examples=300, deadline=None)
@given(record)
def test_written_records_read_back_alike(data):
    for text in (yamlio.dump_new(data), yamlio.dump(data)):
        assert _agrees(text), text


EDITS = st.sampled_from(list(" -:#'\"\n\t&*!|>{}[],?%@`~\\0123456789.eExTtNn栋\u3000"))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TYPICAL) - 1), EDITS, st.booleans()), min_size=1, max_size=4))
def test_hand_edits_are_declined_or_read_as_the_library_reads_them(edits):
    text = TYPICAL
    for at, char, insert in edits:
        at = min(at, len(text) - 1)
        text = text[:at] + char + text[at + (0 if insert else 1):]
    assert _agrees(text), text
