"""Build hook: the wheel carries the message catalogues compiled to .mo (docs/desk.md "Language").

Everything else is declared in setup.cfg. `build_py` copies the .po files (package_data), compiles each
to a .mo beside it with Babel (a build requirement, pyproject.toml) and leaves the .po out of the wheel,
so an installed propcli reads only .mo files, with the stdlib's format and no Babel at run time. An
editable install keeps reading the .po files of the checkout. Without Babel (a build with
--no-build-isolation in an environment lacking it) a small writer of the same GNU format is used.
"""
import struct
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def _write_mo_plain(po: Path, mo: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_propcli_i18n", Path(__file__).parent / "propcli" / "i18n.py")
    i18n = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(i18n)
    messages = {"": "Content-Type: text/plain; charset=UTF-8\n", **i18n.PoTranslations(po).messages}
    keys = sorted(messages)
    ids = b"".join(k.encode("utf-8") + b"\0" for k in keys)
    strs = b"".join(messages[k].encode("utf-8") + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets, pos = [], 0
    for k in keys:
        offsets.append((len(k.encode("utf-8")), start + pos))
        pos += len(k.encode("utf-8")) + 1
    toffsets, tpos = [], 0
    for k in keys:
        toffsets.append((len(messages[k].encode("utf-8")), start + len(ids) + tpos))
        tpos += len(messages[k].encode("utf-8")) + 1
    head = struct.pack("<7I", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    table = b"".join(struct.pack("<2I", *o) for o in offsets) + b"".join(struct.pack("<2I", *o) for o in toffsets)
    mo.write_bytes(head + table + ids + strs)


def compile_po(po: Path, mo: Path) -> None:
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        _write_mo_plain(po, mo)
        return
    with po.open("rb") as stream:
        catalog = read_po(stream)
    with mo.open("wb") as stream:
        write_mo(stream, catalog, use_fuzzy=False)


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for po in sorted(Path(self.build_lib, "propcli", "locale").glob("*/LC_MESSAGES/*.po")):
            compile_po(po, po.with_suffix(".mo"))
            po.unlink()


setup(cmdclass={"build_py": BuildWithCatalogues})
