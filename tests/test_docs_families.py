"""The code of docs/families.rst runs as written and gives a working family."""

import pathlib
import re

import torch

import equidiag as ed
from equidiag.algebra._groups import GROUP_NAMES

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "families.rst"


def test_the_adding_a_family_page_defines_a_working_family():
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", PAGE.read_text())
    namespace: dict = {}  # the page imports what it uses
    code = [re.sub(r"^    ", "", b, flags=re.MULTILINE) for b in blocks if "Row(" not in b]
    assert len(code) == 5  # the imports, then the four pieces
    saved = dict(GROUP_NAMES)  # the page's group registers the symbol "C": undone below
    try:
        exec("\n".join(code), namespace)  # noqa: S102 (the page's own code)
        G = namespace["CyclicGroup"](5)
        assert ed.dimension(G, 1, 1) == len(ed.equivariant_basis(G, 1, 1)) == 5
        assert len(ed.equivariant_basis(G, 0, 0)) == 1
        assert repr(ed.equivariant_basis(G, 1, 1)[1]) == 'CyclicOrbitElement("0,1")'
        layer = ed.EquivariantLinear(G, 1, 1, 2, 2, dtype=torch.float64)
        ed.testing.assert_equivariant(layer, G, 1, 1)
        assert r"\mathbb{1}_{01}" in layer.formula(latex=True)
        from equidiag.cli import main

        assert main(["info", "C5", "1", "1"]) == 0
    finally:
        GROUP_NAMES.clear()
        GROUP_NAMES.update(saved)
