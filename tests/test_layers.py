"""The package's layers: arrows point down (cli -> app -> kinds/policy -> store -> shared), no import cycle."""
import ast
from pathlib import Path

import propcli

PACKAGE = Path(propcli.__file__).parent
ORDER = {"shared": 0, "store": 1, "policy": 2, "kinds": 3, "app": 4, "cli": 5}
"""What each layer may import: its own and those ranked below it (policy may not import store either)."""
ALLOWED = {
    "shared": {"shared"},
    "store": {"shared", "store"},
    "policy": {"shared", "policy"},
    "kinds": {"shared", "store", "policy", "kinds"},
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
    tree = ast.parse(path.read_text(encoding="utf-8"))
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


def test_store_never_imports_kinds():
    assert not [m for m, deps in graph(False).items() if layer(m) == "store" and any(layer(d) == "kinds" for d in deps)]


def test_no_import_cycle_at_module_level():
    edges = graph(top_level_only=True)
    cycles = set()

    def visit(node, path):
        for nxt in edges[node]:
            if nxt in path:
                cycles.add(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif len(path) < 30:
                visit(nxt, path + [nxt])

    for start in edges:
        visit(start, [start])
    assert not cycles, sorted(cycles)[:5]


def test_the_checker_sees_an_upward_import(tmp_path):
    """The test above can fail: a store module importing kinds is caught."""
    fake = {"propcli.store.x": {"propcli.kinds.repair"}}
    assert [m for m, deps in fake.items() if any(layer(d) not in ALLOWED[layer(m)] for d in deps)]
