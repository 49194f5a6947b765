import subprocess
import sys

import pytest

import equidiag
from equidiag.cli import EXIT_CLOSED_PIPE, EXIT_OUTPUT_ERROR, main


@pytest.fixture
def plt():
    """Pyplot on the Agg backend; every test using it must leave no figure open."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    yield pyplot
    assert not pyplot.get_fignums()


def test_info_prints_dimension_and_basis(capsys):
    assert main(["info", "S3", "1", "1", "--kind", "orbit"]) == 0
    out = capsys.readouterr().out
    assert "dimension: 2" in out
    assert 'OrbitBasisElement(PartitionDiagram("1|1\'"))' in out


def test_info_prints_the_formula_of_the_span(capsys):
    assert main(["info", "S4", "1", "1", "--formula"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "formula: y_i = w_1 x_i + w_2 Σ_p x_p"  # (the identity, then all-sums)


def test_info_spanning_set_at_explicit_n(capsys):
    assert main(["info", "S", "2", "1", "--n", "2", "--spanning"]) == 0
    out = capsys.readouterr().out
    assert "dimension: 4" in out
    assert "size=5" in out


def test_bad_group_is_a_clean_error(capsys):
    assert main(["info", "Q7", "1", "1"]) == 2
    assert "unknown group 'Q7'" in capsys.readouterr().err


def test_module_entry_point_runs_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "equidiag", "demo"], capture_output=True, text=True, check=True
    )
    assert "S3 3->3" in result.stdout
    assert "All 18 bases checked" in result.stdout
    assert "FAILED" not in result.stdout


def test_the_demo_fails_when_a_check_fails(monkeypatch, capsys):
    import equidiag.cli

    monkeypatch.setattr(equidiag.cli, "DEMO_TOLERANCE", -1.0)  # (no error is below it)
    assert main(["demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("FAILED") == 18
    assert "18 of 18 bases FAILED" in captured.err


def test_groups_that_need_n_get_it_from_the_option(capsys):
    assert main(["info", "SO", "2", "1", "--n", "3"]) == 0
    assert "BrauerGroodDiagram(\"[1,1',2']\")" in capsys.readouterr().out
    assert main(["info", "Sp", "2", "2"]) == 2
    assert "Sp needs its degree: write e.g. Sp4, or pass --n 4" in capsys.readouterr().err
    assert main(["info", "S3", "1", "1", "--n", "4"]) == 2
    assert "n=4 contradicts the group S3" in capsys.readouterr().err


# ------------------------------------------------------------------ polish: version, help, pipes
def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "equidiag", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"equidiag {equidiag.__version__}\n"


def test_help_is_plain_text_with_examples(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "``" not in out
    assert ":class:" not in out
    assert "equidiag draw O3 2 2 -o basis.png" in out
    assert main(["draw", "--help"]) == 0
    assert "--max-panels" in capsys.readouterr().out


def test_a_closed_pipe_ends_quietly_with_its_own_status():
    # enough output (about 270 kB) that the writer is still writing when head exits
    result = subprocess.run(
        [
            "bash",
            "-o",
            "pipefail",
            "-c",
            f"{sys.executable} -m equidiag info S7 3 4 --latex | head -3",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == EXIT_CLOSED_PIPE == 141  # (the writer's: a shell's SIGPIPE status)
    assert result.stdout.splitlines() == [
        "S7: Hom from order 3 to order 4",
        "dimension: 877",
        "EquivariantBasis(S7, 3→4, diagram, dim=877)",
    ]
    assert result.stderr == ""


# ------------------------------------------------------------------ draw
def test_draw_writes_each_format(tmp_path, capsys, plt):
    for name in ["basis.png", "basis.svg", "basis.PDF"]:
        path = tmp_path / name
        assert main(["draw", "SO3", "2", "1", "--spanning", "-o", str(path)]) == 0
        assert capsys.readouterr().out == f"wrote {path}\n"
        assert path.stat().st_size > 0
    assert (tmp_path / "basis.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "basis.svg").read_text()
    assert (tmp_path / "basis.PDF").read_bytes()[:4] == b"%PDF"


def test_draw_options(tmp_path, plt):
    path = tmp_path / "orbit.png"
    args = ["draw", "S", "2", "2", "--n", "3", "--kind", "orbit", "--columns", "2", "-o"]
    assert main([*args, str(path)]) == 0
    assert path.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["info", "Q7", "1", "1"], "unknown group 'Q7'"),
        (["info", "Aut", "1", "1"], "Aut needs a graph: write Aut:petersen"),
        (["info", "cycle:2", "1", "1"], "a cycle needs n >= 3 vertices, got n=2"),
        (["info", "Aut:no/such.txt", "1", "1"], "no edge-list file 'no/such.txt': no such file"),
        (["info", "nosuch.edges", "1", "1"], "no edge-list file 'nosuch.edges'"),
        (["info", "Aut:dodecahedron", "1", "1"], "unknown graph 'dodecahedron'"),
        (["info", "petersen", "1", "1", "--n", "5"], "n=5 contradicts"),
        (["info", "S3", "-1", "1"], "argument in_order: '-1' is not a non-negative integer"),
        (["info", "S3", "1", "1.5"], "argument out_order: '1.5' is not a non-negative integer"),
        (["info", "S", "1", "1", "--n", "0"], "argument --n: '0' is not a positive integer"),
        (["info", "S3", "1", "1", "--kind", "graph"], "kind must be one of 'diagram', 'orbit'"),
        (["info", "S", "1", "1"], "S leaves n unspecified"),
        (["info", "S3", "1"], "the following arguments are required: out_order"),
        (["info", "S3", "1", "1", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["demo", "--kind", "foo"], "argument --kind: invalid choice: 'foo'"),
        ([], "the following arguments are required"),
        (["draw", "S3", "1", "1"], "the following arguments are required: -o/--output"),
        (["draw", "S3", "1", "1", "-o", "x.jpg"], "suffix .jpg; use one of .png, .svg, .pdf"),
        (["draw", "S3", "1", "1", "-o", "basis"], "suffix (none); use one of"),
        (["draw", "S3", "1", "1", "--columns", "0", "-o", "x.png"], "argument --columns"),
        (["draw", "S3", "1", "1", "--max-panels", "x", "-o", "x.png"], "argument --max-panels"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_every_bad_argument_is_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("equidiag: error: ")
    assert captured.err.count("\n") == 1
    assert message in captured.err


def test_too_many_panels_says_how_to_draw_them(capsys, tmp_path):
    path = tmp_path / "x.png"
    assert main(["draw", "S5", "2", "3", "--spanning", "--max-panels", "20", "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert "has 52 elements, more than --max-panels 20; pass --max-panels 52" in err
    assert not path.exists()


def test_unwritable_output_is_a_clean_error(tmp_path, capsys, plt):
    path = tmp_path / "missing" / "basis.png"
    assert main(["draw", "S3", "1", "1", "-o", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"equidiag: error: cannot write --output '{path}': No such file or directory\n"


def test_draw_without_matplotlib_is_a_clean_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert main(["draw", "S3", "1", "1", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("equidiag: error: drawing needs matplotlib")
    assert err.count("\n") == 1


def test_kind_with_spanning_is_a_one_line_error(capsys):
    assert main(["info", "S3", "1", "1", "--kind", "orbit", "--spanning"]) == 2
    assert "a spanning set (--spanning) has no kind" in capsys.readouterr().err


def test_a_full_disk_is_a_one_line_error():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "equidiag", "info", "S2", "1", "1"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == EXIT_OUTPUT_ERROR == 74
    assert result.stderr.startswith("equidiag: error: cannot write the output")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("a b 3.0\nb c 1.0\n", "weights are not supported"),
        ("a b {'weight': 3}\n", "found weight 3 on the edge 'a'-'b'"),
        ("", "at least one vertex"),
        ("a a\n", "self-loop"),
        ("# a comment\na b\nc\n", "line 3, 'c', is not an edge"),  # (networkx skipped it)
    ],
)
def test_a_refused_edge_list_says_why(lines, message, tmp_path, capsys):
    path = tmp_path / "edges.txt"
    path.write_text(lines)
    assert main(["info", str(path), "1", "1"]) == 2
    assert message in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Issue 25, item 5: named graphs are built only up to a stated size, and every echo of what the
# user typed is bounded (with an ellipsis where it was cut).


def test_a_huge_named_graph_is_a_one_line_error(capsys):
    assert main(["info", "cycle:1000000000", "1", "1"]) == 2  # (a MemoryError traceback)
    err = capsys.readouterr().err
    assert err.startswith("equidiag: error: the graph cycle:1000000000 would have ")
    assert "1,000,000,000 vertices and 1,000,000,000 edges, over the 262,144" in err
    assert "set_size_limit raises it" in err  # (the knob that lifts it)
    assert err.count("\n") == 1


@pytest.mark.parametrize("graph", ["hypercube:30", "torus:100000x100000", "complete:1000000"])
def test_named_graphs_past_the_bound_are_refused_in_a_second(graph):
    """These ran for minutes (or out of memory) building the graph: a fresh, capped process."""
    import resource

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))

    result = subprocess.run(
        [sys.executable, "-m", "equidiag", "info", graph, "1", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=cap_memory,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"equidiag: error: the graph {graph} would have ")
    assert "set_size_limit raises it" in result.stderr  # (the knob that lifts it)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["info", "cycle:" + "9" * 5000, "1", "1"], "the graph cycle:99999999"),
        (["info", "x" * 5000, "1", "1"], "unknown group 'xxxxxxxx"),
        (["info", "S3", "9" * 5000, "1"], "is too large: give a non-negative integer of at most"),
        (["info", "S3", "1", "1", "--n", "9" * 5000], "is too large: give a positive integer"),
        (["info", "S3", "1", "1", "--kind", "k" * 5000], "kind must be one of"),
        (["demo", "--kind", "k" * 5000], "invalid choice: 'kkkkkkkk"),
        (["draw", "S3", "1", "1", "-o", "x" * 5000], "cannot tell the picture format"),
    ],
    ids=["graph-name", "group-name", "in-order", "degree", "kind", "demo-kind", "output"],
)
def test_echoed_arguments_are_shortened_with_an_ellipsis(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "…" in err
    assert len(err) < 600
    assert err.count("\n") == 1


def test_huge_orders_are_refused_naming_the_bound(capsys):
    assert main(["info", "S3", "1000000000", "1"]) == 2
    err = capsys.readouterr().err
    assert "in_order + out_order = 1,000,000,000 + 1 is over 1024" in err


def test_a_directory_is_not_a_missing_edge_list(tmp_path, capsys):
    assert main(["info", str(tmp_path), "1", "1"]) == 2
    err = capsys.readouterr().err
    assert f"cannot read the edge list '{tmp_path}': it is a directory" in err
    assert "no such file" not in err


def test_an_edge_list_past_the_bound_is_refused_before_networkx_reads_it(
    tmp_path, capsys, monkeypatch
):
    import equidiag.algebra.graphs._validation as graphs

    monkeypatch.setattr(graphs, "MAX_NAMED_GRAPH_SIZE", 3)
    path = tmp_path / "edges.txt"
    path.write_text("# four edges\na b\nb c\nc d\n\nd a\n")
    assert main(["info", str(path), "1", "1"]) == 2
    err = capsys.readouterr().err
    assert "would have more than 3 edges" in err
    assert "set_size_limit raises it" in err  # (the knob that lifts it)
    path.write_text("a b\nb c\nc a\n")  # three edges: read
    assert main(["info", str(path), "1", "1"]) == 0
