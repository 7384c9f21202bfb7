"""The one module that reads and writes YAML files.

Edits go through ruamel.yaml round-trip (YAML 1.2): comments and key order added by hand
survive. Bulk reads (index rebuild, check) use PyYAML's C loader with the YAML 1.2 core
schema's implicit types, about 20x faster; both give the same plain data.
"""
import os
import re
import stat
from pathlib import Path

from propcli.errors import LedgerUnusable
from propcli.i18n import _


class DamagedFile(LedgerUnusable):
    def __init__(self, path, line: int, problem: str):
        self.path, self.line, self.problem = str(path), line, problem
        super().__init__(_("{path}:{line}: damaged record file: {problem}", path=path, line=line, problem=problem))


_rt = None


def _roundtrip():
    global _rt
    if _rt is None:
        from ruamel.yaml import YAML

        _rt = YAML(typ="rt")
        _rt.width = 4096
        _rt.preserve_quotes = True
        _rt.indent(mapping=2, sequence=2, offset=0)
    return _rt


_fast_loader = None


def _fast():
    """PyYAML C loader restricted to the YAML 1.2 core schema (no yes/no booleans, octal 0301, dates)."""
    global _fast_loader
    if _fast_loader is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class Core12Loader(base):
            pass

        Core12Loader.yaml_implicit_resolvers = {}
        resolvers = [
            ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
            ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
            ("tag:yaml.org,2002:float",
             r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
             list("-+.0123456789")),
            ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ]
        for tag, pattern, first in resolvers:
            Core12Loader.add_implicit_resolver(tag, re.compile(pattern), first)

        def construct_int(loader, node):
            text = loader.construct_scalar(node)
            if text.startswith("0o"):
                return int(text[2:], 8)
            if text.startswith("0x"):
                return int(text[2:], 16)
            return int(text)

        Core12Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
        _fast_loader = (yaml, Core12Loader)
    return _fast_loader


MAX_FILE_BYTES = 1_000_000
"""The size limit of one record or settings file (docs/design.md "How writes stay safe"): larger ones are refused
unread, so one hostile file cannot exhaust memory."""
MAX_DEPTH = 64
"""Nesting deeper than this is refused before PyYAML's C composer (which recurses) sees it."""


class _ReaderPatterns:
    """The reader's patterns, compiled when a file is first read (`repair new` writes YAML, never reads it)."""

    SOURCES: dict[str, tuple[str, int]] = {
        "deep_prefix": (r"(?m)^[ \t?:-]{%d}" % MAX_DEPTH, 0),
        "fast_int": (r"[-+]?[0-9]+", 0),
        # what Core12Loader reads as an int in another base, or as a float (the patterns of `_fast`)
        "core_number": (r"(?:0o[0-7]+|0x[0-9a-fA-F]+)|(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))", 0),
        # the escapes a JSON string and a YAML double-quoted scalar read alike (no surrogate halves)
        "json_escape": (r'\\(?:["\\/bfnrt]|u(?![dD][89a-fA-F])[0-9a-fA-F]{4})', 0),
        # one line: its indent, a sequence dash, a key (with its colon), the rest (" value" after a key)
        "fast_line": (r"^( *)(- )?(?:([A-Za-z_][A-Za-z0-9_]*):(?= |$))?(.*)$", re.M),
    }

    def __getattr__(self, name: str):
        pattern, flags = self.SOURCES[name]
        compiled = re.compile(pattern, flags)
        setattr(self, name, compiled)
        return compiled


_PATTERNS = _ReaderPatterns()


