"""`info`: what a built-in dataset is, where it comes from, and its split sizes."""
from __future__ import annotations

import dataclasses

from seqzoo.datasets import fetch as fetching
from seqzoo.datasets.parsers import PARSERS
from seqzoo.datasets.sources import get_source
from seqzoo.datasets.splits import SPLITS
from seqzoo.errors import MissingDependencyError


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A description of one built-in dataset; `str()` gives a readable summary.

    Args:
        name: The dataset id.
        source: The pinned distribution, e.g. "names==0.3.0".
        dist_file: The distribution file and `dist_sha256` its digest.
        files: The files used, inside the distribution.
        licence: A short licence note.
        description: What the items are.
        cached: Whether the verified files are in the local cache.
        sizes: Items per split ("train", "validation", "test", "all"), or
            None when the data is not cached and was not fetched; empty for a
            resource without splits (word vectors).
        sizes_unavailable: Why `sizes` is None although the data is cached
            (an optional reader such as pyarrow is not installed), else None.
    """

    name: str
    source: str
    dist_file: str
    dist_sha256: str
    files: list[str]
    licence: str
    description: str
    cached: bool
    sizes: dict[str, int] | None
    sizes_unavailable: str | None = None

    def __str__(self) -> str:
        if self.sizes_unavailable:
            sizes = f"cached, not counted: {self.sizes_unavailable}"
        elif self.sizes is None:
            sizes = f"not fetched (run `seqzoo data fetch {self.name}`)"
        elif not self.sizes:
            sizes = "no splits (a resource, cached)"
        else:
            sizes = ", ".join(f"{k} {v:,}" for k, v in self.sizes.items())
        return "\n".join([
            f"{self.name}: {self.description}",
            f"  source:  {self.source} ({self.dist_file}, sha256 {self.dist_sha256})",
            f"  files:   {', '.join(self.files)}",
            f"  licence: {self.licence}",
            f"  sizes:   {sizes}",
        ])


def info(name: str, *, fetch: bool = False) -> DatasetInfo:
    """Describe dataset `name`, with split sizes when its data is available.

    Args:
        name: A dataset id from `list_datasets()`.
        fetch: Download the data if it is not cached (to report sizes).
            By default nothing is downloaded and sizes are None when uncached.

    Raises:
        DatasetError: Unknown name, or `fetch=True` and the download failed.

    Example:
    >>> print(info("stocks"))  # doctest: +SKIP
    stocks: Monthly prices of AAPL, AMZN, GOOG, IBM and MSFT, ...
    """
    source = get_source(name)
    files = list(source.files) + ([source.glob] if source.glob else [])
    fetched = fetching.ensure(source) if fetch else fetching.read_cached(source)
    sizes, sizes_unavailable = None, None
    if fetched is not None and name not in PARSERS:  # A resource (word vectors): no splits.
        sizes = {}
    elif fetched is not None:
        try:
            split_of = PARSERS[name](fetched.files).split_of
        except MissingDependencyError as error:  # Describing a dataset must not need its reader.
            sizes_unavailable = str(error)
        else:
            sizes = {s: split_of.count(s) for s in SPLITS}
            sizes["all"] = len(split_of)
    return DatasetInfo(name=name, source=source.requirement, dist_file=source.dist_file,
                       dist_sha256=source.dist_sha256, files=files, licence=source.licence,
                       description=source.description, cached=fetched is not None, sizes=sizes,
                       sizes_unavailable=sizes_unavailable)
