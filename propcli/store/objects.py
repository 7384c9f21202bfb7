"""git's object database, refs and split index, read and written in-process (store.git's fast commit).

A record's commit touches one file: its blob, the trees along its one path (root, records/, records/KIND/,
…/YYYY/, …/MM/), the commit object, the branch ref and one entry of the index. Writing exactly those here
costs the same at 20,000 and at 200,000 records, where git's plumbing (update-index, write-tree) reads the
whole index (a 14 MB shared index at 200k) and walks it. No git process, no library beyond Python's own:
loose objects are zlib streams; packed ones are found through the pack's .idx (binary search) and rebuilt
from their deltas; the index is git's split index (core.splitIndex, set by `propcli init`), whose small
.git/index holds the entries changed since the shared one was written, so adding one entry rewrites that
small file only (docs/performance.md).

Anything unusual (no split index, a sparse index, SHA-256 objects, a .git file, the reftable backend, a
D/F conflict, …) raises `Unsupported` before anything is written, and store.git commits with git's plumbing
instead. The order of writes is git's own: index.lock taken first (a busy index fails before any change),
objects, the branch ref (under its lock), then the index renamed into place; a process killed anywhere in
between leaves what store.unit's recovery already handles (git's lock files, a commit whose index entry
lags: `git reset` of the journal's paths).
"""
import os
import struct
import time
import zlib
from pathlib import Path

from propcli.digest import sha1


class Unsupported(Exception):
    """This repository needs git's own plumbing (nothing was written)."""


# --- reading objects -------------------------------------------------------------------------------------

class Pack:
    """One pack: its .idx (version 2) searched by sha, its .pack read at an offset."""

    def __init__(self, idx_path: str):
        import mmap

        with open(idx_path, "rb") as stream:
            self.idx = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        if self.idx[:8] != b"\xfftOc\x00\x00\x00\x02":
            raise Unsupported("pack index version")
        self.count = struct.unpack_from(">I", self.idx, 8 + 255 * 4)[0]
        self.pack_path = idx_path[:-4] + ".pack"
        self._pack = None

    @property
    def pack(self):
        if self._pack is None:
            import mmap

            with open(self.pack_path, "rb") as stream:
                self._pack = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        return self._pack

    def offset(self, raw: bytes) -> int | None:
        idx, first_byte = self.idx, raw[0]
        low = struct.unpack_from(">I", idx, 8 + (first_byte - 1) * 4)[0] if first_byte else 0
        high = struct.unpack_from(">I", idx, 8 + first_byte * 4)[0]
        base = 8 + 1024
        while low < high:
            middle = (low + high) // 2
            found = idx[base + middle * 20:base + middle * 20 + 20]
            if found < raw:
                low = middle + 1
            elif found > raw:
                high = middle
            else:
                at = base + self.count * 24 + middle * 4
                value = struct.unpack_from(">I", idx, at)[0]
                if value & 0x80000000:
                    at = base + self.count * 28 + (value & 0x7fffffff) * 8
                    value = struct.unpack_from(">Q", idx, at)[0]
                return value
        return None


_TYPES = {1: "commit", 2: "tree", 3: "blob", 4: "tag"}


def _inflate_at(data, at: int) -> bytes:
    """The zlib stream that starts at `at` (its length is not stored: read until it ends)."""
    stream = zlib.decompressobj()
    out = []
    step = 16384
    while not stream.eof:
        chunk = data[at:at + step]
        if not chunk:
            raise Unsupported("truncated pack")
        out.append(stream.decompress(chunk))
        at += step
        step = min(step * 4, 1 << 22)
    return b"".join(out)


def _apply_delta(base: bytes, delta: bytes) -> bytes:
    def varint(at):
        value = shift = 0
        while True:
            byte = delta[at]
            at += 1
            value |= (byte & 0x7f) << shift
            shift += 7
            if not byte & 0x80:
                return value, at

    _source, at = varint(0)
    size, at = varint(at)
    out = bytearray()
    end = len(delta)
    while at < end:
        op = delta[at]
        at += 1
        if op & 0x80:
            offset = length = 0
            for bit in range(4):
                if op & (1 << bit):
                    offset |= delta[at] << (8 * bit)
                    at += 1
            for bit in range(3):
                if op & (0x10 << bit):
                    length |= delta[at] << (8 * bit)
                    at += 1
            out += base[offset:offset + (length or 0x10000)]
        elif op:
            out += delta[at:at + op]
            at += op
        else:
            raise Unsupported("bad delta")
    if len(out) != size:
        raise Unsupported("bad delta size")
    return bytes(out)


