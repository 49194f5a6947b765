"""The planner: explain(x) names the route that actually runs, and its record is consistent."""

import dataclasses

import networkx as nx
import pytest
import torch

import equidiag as ed
from equidiag.errors import EquidiagValueError, set_size_limit
from equidiag.layers import frozen, planner
from equidiag.layers.planner import FROZEN_MAX_ENTRIES, Route, plan_route

S = ed.SymmetricGroup()


@pytest.fixture
def ran(monkeypatch):
    """Record the name of every runner called (plan strategies, per-sample mixes, kept matrix)."""
    names = []

    def hook(name, runner):
        def wrapper(*args, **kwargs):
            names.append(name)
            return runner(*args, **kwargs)

        return wrapper

    for name, spec in list(planner.ROUTES.items()):
        per_sample = spec.per_sample and hook(name, spec.per_sample)
        hooked = dataclasses.replace(spec, run=hook(name, spec.run), per_sample=per_sample)
        monkeypatch.setitem(planner.ROUTES, name, hooked)
    # (routes without a per-sample runner run the factored program's: hooked above)
    monkeypatch.setattr(frozen, "_fit", hook("kept", frozen._fit))
    return names


CASES = [  # (group, k, l, channels, n, batch): together they take every route
    (S, 1, 1, 4, 6, 8),  # dense (tiny)
    (S, 2, 2, 16, 12, 32),  # fused
    (S, 2, 2, 8, 64, 2),  # factored
    (S, 3, 3, 4, 8, 4),
    (ed.AutomorphismGroup.cycle(12), 2, 2, 4, 12, 4),  # convolution (few automorphisms)
    (ed.AutomorphismGroup.petersen(), 2, 2, 8, 10, 16),  # gather (many orbit networks)
    (ed.AutomorphismGroup.petersen(), 2, 2, 16, 10, 128),  # dense over fused
    (ed.OrthogonalGroup(3), 2, 2, 8, 3, 16),
    (ed.AlternatingGroup(5), 3, 3, 2, 5, 4),
]


def _case_id(case):
    group, k, l, _c, n, batch = case
    return f"{group}-{k}to{l}-n{n}-b{batch}"


def _call(layer, x, n, mask=None):
    return layer(x, mask=mask) if mask is not None else layer(x)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_explain_names_the_route_that_runs(case, mode, ran):
    group, k, l, c, n, batch = case
    basis = "orbit" if isinstance(group, ed.AutomorphismGroup) else None
    layer = ed.EquivariantLinear(group, k, l, c, c, bias=False, basis=basis)
    x = torch.randn((batch, c) + (n,) * k)
    with torch.set_grad_enabled(mode == "train"):
        route = layer.explain(x)
        assert isinstance(route, Route)
        assert route.mode == mode
        _call(layer, x, n)
    assert ran == [route.name], str(route)
    assert route.chosen.applies
    assert {"dense", "fused", "factored"} <= {c.name for c in route.candidates}


