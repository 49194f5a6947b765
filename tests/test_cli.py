import subprocess
import sys

from equidiag.cli import main


def test_info_prints_dimension_and_basis(capsys):
    assert main(["info", "S3", "1", "1", "--kind", "orbit"]) == 0
    out = capsys.readouterr().out
    assert "dimension: 2" in out
    assert 'OrbitBasisElement(PartitionDiagram("1|1\'"))' in out


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


def test_groups_that_need_n_get_it_from_the_option(capsys):
    assert main(["info", "SO", "2", "1", "--n", "3"]) == 0
    assert "BrauerGroodDiagram(\"[1,1',2']\")" in capsys.readouterr().out
    assert main(["info", "Sp", "2", "2"]) == 2
    assert "Sp needs its degree: write e.g. Sp4, or pass --n 4" in capsys.readouterr().err
    assert main(["info", "S3", "1", "1", "--n", "4"]) == 2
    assert "n=4 contradicts the group S3" in capsys.readouterr().err
