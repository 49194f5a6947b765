r"""Check equivariance of matrices, functions and torch modules under random group elements.

:math:`f` is equivariant when :math:`f(\rho_k(g) x) = \rho_l(g) f(x)` for every group element
:math:`g`, where :math:`\rho_k(g) = g^{\otimes k}` acts on the last :math:`k` axes of a tensor. These helpers test that for the
group's generators and for random elements drawn with ``group.sample``, and report the worst
element, so that users can test their own models with the checker the test suite uses.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import numpy as np

from ._lazy import sparse as sp
from .algebra._groups import Group, as_rng, check_group
from .algebra._partitions import check_orders
from .errors import (
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
    check_nonnegative_int,
    check_positive_int,
    check_power_size,
    check_size,
    check_tolerance,
    shown,
)

__all__ = ["act", "assert_equivariant", "equivariance_error"]


def act(g, x, order: int):
    r"""Apply :math:`g^{\otimes \mathrm{order}}` to the last ``order`` axes of ``x`` (numpy or torch).

    Parameters
    ----------
    g : array of shape ``(n, n)``
        A group element (numpy array or torch tensor of the same framework as ``x``).
    x : array of shape ``(..., n, ..., n)``
        ``order`` trailing axes of size ``n``.
    order : int
        Number of trailing axes acted on.

    Returns
    -------
    array
        ``y[..., i_1..i_k] = sum_j g[i_1, j_1] ... g[i_k, j_k] x[..., j_1..j_k]``.

    Examples
    --------
    >>> import numpy as np
    >>> from equidiag.testing import act
    >>> g = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> act(g, np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    array([[4., 3.],
           [2., 1.]])
    """
    order = check_nonnegative_int("order", order)
    if order > x.ndim:
        msg = f"order={order} exceeds the number of axes of x, {x.ndim}"
        raise ShapeError(msg)
    for axis in range(order):
        position = x.ndim - order + axis
        x = _moveaxis(_matmul_last(_moveaxis(x, position, -1), g), -1, position)
    return x


def _moveaxis(x, source: int, destination: int):
    return (
        x.movedim(source, destination)
        if hasattr(x, "movedim")
        else np.moveaxis(x, source, destination)
    )


def _matmul_last(x, g):
    return x @ g.T


def _as_matrix_function(matrix, in_order: int, out_order: int, n: int) -> Callable:
    if sp.issparse(matrix):
        check_size("the dense form of the matrix under test", matrix.shape[0] * matrix.shape[1])
        matrix = matrix.toarray()
    matrix = np.asarray(matrix, dtype=np.float64)
    expected = (n**out_order, n**in_order)
    if matrix.shape != expected:
        msg = f"expected a matrix of shape {expected} for n={n}, got {matrix.shape}"
        raise ShapeError(msg)

    def apply(x):
        flat = x.reshape((*x.shape[: x.ndim - in_order], -1))
        return (flat @ matrix.T).reshape(x.shape[: x.ndim - in_order] + (n,) * out_order)

    return apply


def _torch_module(fn) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(fn, torch.nn.Module)


def equivariance_error(
    fn,
    group: Group,
    in_order: int,
    out_order: int,
    *,
    n: int | None = None,
    n_samples: int = 8,
    in_channels: int | None = None,
    batch: int = 2,
    rng: object = None,
) -> tuple[float, np.ndarray]:
    """Return the largest equivariance error of ``fn`` and the group element attaining it.

    Parameters
    ----------
    fn : array, sparse matrix, callable or torch.nn.Module
        A ``n^l x n^k`` matrix; a callable taking numpy arrays of shape
        ``(batch, [in_channels,] n, ..., n)``; or a torch module taking one tensor, which
        receives float tensors of its parameters' dtype (float64 if it has none). (A module
        on several orders, such as :class:`~equidiag.MixedOrderLinear`, is checked block by
        block or through a wrapper.)
    group : Group
        The group; its generators and ``n_samples`` random elements are tested.
    in_order, out_order : int
        ``k`` and ``l``.
    n : int, optional
        The degree, if the group leaves it unspecified.
    n_samples : int
        Number of random elements besides the generators.
    in_channels : int, optional
        Channel axis size of the input; defaults to ``fn.in_channels`` if present, else none.
    batch : int
        Number of random inputs.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    error : float
        ``max |fn(g x) - g fn(x)| / max(1, max |fn(x)|)`` over the tested elements.
    worst : numpy.ndarray
        The ``n x n`` element with the largest error.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.testing import equivariance_error
    >>> G = ed.SymmetricGroup(4)
    >>> M = ed.equivariant_basis(G, 1, 2)[3].matrix(4)
    >>> error, worst = equivariance_error(M, G, 1, 2, rng=0)
    >>> error
    0.0
    """
    group = check_group(group)
    k, l = check_orders(in_order, out_order)
    n = group.require_degree(n)
    group = group.with_degree(n)
    gen = as_rng(rng)
    batch = check_positive_int("batch", batch)
    n_samples = check_nonnegative_int("n_samples", n_samples)
    check_size(f"{n_samples:,} sampled {n} x {n} group elements", n_samples * n * n)
    try:
        elements = list(group.generators())
    except SizeLimitError:  # too many dense generators (e.g. O(200)): random elements only
        elements = []
    elements += [group.sample(gen) for _ in range(n_samples)]
    if not elements:
        msg = "n_samples must be positive when the group's generators are too large to build"
        raise EquidiagValueError(msg)
    if in_channels is None:
        in_channels = getattr(fn, "in_channels", None)
        if isinstance(in_channels, dict):  # (a MixedOrderLinear: channels per order)
            msg = (
                f"fn maps several orders (its in_channels is {in_channels}); check one block, "
                "e.g. fn.blocks['1_to_1'], or wrap fn in a function of one tensor"
            )
            raise EquidiagTypeError(msg)
    channel_shape = () if in_channels is None else (check_positive_int("in_channels", in_channels),)
    channels = channel_shape[0] if channel_shape else 1
    check_power_size(
        f"the test input ({batch} x {channels} channels x {n}^{k})",
        n,
        k,
        batch * channels,
        "use a smaller batch or order",
    )
    x = gen.standard_normal((batch, *channel_shape) + (n,) * k)
    if _torch_module(fn):
        import torch

        params = list(fn.parameters())
        dtype = params[0].dtype if params else torch.float64
        device = params[0].device if params else None

        def convert(a):
            return torch.as_tensor(a, dtype=dtype, device=device)

        takes_n = k == 0 and _takes_n(fn)

        def call(a):
            with torch.no_grad():  # (an input of order 0 does not tell n: pass it if fn takes it)
                out = fn(a, n=n) if takes_n else fn(a)
                return out.detach().cpu().double().numpy()
    else:
        if not callable(fn):
            fn = _as_matrix_function(fn, k, l, n)

        def convert(a):
            return a

        def call(a):
            return np.asarray(fn(a), dtype=np.float64)

    try:
        fx = call(convert(x))
    except ShapeError as err:
        msg = (
            f"{err} (equivariance_error fed fn an input of shape {x.shape}; pass "
            "in_channels= if fn expects a channel axis)"
        )
        raise ShapeError(msg) from None
    scale = max(1.0, float(np.abs(fx).max(initial=0.0)))
    worst, worst_error = elements[0], -1.0
    for g in elements:
        error = float(np.abs(call(convert(act(g, x, k))) - act(g, fx, l)).max(initial=0.0))
        if error / scale > worst_error:
            worst, worst_error = g, error / scale
    return worst_error, worst


def _takes_n(module) -> bool:
    """Whether ``module.forward`` names a parameter ``n`` (False without a signature).

    (A module made by ``torch.jit.trace`` has none.)
    """
    try:
        return "n" in inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return False


def assert_equivariant(
    fn,
    group: Group,
    in_order: int,
    out_order: int,
    *,
    atol: float | None = None,
    **kwargs,
) -> None:
    """Raise ``AssertionError`` naming the worst group element if ``fn`` is not equivariant.

    Parameters
    ----------
    fn, group, in_order, out_order
        As in :func:`equivariance_error`.
    atol : float, optional
        Largest relative error accepted (a real number ``>= 0``; the error is already divided
        by ``max(1, max |fn(x)|)``, so there is no separate ``rtol``). Default: ``1e-2`` for a
        torch module with float16 or bfloat16 parameters, ``1e-4`` for float32, else ``1e-9``.
    **kwargs
        Passed to :func:`equivariance_error` (``n``, ``n_samples``, ``in_channels``,
        ``batch``, ``rng``).

    Raises
    ------
    AssertionError
        If the error exceeds ``atol``.
    EquidiagTypeError
        For an ``atol`` that is not a real number, or a keyword
        :func:`equivariance_error` does not take (``rtol`` among them).
    EquidiagValueError
        For a negative or NaN ``atol``.

    Examples
    --------
    >>> import equidiag as ed
    >>> from equidiag.testing import assert_equivariant
    >>> G = ed.SymmetricGroup(3)
    >>> for M in ed.equivariant_basis(G, 2, 1).to_dense():
    ...     assert_equivariant(M, G, 2, 1)
    >>> assert_equivariant(ed.EquivariantLinear(G, 2, 1, 4, 4), G, 2, 1)  # float32: atol 1e-4
    """
    atol = _default_tolerance(fn) if atol is None else check_tolerance("atol", atol)
    unknown = sorted(set(kwargs) - set(_ERROR_KEYWORDS))
    if unknown:
        relative = " (atol is relative already: there is no rtol)" if "rtol" in unknown else ""
        msg = (
            f"assert_equivariant got unexpected keyword(s) {', '.join(map(shown, unknown))}"
            f"{relative}; it takes atol and {', '.join(_ERROR_KEYWORDS)}"
        )
        raise EquidiagTypeError(msg)
    error, worst = equivariance_error(fn, group, in_order, out_order, **kwargs)
    if error > atol:
        msg = (
            f"not equivariant under {group}: relative error {error:.3g} > atol={atol:g} "
            f"for the group element\n{np.array2string(worst, precision=4)}"
        )
        raise AssertionError(msg)


#: the keywords assert_equivariant passes on to equivariance_error
_ERROR_KEYWORDS = ("n", "n_samples", "in_channels", "batch", "rng")


def _default_tolerance(fn) -> float:
    if not _torch_module(fn):
        return 1e-9
    import torch

    dtypes = {p.dtype for p in fn.parameters()}
    if dtypes & {torch.float16, torch.bfloat16}:
        return 1e-2
    return 1e-4 if torch.float32 in dtypes else 1e-9
