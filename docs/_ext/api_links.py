"""The API reference's own rules: full coverage, links to re-exported names, public bases.

* Every name in the ``__all__`` of a public module must be documented in ``docs/api``; a
  missing one is a warning (an error under ``-W``).
* ``equidiag.EquivariantLinear`` is ``equidiag.layers.EquivariantLinear`` re-exported: a
  reference to the short name links to the page of the documented one.
* A class's bases are shown as the nearest public ancestor (no private ``Frozen`` or
  ``_Headed`` in "Bases:").
"""

from __future__ import annotations

import importlib
import inspect

from sphinx.util import logging

PUBLIC_MODULES = (
    "equidiag",
    "equidiag.algebra",
    "equidiag.layers",
    "equidiag.layers.functional",
    "equidiag.layers.masks",
    "equidiag.layers.frozen",
    "equidiag.testing",
    "equidiag.errors",
    "equidiag.weightspace",
)

logger = logging.getLogger(__name__)


def _exports() -> dict[str, list[str]]:
    """Map ``module.name`` of every public export to the names the same object has."""
    modules = {name: importlib.import_module(name) for name in PUBLIC_MODULES}
    homes: dict[int, list[str]] = {}
    for modname, module in modules.items():
        for name in getattr(module, "__all__", ()):
            if not name.startswith("__") and not inspect.ismodule(getattr(module, name)):
                homes.setdefault(id(getattr(module, name)), []).append(f"{modname}.{name}")
    return {full: names for names in homes.values() for full in names}


def _check_coverage(app, env) -> None:
    domain = env.get_domain("py")
    exports = _exports()
    missing = sorted(
        full for full, names in exports.items() if not any(n in domain.objects for n in names)
    )
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.ismodule(obj) and obj.__name__ not in domain.modules:
                missing.append(obj.__name__)
    if missing:
        logger.warning(
            "public names missing from docs/api/index.rst: %s",
            ", ".join(sorted(set(missing))),
            type="equidiag",
            subtype="api",
        )


def _resolve_reexport(app, env, node, contnode):
    """Link ``equidiag.X`` (a re-export) to the page of the name that is documented."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    domain = env.get_domain("py")
    for name in _exports().get(target, ()):
        if name != target and name in domain.objects:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
            )
    return None


def _is_public(cls: type) -> bool:
    if not cls.__module__.startswith("equidiag"):
        return True
    return any(
        getattr(importlib.import_module(m), cls.__name__, None) is cls
        and cls.__name__ in getattr(importlib.import_module(m), "__all__", ())
        for m in PUBLIC_MODULES
    )


def _public_bases(app, name, obj, options, bases) -> None:
    """Show the nearest public ancestors instead of private bases (``Frozen``, ``_Headed``)."""
    public: list[type] = []
    pending = list(bases)
    while pending:
        base = pending.pop(0)
        if base is object:
            continue
        if not _is_public(base):
            pending[:0] = list(base.__bases__)
        elif base not in public:
            public.append(base)
    bases[:] = [_torch_public_name(base) for base in public] or [object]


def _torch_public_name(base: type) -> type | str:
    """``torch.nn.Sequential`` for ``torch.nn.modules.container.Sequential`` (the inventory's)."""
    module = getattr(base, "__module__", "")
    if module.startswith("torch.nn.modules."):
        import torch

        if getattr(torch.nn, base.__name__, None) is base:
            return f":class:`torch.nn.{base.__name__}`"
    return base


def setup(app):
    app.connect("env-check-consistency", _check_coverage)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-bases", _public_bases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