class Objects:
    """Read and write the objects of one repository (SHA-1, loose and version-2 packs, alternates)."""

    def __init__(self, objects_dir: Path):
        self.dir = Path(objects_dir)
        self._packs: tuple[list[Path], list[Pack]] | None = None

    def packs(self) -> list:
        if self._packs is None:
            found = []
            folders = [self.dir]
            try:
                alternates = (self.dir / "info" / "alternates").read_text(encoding="utf-8").splitlines()
            except OSError:
                alternates = []
            for line in alternates:
                line = line.strip()
                if line and not line.startswith("#"):
                    folders.append(Path(line) if os.path.isabs(line) else self.dir / line)
            for folder in folders:
                try:
                    names = sorted(os.listdir(folder / "pack"))
                except OSError:
                    continue
                for name in names:
                    if name.endswith(".idx") and name[:-4] + ".pack" in names:
                        found.append(Pack(str(folder / "pack" / name)))
            self._packs = (folders, found)
        return found if self._packs is None else self._packs[1]

    def _loose(self, hexsha: str) -> bytes | None:
        folders = self._packs[0] if self._packs else [self.dir]
        for folder in folders:
            try:
                with open(folder / hexsha[:2] / hexsha[2:], "rb") as stream:
                    return zlib.decompress(stream.read())
            except FileNotFoundError:
                continue
        return None

    def read(self, hexsha: str) -> tuple[str, bytes]:
        """(type, content) of an object; Unsupported when it cannot be found or read."""
        data = self._loose(hexsha)
        if data is None and self._packs is None:
            self.packs()
            data = self._loose(hexsha)  # alternates are known now
        if data is not None:
            head, _nul, body = data.partition(b"\0")
            kind, _sp, size = head.partition(b" ")
            if int(size) != len(body):
                raise Unsupported("bad loose object")
            return kind.decode(), body
        raw = bytes.fromhex(hexsha)
        for pack in self.packs():
            offset = pack.offset(raw)
            if offset is not None:
                return self._packed(pack, offset, 0)
        raise Unsupported(f"object {hexsha} not found")

    def _packed(self, pack: Pack, offset: int, depth: int) -> tuple[str, bytes]:
        if depth > 200:
            raise Unsupported("delta chain too long")
        data = pack.pack
        at = offset
        byte = data[at]
        at += 1
        kind = (byte >> 4) & 7
        while byte & 0x80:
            byte = data[at]
            at += 1
        if kind in _TYPES:
            return _TYPES[kind], _inflate_at(data, at)
        if kind == 6:  # OFS_DELTA: the base is earlier in this pack
            byte = data[at]
            at += 1
            back = byte & 0x7f
            while byte & 0x80:
                byte = data[at]
                at += 1
                back = ((back + 1) << 7) | (byte & 0x7f)
            base_kind, base = self._packed(pack, offset - back, depth + 1)
        elif kind == 7:  # REF_DELTA: the base is named
            base_kind, base = self.read(bytes(data[at:at + 20]).hex())
            at += 20
        else:
            raise Unsupported("pack object type")
        return base_kind, _apply_delta(base, _inflate_at(data, at))

    def exists_loose(self, hexsha: str) -> bool:
        return (self.dir / hexsha[:2] / hexsha[2:]).exists()

    def write(self, kind: str, body: bytes, written: list) -> str:
        """Store a loose object (not yet synced: `sync` does that for all at once); returns its sha."""
        data = b"%s %d\0" % (kind.encode(), len(body)) + body
        hexsha = sha1(data).hexdigest()
        target = self.dir / hexsha[:2] / hexsha[2:]
        if target.exists():
            return hexsha
        target.parent.mkdir(exist_ok=True)
        temp = target.parent / f"tmp_obj_{os.getpid()}_{hexsha[:8]}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
        try:
            os.write(fd, zlib.compress(data, 1))
            written.append((fd, temp, target))
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        return hexsha


def settle_objects(written: list) -> None:
    """fsync and rename the objects `Objects.write` left open: all on disk before the ref names them."""
    try:
        for fd, _temp, _target in written:
            os.fsync(fd)
    finally:
        for fd, _temp, _target in written:
            os.close(fd)
    for _fd, temp, target in written:
        os.replace(temp, target)
    written.clear()


