"""The `seqzoo explain NAME TEXT --out report.html` command.

The main CLI calls `add_explain_command(subparsers)`; TensorFlow loads only
when the command runs.
"""
from __future__ import annotations

import argparse


def add_explain_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `explain` to a CLI.

    Args:
        subparsers: The object `parser.add_subparsers()` returned.

    Returns:
        The `explain` parser.

    Example:
    >>> parser = argparse.ArgumentParser(prog="seqzoo")
    >>> _ = add_explain_command(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["explain", "names-lstm", "Maria", "--out", "r.html"]).out
    'r.html'
    """
    explain = subparsers.add_parser(
        "explain", help="write an HTML page on how a model reads a text (gradients, units)",
        description="Write one self-contained HTML page: the norm of the loss gradient at each step of the "
                    "text (does it vanish going back in time?) and, for char LMs, heatmaps of the units that "
                    "follow quotes, brackets, the position in the line and other features of the text.")
    explain.add_argument("name", help="a zoo model or a preset directory (char_lm or text_classification)")
    explain.add_argument("text", help="the text to read")
    explain.add_argument("--out", required=True, help="the HTML file to write")
    explain.add_argument("--top", type=int, default=4, help="how many units to show (char LMs)")
    explain.set_defaults(func=run_explain)
    return explain


def run_explain(args: argparse.Namespace) -> int:
    """Load the model, write the report, print where it is."""
    import seqzoo
    from seqzoo.diagnostics.report import write_report

    path = write_report(seqzoo.load(args.name), args.text, args.out, top=args.top)
    print(f"wrote {path}")
    return 0
