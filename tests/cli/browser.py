"""Real paper, for the print tests: headless Chromium prints a page to PDF, poppler reads it back
(pdfinfo, pdftotext, pdftoppm) and zbar decodes QR codes from the rendered page.

Locally a missing tool skips the test with the reason; in CI (CI=true) it fails, because .ci/run installs
them (apt-get install -y chromium poppler-utils zbar-tools fonts-wqy-microhei).
"""
from __future__ import annotations

import html
import os
import queue
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
INSTALL = "apt-get install -y chromium poppler-utils zbar-tools fonts-wqy-microhei"
A4 = (595.28, 841.89)  # points
MM = 72 / 25.4


def chromium() -> str:
    return shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


def require(*tools: str) -> None:
    """Skip (locally) or fail (CI) when a tool the test needs is not installed."""
    missing = [t for t in tools if not (shutil.which(t) or (t == "chromium" and Path(chromium()).exists()))]
    if missing:
        reason = f"{', '.join(missing)} not installed; install with: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}"
    return done


_PROFILES: queue.Queue | None = None


def _profile_pool(base: Path):
    """Chromium profiles to reuse (a fresh one costs a second at start-up); one per process at a time."""
    global _PROFILES
    import atexit
    import queue
    import shutil
    import tempfile

    if _PROFILES is None:
        _PROFILES = queue.Queue()
        root = Path(tempfile.mkdtemp(prefix="propcli-chromium-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)  # (a test run left one behind per worker)
        for n in range(2):
            _PROFILES.put(root / f"profile-{n}")
    return _PROFILES


def print_many(jobs: list[tuple[Path, Path]]) -> list[Path]:
    """Print each (page, pdf), two at a time (the machines have two cores)."""
    from concurrent.futures import ThreadPoolExecutor

    require("chromium")
    pool = _profile_pool(Path())

    def one(job):
        profile = pool.get()
        try:
            return print_pdf(job[0], job[1], profile)
        finally:
            pool.put(profile)

    with ThreadPoolExecutor(max_workers=2) as executor:
        return list(executor.map(one, jobs))


def print_pdf(page: Path, pdf: Path, profile: Path) -> Path:
    """Chromium's print to PDF of a local HTML file, as an office prints it (no browser header and footer)."""
    require("chromium")
    profile.mkdir(parents=True, exist_ok=True)
    _run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
          page.resolve().as_uri()])
    assert pdf.is_file() and pdf.stat().st_size > 1000, "chromium wrote no PDF"
    return pdf


def screenshot(page: Path, png: Path, profile: Path, size: str = "1240,1754") -> Path:
    require("chromium")
    profile.mkdir(parents=True, exist_ok=True)
    _run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={size}",
          "--hide-scrollbars", page.resolve().as_uri()])
    return png


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    require("pdfinfo")
    out = _run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)]).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)]


def is_a4(size: tuple[float, float], landscape: bool) -> bool:
    width, height = size
    expected = (A4[1], A4[0]) if landscape else A4
    return abs(width - expected[0]) < 2 and abs(height - expected[1]) < 2


def pages_text(pdf: Path) -> list[str]:
    """`pdftotext -layout`, one string per page."""
    require("pdftotext")
    out = _run(["pdftotext", "-layout", str(pdf), "-"]).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path) -> tuple[list[tuple[float, float]], list[Word]]:
    """Every word pdftotext finds, with its box in points: (page sizes, words)."""
    require("pdftotext")
    out = _run(["pdftotext", "-bbox", str(pdf), "-"]).stdout
    sizes, found = [], []
    for number, chunk in enumerate(re.split(r"<page ", out)[1:], start=1):
        w, h = re.match(r'width="([\d.]+)" height="([\d.]+)"', chunk).groups()
        sizes.append((float(w), float(h)))
        for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', chunk):
            found.append(Word(number, float(x0), float(y0), float(x1), float(y1), html.unescape(text)))
    return sizes, found


def column_text(found: list[Word], page: int, x0: float, x1: float, y0: float = 0, y1: float = 1e9) -> str:
    """The text inside a column of a page (a cell that wraps), top to bottom, without spaces. A word is below
    y0 when its middle is: a font's boxes may be taller than its lines (Noto CJK's overlap the line above)."""
    inside = [w for w in found if w.page == page and w.x0 >= x0 - 0.5 and w.x1 <= x1 + 0.5
              and y0 <= (w.y0 + w.y1) / 2 <= y1]
    inside.sort(key=lambda w: (round(w.y0), w.x0))
    return "".join(w.text for w in inside)


def png_pages(pdf: Path, prefix: Path, dpi: int = 150) -> list[Path]:
    require("pdftoppm")
    _run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)])
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def qr_codes(image: Path) -> list[str]:
    """The text of every QR code zbar finds in an image."""
    require("zbarimg")
    done = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 4), done.stderr  # 4: no code found
    return [line for line in done.stdout.splitlines() if line.strip()]
