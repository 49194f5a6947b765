"""Run the equidiag command line: ``python -m equidiag --help``."""

from .cli import run

if __name__ == "__main__":
    run()
