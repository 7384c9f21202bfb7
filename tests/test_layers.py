"""The package's layers: arrows point down (cli -> app -> kinds/policy -> store -> shared), no import cycle."""
import ast
import re
from pathlib import Path

import propcli

PACKAGE = Path(propcli.__file__).parent
ORDER = {"shared": 0, "store": 1, "policy": 2, "kinds": 3, "app": 4, "cli": 5}
"""What each layer may import: its own and those ranked below it (policy may not import store either)."""
ALLOWED = {
    "shared": {"shared"},
    "store": {"shared", "store"},
    "policy": {"shared", "policy"},
    "kinds": {"shared", "policy", "kinds"},
    "app": {"shared", "store", "policy", "kinds", "app"},
    "cli": set(ORDER),
}


def module_names():
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def layer(module: str) -> str:
    parts = module.split(".")
    if module == "propcli.__main__":
        return "cli"
    return parts[1] if len(parts) >= 2 and parts[1] in ORDER else "shared"


def imports(module: str, path: Path, top_level_only: bool):
    return imports_of_source(module, path, path.read_text(encoding="utf-8"), top_level_only)


def imports_of_source(module: str, path: Path, source: str, top_level_only: bool):
    """The modules `source` (of `module` at `path`) imports: at its top level only, or anywhere (in functions too)."""
    tree = ast.parse(source)
    nodes = tree.body if top_level_only else ast.walk(tree)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


MODULES = dict(module_names())


def graph(top_level_only: bool):
    return {m: {d for d in imports(m, p, top_level_only) if d in MODULES and d != m} for m, p in MODULES.items()}


def test_no_layer_imports_a_higher_one():
    wrong = sorted(f"{m} imports {d}" for m, deps in graph(top_level_only=False).items() for d in deps
                   if layer(d) not in ALLOWED[layer(m)])
    assert not wrong, wrong


def test_kinds_are_pure_they_never_import_the_store_nor_name_an_app_module():
    """Issue 17 point 1: a kind plans (kinds.base.Create/Append/Change); app/writes.py runs the unit of work."""
    assert not [f"{m} imports {d}" for m, deps in graph(False).items() if layer(m) == "kinds"
                for d in deps if layer(d) == "store"]
    named = [f"{path.name}:{node.lineno}" for module, path in MODULES.items() if layer(module) == "kinds"
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and re.match(r"^propcli\.(app|cli|store)\.\w+(:\w+)?$", node.value)]
    assert not named, named


def test_store_never_imports_kinds():
    assert not [m for m, deps in graph(False).items() if layer(m) == "store" and any(layer(d) == "kinds" for d in deps)]


def cycles(edges: dict) -> list[str]:
    """Every import circle of `edges` (module -> the modules it imports), as `a -> b -> a`. A package and its
    own sub-modules are one unit (the kinds registry imports its modules on use; they import its base)."""
    edges = {m: {d for d in deps if d in edges and not m.startswith(d + ".") and not d.startswith(m + ".")}
             for m, deps in edges.items()}
    found, done = set(), set()

    def visit(node, path, on_path):
        for nxt in sorted(edges[node]):
            if nxt in on_path:
                found.add(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, path + [nxt], on_path | {nxt})
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            visit(start, [start], {start})
    return sorted(found)


def test_no_import_cycle_at_module_level():
    assert not cycles(graph(top_level_only=True))


def test_no_import_cycle_anywhere():
    """Imports inside functions count too: a circle through lazy imports is still a circle (issue 17)."""
    assert not cycles(graph(top_level_only=False))


def test_the_cycle_checker_sees_a_circle_through_a_function():
    planted = "def f():\n    from propcli.app.services import show\n"
    tree_deps = set(imports_of_source("propcli.app.callbacks", PACKAGE / "app" / "callbacks.py", planted, False))
    assert "propcli.app.services" in tree_deps
    edges = {"propcli.app.callbacks": tree_deps, "propcli.app.services": {"propcli.app.callbacks"}}
    assert cycles(edges) == ["propcli.app.callbacks -> propcli.app.services -> propcli.app.callbacks"]
    assert not cycles({"propcli.kinds": {"propcli.kinds.repair"}, "propcli.kinds.repair": {"propcli.kinds"}})


SQL = re.compile(r"\bSELECT\b|\bINSERT\s+INTO\b|\bjson_extract\(|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|\bPRAGMA\b")
"""What reads as SQL in a string literal (an f-string's parts included)."""


def sql_strings(source: str) -> list[int]:
    """The lines of `source` holding a string literal that reads as SQL."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value)]


def test_sql_only_in_the_store():
    """Index SQL lives in propcli/store/ (store/queries.py names every query the upper layers run, issue 17)."""
    outside = [f"{path.relative_to(PACKAGE.parent)}:{line}" for module, path in MODULES.items()
               if layer(module) != "store" for line in sql_strings(path.read_text(encoding="utf-8"))]
    assert not outside, outside


def test_the_sql_checker_sees_a_query():
    assert sql_strings('rows = db.query(f"SELECT id FROM {table} WHERE x = ?")\n') == [1]
    assert sql_strings("q = \"SELECT json_extract(doc, '$.form_no')\"\n") == [1]
    assert not sql_strings('message = _("select a record")\n')


def test_the_checker_sees_an_upward_import(tmp_path):
    """The test above can fail: a store module importing kinds is caught."""
    fake = {"propcli.store.x": {"propcli.kinds.repair"}}
    assert [m for m, deps in fake.items() if any(layer(d) not in ALLOWED[layer(m)] for d in deps)]


def kind_names_in(source: str, names) -> list[tuple[int, str]]:
    """(line, name) of every string literal of `source` that is a kind's name (`"repair"`, `'complaint'`)."""
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names]


STORYTELLERS = ("app/demo.py",)
"""`propcli demo` writes a month of made-up records of named kinds, as a clerk would type them (a repair with its
steps, a help request, a call, a complaint): the one module of the app and the command line naming a kind."""


def kind_blind_modules() -> list[str]:
    """Every module outside propcli/kinds/ but the storytellers: the app and the command line print, count, bill,
    list, mail and chase every kind alike, the store and the shared modules (the label tables of i18n.py among
    them) know no kind, and all ask the kinds' declarations what differs (issue 17: "One fact, one place"), never
    `if kind == …`."""
    found = (path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py"))
    return sorted(module for module in found if module not in STORYTELLERS and not module.startswith("kinds/"))


def test_no_module_outside_the_kinds_names_a_kind():
    from propcli import kinds

    modules = kind_blind_modules()
    assert {"app/forms.py", "cli/company.py", "i18n.py", "store/index.py"} <= set(modules)
    assert "app/demo.py" not in modules and "kinds/repair.py" not in modules
    named = [f"{module}:{line}: {name!r}" for module in modules
             for line, name in kind_names_in((PACKAGE / module).read_text(encoding="utf-8"), kinds.NAMES)]
    assert not named, named


def test_the_kind_name_checker_sees_one():
    planted = 'rows = list_records(session, kind="letter")\nif name == \'repair-order\':\n    pass\n'
    assert kind_names_in(planted, ("letter", "repair")) == [(1, "letter")]
