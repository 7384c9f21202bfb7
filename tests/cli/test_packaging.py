"""Packaging: a wheel must carry the ledger skeleton, the templates and the compiled message catalogues,
and an installed copy must find them outside the source tree.  The installed copy lives in a fresh venv
of its own (no --system-site-packages): pip installs the wheel with its dependencies, from the package
index pip is configured with, as a newcomer following the README in a venv does.  Slow (builds a wheel,
makes a venv): deselect with ``-m "not slow"``."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARE = "propcli-0.1.0.data/data/share/propcli"

_IGNORE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", ".eggs", "__pycache__", "*.py[cod]", ".pytest_cache",
    ".hypothesis", ".venv", "venv", ".propcli", "*.tmp", ".ci",
)


def _shipped_files(folder: str) -> list[str]:
    """Files of a top-level data folder that the wheel must carry, relative to the repo."""
    out = []
    for p in sorted((REPO / folder).rglob("*")):
        rel = p.relative_to(REPO)
        if p.is_file() and not any(part in (".propcli", "__pycache__") for part in rel.parts) \
                and p.suffix != ".tmp":
            out.append(rel.as_posix())
    return out


def _can_build_offline() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    major = int(setuptools.__version__.split(".")[0])
    return major >= 64 and all(importlib.util.find_spec(m) is not None for m in ("wheel", "babel"))


def _run(cmd, **kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PROPCLI_LANG", "LC_ALL", "LC_MESSAGES", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["LANG"] = "C.UTF-8"  # no language preference: propcli's default (Chinese) applies
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, **kw)
    assert res.returncode == 0, f"{cmd} failed:\n{res.stdout}\n{res.stderr}"
    return res


@pytest.mark.slow
def test_wheel_carries_data_and_installed_copy_finds_it(tmp_path):
    # build from a copy so the source tree gets no build/ or *.egg-info litter
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=_IGNORE)
    wheels = tmp_path / "wheels"
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(wheels), "-q"]
    if _can_build_offline():
        cmd.append("--no-build-isolation")
    _run(cmd)
    (whl,) = wheels.glob("propcli-*.whl")

    names = set(zipfile.ZipFile(whl).namelist())
    assert "propcli/store/resources.py" in names
    for must in ("ledger/propcli.yaml", "ledger/prices.yaml", "ledger/staff.yaml",
                 "ledger/calendar.yaml", "ledger/policy.yaml", "ledger/.gitignore", "ledger/.gitattributes",
                 "templates/repair-order.txt.j2", "templates/register.txt.j2"):
        assert f"{SHARE}/{must}" in names, f"wheel lacks {must}"
    missing = [f for f in _shipped_files("ledger") + _shipped_files("templates")
               if f"{SHARE}/{f}" not in names]
    assert not missing, f"not in the wheel (add them to setup.cfg [options.data_files]): {missing}"
    assert not any(n.startswith(("ledger/", "templates/")) for n in names), \
        "data folders must not be installed as top-level packages"
    for domain in ("propcli", "click"):  # compiled at build time (setup.py); the .po stay in the source
        assert f"propcli/locale/zh_CN/LC_MESSAGES/{domain}.mo" in names, f"wheel lacks {domain}.mo"
    assert not any(n.endswith(".po") for n in names)

    # install into a fresh venv of its own: the wheel and its declared dependencies, nothing borrowed
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([str(py), "-m", "pip", "install", "-q", str(whl)])
    _run([str(py), "-c", "import sys; assert sys.prefix != sys.base_prefix"])

    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import propcli, propcli.store.resources as r; "
        "print(propcli.__file__); print(r.skeleton_dir()); print(r.templates_dir())"
    )
    out = _run([str(py), "-c", code], cwd=work).stdout.strip().splitlines()
    pkg, skel, tmpl = (Path(x).resolve() for x in out[-3:])
    assert venv.resolve() in pkg.parents, f"imported propcli from {pkg}, not the venv"
    for d in (skel, tmpl):
        assert REPO not in d.parents and src.resolve() not in d.parents, d
        assert venv.resolve() in d.parents, d
    assert (skel / "propcli.yaml").is_file()
    assert (skel / "staff.yaml").is_file() and (skel / "prices.yaml").is_file()
    assert (tmpl / "repair-order.txt.j2").is_file()
    script = venv / "bin" / "propcli"
    assert script.exists() or (venv / "Scripts" / "propcli.exe").exists()
    if script.exists():  # the installed command works from outside the source tree: init, a repair, its form
        ledger = work / "ledger"
        _run([str(script), "init", str(ledger)], cwd=work)
        new = _run([str(script), "--ledger", str(ledger), "--as", "赵丽娟", "repair", "new", "--name", "张三",
                    "--phone", "13800138000", "--address", "3栋0301", "--item", "漏水", "-f", "json"], cwd=work)
        record_id = json.loads(new.stdout)["id"]
        form = _run([str(script), "--ledger", str(ledger), "form", "repair-order", record_id], cwd=work)
        assert "第四联" in form.stdout and record_id in form.stdout
        chinese = _run([str(script), "--ledger", str(ledger), "--help"], cwd=work).stdout   # from the .mo
        assert "用法:" in chinese and "显示此帮助信息并退出。" in chinese
        english = _run([str(script), "--lang", "en", "--ledger", str(ledger), "--help"], cwd=work).stdout
        assert "Usage:" in english and "Show this message and exit." in english
        demo = _run([str(script), "demo"], cwd=work)     # the README's first command, in the venv
        assert "演示台账" in demo.stdout and (work / "propcli-demo" / "propcli.yaml").is_file()


def test_source_checkout_is_found_first():
    from propcli.store import resources

    if REPO not in Path(resources.__file__).resolve().parents:
        pytest.skip("propcli is imported from an installed copy, not this checkout")
    assert resources.skeleton_dir() == REPO / "ledger"
    assert resources.templates_dir() == REPO / "templates"
