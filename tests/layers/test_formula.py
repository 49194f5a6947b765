"""formula() is what the layer computes: each printed term is parsed, evaluated with numpy and
compared with the layer restricted to that one weight, for every group and normalisation."""

import re

import numpy as np
import pytest
import torch

import equidiag as ed
from equidiag.algebra import factor_tensor
from tests.cases import LAYER_CASES, layer_id

_TOKEN = re.compile(r"\[[^\]]*\]|\S+")


def _names(subscript: str) -> list[str]:
    return [name for name in subscript.replace(",", "") if name]


def evaluate_term(term: str, out_names: str, x: np.ndarray, n: int, kinds: dict) -> np.ndarray:
    """Evaluate one printed term on ``x`` (the input tensor, without batch or channel axes)."""
    tokens = _TOKEN.findall(term)[1:]  # the first token is the weight
    operands, subscripts, summed, scale = [], [], set(), 1.0
    for token in tokens:
        if token.startswith("δ_"):
            operands.append(np.eye(n))
            subscripts.append(token[2:])
        elif token.startswith("["):  # [i≠p] or [i,j,p distinct]
            names = _names(token[1:-1].replace("≠", ",").replace(" distinct", ""))
            grids = np.meshgrid(*[np.arange(n)] * len(names), indexing="ij")
            stacked = np.stack(grids).reshape(len(names), -1)
            distinct = np.array([len(set(col)) == len(names) for col in stacked.T], dtype=float)
            operands.append(distinct.reshape((n,) * len(names)))
            subscripts.append("".join(names))
        elif token.startswith(("Σ_", "mean_")):
            names = _names(token.split("_", 1)[1])
            summed.update(names)
            if token.startswith("mean_"):
                scale /= float(n) ** len(names)
        elif token.rsplit("_", 1)[0] in kinds:  # a factor, by the symbol its kind prints
            symbol, names = token.rsplit("_", 1)
            operands.append(factor_tensor(kinds[symbol], n, len(names)).astype(float))
            subscripts.append(names)
        elif token.startswith("x"):
            operands.append(x)
            subscripts.append(token[2:] if token.startswith("x_") else "")
        else:
            raise AssertionError(f"unexpected token {token!r} in {term!r}")
    present = set("".join(subscripts))
    for name in out_names:  # broadcast output indices that no operand carries
        if name not in present:
            operands.append(np.ones(n))
            subscripts.append(name)
    assert summed <= present, (summed, term)
    equation = ",".join(subscripts) + "->" + out_names
    return scale * np.einsum(equation, *operands)


CASES = [c for c in LAYER_CASES if c[0].degree ** (c[1] + c[2]) <= 4096]


@pytest.mark.filterwarnings("ignore::equidiag.errors.ZeroMapWarning")
@pytest.mark.parametrize("case", CASES, ids=layer_id)
@pytest.mark.parametrize("normalize", [None, "mean"])
def test_every_formula_term_is_what_the_layer_computes(case, normalize):
    G, k, l = case
    n = G.degree
    for kind in G.basis_kinds:
        layer = ed.EquivariantLinear(
            G, k, l, 1, 1, bias=False, basis=kind, normalize=normalize, dtype=torch.float64
        )
        basis = ed.equivariant_basis(G, k, l, kind=kind)
        # the layer's formula, and the basis's (default weight names), each term evaluated
        for text in (layer.formula(), basis.formula(mean=normalize == "mean")):
            lhs, rhs = text.split(" = ")
            if rhs == "0":
                assert layer.weight.shape[0] == 0
                continue
            out_names = lhs[2:] if lhs.startswith("y_") else ""
            terms = rhs.split(" + ")
            assert len(terms) == layer.weight.shape[0]
            x = np.random.default_rng(0).standard_normal((n,) * k)
            kinds = {
                f.kind.symbol: f.kind for e in basis for _, net in e.terms() for f in net.factors
            }
            for e, term in enumerate(terms):
                assert term.startswith(f"w_{e + 1} ")
                with torch.no_grad():
                    layer.weight.zero_()
                    layer.weight[e] = 1.0
                    out = layer(torch.from_numpy(x)[None, None])[0, 0].numpy()
                np.testing.assert_allclose(
                    out, evaluate_term(term, out_names, x, n, kinds), atol=1e-10, err_msg=term
                )
        for element in basis:  # (a default weight name: no argument needed)
            assert element.formula().startswith("w ")
