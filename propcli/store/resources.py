"""Where the shipped data lives: the ledger skeleton and the form templates.

The repository keeps them at the top level (``ledger/`` and ``templates/``), next to the
``propcli`` package.  A wheel installs them as data files under ``<prefix>/share/propcli/``
(see ``[options.data_files]`` in setup.cfg).  So we look, in order, at:

1. the source checkout: ``<repo>/ledger`` beside ``<repo>/propcli`` (a git checkout, an
   editable install, the test suite);
2. ``sys.prefix/share/propcli`` (a normal install, a venv);
3. the ``data`` path of the default install scheme, ``sys.base_prefix`` / ``sys.exec_prefix``
   (a venv made with ``--system-site-packages`` seeing a system-wide install);
4. the user scheme (``pip install --user``: ``~/.local/share/propcli``).

Only the standard library is used and nothing is done at import time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["skeleton_dir", "templates_dir", "data_roots", "ResourceNotFound"]

_SHARE = ("share", "propcli")
# the file that marks a folder as the ledger skeleton
_SKELETON_MARKER = "propcli.yaml"


class ResourceNotFound(FileNotFoundError):
    """The shipped data folder could not be found (a broken install)."""


def _source_root() -> Path | None:
    """The repository root if this module runs from a source checkout, else None."""
    root = Path(__file__).resolve().parent.parent.parent
    if (root / "ledger" / _SKELETON_MARKER).is_file():
        return root
    return None


def _installed_roots() -> list[Path]:
    roots: list[Path] = []
    prefixes = [sys.prefix, sys.exec_prefix, getattr(sys, "base_prefix", sys.prefix),
                getattr(sys, "base_exec_prefix", sys.exec_prefix)]
    for p in prefixes:
        if p:
            roots.append(Path(p).joinpath(*_SHARE))
    try:
        import sysconfig

        roots.append(Path(sysconfig.get_path("data")).joinpath(*_SHARE))
        user_scheme = f"{os.name}_user"
        if user_scheme in sysconfig.get_scheme_names():
            roots.append(Path(sysconfig.get_path("data", user_scheme)).joinpath(*_SHARE))
    except Exception:  # pragma: no cover - an odd interpreter; the prefixes above remain
        pass
    seen: set[Path] = set()
    unique: list[Path] = []
    for r in roots:
        if r not in seen:
            seen.add(r)
            unique.append(r)
    return unique


def data_roots() -> list[Path]:
    """All candidate roots holding ``ledger/`` and ``templates/``, best first."""
    roots = []
    src = _source_root()
    if src is not None:
        roots.append(src)
    roots.extend(_installed_roots())
    return roots


def _find(sub: str, marker: str | None) -> Path:
    tried = []
    for root in data_roots():
        cand = root / sub
        tried.append(str(cand))
        if marker is not None:
            if (cand / marker).is_file():
                return cand
        elif cand.is_dir():
            return cand
    raise ResourceNotFound(
        f"propcli's shipped '{sub}' folder was not found (looked in: {', '.join(tried)}); "
        "the installation is incomplete - reinstall propcli"
    )


def skeleton_dir() -> Path:
    """The ledger skeleton folder (holds ``propcli.yaml``, ``staff.yaml``, ``prices.yaml`` ...)."""
    return _find("ledger", _SKELETON_MARKER)


def templates_dir() -> Path:
    """The folder of the Jinja2 form templates."""
    return _find("templates", None)