def _refuse_hostile(yaml, loader, text: str, path) -> None:
    """Aliases (the 'billion laughs' bomb: a few lines that expand to gigabytes in any JSON or index copy)
    and deep nesting are refused by a streaming scan (libyaml's parser keeps explicit stacks, no recursion).
    Ordinary record files skip the scan: no `&`/`*`, little nesting."""
    if "*" not in text and "&" not in text and text.count("[") + text.count("{") <= MAX_DEPTH \
            and not _PATTERNS.deep_prefix.search(text):
        return
    depth = 0
    try:
        events = list(_events(yaml, text, loader))
    except yaml.YAMLError as error:  # libyaml >= 0.2.5 stops deep nesting itself ("exceeded maximum nesting depth")
        if "nesting depth" not in str(error):
            raise
        mark = getattr(error, "problem_mark", None)
        raise DamagedFile(path, mark.line + 1 if mark else 1,
                          _("nested more than {depth} levels deep", depth=MAX_DEPTH)) from None
    for event in events:
        name = type(event).__name__
        if name == "AliasEvent":
            line = event.start_mark.line + 1 if event.start_mark else 1
            raise DamagedFile(path, line, _("a YAML alias (*name); record files never use anchors or aliases"))
        if name in ("SequenceStartEvent", "MappingStartEvent"):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise DamagedFile(path, line, _("nested more than {depth} levels deep", depth=MAX_DEPTH))
        elif name in ("SequenceEndEvent", "MappingEndEvent"):
            depth -= 1


