"""Turn ``arXiv:NNNN.NNNNN`` in docstrings and tutorial text into links to the abstract.

The guide pages write ``:arxiv:`NNNN.NNNNN``` (an ``extlinks`` role) themselves; docstrings and
the example scripts keep the plain form, which reads well in a terminal and in ``help()``.
"""

from __future__ import annotations

import re

PLAIN = re.compile(r"(?<![`/\w])arXiv:(\d{4}\.\d{4,5})(v\d+)?")
#: inline literals and roles, left as they are
LITERAL = re.compile(r"(``.+?``|`[^`]+`)")


def _link(text: str) -> str:
    """Link the plain ids of a line of prose, outside its inline literals; code is left alone."""
    if text.lstrip().startswith((">>>", "...")):
        return text
    pieces = LITERAL.split(text)  # odd pieces are literals
    return "".join(
        piece if i % 2 else PLAIN.sub(lambda m: f":arxiv:`{m.group(1)}{m.group(2) or ''}`", piece)
        for i, piece in enumerate(pieces)
    )


def _docstring(app, what, name, obj, options, lines) -> None:
    lines[:] = [_link(line) for line in lines]


def _gallery_page(app, docname, source) -> None:
    """Link the prose of a generated tutorial page (unindented lines; code is indented)."""
    if docname.startswith("auto_examples/"):
        source[0] = "\n".join(
            line if line[:1].isspace() else _link(line) for line in source[0].split("\n")
        )


def setup(app):
    app.connect("autodoc-process-docstring", _docstring)
    app.connect("source-read", _gallery_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
