"""Griffe extension: read seqzoo's docstring conventions as Google-style sections.

seqzoo writes doctest lines flush under "Example:" (as Keras' own docs do) and
sometimes wraps a list of parameter names onto a second line. Griffe's Google
parser wants section content indented and one "name: description" per item, so
this extension adjusts the docstring text in memory, at documentation time only.
"""
from __future__ import annotations

import re

import griffe

_TITLE = re.compile(r"^(\s*)(Examples?):\s*$")
_ITEM = re.compile(r"^(\s+)[\w*]+(, [\w*]+)*,\s*$")  # "    a, b," continued on the next line.


def normalize(text: str) -> str:
    """Make "Example:" an indented examples section; join parameter-name lists wrapped over two lines."""
    lines = text.split("\n")
    out: list[str] = []
    indent_example = None
    for line in lines:
        if indent_example is not None:
            if not line.strip():
                indent_example = None
            elif not line.startswith(indent_example + " "):
                line = indent_example + "    " + line.strip() if line.startswith(indent_example) else line
        if out and _ITEM.match(out[-1]) and line.strip():
            out[-1] = out[-1].rstrip() + " " + line.strip()
            continue
        title = _TITLE.match(line)
        if title:  # Griffe reads a singular "Example:" as an admonition, not as examples.
            indent_example = title.group(1)
            line = f"{indent_example}Examples:"
        out.append(line)
    return "\n".join(out)


class SeqzooDocstrings(griffe.Extension):
    """Apply `normalize` to every docstring once the tree is built."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = normalize(obj.docstring.value)
