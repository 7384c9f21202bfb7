"""The message catalogues: extract, check, compile (docs/desk.md "Language").

    python scripts/messages.py extract     # propcli/locale/propcli.pot: every msgid the code says
    python scripts/messages.py missing     # msgids without a zh_CN translation (exit 1 if any)
    python scripts/messages.py compile     # .po -> .mo next to each (Babel); the wheel build does this too
    python scripts/messages.py prune       # drop entries the code no longer says (and repeated msgids)

What counts as a message (the test tests/cli/test_lang.py uses the same extractor):
  * the first argument of `_("…")` and `N_("…")` (a string literal; never build a msgid at run time);
  * the docstring of every function decorated as a click command or group (`@x.command(…)`,
    `@click.group(…)`): click shows it as the help text, and propcli.cli.lang translates it;
  * the English labels of the kinds (the `en` of each kind's `KIND`).
Babel's own extractor finds the first kind as well: `pybabel extract -F babel.cfg -k N_ -o propcli.pot propcli`.
"""
from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "propcli"
LOCALE = PACKAGE / "locale"


def _is_command_decorator(node) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    return isinstance(node, ast.Attribute) and node.attr in ("command", "group")


def extract(package: Path = PACKAGE) -> dict[str, list[str]]:
    """msgid -> the places (path:line) that say it."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_") \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.setdefault(node.args[0].value, []).append(f"{rel}:{node.lineno}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and any(_is_command_decorator(d) for d in node.decorator_list):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    found.setdefault(inspect.cleandoc(doc), []).append(f"{rel}:{node.lineno}")
    sys.path.insert(0, str(package.parent))
    from propcli import kinds

    for name in kinds.NAMES:
        found.setdefault(kinds.kind(name).en, []).append(f"{package.name}/kinds/{name}.py:KIND")
    return found


def dynamic_calls(package: Path = PACKAGE) -> list[str]:
    """`_(x)` calls whose msgid is not a literal (they escape extraction): path:line each."""
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_") \
                    and node.args and not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                out.append(f"{rel}:{node.lineno}")
    return out


def _po_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def write_pot(messages: dict[str, list[str]], path: Path) -> None:
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for msgid, places in messages.items():
        lines += [f"#: {' '.join(places[:3])}", f"msgid {_po_string(msgid)}", 'msgstr ""', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def translations(lang: str = "zh_CN", domain: str = "propcli") -> dict[str, str]:
    sys.path.insert(0, str(PACKAGE.parent))
    from propcli.i18n import PoTranslations

    return PoTranslations(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").messages


def missing(lang: str = "zh_CN") -> list[str]:
    have = translations(lang)
    return [m for m in extract() if m not in have]


def compile_catalogues(locale: Path = LOCALE) -> list[Path]:
    """Every .po under `locale` compiled to a .mo beside it, with Babel (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as stream:
            catalog = read_po(stream)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as stream:
            write_mo(stream, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def prune(lang: str = "zh_CN") -> list[str]:
    """Rewrite propcli.po without the entries whose msgid the code no longer says, and without repeats
    (the last translation of a msgid wins, as at run time). Comments before the first entry stay."""
    import json

    path = LOCALE / lang / "LC_MESSAGES" / "propcli.po"
    said = extract()
    text = path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    head, entries = [], {}
    dropped = []
    for block in blocks:
        lines = [line for line in block.splitlines()]
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        if not ids:
            (head if not entries else []).append(block)
            continue
        start = ids[0]
        msgid_lines, i = [lines[start][6:]], start + 1
        while i < len(lines) and lines[i].startswith('"'):
            msgid_lines.append(lines[i])
            i += 1
        msgid = "".join(json.loads(x) for x in msgid_lines)
        if msgid == "":
            head.append(block)
            continue
        if msgid not in said:
            dropped.append(msgid)
            continue
        entries.pop(msgid, None)
        entries[msgid] = block.strip("\n")
    path.write_text("\n\n".join([h.strip("\n") for h in head] + list(entries.values())) + "\n", encoding="utf-8")
    return dropped


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "extract":
        write_pot(extract(), LOCALE / "propcli.pot")
        print(LOCALE / "propcli.pot")
    elif command == "missing":
        gaps = missing()
        for msgid in gaps:
            print(_po_string(msgid))
        return 1 if gaps else 0
    elif command == "prune":
        for msgid in prune():
            print("dropped", _po_string(msgid))
    elif command == "compile":
        for mo in compile_catalogues():
            print(mo)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