@pytest.mark.parametrize("normalize", [None, "mean"])
@pytest.mark.parametrize(("n", "batch", "c"), [(5, 4, 2), (16, 32, 16), (48, 8, 4)])
def test_explain_with_a_mask_names_the_route_that_runs(normalize, n, batch, c, ran):
    layer = ed.EquivariantLinear(S, 2, 2, c, c, bias=False, normalize=normalize)
    x = torch.randn(batch, c, n, n)
    mask = torch.ones(batch, n, dtype=torch.bool)
    mask[0, n // 2 :] = False
    route = layer.explain(x, mask=mask)
    layer(x, mask=mask)
    assert ran == [route.name], str(route)
    assert route.weight_sets == (3 if normalize == "mean" else 1)


def test_every_route_the_grid_takes_is_named_by_a_record():
    seen = set()
    for group, k, l, c, n, batch in CASES:
        basis = "orbit" if isinstance(group, ed.AutomorphismGroup) else None
        plan = ed.EquivariantLinear(group, k, l, c, c, basis=basis).plan
        for mode in ("train", "eval"):
            seen.add(plan_route(plan, n, batch, c, c, mode=mode).name)
    assert seen == {"dense", "fused", "factored", "gather", "convolution", "kept"}


def test_the_record_reflects_explicit_strategies_and_the_size_limit():
    layer = ed.EquivariantLinear(S, 2, 2, 4, 4, strategy="factored")
    route = layer.explain(torch.randn(2, 4, 6, 6))
    assert route.name == "factored"
    assert "strategy='factored' was asked for" in route.reason
    auto = ed.EquivariantLinear(S, 2, 2, 4, 4)
    x = torch.randn(2, 4, 12, 12)
    assert auto.explain(x).name == "fused"
    previous = set_size_limit(1000)  # nothing fits: the factored program is what is left
    try:
        route = auto.explain(x)
        assert route.name == "factored"
        assert not route.candidate("dense").applies
        assert not route.candidate("fused").applies
    finally:
        set_size_limit(previous)
    with pytest.raises(EquidiagValueError, match="no candidate 'kept'"):
        auto.explain(x).candidate("kept")
    with pytest.raises(EquidiagValueError, match="mode must be one of"):
        plan_route(auto.plan, 12, 2, 4, 4, mode="inference")


def test_the_table_lists_every_candidate_and_marks_the_one_that_runs():
    layer = ed.EquivariantLinear(ed.OrthogonalGroup(3), 2, 2, 8, 8)
    with torch.no_grad():
        text = str(layer.explain(torch.randn(16, 8, 3, 3)))
    lines = text.splitlines()
    threads = planner.cpu_threads()  # (the planner's: 2 in these tests, tests/conftest.py)
    assert lines[0].startswith(
        f"route 'kept' for 2→2, n = 3, batch 16, 8 → 8 channels (eval; float32 on cpu, {threads} "
    )
    assert lines[1].split() == [
        "candidate",
        "flops",
        "bytes",
        "largest",
        "tensor",
        "builds",
        "applies",
    ]
    assert [line.split()[0] for line in lines[2:]] == ["dense", "fused", "factored", "kept"]
    assert [line.endswith("<- runs") for line in lines[2:]] == [False, False, False, True]


def test_a_gathered_layer_keeps_its_matrix_in_eval():
    """(Aut(G) with many orbits: the assembly was priced as from 8,256 network matrices, 5.5e8
    entries, and declined; it is gathered, 2 * 4.2e6. Measured 11.7x nn.Linear without it.)"""
    layer = ed.EquivariantLinear(ed.AutomorphismGroup.grid(4, 4), 2, 2, 8, 8, basis="orbit")
    x = torch.randn(128, 8, 16, 16)
    assert layer.explain(x).name == "gather"
    with torch.no_grad():
        route = layer.explain(x)
        assert route.name == "kept"
        assert "training route (gather)" in route.reason
        fast = layer(x)
    torch.testing.assert_close(fast, layer(x).detach(), rtol=1e-4, atol=1e-4)


def test_an_orbit_layer_of_a_small_group_runs_as_a_group_convolution(ran):
    """Aut(C_20) 2 -> 2 (40 automorphisms, 4,004 orbits), batch 16: the moved inputs and the
    11 representative rows are 2.4 M entries against the gathered matrix's 10.2 M; measured
    0.34x nn.Linear in training, where gathering took 2.4x (benchmarks/bench_orbit_linear.py)."""
    layer = ed.EquivariantLinear(
        ed.AutomorphismGroup.cycle(20), 2, 2, 8, 8, basis="orbit", bias=False, dtype=torch.float64
    )
    x = torch.randn(16, 8, 20, 20, dtype=torch.float64)
    route = layer.explain(x)
    assert route.name == "convolution", str(route)
    assert "orbit indicators of a small group" in route.reason
    assert route.chosen.largest < route.candidate("gather").largest
    out = layer(x)
    assert ran == ["convolution"]
    reference = layer.to_dense_linear()(x.reshape(16, -1)).reshape(out.shape)
    torch.testing.assert_close(out, reference)
    with torch.no_grad():
        assert layer.explain(x).name == "convolution"  # (reading the kept matrix costs more)
    assert layer.explain(x[:1].expand(128, -1, -1, -1)).name == "gather"  # (the product's flops)


def test_a_registered_route_with_a_cost_joins_auto(ran):
    from equidiag.layers import register_plan_strategy, unregister_plan_strategy
    from equidiag.layers._dense import run_dense

    layer = ed.EquivariantLinear(S, 2, 2, 4, 4, bias=False, dtype=torch.float64)
    x = torch.randn(8, 4, 12, 12, dtype=torch.float64)
    expected = layer(x)
    ran.clear()
    costs = {"value": 0}
    register_plan_strategy(
        "mine", run_dense, cost=lambda plan, sizes, b, c_in, c_out: costs["value"]
    )
    try:
        route = layer.explain(x)
        assert route.name == "mine"
        assert route.candidate("mine").applies
        assert "registered route" in route.reason
        torch.testing.assert_close(layer(x), expected)
        costs["value"] = None  # it no longer applies: the rules' route again
        register_plan_strategy("mine", run_dense, cost=lambda plan, sizes, b, c_in, c_out: None)
        assert layer.explain(x).name == "fused"
        register_plan_strategy("mine", run_dense, cost=lambda *args: "cheap")
        with pytest.raises(ed.EquidiagError, match="must return a non-negative int"):
            layer.explain(x)
    finally:
        unregister_plan_strategy("mine")
    assert layer.explain(x).name == "fused"
    with pytest.raises(EquidiagValueError, match="not a registered strategy"):
        unregister_plan_strategy("mine")
    with pytest.raises(ed.EquidiagError, match="cost must be callable"):
        register_plan_strategy("other", run_dense, cost=3)


def test_the_registry_and_the_records_refuse_bad_names_arguments_and_costs():
    from equidiag.layers import register_plan_strategy, unregister_plan_strategy
    from equidiag.layers._dense import run_dense

    with pytest.raises(EquidiagValueError, match="other than the built-in"):
        register_plan_strategy("kept", run_dense, cost=lambda *a: 0)  # (the eval candidate)
    with pytest.raises(EquidiagValueError, match="not a registered strategy"):
        unregister_plan_strategy([])
    register_plan_strategy("tmp", run_dense)
    layer = ed.EquivariantLinear(S, 1, 1, 2, 2, strategy="tmp")
    unregister_plan_strategy("tmp")
    x = torch.randn(3, 2, 5)
    for call in (lambda: layer(x), lambda: layer.explain(x)):
        with pytest.raises(EquidiagValueError, match="got 'tmp' \\(a route removed"):
            call()
    register_plan_strategy("boom", run_dense, cost=lambda *a: 1 / 0)
    try:
        with pytest.raises(EquidiagValueError, match="route 'boom' raised ZeroDivisionError"):
            ed.EquivariantLinear(S, 1, 1, 2, 2).explain(x)
    finally:
        unregister_plan_strategy("boom")
    plan = ed.EquivariantLinear(S, 1, 1, 2, 2).plan
    bads = ({"n": -1}, {"n": 2.5}, {"n": {"m": 5}}, {"n": "5"}, {"batch": -4}, {"weight_sets": 0})
    for bad in bads:
        arguments = {"n": 5, "batch": 2, "weight_sets": 1, **bad}
        with pytest.raises(ed.EquidiagError):
            plan_route(
                plan,
                arguments["n"],
                arguments["batch"],
                2,
                2,
                weight_sets=arguments["weight_sets"],
            )
    with pytest.raises(ed.EquidiagError, match="plan must be a ContractionPlan"):
        plan_route(None, 5, 2, 2, 2)


def test_explain_agrees_with_the_call_at_the_edges(ran):
    from equidiag.errors import EquidiagTypeError
    from equidiag.layers import register_plan_strategy, unregister_plan_strategy
    from equidiag.layers._dense import run_dense

    previous = set_size_limit(10_000)  # the tiny rule's matrix fits, its assembly does not
    try:
        layer = ed.EquivariantLinear(S, 2, 2, 1, 1, bias=False)
        x = torch.randn(2, 1, 5, 5)
        route = layer.explain(x)
        assert route.chosen.applies
        layer(x)
        assert ran == [route.name]
    finally:
        set_size_limit(previous)
    # a masked mean layer with one weight set: registered routes are not offered there
    register_plan_strategy("mine", run_dense, cost=lambda *a: 0)
    try:
        ran.clear()
        layer = ed.EquivariantLinear(S, 1, 0, 3, 3, bias=False, normalize="mean")
        x, mask = torch.randn(4, 3, 6), torch.ones(4, 6, dtype=torch.bool)
        route = layer.explain(x, mask=mask)
        layer(x, mask=mask)
        assert ran == [route.name]
        assert route.name != "mine"
    finally:
        unregister_plan_strategy("mine")
    layer = ed.EquivariantLinear(S, 2, 2, 2, 2)
    with torch.no_grad(), pytest.raises(EquidiagTypeError, match="dtype"):
        layer.explain(torch.randn(3, 2, 4, 4, dtype=torch.float64))  # (the call's error)
    with torch.inference_mode():
        frozen_layer = ed.EquivariantLinear(S, 2, 2, 2, 2, bias=False)
        ran.clear()
        route = frozen_layer.explain(torch.randn(3, 2, 4, 4))
        frozen_layer(torch.randn(3, 2, 4, 4))
    assert ran == [route.name]
    empty = ed.EquivariantLinear(S, 2, 2, 2, 2)
    x, mask = torch.randn(3, 2, 0, 0), torch.ones(3, 0, dtype=torch.bool)
    assert dict(empty.explain(x, mask=mask).sizes) == {"n": 0}
    assert empty(x, mask=mask).shape == (3, 2, 0, 0)


def test_the_plan_holds_no_route_and_each_route_lowers_it_on_first_use():
    from equidiag import caches
    from equidiag.layers import compile_plan
    from equidiag.layers._dense import dense_matrices, orbit_table
    from equidiag.layers._factored import factored_program, sparse_program
    from equidiag.layers._fused import fused_layout
    from equidiag.layers.functional import equivariant_linear

    caches.clear_caches()  # (a fresh plan: compile_plan is cached on its elements)
    plan = compile_plan(ed.equivariant_basis(S, 2, 2))
    assert not hasattr(plan, "strategy")
    assert plan._lowerings == {}
    x = torch.randn(4, 3, 5, 5, dtype=torch.float64)
    weight = torch.randn(15, 2, 3, dtype=torch.float64)
    outputs = {"factored": equivariant_linear(x, weight, plan, strategy="factored")}
    assert set(plan._lowerings) == {factored_program}
    for strategy in ("fused", "dense", "sparse"):
        outputs[strategy] = equivariant_linear(x, weight, plan, strategy=strategy)
    assert set(plan._lowerings) == {factored_program, fused_layout, dense_matrices, sparse_program}
    outputs["auto"] = equivariant_linear(x, weight, plan)  # (prices gather: its orbit table)
    assert orbit_table in plan._lowerings
    for out in outputs.values():  # one plan, every route: one map
        torch.testing.assert_close(out, outputs["dense"])
    assert plan.route(5, 4, 3, 2) == plan_route(plan, 5, 4, 3, 2)
    assert plan.route(5, 4, 3, 2, strategy="sparse").name == "sparse"


def test_a_lowering_is_never_built_while_tracing(monkeypatch):
    from equidiag import caches
    from equidiag.layers import _plan, compile_plan
    from equidiag.layers._fused import fused_layout

    caches.clear_caches()
    plan = compile_plan(ed.equivariant_basis(S, 1, 2))
    monkeypatch.setattr(_plan, "tracing", lambda: True)
    with pytest.raises(EquidiagValueError, match=r"call plan.prepare\(\) before torch.compile"):
        plan.lowered(fused_layout)
    monkeypatch.undo()
    assert plan.prepare() is plan
    assert fused_layout in plan._lowerings
    layer = ed.EquivariantLinear(S, 1, 2, 2, 2)  # (layers prepare their plans)
    assert set(layer.plan._lowerings) == {
        spec.lower for spec in planner.ROUTES.values() if spec.lower is not None
    }


def test_the_registry_lists_the_routes_and_the_record_prices_the_sparse_one():
    assert list(planner.ROUTES)[:6] == [
        "dense",
        "gather",
        "convolution",
        "fused",
        "factored",
        "sparse",
    ]
    assert all(not spec.registered for spec in planner.ROUTES.values())
    cross = ed.EquivariantLinear(ed.SpecialOrthogonalGroup(3), 2, 1, 4, 4)  # (epsilon factors)
    route = cross.explain(torch.randn(8, 4, 3, 3))
    assert route.candidate("sparse").flops > 0
    assert "sparse" not in {
        c.name for c in ed.EquivariantLinear(S, 1, 1, 2, 2).explain(torch.randn(2, 2, 4)).candidates
    }  # (no factors: it would be the factored program)
    forced = ed.EquivariantLinear(S, 2, 2, 2, 2, strategy="sparse").explain(torch.randn(2, 2, 4, 4))
    assert (forced.name, forced.strategy) == ("sparse", "sparse")
    assert "strategy='sparse'" in str(forced).splitlines()[0]


def test_eval_keeps_the_matrix_where_it_pays_against_the_training_route():
    """S_5 3 -> 3 fused costs fewer flops than the kept product: eval stays fused (the kept
    matrix ran 1.5x slower); an Aut(C_20) orbit layer gathers its 10.2 M-entry matrix on
    every training call, so eval keeps it (past FROZEN_MAX_ENTRIES, within the size limit)."""
    s5 = ed.EquivariantLinear(ed.SymmetricGroup(5), 3, 3, 16, 16).plan
    train = plan_route(s5, 5, 16, 16, 16)
    evaluated = plan_route(s5, 5, 16, 16, 16, mode="eval")
    assert train.name == evaluated.name == "fused"
    assert evaluated.candidate("kept").flops > evaluated.chosen.flops
    cycle = ed.AutomorphismGroup(nx.cycle_graph(20))
    orbit = ed.EquivariantLinear(cycle, 2, 2, 8, 8, basis="orbit").plan
    assert plan_route(orbit, 20, 128, 8, 8).name == "gather"
    kept = plan_route(orbit, 20, 128, 8, 8, mode="eval")
    assert kept.name == "kept"
    assert kept.chosen.largest > FROZEN_MAX_ENTRIES


def test_an_orbit_basis_gathers_its_matrix_where_the_dense_product_beats_fusing():
    """Petersen 2 -> 2, 107 orbits: the matrix product beats fusing, and gathering the matrix
    (one pass) beat assembling it from 107 network matrices by 1.7-2.5x (bench_planner)."""
    orbit = ed.EquivariantLinear(
        ed.AutomorphismGroup(nx.petersen_graph()), 2, 2, 8, 8, basis="orbit"
    ).plan
    route = plan_route(orbit, 10, 16, 8, 8)
    assert route.name == "gather"
    assert route.candidate("gather").flops < route.candidate("dense").flops
    graph = ed.EquivariantLinear(ed.AutomorphismGroup.petersen(), 2, 2, 16, 16, basis="graph")
    assert plan_route(graph.plan, 10, 128, 16, 16).name == "dense"  # (its networks overlap)


def test_the_shared_route_runs_exchangeable_and_low_order_layers_and_refuses_others():
    """Plans whose networks keep, sum, broadcast or fix each set take it; others refuse it."""
    P = ed.ProductGroup(rows=ed.SymmetricGroup(), cols=ed.SymmetricGroup())
    layer = ed.EquivariantLinear(P, ("rows", "cols"), ("rows", "cols"), 4, 4)
    x = torch.randn(8, 4, 20, 30)
    assert layer.explain(x).name == "shared"
    fixed = ed.ProductGroup(rows=ed.SymmetricGroup(), t=ed.TrivialGroup(3))
    assert (
        ed.EquivariantLinear(fixed, ("rows", "t"), ("rows", "t"), 2, 2)
        .explain(torch.randn(8, 2, 400, 3))
        .name
        == "shared"
    )
    S = ed.SymmetricGroup()
    assert ed.EquivariantLinear(S, 1, 1, 8, 8).explain(torch.randn(16, 8, 1000)).name == "shared"
    for k, l in ((2, 2), (2, 1)):  # (a set twice: diagonals, not sums)
        assert not planner.shares_sums(ed.EquivariantLinear(S, k, l, 2, 2).plan)
    square = ed.EquivariantLinear(S, 2, 2, 2, 2, strategy="shared")
    with pytest.raises(ed.errors.EquidiagValueError, match="strategy='shared' needs"):
        square(torch.randn(1, 2, 5, 5))
    orbit = ed.EquivariantLinear(ed.SymmetricGroup(500), 1, 1, 2, 2, basis="orbit")
    assert planner.shares_sums(orbit.plan)  # ([i != j] = J - I: the networks are sums)
    x = torch.randn(3, 2, 500, dtype=torch.float64)
    orbit = orbit.double()
    dense = ed.EquivariantLinear(
        ed.SymmetricGroup(500), 1, 1, 2, 2, basis="orbit", strategy="dense"
    )
    dense = dense.double()
    dense.load_state_dict(orbit.state_dict())
    assert orbit.explain(x).name == "shared"
    torch.testing.assert_close(orbit(x), dense(x))


def test_the_fused_advantage_depends_on_the_thread_count():
    assert planner.advantage(2, threads=1) < planner.advantage(2, threads=2)
    assert planner.advantage(3, threads=1) < planner.advantage(3, threads=2)
    assert planner.advantage(3, threads=64) == planner.advantage(3, threads=2)  # (fitted to 2)
    assert planner.advantage(2, threads=0) == planner.advantage(2, threads=1)
    layer = ed.EquivariantLinear(S, 2, 2, 8, 8)
    # S_n 2 -> 2 at n = 24, batch 32: fused estimated 0.8x the factored program's flops, which
    # one thread runs faster (benchmarks/fit_cost_model.py), two threads slower
    one = plan_route(layer.plan, 24, 32, 8, 8, threads=1)
    two = plan_route(layer.plan, 24, 32, 8, 8, threads=2)
    assert (one.name, two.name) == ("factored", "fused")
    assert (one.threads, two.threads) == (1, 2)
    assert "1 thread)" in str(one).splitlines()[0]
    assert "2 threads)" in str(two).splitlines()[0]
    # on another device the thread count is not the CPU's: the most it was fitted at
    cuda = plan_route(layer.plan, 24, 32, 8, 8, threads=1, device="cuda")
    assert cuda.name == "fused"
    assert cuda.device == "cuda"


def test_auto_reads_the_thread_count_of_the_call(monkeypatch):
    layer = ed.EquivariantLinear(S, 2, 2, 8, 8)
    x = torch.randn(32, 8, 24, 24)
    for threads, name in ((1, "factored"), (2, "fused")):
        monkeypatch.setattr(planner, "cpu_threads", lambda threads=threads: threads)
        assert layer.explain(x).name == name
        assert planner.auto_route(layer.plan, x, {"n": 24}, 8, 8) == name


def test_the_record_prices_bytes_in_the_calls_dtype_and_names_its_device():
    layer = ed.EquivariantLinear(S, 2, 2, 4, 4)
    single = layer.explain(torch.randn(8, 4, 10, 10))
    double = layer.double().explain(torch.randn(8, 4, 10, 10, dtype=torch.float64))
    assert (single.dtype, double.dtype, single.device) == (torch.float32, torch.float64, "cpu")
    for a, b in zip(single.candidates, double.candidates):
        assert a.name == b.name
        assert a.bytes > 0
        assert b.bytes == 2 * a.bytes
        # at least the input and output once, each of 4 bytes
        assert a.bytes >= 4 * 8 * 4 * 2 * 100
    assert "float64 on cpu" in str(double).splitlines()[0]
    for bad, error in (
        ({"dtype": "float32"}, "dtype must be a torch.dtype"),
        ({"device": "gpu:x"}, "device must be a torch.device"),
        ({"threads": 0}, "threads must be a positive integer"),
    ):
        with pytest.raises(ed.EquidiagError, match=error):
            plan_route(layer.plan, 10, 8, 4, 4, **bad)


def test_eval_keeps_the_matrix_where_the_fused_routes_fixed_cost_dominates():
    """S_n 2 -> 2, n = 8, 16 channels, one thread: kept 2.5x faster than fused at batch 1,
    fused 1.7x faster at batch 16 (benchmarks/RESULTS.md)."""
    layer = ed.EquivariantLinear(S, 2, 2, 16, 16)
    one = plan_route(layer.plan, 8, 1, 16, 16, mode="eval", threads=1)
    sixteen = plan_route(layer.plan, 8, 16, 16, 16, mode="eval", threads=1)
    assert (one.name, sixteen.name) == ("kept", "fused")
    assert "fixed cost" in one.reason
