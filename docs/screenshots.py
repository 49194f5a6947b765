"""Build the documentation site and photograph four of its pages with headless Chromium, offline.

A visual check of what a reader sees: the home page, a guide page, a tutorial page and an API
page, each rendered with the network blocked (so the math must come from the site itself).
For every page the script also reads the rendered DOM and reports how many formulas MathJax
typeset and whether any raw TeX delimiters remain; it exits with status 1 if a page with math
shows none typeset.

Needs Chromium (Debian: ``apt-get install chromium``) and the ``docs`` extra::

    python docs/screenshots.py                 # build, then photograph into docs/_build/screenshots
    python docs/screenshots.py --no-build      # photograph an existing build
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys

DOCS = pathlib.Path(__file__).resolve().parent
PAGES = {
    "home": "index.html",
    "guide": "alternating.html",
    "gallery": "auto_examples/train_graph_diffusion.html",
    "api": "api/generated/equidiag.algebra.PartitionDiagram.html",
}
#: Chromium flags: no GPU, no sandbox (containers run as root), and no network at all.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--virtual-time-budget=15000",
]


def find_chromium() -> str:
    """Return the Chromium executable, or exit with an install hint."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    sys.exit("screenshots need Chromium: apt-get install chromium")


def build(html: pathlib.Path) -> None:
    """Build the site with warnings as errors (``-n -W``)."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "-q", str(DOCS), str(html)]
    subprocess.run(command, check=True)


def photograph(
    chromium: str, page: pathlib.Path, png: pathlib.Path, width: int, height: int
) -> str:
    """Save a screenshot of ``page`` to ``png`` and return the page's rendered DOM."""
    url = page.as_uri()
    flags = [*CHROMIUM_FLAGS, f"--window-size={width},{height}"]
    subprocess.run(
        [chromium, *flags, f"--screenshot={png}", url], check=True, capture_output=True, timeout=120
    )
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return dom.stdout


def math_report(dom: str) -> tuple[int, int]:
    """Return (typeset formulas, raw TeX delimiters left) in a rendered page."""
    typeset = dom.count("<mjx-container")
    text = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.DOTALL)
    raw = len(re.findall(r"\\\(|\\\[", text))
    return typeset, raw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=pathlib.Path, default=DOCS / "_build" / "html")
    parser.add_argument("--out", type=pathlib.Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--no-build", action="store_true", help="photograph an existing build")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    chromium = find_chromium()
    if not args.no_build:
        build(args.html)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name, relative in PAGES.items():
        png = args.out / f"{name}.png"
        typeset, raw = math_report(
            photograph(chromium, args.html / relative, png, args.width, args.height)
        )
        has_math = "math notranslate" in (args.html / relative).read_text(encoding="utf-8")
        failed |= has_math and (typeset == 0 or raw > 0)
        print(f"{png}: {typeset} formulas typeset, {raw} raw TeX delimiters left")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
