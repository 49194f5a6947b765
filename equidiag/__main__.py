"""Run the equidiag command line: ``python -m equidiag --help``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
