"""Build the documentation site and photograph seven of its pages with headless Chromium, offline.

A visual check of what a reader sees: the home page, a guide page, the which-group page, the
performance page, a tutorial page, the API index and an API page, each rendered with the network blocked (so the math must come from the site itself).
For every page the script also reads the rendered DOM and reports how many formulas MathJax
typeset and whether any raw TeX delimiters remain; it exits with status 1 if a page with math
shows none typeset.

Needs Chromium (Debian: ``apt-get install chromium``) and the ``docs`` extra::

    python docs/screenshots.py                 # build, then photograph into docs/_build/screenshots
    python docs/screenshots.py --no-build      # photograph an existing build
    python docs/screenshots.py --no-build --all-math   # and check the math of every page
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
    "which_group": "which_group.html",
    "performance": "benchmarks.html",
    "gallery": "auto_examples/train_graph_diffusion.html",
    "api_index": "api/index.html",
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
    flags = [*CHROMIUM_FLAGS, f"--window-size={width},{height}"]
    subprocess.run(
        [chromium, *flags, f"--screenshot={png}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return rendered_dom(chromium, page)


def rendered_dom(chromium: str, page: pathlib.Path) -> str:
    """Return the DOM of ``page`` after its scripts (MathJax) ran, offline."""
    dom = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return dom.stdout


def has_math(page: pathlib.Path) -> bool:
    """Whether a built page contains formulas for MathJax."""
    return "math notranslate" in page.read_text(encoding="utf-8")


def math_report(dom: str) -> tuple[int, int]:
    """Return (typeset formulas, raw TeX delimiters left) in a rendered page."""
    typeset = dom.count("<mjx-container")
    text = re.sub(r"<(script|style|pre)\b.*?</\1>", "", dom, flags=re.DOTALL)  # (code may say \()
    raw = len(re.findall(r"\\\(|\\\[", text))
    return typeset, raw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=pathlib.Path, default=DOCS / "_build" / "html")
    parser.add_argument("--out", type=pathlib.Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--no-build", action="store_true", help="photograph an existing build")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument(
        "--all-math", action="store_true", help="also check the math of every page that has some"
    )
    args = parser.parse_args()
    chromium = find_chromium()
    if not args.no_build:
        build(args.html)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name, relative in PAGES.items():
        png = args.out / f"{name}.png"
        dom = photograph(chromium, args.html / relative, png, args.width, args.height)
        typeset, raw = math_report(dom)
        failed |= has_math(args.html / relative) and (typeset == 0 or raw > 0)
        print(f"{png}: {typeset} formulas typeset, {raw} raw TeX delimiters left")
    if args.all_math:
        pages = [p for p in sorted(args.html.rglob("*.html")) if has_math(p)]
        bad = []
        for page in pages:
            typeset, raw = math_report(rendered_dom(chromium, page))
            if typeset == 0 or raw > 0:
                bad.append(f"{page.relative_to(args.html)} ({typeset} typeset, {raw} raw)")
        print(f"math typeset on {len(pages) - len(bad)} of the {len(pages)} pages with math")
        for line in bad:
            print(f"  not typeset: {line}")
        failed |= bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
