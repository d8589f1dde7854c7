"""The `seqzoo explain` command: an HTML report on how a model reads a text, or attributions.

- `seqzoo explain NAME TEXT --out report.html`: gradient norms and units (see `write_report`);
- `seqzoo explain NAME TEXT --attributions [--out page.html]`: each word's or character's
  contribution to the prediction, as a table, or as a page with `--out`;
- `seqzoo explain FORECASTER --data history.csv --attributions`: each input day's and column's
  contribution to the next forecast, for every target.

The main CLI calls `add_explain_command(subparsers)`; TensorFlow loads only
when the command runs.
"""
from __future__ import annotations

import argparse

from seqzoo.errors import InputError


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
    from seqzoo.validation import int_flag

    explain = subparsers.add_parser(
        "explain", help="why a model said what it said: attributions, gradients over time, units",
        description="Without --attributions: write one self-contained HTML page with the norm of the loss "
                    "gradient at each step of the text and, for char LMs, heatmaps of the units that follow "
                    "quotes, brackets and other features. With --attributions: how much each word, character "
                    "or input day contributed to the prediction (integrated gradients), printed as a table, "
                    "or drawn on an HTML page with --out.")
    explain.add_argument("name", help="a zoo model or a preset directory")
    explain.add_argument("text", nargs="?", help="the text to read (text models)")
    explain.add_argument("--out", help="the HTML file to write (required without --attributions)")
    explain.add_argument("--top", type=int_flag(minimum=1), default=None,
                         help="how many units (report, default 4) or contributions (table, default 10) to show")
    explain.add_argument("--attributions", action="store_true",
                         help="score each word, character or input day's contribution to the prediction")
    explain.add_argument("--data", help="forecasters: a CSV of dated rows; the window after its end is explained")
    explain.add_argument("--target", help="what to explain: a label, a next character or a forecast target "
                                          "(default: the prediction; every target for forecasters)")
    explain.add_argument("--method", choices=["integrated_gradients", "occlusion"], default="integrated_gradients",
                         help="integrated gradients (default) or occlusion (no gradients; a check)")
    explain.add_argument("--steps", type=int_flag(minimum=1, maximum=512), default=32,
                         help="integration steps to start with (doubled until the scores add up within 5%%)")
    explain.set_defaults(func=run_explain)
    return explain


def run_explain(args: argparse.Namespace) -> int:
    """Load the model; write the report, or the attributions' page or table."""
    import seqzoo

    if not args.attributions:
        if args.text is None or args.out is None:
            raise InputError("explain needs a TEXT and --out FILE.html (or --attributions for a table of "
                             "each word's contribution).")
        from seqzoo.diagnostics.report import write_report

        path = write_report(seqzoo.load(args.name), args.text, args.out, top=args.top or 4)
        print(f"wrote {path}")
        return 0
    results = explain_results(seqzoo.load(args.name), args)
    if args.out:
        from seqzoo.diagnostics.attribution_html import render_attributions

        print(f"wrote {render_attributions(results, args.out, title=f'Why did {args.name} say that?')}")
    else:
        print("\n\n".join(contribution_table(r, top=args.top or 10) for r in results))
    return 0


def explain_results(model, args: argparse.Namespace) -> list:
    """The attributions the command's arguments ask for (one per forecast target without --target)."""
    from seqzoo.diagnostics.attribution import attributions

    options = {"method": args.method, "steps": args.steps}
    if model.task_name == "forecasting":
        if args.data is None or args.text is not None:
            raise InputError(f"{args.name} is a forecaster: pass its history as --data FILE.csv (dated rows of "
                             f"{', '.join(model.feature_names)}), not a text.")
        history = model.read_csv(args.data)
        targets = [args.target] if args.target else model.target_names
        return [attributions(model, history, target=t, **options) for t in targets]
    if args.text is None or args.data is not None:
        raise InputError(f"{args.name} reads text: pass the text to explain (and no --data).")
    return [attributions(model, args.text, target=args.target, **options)]


def contribution_table(result, *, top: int = 10) -> str:
    """A plain-text table of a result's largest contributions, with the numbers they explain.

    Example:
    >>> print(contribution_table(attributions(seqzoo.load("sentiment-lstm"), "a great film"), top=2))
    positive: probability 0.922 (baseline 0.370); scores sum to logit change +2.456 (residual +0.01%)
    rank  token   score
    ...
    """
    residual = f"residual {result.completeness_residual:+.2%}"
    if hasattr(result, "tokens"):
        head = (f"{result.target}: probability {result.probability:.3f} (baseline {result.baseline_probability:.3f});"
                f" scores sum to logit change {result.logit - result.baseline_logit:+.3f} ({residual})")
        positions = result.top_positions(top)
        rows = [(str(rank + 1), result.words[i], f"{result.scores[i]:+.4f}") for rank, i in enumerate(positions)]
        header = ("rank", "token", "score")
        if result.ngram_scores is not None:  # A classifier with an n-gram model beside it: that model's part.
            rows = [(*row, f"{result.ngram_scores[i]:+.4f}") for row, i in zip(rows, positions)]
            header = (*header, "of which n-grams")
    else:
        head = (f"{result.target}: forecast {result.forecast:.3f} (baseline window {result.baseline_forecast:.3f});"
                f" scores in {result.target}'s units ({residual})")
        value = {(d, f): result.window[i, j] for i, d in enumerate(result.days) for j, f in enumerate(result.features)}
        rows = [(str(i + 1), day, feature, f"{value[day, feature]:.3f}", f"{score:+.4f}")
                for i, (day, feature, score) in enumerate(result.top(top))]
        header = ("rank", "day", "feature", "value", "score")
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    return "\n".join([head, *lines])