def _events(yaml, text: str, loader):
    """The parse events up to the first one past MAX_DEPTH (the caller stops there: no unbounded list)."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        yield event
        name = type(event).__name__
        if name in ("SequenceStartEvent", "MappingStartEvent"):
            depth += 1
            if depth > MAX_DEPTH:
                return
        elif name in ("SequenceEndEvent", "MappingEndEvent"):
            depth -= 1


class _Declined(Exception):
    """Not the block layout propcli writes: the YAML library reads the text instead."""


_FAST_WORDS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
               "null": None, "Null": None, "NULL": None, "~": None}
_FAST_FIRST_BAD = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
_NUMBER_FIRST = frozenset("0123456789+-.")
"""How every text the patterns fast_int or core_number match begins: any other scalar is a string, no pattern tried."""


def _fast_scalar(text: str):
    """One scalar as the YAML 1.2 core schema reads it (Core12Loader), or _Declined for anything unusual."""
    if not text:
        return None
    first = text[0]
    if first == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or not inner.isprintable():
            raise _Declined
        if "'" not in inner:
            return inner
        if "'" in inner.replace("''", ""):
            raise _Declined
        return inner.replace("''", "'")
    if first == '"':
        import json

        bare = _PATTERNS.json_escape.sub("", text[1:-1])
        if len(text) < 2 or text[-1] != '"' or "\\" in bare or '"' in bare or not bare.isprintable():
            raise _Declined
        return json.loads(text)
    if text in _FAST_WORDS:
        return _FAST_WORDS[text]
    if text in ("{}", "[]"):
        return {} if first == "{" else []
    if first in _FAST_FIRST_BAD and not (first == "-" and text[1:2].isdigit()) or text[-1] in " :" \
            or ": " in text or " #" in text or not text.isprintable():
        raise _Declined
    if first not in _NUMBER_FIRST:
        return text
    if _PATTERNS.fast_int.fullmatch(text):
        return int(text)
    if _PATTERNS.core_number.fullmatch(text):
        raise _Declined  # a float, or an int in base 8 or 16: the library reads it
    return text




def _fast_plain(text: str):
    """The plain data of a file in the block layout propcli writes (yamlio.dump_new, ruamel's dump of records):
    `key: scalar`, `key:` then a nested block, `- ` sequences (at the key's indent or deeper), scalars plain,
    '…' or "…" on one line. Anything else (comments, blank lines, flow collections, multi-line scalars,
    floats, anchors, tabs, duplicate keys) is _Declined and read by the YAML library: for what it accepts this
    gives exactly what the library gives (tests/store/test_yaml_reader.py)."""
    if not text.endswith("\n") or "\r" in text or "\t" in text or text.startswith(("---", "%", "\ufeff")):
        raise _Declined
    lines = _PATTERNS.fast_line.findall(text[:-1])
    count = len(lines)
    position = 0
    scalar = _fast_scalar
    words = _FAST_WORDS

    def mapping(indent: int, first) -> dict:
        """Entries at `indent`; `first`: the entry on a sequence item's dash line."""
        nonlocal position
        result: dict = {}
        while True:
            if first is not None:
                key, rest = first
                first = None
            else:
                if position >= count:
                    return result
                spaces, dash, key, rest = lines[position]
                if len(spaces) != indent or dash:
                    if len(spaces) > indent:
                        raise _Declined
                    return result
            position += 1
            if not key or key in result or key in words:
                raise _Declined
            if rest:
                result[key] = scalar(rest[1:])
                continue
            if position < count:
                spaces, dash, _key, _rest = lines[position]
                deeper = len(spaces)
                if deeper > indent:
                    if deeper > 2 * MAX_DEPTH:
                        raise _Declined
                    result[key] = sequence(deeper) if dash else mapping(deeper, None)
                    continue
                if deeper == indent and dash:
                    result[key] = sequence(indent)
                    continue
            result[key] = None

    def sequence(indent: int) -> list:
        nonlocal position
        result: list = []
        while position < count:
            spaces, dash, key, rest = lines[position]
            if len(spaces) != indent or not dash:
                if len(spaces) > indent:
                    raise _Declined
                return result
            if key:
                result.append(mapping(indent + 2, (key, rest)))
            else:
                position += 1
                result.append(scalar(rest))
        return result

    if not lines or lines[0][0] or lines[0][1]:
        raise _Declined
    data = mapping(0, None)
    if position != count:
        raise _Declined
    return data


def parse_plain(text: str, path) -> object:
    """Plain data (dicts, lists, str, int, bool, None) from YAML text; DamagedFile on a syntax error, an
    alias, deep nesting or more than MAX_FILE_BYTES. Files in the layout propcli writes are read by a small
    reader of that layout (`_fast_plain`, 5x faster than the C loader's Python constructor: reindex of
    200,000 records, issue 21); anything else by PyYAML's C loader."""
    if len(text) > MAX_FILE_BYTES:
        raise DamagedFile(path, 1, _("larger than {size} bytes; a record file is at most that", size=MAX_FILE_BYTES))
    if "*" not in text and "&" not in text and not _PATTERNS.deep_prefix.search(text):
        try:
            return _fast_plain(text)
        except (_Declined, ValueError, RecursionError):
            pass
    yaml, loader = _fast()
    try:
        _refuse_hostile(yaml, loader, text, path)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise DamagedFile(path, line, problem) from None
    except (ValueError, OverflowError, RecursionError) as error:  # e.g. an integer of 5,000 digits
        raise DamagedFile(path, 1, str(error).splitlines()[0][:200]) from None


def parse_roundtrip(text: str, path):
    """A CommentedMap that keeps comments, quoting and key order for editing."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml, loader = _fast()
    if len(text) > MAX_FILE_BYTES:
        raise DamagedFile(path, 1, _("larger than {size} bytes; a record file is at most that", size=MAX_FILE_BYTES))
    try:
        _refuse_hostile(yaml, loader, text, path)
    except yaml.YAMLError:
        pass  # ruamel reports the syntax error below, with its line
    try:
        return _roundtrip().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DamagedFile(path, (mark.line + 1) if mark else 1, error.problem or "syntax error") from None
    except YAMLError as error:
        raise DamagedFile(path, 1, str(error).splitlines()[0]) from None
    except (ValueError, OverflowError, RecursionError) as error:
        raise DamagedFile(path, 1, str(error).splitlines()[0][:200]) from None


def dump(data) -> str:
    import io

    stream = io.StringIO()
    _roundtrip().dump(data, stream)
    return stream.getvalue()


_PLAIN_INNER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.()/-")


def _plain_safe(text: str) -> bool:
    """Could `text` stand unquoted, read back as the same string by any YAML 1.1/1.2 reader? Letters,
    digits, CJK and _.()/- only; starting with a letter (an apostrophe may follow), or with a digit when
    a non-ASCII character shows it is no number or date (3栋0301)."""
    if not text:
        return False
    first = text[0]
    if first.isascii() and first.isalpha() or not first.isascii():
        return all(c in _PLAIN_INNER or c == "'" or not c.isascii() for c in text[1:])
    if first.isdigit() and first.isascii():
        return (all(c in _PLAIN_INNER or not c.isascii() for c in text)
                and any(not c.isascii() for c in text))
    return False


_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NOT_PRINTABLE = re.compile("[\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029]")


class _Unsupported(Exception):
    """A value the small writer does not handle (a float, an odd key, …): ruamel writes it."""


def _scalar(value) -> str:
    if isinstance(value, (dict, list)) or not isinstance(value, (str, int, bool, type(None))):
        raise _Unsupported(type(value).__name__)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _NOT_PRINTABLE.search(text):
        raise _Unsupported("control character")
    if _plain_safe(text) and text.lower() not in _WORDS and "\u3000" not in text:
        return text
    if "\n" in text or "\\" in text or any(ord(c) < 32 for c in text):
        import json

        return json.dumps(text, ensure_ascii=False)
    return "'" + text.replace("'", "''") + "'"


def _emit(value, indent: int, lines: list[str], prefix: str) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            lines.append(f"{prefix}{{}}")
            return
        first = True
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY.match(key):
                raise _Unsupported(repr(key))
            head = prefix if first else pad
            first = False
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{head}{key}:")
                _emit(item, indent + 2 if isinstance(item, dict) else indent, lines, " " * (indent + 2)
                      if isinstance(item, dict) else pad)
            elif item is None:
                lines.append(f"{head}{key}:")
            else:
                empty = "[]" if isinstance(item, list) else "{}"
                lines.append(f"{head}{key}: {_scalar(item) if not isinstance(item, (dict, list)) else empty}")
        return
    for item in value:
        if isinstance(item, dict) and item:
            _emit(item, indent + 2, lines, pad + "- ")
        else:
            lines.append(f"{pad}- {_scalar(item)}")


def dump_new(data: dict) -> str:
    """A new record's YAML without importing a YAML library (block style, the text ruamel writes for usual
    records): plain scalars only where no YAML 1.1 or 1.2 reader could take them for another type, else
    quoted. Anything else (floats, odd keys) is written by ruamel. tests/test_yaml_writer.py reads random
    records back with both parsers."""
    lines: list[str] = []
    try:
        _emit(data, 0, lines, "")
    except _Unsupported:
        return dump(data)
    return "\n".join(lines) + "\n"


def append_events(text: str, events: list[dict]) -> str | None:
    """`text`, a record file, with `events` added at the end of its `events:` list: the file only grows, nothing
    before is rewritten, and no YAML library is imported (a step on a record: ~100 ms less). Only for a file in
    the layout propcli writes whose `events:` list ends it, and only when the result reads back as the file's
    data with the events added; else None (the caller edits the document with ruamel)."""
    try:
        plain = _fast_plain(text)
    except (_Declined, RecursionError):
        return None
    if not isinstance(plain, dict) or not plain or next(reversed(plain)) != "events" \
            or not isinstance(plain["events"], list) or not plain["events"]:
        return None
    items = dump_new({"events": events})
    if not items.startswith("events:\n"):
        return None
    grown = text + items[len("events:\n"):]
    try:
        again = _fast_plain(grown)
    except (_Declined, RecursionError):
        return None
    return grown if again == {**plain, "events": plain["events"] + list(events)} else None


def line_of(mapping, key, default: int = 1) -> int:
    """1-based line of `key` in a round-trip mapping (for `path:line: message`)."""
    try:
        return mapping.lc.key(key)[0] + 1
    except Exception:
        try:
            return mapping.lc.line + 1
        except Exception:
            return default


def line_at(text: str, keys, default: int = 1) -> int:
    """1-based line of the value at `keys` (mapping keys and list indexes, outermost first) in YAML `text`,
    from ruamel.yaml's node marks (composed, not constructed: a value that is itself malformed, such as the
    date 2026-13-01, still has its line), as deep as the document goes (a missing key: its parent's line).
    Only called once a settings file is known to be wrong (`FILE:LINE: message`)."""
    try:
        node = _roundtrip().compose(text)
    except Exception as error:  # a syntax error: its own line
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        return mark.line + 1 if mark is not None else default
    if node is None:
        return default
    line = node.start_mark.line + 1
    for key in keys:
        found = None
        if type(node).__name__ == "MappingNode":
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == str(key):
                    found, line = value_node, key_node.start_mark.line + 1
                    break
        elif type(node).__name__ == "SequenceNode" and isinstance(key, int) and 0 <= key < len(node.value):
            found = node.value[key]
            line = found.start_mark.line + 1
        if found is None:
            break
        node = found
    return line


def temp_name(path: Path) -> Path:
    """`.NAME.PID.RANDOM.tmp` beside `path`: the pid lets the next command remove a killed one's leftovers."""
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")  # (secrets.token_hex(4))


def write_atomic(path: Path, text: str | bytes, sync: bool = True) -> None:
    """Temp file in the same folder, fsync, rename, fsync the folder: never a half-written file.
    `sync=False` for bulk writes that are synced once afterwards (`sync_all`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_name(path)
    try:
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        with open(temp, "xb") as stream:
            stream.write(data)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if sync:
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def sync_all() -> None:
    """Everything written so far on its way to disk (after bulk writes with sync=False)."""
    os.sync()


def pid_of_temp(name: str) -> int | None:
    """The writer's pid in a temp file name made by `temp_name`, else None."""
    parts = name.split(".")
    if len(parts) >= 5 and name.startswith(".") and parts[-1] == "tmp" and parts[-3].isdigit():
        return int(parts[-3])
    return None


def read_text(path: Path, relpath=None, links: bool = False) -> str:
    """A file's UTF-8 text; DamagedFile (with the line of the first bad byte) for invalid UTF-8, a symbolic
    link (unless `links`: settings files may be links, record files never), or a file over MAX_FILE_BYTES
    (refused before reading it)."""
    return read_text_stat(path, relpath, links)[0]


_NO_WAIT = getattr(os, "O_NONBLOCK", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_text_stat(path: Path, relpath=None, links: bool = False) -> tuple[str, os.stat_result]:
    """`read_text` and the file's stat, from one open and one fstat (reindex reads 200,000 files: no lstat before
    the open, no buffered reader with its own fstat, isatty and seek, no 1 MB read buffer per file)."""
    shown = relpath if relpath is not None else path
    # opened without waiting (a FIFO named like a record would block every reader until a writer came) and,
    # for a record file, without following a link (ELOOP: the link is reported, its target never read)
    try:
        descriptor = os.open(path, os.O_RDONLY | _NO_WAIT | (0 if links else _NO_FOLLOW))
    except OSError as error:
        if not links and os.path.islink(path):
            raise DamagedFile(shown, 1, _("a symbolic link, not a record file; replace it with the file itself")) \
                from None
        raise error from None
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode):
            raise DamagedFile(shown, 1, _("not a regular file (a FIFO, a device or a socket); replace it with the "
                                          "record file itself"))
        if found.st_size > MAX_FILE_BYTES:
            raise DamagedFile(shown, 1, _("larger than {size} bytes; a record file is at most that",
                                          size=MAX_FILE_BYTES))
        parts = []
        total = 0
        while total <= MAX_FILE_BYTES:
            part = os.read(descriptor, min(found.st_size + 1, MAX_FILE_BYTES + 1 - total) or 1)
            if not part:
                break
            parts.append(part)
            total += len(part)
    finally:
        os.close(descriptor)
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    if len(data) > MAX_FILE_BYTES:
        raise DamagedFile(shown, 1, _("larger than {size} bytes; a record file is at most that", size=MAX_FILE_BYTES))
    try:
        return data.decode("utf-8"), found
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DamagedFile(shown, line, _("not UTF-8 text (byte {byte} at offset {offset})",
                                         byte=f"0x{data[error.start]:02x}", offset=error.start)) from None


def read_plain_file(path: Path, relpath=None, links: bool = False):
    return parse_plain(read_text(path, relpath, links), relpath if relpath is not None else path)
