"""`seqzoo export NAME_OR_DIR --format saved_model|tflite --out PATH`.

The main CLI calls `add_export_command(subparsers)` and then `args.func(args)`,
which returns the exit code; failures raise `SeqzooError`.
"""
from __future__ import annotations

import argparse

from seqzoo.export import FORMATS
from seqzoo.export.errors import UnknownFormatError
from seqzoo.validation import int_flag


def add_export_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `export` to a CLI.

    Args:
        subparsers: The object `parser.add_subparsers()` returned.

    Returns:
        The `export` parser.

    Example:
    >>> parser = argparse.ArgumentParser(prog="seqzoo")
    >>> _ = add_export_command(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["export", "names-lstm", "--out", "serving/names-lstm"]).format
    'saved_model'
    """
    export = subparsers.add_parser(
        "export", help="export a model for serving: SavedModel (TF Serving) or TFLite",
        description="Write a versioned SavedModel (OUT/VERSION/, for TensorFlow Serving) whose "
                    "signatures take raw strings or values, or a TFLite file of the model's numeric core.")
    export.add_argument("name", metavar="NAME_OR_DIR", help="a zoo name or a preset directory")
    export.add_argument("--format", default="saved_model", help="saved_model (default) or tflite")
    export.add_argument("--out", required=True,
                        help="saved_model: the model's base directory; tflite: the .tflite file")
    export.add_argument("--version", type=int_flag(minimum=1), default=1, help="saved_model version subdirectory (default 1)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing version or file")
    export.add_argument("--top-k", type=int_flag(minimum=1), default=5, help="answers of a char LM's predict_next signature")
    export.set_defaults(func=run_export)
    return export


def run_export(args: argparse.Namespace) -> int:
    """Export `args.name` as `args.format` to `args.out`; print where it went."""
    if args.format not in FORMATS:
        raise UnknownFormatError(f"Unknown export format {args.format!r}; choose one of {list(FORMATS)}.")
    import seqzoo

    model = seqzoo.load(args.name)
    if args.format == "saved_model":
        from seqzoo.export.saved_model import export_saved_model

        path = export_saved_model(model, args.out, version=args.version, overwrite=args.overwrite,
                                  top_k=args.top_k)
    else:
        from seqzoo.export.tflite import export_tflite

        path = export_tflite(model, args.out, overwrite=args.overwrite)
    print(f"exported {args.name} ({args.format}) to {path}")
    return 0