def discard_objects(written: list) -> None:
    for fd, temp, _target in written:
        try:
            os.close(fd)
        except OSError:
            pass
        try:
            os.unlink(temp)
        except OSError:
            pass
    written.clear()


# --- trees -----------------------------------------------------------------------------------------------

def parse_tree(body: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """[(mode, name, raw sha)] in the tree's own order."""
    entries = []
    at, end = 0, len(body)
    find = body.find
    while at < end:
        space = find(b" ", at)
        nul = find(b"\0", space)
        entries.append((body[at:space], body[space + 1:nul], body[nul + 1:nul + 21]))
        at = nul + 21
    return entries


def _in_tree(objects: Objects, tree_sha: str, path: bytes) -> bool:
    """Whether `path` names an entry of the tree `tree_sha` (the trees along it are read)."""
    head, slash, rest = path.partition(b"/")
    kind, body = objects.read(tree_sha)
    if kind != "tree":
        return False
    for mode, name, raw in parse_tree(body):
        if name == head:
            return _in_tree(objects, raw.hex(), rest) if slash and mode == b"40000" else not slash
    return False


def _tree_key(mode: bytes, name: bytes) -> bytes:
    return name + b"/" if mode == b"40000" else name


def update_tree(objects: Objects, tree_sha: str | None, changes: dict, written: list) -> str:
    """The tree `tree_sha` (None: empty) with `changes` {path: raw blob sha} applied, stored; its sha.
    Only the trees along the changed paths are read and written."""
    if tree_sha is None:
        entries = []
    else:
        kind, body = objects.read(tree_sha)
        if kind != "tree":
            raise Unsupported("not a tree")
        entries = parse_tree(body)
    files: dict[bytes, bytes] = {}
    folders: dict[bytes, dict] = {}
    for path, raw in changes.items():
        head, slash, rest = path.partition(b"/")
        if slash:
            folders.setdefault(head, {})[rest] = raw
        else:
            files[head] = raw
    position = {name: i for i, (_mode, name, _raw) in enumerate(entries)}
    new_entries = []
    for name, raw in files.items():
        i = position.get(name)
        if i is None:
            new_entries.append((b"100644", name, raw))
        elif entries[i][0] != b"100644":  # a folder, a link, an executable: git's plumbing decides
            raise Unsupported("not a plain file in the tree")
        else:
            entries[i] = (entries[i][0], name, raw)
    for name, inner in folders.items():
        i = position.get(name)
        if i is not None and entries[i][0] != b"40000":
            raise Unsupported("a folder where the tree has a file")
        sub = update_tree(objects, None if i is None else entries[i][2].hex(), inner, written)
        if i is None:
            new_entries.append((b"40000", name, bytes.fromhex(sub)))
        else:
            entries[i] = (b"40000", name, bytes.fromhex(sub))
    if new_entries:
        import bisect

        keys = [_tree_key(mode, name) for mode, name, _raw in entries]
        for entry in sorted(new_entries, key=lambda e: _tree_key(e[0], e[1])):
            key = _tree_key(entry[0], entry[1])
            at = bisect.bisect_left(keys, key)
            keys.insert(at, key)
            entries.insert(at, entry)
    body = b"".join(b"%s %s\0%s" % entry for entry in entries)
    return objects.write("tree", body, written)


# --- refs --------------------------------------------------------------------------------------------------

def _lock(path: Path) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise LockBusy(path) from None


class LockBusy(Exception):
    """A git lock file is held (another git command at work, or one was killed)."""

    def __init__(self, path):
        super().__init__(str(path))
        self.path = path


# --- the index ---------------------------------------------------------------------------------------------

def _varint_decode(data: bytes, at: int) -> tuple[int, int]:
    byte = data[at]
    at += 1
    value = byte & 127
    while byte & 128:
        value += 1
        byte = data[at]
        at += 1
        value = (value << 7) + (byte & 127)
    return value, at


def _varint_encode(value: int) -> bytes:
    out = [value & 127]
    value >>= 7
    while value:
        value -= 1
        out.append(128 | (value & 127))
        value >>= 7
    return bytes(reversed(out))


WHOLE_INDEX_LIMIT = 1 << 20
"""An index that is not split is rewritten here too while it is at most this big (a young ledger)."""


def _entry_fixed(raw_sha: bytes, stat, flags: int) -> bytes:
    """An index entry's fixed part (stat data, mode 100644, sha, flags) for a file as `os.stat` saw it."""
    mask = 0xFFFFFFFF
    return struct.pack(">10I20sH", (stat.st_ctime_ns // 1_000_000_000) & mask, stat.st_ctime_ns % 1_000_000_000,
                       (stat.st_mtime_ns // 1_000_000_000) & mask, stat.st_mtime_ns % 1_000_000_000,
                       stat.st_dev & mask, stat.st_ino & mask, 0o100644, stat.st_uid & mask,
                       stat.st_gid & mask, stat.st_size & mask, raw_sha, flags)


def _racy(raw: bytes, since_second: int) -> bool:
    return struct.unpack_from(">I", raw, 8)[0] >= since_second


def _smudged(raw: bytes) -> bytes:
    return raw[:36] + b"\0\0\0\0" + raw[40:]


def index_entries(data: bytes, version: int, count: int):
    """Each entry of an index file (version 2, 3 or 4: names prefix-compressed in 4), in order: its offset,
    the size of its fixed part, its flags, its name and the offset after it."""
    at, previous = 12, b""
    for _i in range(count):
        start = at
        flags = struct.unpack_from(">H", data, at + 60)[0]
        fixed_size = 64 if flags & 0x4000 else 62
        at += fixed_size
        if version == 4:
            strip, at = _varint_decode(data, at)
            nul = data.index(b"\0", at)
            name = previous[:len(previous) - strip] + data[at:nul]
            at = nul + 1
        else:
            nul = data.index(b"\0", at)
            name = data[at:nul]
            at = start + ((fixed_size + len(name) + 8) & ~7)
        previous = name
        yield start, fixed_size, flags, name, at


def ewah_positions(body: bytes, at: int) -> tuple[list[int], int]:
    """The set bits of the EWAH bitmap at `at` (git's ewah/ewah_io.c: bit count, word count, the 64-bit words,
    the last marker's position), ascending, and the offset after it."""
    if at + 8 > len(body):
        raise Unsupported("link extension")
    _bits, count = struct.unpack_from(">II", body, at)
    end = at + 8 + 8 * count + 4
    if end > len(body):
        raise Unsupported("link extension")
    words = struct.unpack_from(f">{count}Q", body, at + 8)
    found: list[int] = []
    position = k = 0
    while k < count:
        marker = words[k]
        k += 1
        run, literals = (marker >> 1) & 0xFFFFFFFF, marker >> 33
        if marker & 1:
            found.extend(range(position, position + 64 * run))
        position += 64 * run
        for word in words[k:k + literals]:
            found.extend(position + bit for bit in range(64) if word >> bit & 1)
            position += 64
        k += literals
    return found, end


def ewah_bytes(positions: list[int]) -> bytes:
    """An EWAH bitmap with exactly `positions` set (ascending): runs of empty words, then literal words."""
    size = positions[-1] + 1 if positions else 0
    words = [0] * ((size + 63) // 64)
    for position in positions:
        words[position // 64] |= 1 << (position % 64)
    out: list[int] = []
    last_marker = 0
    at = 0
    while at < len(words):
        run = 0
        while at < len(words) and words[at] == 0:
            run, at = run + 1, at + 1
        literals = []
        while at < len(words) and words[at] != 0:
            literals.append(words[at])
            at += 1
        last_marker = len(out)
        out.append(run << 1 | len(literals) << 33)
        out.extend(literals)
    if not out:
        out = [0]
    return struct.pack(f">II{len(out)}QI", size, len(out), *out, last_marker)


def _left_by_a_dead_process(temp: Path) -> bool:
    """A `shared-<sha>.names.<pid>.tmp` whose writer is gone (killed while writing it)."""
    pid = temp.name.rsplit(".", 2)[-2] if temp.name.endswith(".tmp") else ""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return int(pid) == os.getpid()


class SharedNames:
    """Where each path sits in a shared index (`sharedindex.<sha>`, which git never changes once written):
    read once into `.git/propcli/shared-<sha>.names` (a line `path TAB position` a path, in the index's
    order), then found by binary search over that file, so a commit does not read the ledger-sized index."""

    def __init__(self, git_dir: Path, sha: str):
        self.path = git_dir / "propcli" / f"shared-{sha}.names"
        if not self.path.exists():
            self._build(git_dir / f"sharedindex.{sha}")

    def _build(self, shared_path: Path) -> None:
        try:
            data = shared_path.read_bytes()
        except OSError:
            raise Unsupported("no shared index") from None
        if len(data) < 32 or data[:4] != b"DIRC":
            raise Unsupported("shared index")
        version, count = struct.unpack_from(">II", data, 4)
        if version not in (2, 3, 4):
            raise Unsupported("shared index version")
        lines = []
        for position, (_start, _fixed_size, flags, name, _end) in enumerate(index_entries(data, version, count)):
            if flags & 0x3000:
                raise Unsupported("a conflict in the shared index")
            if b"\n" in name or b"\t" in name:
                raise Unsupported("a path with a tab or a newline")
            lines.append(b"%s\t%d\n" % (name, position))
        self.path.parent.mkdir(exist_ok=True)
        temp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        temp.write_bytes(b"".join(lines))
        os.replace(temp, self.path)
        for old in self.path.parent.glob("shared-*.names*"):
            if old != self.path and (old.suffix == ".names" or _left_by_a_dead_process(old)):
                old.unlink(missing_ok=True)

    def position(self, name: bytes) -> int | None:
        import mmap

        with open(self.path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                return None
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
                low, high = 0, len(data)
                while low < high:
                    start = data.rfind(b"\n", 0, (low + high) // 2) + 1
                    end = data.find(b"\n", start)
                    tab = data.find(b"\t", start, end)
                    if end < 0 or tab < 0:
                        raise Unsupported("shared names")
                    key = data[start:tab]
                    if key == name:
                        return int(data[tab + 1:end])
                    if key < name:
                        low = end + 1
                    else:
                        high = start
        return None


class SplitIndex:
    """The small .git/index of a split index (or a small whole index, all of whose entries count as added):
    replaced entries (kept as they are), added entries (sorted, each [name, fixed 62 or 64 bytes]), and the
    extensions. Adding an entry for a path replaces any added entry of that path; a path the shared index
    holds (and has not deleted) is given a replaced entry instead, as git's own writer does, so no path is
    ever entered twice (git 2.39 crashed on an added entry over a live shared one: `git reset --hard`)."""

    def __init__(self, data: bytes):
        if len(data) < 32 or data[:4] != b"DIRC":
            raise Unsupported("not an index")
        version, count = struct.unpack_from(">II", data, 4)
        if version not in (2, 3, 4):
            raise Unsupported("index version")
        self.version = version
        at = 12
        self.replaced = []  # raw bytes of each replaced entry (empty names)
        self.added = []  # [name, fixed bytes]
        replaced_done = False
        for start, fixed_size, flags, name, at in index_entries(data, version, count):
            if flags & 0x4000 and version < 3:
                raise Unsupported("extended flags in a version 2 index")
            length = flags & 0x0FFF
            if length != 0x0FFF and length != len(name):
                raise Unsupported("index entry name length")
            if not name:
                if replaced_done:
                    raise Unsupported("replaced entry after added ones")
                self.replaced.append(data[start:at])
            else:
                replaced_done = True
                self.added.append([name, data[start:start + fixed_size]])
        self.extensions = []
        end = len(data) - 20
        has_link = False
        while at < end:
            signature = data[at:at + 4]
            size = struct.unpack_from(">I", data, at + 4)[0]
            body = data[at + 8:at + 8 + size]
            at += 8 + size
            if signature == b"link":
                has_link = True
            elif signature in (b"EOIE", b"IEOT", b"FSMN"):
                continue  # optional; they describe the old layout (offsets, a bitmap per entry): dropped
            elif not b"A"[0] <= signature[0] <= b"Z"[0]:
                raise Unsupported("index extension " + signature.decode("latin-1"))
            self.extensions.append([signature, body])
        if at != end:
            raise Unsupported("index extensions")
        self.split = has_link
        self.link_dirty = False
        if not has_link and len(data) > WHOLE_INDEX_LIMIT:
            raise Unsupported("not a split index")  # git's plumbing writes it (and splits it: core.splitIndex)
        trailer = data[end:]
        if trailer != b"\0" * 20 and sha1(data[:end]).digest() != trailer:
            raise Unsupported("index checksum")

    def smudge_racy(self, since_second: int) -> None:
        """git's racy-clean rule, as git's own index writer applies it: an entry whose file's mtime is not before
        the second the index was last written may hide a same-size edit made in that second; it stays told apart
        by content only while the index is not newer. Rewriting the index later, its recorded size is set to 0
        (smudged), so git compares that file's content until it refreshes the entry. Entries of a shared index
        are not looked at: git (since 2.20) writes a racily clean shared entry into the split index too, as a
        replaced entry, which is smudged here."""
        for at, raw in enumerate(self.replaced):
            if _racy(raw, since_second):
                self.replaced[at] = _smudged(raw)
        for entry in self.added:
            if _racy(entry[1], since_second):
                entry[1] = _smudged(entry[1])

    def link(self) -> tuple[str, list[int], list[int], bytes]:
        """The link extension: the shared index's sha, the deleted and the replaced positions, and the
        delete bitmap's bytes (kept as they are)."""
        body = next(body for signature, body in self.extensions if signature == b"link")
        deleted, after = ewah_positions(body, 20)
        replaced, end = ewah_positions(body, after)
        if end != len(body) or len(replaced) != len(self.replaced):
            raise Unsupported("link extension")
        return body[:20].hex(), deleted, replaced, body[20:after]

    def put_shared(self, shared: SharedNames, name: bytes, raw_sha: bytes, stat) -> bool:
        """The new entry of `name` as a replaced entry when the shared index holds it (live); False otherwise
        (then `put` adds it)."""
        if not self.split or any(entry[0] == name for entry in self.added):
            return False
        position = shared.position(name)
        if position is None:
            return False
        sha, deleted, replaced, delete_bitmap = self.link()
        if position in deleted:
            return False
        import bisect

        entry = _entry_fixed(raw_sha, stat, 0) + b"\0\0"  # a replaced entry: no name (git's split-index.c)
        rank = bisect.bisect_left(replaced, position)
        if rank < len(replaced) and replaced[rank] == position:
            self.replaced[rank] = entry
        else:
            replaced.insert(rank, position)
            self.replaced.insert(rank, entry)
            body = bytes.fromhex(sha) + delete_bitmap + ewah_bytes(replaced)
            for extension in self.extensions:
                if extension[0] == b"link":
                    extension[1] = body
        self._invalidate_tree(name)
        return True

    def put(self, name: bytes, raw_sha: bytes, stat) -> None:
        fixed = _entry_fixed(raw_sha, stat, min(len(name), 0x0FFF))
        import bisect

        names = [entry[0] for entry in self.added]
        at = bisect.bisect_left(names, name)
        end = at
        while end < len(names) and names[end] == name:  # every stage of that path
            end += 1
        self.added[at:end] = [[name, fixed]]
        self._invalidate_tree(name)

    def _invalidate_tree(self, name: bytes) -> None:
        """The cache-tree nodes along `name`'s folders marked invalid (count -1), as git does."""
        for extension in self.extensions:
            if extension[0] != b"TREE":
                continue
            body = extension[1]
            folders = name.split(b"/")[:-1]
            out = bytearray()
            at = 0
            stack: list[list] = []  # [subtrees left, path] of the open nodes
            while at < len(body):
                nul = body.index(b"\0", at)
                component = body[at:nul]
                newline = body.index(b"\n", nul)
                count_text, _sp, subtrees_text = body[nul + 1:newline].partition(b" ")
                count, subtrees = int(count_text), int(subtrees_text)
                at = newline + 1
                path = stack[-1][1] + [component] if stack else []
                if stack:
                    stack[-1][0] -= 1
                if count >= 0:
                    raw = body[at:at + 20]
                    at += 20
                else:
                    raw = b""
                if path == folders[:len(path)]:
                    out += component + b"\0-1 %d\n" % subtrees
                else:
                    out += component + b"\0%d %d\n" % (count, subtrees) + raw
                while stack and stack[-1][0] == 0:
                    stack.pop()
                if subtrees:
                    stack.append([subtrees, path])
            extension[1] = bytes(out)

    def serialize(self) -> bytes:
        out = bytearray(b"DIRC" + struct.pack(">II", self.version, len(self.replaced) + len(self.added)))
        for raw in self.replaced:
            out += raw
        previous = b""
        for name, fixed in self.added:
            out += fixed
            if self.version == 4:
                common = 0
                limit = min(len(name), len(previous))
                while common < limit and name[common] == previous[common]:
                    common += 1
                out += _varint_encode(len(previous) - common) + name[common:] + b"\0"
                previous = name
            else:
                size = len(fixed) + len(name)
                out += name + b"\0" * (((size + 8) & ~7) - size)
        for signature, body in self.extensions:
            out += signature + struct.pack(">I", len(body)) + body
        out += sha1(out).digest()
        return bytes(out)


# --- the commit ---------------------------------------------------------------------------------------------

def commit(root: Path, branch_ref: str, parent: str, contents: dict, message: str, author: str, email: str,
           reflog_message: str) -> str:
    """Commit `contents` ({relpath: bytes}, files propcli has just written into the work tree by rename)
    on `branch_ref` (refs/heads/…) whose tip must be `parent`; returns the new commit's sha.

    Raises Unsupported (nothing written) where git's plumbing must do it, LockBusy when a git lock is held."""
    git_dir = Path(root) / ".git"
    if not git_dir.is_dir() or (git_dir / "reftable").exists() or (git_dir / "commondir").exists():
        raise Unsupported("repository layout")
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_INDEX_FILE") or os.environ.get("GIT_OBJECT_DIRECTORY"):
        raise Unsupported("git environment")
    index_path = git_dir / "index"
    if not index_path.is_file():
        raise Unsupported("no index")
    objects = Objects(git_dir / "objects")
    kind, body = objects.read(parent)
    if kind != "commit" or not body.startswith(b"tree "):
        raise Unsupported("parent")
    parent_tree = body[5:45].decode()
    names = {}
    for relpath, data in contents.items():
        name = relpath.encode("utf-8")
        if not name or name.startswith(b"/") or b"\0" in name or b"//" in name or any(
                part in (b".", b"..", b".git") for part in name.split(b"/")):
            raise Unsupported("path")
        names[name] = data
    index_lock = git_dir / "index.lock"
    written: list = []
    index_fd = _lock(index_lock)
    try:
        written_second = index_path.stat().st_mtime_ns // 1_000_000_000
        index = SplitIndex(index_path.read_bytes())  # read under its lock, as git does
        shared = None
        if index.split and any(_in_tree(objects, parent_tree, name) for name in names):
            shared = SharedNames(git_dir, index.link()[0])  # a path the shared index may hold
        index.smudge_racy(written_second)
        changes = {}
        for name, data in names.items():
            changes[name] = bytes.fromhex(objects.write("blob", data, written))
        tree = update_tree(objects, parent_tree, changes, written)
        seconds = int(time.time())
        offset = time.localtime(seconds).tm_gmtoff
        sign = "+" if offset >= 0 else "-"
        stamp = f"{seconds} {sign}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
        ident = f"{author} <{email}> {stamp}"
        commit_body = f"tree {tree}\nparent {parent}\nauthor {ident}\ncommitter {ident}\n\n{message}".encode()
        sha = objects.write("commit", commit_body, written)
        for name in names:
            stat = os.stat(root / name.decode("utf-8"))
            if shared is None or not index.put_shared(shared, name, changes[name], stat):
                index.put(name, changes[name], stat)
        os.write(index_fd, index.serialize())
        settle_objects(written)
        _update_ref(git_dir, branch_ref, parent, sha, f"{ident}\t{reflog_message}\n")
    except BaseException:
        discard_objects(written)
        os.close(index_fd)
        index_lock.unlink(missing_ok=True)
        raise
    os.close(index_fd)
    os.replace(index_lock, index_path)
    return sha


def _update_ref(git_dir: Path, ref: str, old: str, new: str, log_tail: str) -> None:
    """Move `ref` from `old` to `new` under its lock (git's own ref lock), with its reflog and HEAD's."""
    path = git_dir / ref
    lock = path.with_name(path.name + ".lock")
    fd = _lock(lock)
    try:
        current: str | None
        try:
            current = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            current = _packed_ref(git_dir, ref)
        if current != old:
            raise Unsupported("the branch moved")
        os.write(fd, (new + "\n").encode("utf-8"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        lock.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(lock, path)
    line = f"{old} {new} {log_tail}".encode()
    for log in (git_dir / "logs" / ref, git_dir / "logs" / "HEAD"):
        try:  # only logs that exist (core.logAllRefUpdates made them)
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            continue
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def _packed_ref(git_dir: Path, ref: str) -> str | None:
    try:
        text = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        sha, _sp, name = line.partition(" ")
        if name == ref:
            return sha
    return None
