"""Loading saved modules with torch.load: opt-in, and every field checked before building.

Crafted files are made by objects whose ``__reduce__`` writes the opcodes an attacker would
(``REDUCE`` of a class with chosen arguments, ``NEWOBJ`` plus ``BUILD`` of a chosen state).
They use small sizes: what is tested is that the file is refused, not what it would cost.
"""

import copy
import copyreg
import io
import pickle
import pickletools
import re
import textwrap
import time
import zipfile

import networkx as nx
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import equidiag as ed
from equidiag.algebra.graphs import rebuild_automorphism_group
from equidiag.errors import (
    EquidiagError,
    EquidiagTypeError,
    EquidiagValueError,
    ShapeError,
    SizeLimitError,
)
from equidiag.layers import GatedNonlinearity, InvariantPooling, serialization
from equidiag.layers.serialization import loading, rebuild_module, safe_globals
from tests.fresh import run_python


class _Crafted:
    """Pickles as ``func(*args)`` (REDUCE), or as ``cls.__new__`` then ``state`` (BUILD)."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    @property
    def __class__(self):  # (pickle writes NEWOBJ only for an object of the class it names)
        return self.func if self.state is not None else _Crafted

    def __reduce__(self):
        if self.state is not None:
            return (copyreg.__newobj__, (self.func,), self.state)
        return (self.func, self.args)


def _file(obj) -> io.BytesIO:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return buffer


def _round_trip(module):
    with loading():
        return torch.load(_file(module))


def _state(layer, **changes):
    state = layer.__getstate__()
    state.update(changes)
    return state


IMPORT = textwrap.dedent(
    """
    import torch
    import torch._dynamo  # (torch registers its own entries when these load)
    before = list(torch.serialization.get_safe_globals())
    import equidiag as ed
    import equidiag.layers
    layer = ed.EquivariantLinear(ed.AutomorphismGroup.cycle(5), 1, 1, 2, 3)
    layer(torch.randn(4, 2, 5))
    after = list(torch.serialization.get_safe_globals())
    added = [entry for entry in after if entry not in before]
    removed = [entry for entry in before if entry not in after]
    assert not added and not removed, (added, removed)
    print("unchanged")
    """
)


def test_importing_equidiag_changes_no_safe_globals():
    assert "unchanged" in run_python("-c", IMPORT)


def test_loading_is_opt_in():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 3)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(_file(layer))  # weights_only=True, the default: nothing is allow-listed
    before = set(torch.serialization.get_safe_globals())
    with loading():
        loaded = torch.load(_file(layer))
    assert set(torch.serialization.get_safe_globals()) == before  # removed on leaving
    x = torch.randn(5, 2, 4)
    torch.testing.assert_close(loaded(x), layer(x))
    # the list composes with torch's own context manager
    with torch.serialization.safe_globals(safe_globals()):
        assert type(torch.load(_file(layer))) is ed.EquivariantLinear


def test_safe_globals_holds_no_class():
    entries = safe_globals()
    assert rebuild_module in entries
    assert rebuild_automorphism_group in entries
    objects = [entry[0] if isinstance(entry, tuple) else entry for entry in entries]
    assert not any(isinstance(entry, type) for entry in objects)
    assert F.silu not in objects
    assert safe_globals() == entries  # the same functions on every call


def test_loading_keeps_entries_that_were_listed_before():
    previous = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([rebuild_module])
    try:
        with loading():
            pass
        assert rebuild_module in torch.serialization.get_safe_globals()
    finally:  # (restore the list as it was, torch's own entries included)
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(previous)
    assert rebuild_module not in torch.serialization.get_safe_globals()


REFUSED = pickle.UnpicklingError  # (torch's error for a global not on the list)
NO_NEWOBJ = r"built only from checked arguments.*NEWOBJ.*refused"


@pytest.mark.parametrize(
    ("obj", "error", "match"),
    [
        (_Crafted(nn.Linear, (3, 2)), REFUSED, "Linear"),  # (25000, 25000): 2.5 GB from 1.3 KB
        (_Crafted(nn.ModuleDict, ({},)), REFUSED, "ModuleDict"),
        (_Crafted(F.silu, (torch.zeros(2),)), REFUSED, "silu"),
        (_Crafted(ed.EquivariantLinear, (ed.SymmetricGroup(), 1, 1, 2, 3)), REFUSED, "Equiv"),
        (_Crafted(ed.MixedOrderLinear, (ed.SymmetricGroup(), {1: 2}, {1: 2})), REFUSED, "Mixed"),
        (_Crafted(GatedNonlinearity, (ed.OrthogonalGroup(3), 1, 2)), REFUSED, "Gated"),
        (_Crafted(InvariantPooling, (ed.OrthogonalGroup(3), 1, 2)), REFUSED, "Pooling"),
        (_Crafted(ed.AutomorphismGroup, (nx.path_graph(3),)), REFUSED, "networkx"),
        # instances made without their constructors, their attributes set unchecked
        (_Crafted(ed.EquivariantLinear, None, {"_in_order": 1}), REFUSED, "EquivariantLinear"),
        (_Crafted(ed.SymmetricGroup, None, {"_degree": "x"}), EquidiagTypeError, NO_NEWOBJ),
        (
            _Crafted(ed.AutomorphismGroup, None, {"_degree": 2, "nodes": (0, 1), "edges": ()}),
            EquidiagTypeError,
            NO_NEWOBJ,
        ),
    ],
    ids=lambda obj: (
        f"{'build' if obj.state else 'call'}-{obj.func.__name__}"
        if isinstance(obj, _Crafted)
        else ""
    ),
)
def test_crafted_files_cannot_call_or_build_classes(obj, error, match):
    with loading(), pytest.raises(error, match=match):
        torch.load(_file(obj))


def test_a_group_stand_in_cannot_be_called_for_aut():
    stand_ins = [e for e, name in safe_globals()[2:] if name.endswith("AutomorphismGroup")]
    assert len(stand_ins) == 2  # (under its name, and the one it had before the move)
    for stand_in in stand_ins:
        with pytest.raises(EquidiagTypeError, match="rebuilt by rebuild_automorphism_group"):
            stand_in((0, 1), ())


@pytest.mark.parametrize(
    "module",
    [
        ed.EquivariantLinear(ed.SymmetricGroup(4), 2, 2, 2, 3, basis="orbit"),
        ed.EquivariantLinear(ed.AutomorphismGroup.cycle(5), 1, 1, 2, 2, strategy="gather"),
        ed.EquivariantLinear(ed.OrthogonalGroup(3), 1, 1, 2, 2, bias=False, normalize="mean"),
        ed.MixedOrderLinear(ed.SymmetricGroup(), {0: 2, 1: 3}, {1: 4, 2: 1}),
        GatedNonlinearity(ed.SymplecticGroup(4), 1, 3, dtype=torch.float64),
        GatedNonlinearity(ed.OrthogonalGroup(3), 0, 3, scalar_activation=torch.tanh),
        InvariantPooling(ed.SpecialOrthogonalGroup(3), 2, 2),
    ],
    ids=type,
)
def test_round_trips_keep_modules_and_their_outputs(module):
    loaded = _round_trip(module)
    for twin in (loaded, pickle.loads(pickle.dumps(module)), copy.deepcopy(module)):
        assert type(twin) is type(module)
        assert repr(twin) == repr(module)
        assert twin.state_dict().keys() == module.state_dict().keys()
        for a, b in zip(twin.state_dict().values(), module.state_dict().values()):
            assert torch.equal(a, b)
    if isinstance(module, GatedNonlinearity):
        assert loaded.scalar_activation is module.scalar_activation
        assert type(loaded.gate) is type(module.gate)


def _globals_in(obj) -> set[str]:
    """Return the globals (``module.name``) a file saved by torch.save names."""
    with zipfile.ZipFile(_file(obj)) as archive:
        (name,) = [name for name in archive.namelist() if name.endswith("/data.pkl")]
        data = archive.read(name)
    return {
        str(arg).replace(" ", ".")
        for opcode, arg, _ in pickletools.genops(data)
        if opcode.name == "GLOBAL"
    }


def test_a_file_names_no_class_but_the_groups():
    gate = GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2)
    mixed = ed.MixedOrderLinear(ed.AutomorphismGroup.cycle(5), {1: 2}, {1: 2})
    names = _globals_in(gate) | _globals_in(mixed)
    assert not [name for name in names if name.startswith("torch.nn")], names
    assert "equidiag.layers.serialization.rebuild_module" in names
    equidiag = {name for name in names if name.startswith("equidiag")}
    assert equidiag == {
        "equidiag.layers.serialization.rebuild_module",
        "equidiag.algebra._brauer.OrthogonalGroup",  # (resolved to a checking stand-in)
        "equidiag.algebra.graphs._group.rebuild_automorphism_group",
        "equidiag.algebra.graphs._group.AutomorphismGroup",  # (resolved to a name)
    }


def test_hooks_and_attributes_survive_copies():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 2)
    calls = []
    layer.register_forward_hook(lambda *args: calls.append(1))
    layer.note = "encoder"
    twin = copy.deepcopy(layer)
    twin(torch.randn(1, 2, 3))
    assert calls == [1]
    assert twin.note == "encoder"


# ------------------------------------------------------------------ Aut(G) from its parts
def test_rebuild_automorphism_group_refuses_a_repeated_edge():
    # the path 0-1-2 and an isolated vertex 3, with the edge (0, 1) written twice
    nodes, edges = (0, 1, 2, 3), ((0, 1), (0, 1), (1, 2))
    with pytest.raises(EquidiagValueError, match=r"edges\[1\] = \(0, 1\) repeats edges\[0\]"):
        rebuild_automorphism_group(ed.AutomorphismGroup, nodes, edges, "g")
    graph = nx.path_graph(3)
    graph.add_node(3)
    right = ed.AutomorphismGroup(graph)
    assert (right.order, ed.dimension(right, 1, 1)) == (2, 10)
    assert rebuild_automorphism_group(ed.AutomorphismGroup, nodes, right.edges, "g") == right


@pytest.mark.parametrize(
    ("cls", "nodes", "edges", "name", "error", "match"),
    [
        ("Aut", (0, 1, 2), ((1, 1),), "g", EquidiagValueError, r"self-loop.*0 <= a < b < n = 3"),
        ("Aut", (0, 1, 2), ((1, 3),), "g", EquidiagValueError, r"\(1, 3\).*n = 3"),
        ("Aut", (0, 1, 2), ((1, 0),), "g", EquidiagValueError, r"0 <= a < b"),
        ("Aut", (0, 1, 2), ((-1, 2),), "g", EquidiagValueError, r"0 <= a < b"),
        ("Aut", (0, 1, 2), ((1, 2), (0, 1)), "g", EquidiagValueError, "comes before"),
        ("Aut", (0, 1, 1), (), "g", EquidiagValueError, r"distinct.*nodes\[2\]"),
        ("Aut", (), (), "g", EquidiagValueError, "at least one vertex"),
        ("Aut", (0, 1), ((0, 1.0),), "g", EquidiagTypeError, "pair of int"),
        ("Aut", (0, 1), ((0, 1, 1),), "g", EquidiagTypeError, "pair of int"),
        ("Aut", (0, 1), ((0, True),), "g", EquidiagTypeError, "pair of int"),
        ("Aut", (0, [1]), (), "g", EquidiagTypeError, "hashable"),
        ("Aut", "01", (), "g", EquidiagTypeError, "nodes must be a tuple"),
        ("Aut", (0, 1), (), 3, EquidiagTypeError, "name must be a str"),
        (ed.SymmetricGroup, (0, 1), (), "g", EquidiagTypeError, "cls must be"),
        ("AutomorphismGroup", (0, 1), (), "g", EquidiagTypeError, "cls must be"),
    ],
)
def test_rebuild_automorphism_group_checks_its_parts(cls, nodes, edges, name, error, match):
    cls = ed.AutomorphismGroup if cls == "Aut" else cls
    with pytest.raises(error, match=match):
        rebuild_automorphism_group(cls, nodes, edges, name)


@pytest.mark.parametrize(
    "name",
    [
        "equidiag.algebra.graphs._group.AutomorphismGroup",
        "equidiag.algebra._graphs.AutomorphismGroup",  # (its name before the package)
    ],
)
def test_rebuild_automorphism_group_takes_the_class_name_from_the_allow_list(name):
    group = rebuild_automorphism_group(name, (0, 1, 2), ((0, 1),), "g")
    assert group.order == 2


def test_rebuild_automorphism_group_checks_the_size_limit(small_size_limit):
    with pytest.raises(SizeLimitError, match="vertices"):
        rebuild_automorphism_group(ed.AutomorphismGroup, tuple(range(10_001)), (), "g")


def test_a_saved_graph_with_a_repeated_edge_is_refused_on_loading():
    group = _Crafted(
        rebuild_automorphism_group,
        (ed.AutomorphismGroup, (0, 1, 2, 3), ((0, 1), (0, 1), (1, 2)), "g"),
    )
    with loading(), pytest.raises(EquidiagValueError, match="repeats"):
        torch.load(_file(group))


# ------------------------------------------------------------------ groups of a degree
def test_saved_groups_load_through_their_constructors():
    for group in (ed.SymmetricGroup(), ed.SymmetricGroup(5), ed.AlternatingGroup(4)):
        assert _round_trip(group) == group
    for n, error in ((0, EquidiagValueError), (3, EquidiagValueError), ("4", EquidiagError)):
        with loading(), pytest.raises(error):
            torch.load(_file(_Crafted(ed.SymplecticGroup, (n,))))


def test_a_saved_degree_is_checked_against_the_size_limit():
    with loading(), pytest.raises(SizeLimitError, match=r"SymmetricGroup.*1,099,511,627,776"):
        torch.load(_file(ed.SymmetricGroup(2**40)))


# ------------------------------------------------------------------ module states
LAYER = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 3)
_INTEGER = nn.Parameter(torch.zeros(2, 3, 2, dtype=torch.int64), requires_grad=False)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"_group": "S"}, EquidiagTypeError, "group must be an equidiag Group"),
        ({"_group": ed.SymmetricGroup(2**40)}, SizeLimitError, "n = 1,099,511,627,776"),
        ({"_in_order": -1}, EquidiagValueError, "in_order of a saved EquivariantLinear"),
        ({"_in_order": 2.0}, EquidiagError, "in_order"),
        ({"_in_order": 10**9}, SizeLimitError, "in_order = 1,000,000,000"),
        ({"_out_order": 40}, SizeLimitError, "out_order = 40, at n = 2"),
        ({"out_channels": 0}, EquidiagValueError, "out_channels"),
        ({"in_channels": 2**40}, SizeLimitError, "1,099,511,627,776 channels"),
        ({"_basis": "orbits"}, EquidiagValueError, "basis of .* must be one of 'diagram'"),
        ({"_basis": torch.zeros(2)}, EquidiagTypeError, "basis .* got a Tensor"),
        ({"_normalize": "max"}, EquidiagValueError, "normalize"),
        ({"_strategy": "fastest"}, EquidiagValueError, "strategy .* one of 'auto'"),
        ({"init_degree": 0}, EquidiagValueError, "init_degree"),
        ({"init_degree": 2**40}, SizeLimitError, "init_degree"),
        ({"training": 1}, EquidiagTypeError, "training"),
        ({"_parameters": {"weight": LAYER.weight}}, EquidiagValueError, "'weight', 'bias'"),
        ({"_parameters": {"weight": None, "bias": None}}, EquidiagTypeError, "weight"),
        ({"_parameters": [LAYER.weight]}, EquidiagTypeError, "_parameters"),
        (
            {"_parameters": {"weight": torch.zeros(2, 3, 2), "bias": None}},
            EquidiagTypeError,
            "Param",
        ),
        (
            {"_parameters": {"weight": nn.Parameter(torch.zeros(2, 2, 3)), "bias": None}},
            ShapeError,
            r"weight .* has shape \(2, 2, 3\), expected \(any, 3, 2\)",
        ),
        (
            {"_parameters": {"weight": nn.Parameter(torch.zeros(5, 3, 2)), "bias": None}},
            ShapeError,
            r"weight has shape \(5, 3, 2\).*\(2, 3, 2\)",
        ),
        (
            {"_parameters": {"weight": _INTEGER, "bias": None}},
            EquidiagTypeError,
            "weight of a saved EquivariantLinear must be floating point, got torch.int64",
        ),
        (
            {"_parameters": {"weight": nn.Parameter(torch.zeros(1).expand(2, 3, 2)), "bias": None}},
            EquidiagValueError,
            "has 12 entries but its saved storage holds 1",
        ),
        ({"forward": "print"}, EquidiagValueError, "'forward', which would hide"),
        ({"weight": torch.zeros(1)}, EquidiagValueError, "'weight', which would hide"),
        ({"group": ed.SymmetricGroup()}, EquidiagValueError, "'group', which would hide"),
    ],
)
def test_a_saved_layer_state_is_checked_field_by_field(changes, error, match):
    crafted = _Crafted(rebuild_module, ("EquivariantLinear", _state(LAYER, **changes)))
    start = time.process_time()
    with loading(), pytest.raises(error, match=match):
        torch.load(_file(crafted))
    assert time.process_time() - start < 1


def test_a_missing_field_and_an_unknown_class_are_refused():
    state = LAYER.__getstate__()
    del state["_basis"]
    with pytest.raises(EquidiagValueError, match="has no '_basis'"):
        rebuild_module("EquivariantLinear", state)
    with pytest.raises(EquidiagValueError, match="one of 'EquivariantLinear'"):
        rebuild_module("Linear", LAYER.__getstate__())
    with pytest.raises(EquidiagTypeError, match="one of EquivariantLinear"):
        rebuild_module(nn.Linear, LAYER.__getstate__())
    with pytest.raises(EquidiagTypeError, match="dict with str keys"):
        rebuild_module("EquivariantLinear", [1, 2])


def test_a_saved_weight_is_checked_against_the_size_limit(small_size_limit):
    with pytest.raises(SizeLimitError, match="weight of a saved EquivariantLinear"):
        rebuild_module(
            "EquivariantLinear",
            _state(
                LAYER,
                in_channels=60,
                out_channels=60,
                _parameters={"weight": nn.Parameter(torch.zeros(3, 60, 60)), "bias": None},
            ),
        )


def test_a_saved_kept_matrix_is_dropped():
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 1, 1, bias=False)
    state = _state(layer, _frozen="crafted", plan="crafted")
    loaded = rebuild_module("EquivariantLinear", state)
    assert "_frozen" not in loaded.__dict__
    assert loaded.plan is layer.plan
    with torch.no_grad():
        torch.testing.assert_close(loaded(torch.ones(1, 1, 3)), layer(torch.ones(1, 1, 3)))


@pytest.mark.parametrize(
    ("module", "changes", "error", "match"),
    [
        (GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2), {"order": 40}, SizeLimitError, "40"),
        (
            GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2),
            {"in_channels": 3},
            EquidiagValueError,
            "in_channels .* must equal its channels = 2",
        ),
        (
            GatedNonlinearity(ed.OrthogonalGroup(3), 0, 2),
            {"scalar_activation": "exec"},
            EquidiagValueError,
            "scalar_activation .* one of 'silu'",
        ),
        (
            GatedNonlinearity(ed.OrthogonalGroup(3), 0, 2),
            {"scalar_activation": 3},
            EquidiagTypeError,
            "scalar_activation",
        ),
        (
            GatedNonlinearity(ed.OrthogonalGroup(3), 0, 2),
            {"gate": {}},
            EquidiagTypeError,
            "None .order 0 has no gate",
        ),
        (
            GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2),
            {"gate": None},
            EquidiagTypeError,
            "must be a gate",
        ),
        (
            InvariantPooling(ed.OrthogonalGroup(3), 1, 2),
            {"channels": 2**15},
            SizeLimitError,
            "Gram matrix",
        ),
        (
            InvariantPooling(ed.OrthogonalGroup(3), 1, 2),
            {"_parameters": {"w": nn.Parameter(torch.zeros(1))}},
            EquidiagValueError,
            "no parameters",
        ),
        (InvariantPooling(ed.OrthogonalGroup(3), 1, 2), {"group": 3}, EquidiagTypeError, "Group"),
    ],
)
def test_saved_gram_module_states_are_checked(module, changes, error, match):
    crafted = _Crafted(rebuild_module, (type(module).__name__, _state(module, **changes)))
    with loading(), pytest.raises(error, match=match):
        torch.load(_file(crafted))


def test_a_saved_gate_is_checked():
    module = GatedNonlinearity(ed.OrthogonalGroup(3), 1, 2)
    gate = module.__getstate__()["gate"]
    wrong = {**gate, "_parameters": {"weight": nn.Parameter(torch.zeros(2, 5)), "bias": None}}
    with pytest.raises(ShapeError, match=r"weight of the gate .* expected \(2, 4\)"):
        rebuild_module("GatedNonlinearity", _state(module, gate=wrong))
    with pytest.raises(EquidiagValueError, match="4 Gram entries to 2 gates"):
        rebuild_module("GatedNonlinearity", _state(module, gate={**gate, "in_features": 5}))


def test_saved_blocks_of_a_mixed_layer_are_checked():
    module = ed.MixedOrderLinear(ed.SymmetricGroup(), {0: 2, 1: 3}, {1: 4})
    blocks = module.__getstate__()["blocks"]
    other = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 4)  # 2 input channels, not 3
    with pytest.raises(EquidiagValueError, match="keys 0_to_1, 1_to_1"):
        rebuild_module("MixedOrderLinear", _state(module, blocks={"0_to_1": blocks["0_to_1"]}))
    with pytest.raises(EquidiagValueError, match=r"expected 1 \(3\) to 1 \(4\)"):
        rebuild_module("MixedOrderLinear", _state(module, blocks={**blocks, "1_to_1": other}))
    with pytest.raises(EquidiagTypeError, match="must be an EquivariantLinear"):
        rebuild_module("MixedOrderLinear", _state(module, blocks={**blocks, "1_to_1": nn.ReLU()}))
    biased = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 3, 4)
    with pytest.raises(EquidiagValueError, match="bias"):
        rebuild_module("MixedOrderLinear", _state(module, blocks={**blocks, "1_to_1": biased}))
    fixed = ed.EquivariantLinear(ed.SymmetricGroup(5), 1, 1, 3, 4, bias=False)
    with pytest.raises(EquidiagValueError, match=r"blocks' group .* must agree"):
        rebuild_module("MixedOrderLinear", _state(module, blocks={**blocks, "1_to_1": fixed}))


@pytest.mark.parametrize(
    "changes",
    [
        {"_group": None},
        {"_in_order": "1"},
        {"_parameters": None},
        {"_parameters": {"weight": LAYER.weight, "bias": "b"}},
        {"_modules": {"m": 3}},
        {"_buffers": {"b": [1]}},
        {"_normalize": torch.zeros(2)},
    ],
)
def test_every_refusal_is_an_equidiag_error(changes):
    with pytest.raises(EquidiagError):
        rebuild_module("EquivariantLinear", _state(LAYER, **changes))


def test_the_module_is_importable_from_the_layers():
    assert ed.layers.serialization is serialization
    assert "serialization" in ed.layers.__all__


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("_forward_hooks", {0: 5}),
        ("_forward_pre_hooks", [1, 2]),
        ("_state_dict_hooks", 7),
        ("_non_persistent_buffers_set", {3}),
        ("_is_full_backward_hook", "yes"),
    ],
)
def test_torch_fields_of_a_saved_state_are_checked(key, value):
    """(A planted hook table loaded, then failed at the first call with a raw TypeError.)"""
    layer = ed.EquivariantLinear(ed.SymmetricGroup(), 1, 1, 2, 2)
    state = layer.__getstate__()
    state[key] = value
    with pytest.raises(EquidiagTypeError, match=key):
        rebuild_module("EquivariantLinear", state)


@pytest.mark.parametrize(
    ("group", "module"),
    [
        (ed.SymmetricGroup(), "_groups"),
        (ed.SymmetricGroup(5), "_groups"),
        (ed.AlternatingGroup(4), "_groups"),
        (ed.OrthogonalGroup(3), "_groups"),
        (ed.SpecialOrthogonalGroup(3), "_groups"),
        (ed.SymplecticGroup(4), "_groups"),
        (ed.AutomorphismGroup.cycle(5), "_graphs"),
    ],
    ids=str,
)
def test_files_saved_before_the_groups_moved_load(group, module):
    """A file naming a group's old module (before it moved next to its family) loads."""
    layer = ed.EquivariantLinear(group, 1, 1, 2, 3)
    buffer = _file(layer)
    with zipfile.ZipFile(buffer) as archive, zipfile.ZipFile(old := io.BytesIO(), "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith("/data.pkl"):
                new = re.compile(
                    rb"equidiag\.algebra\.(_brauer|_diagrams|_alternating|"
                    rb"_levi_civita|graphs\._group)\n"
                )
                data = new.sub(f"equidiag.algebra.{module}\n".encode(), data)
                assert f"equidiag.algebra.{module}\n".encode() in data
            out.writestr(info, data)
    old.seek(0)
    with loading():
        loaded = torch.load(old)
    assert loaded.group == group
    x = torch.randn(2, 2, group.degree or 4)
    torch.testing.assert_close(loaded(x), layer(x))
