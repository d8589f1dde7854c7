"""splits: boundaries, constants and messages of the fixed splits, so mutants of the module fail a test."""
import hashlib

import pytest

from seqzoo.datasets import splits
from seqzoo.errors import InputError


def test_split_names_and_choices():
    assert splits.SPLITS == ("train", "validation", "test")
    assert splits.SPLIT_CHOICES == ("train", "validation", "test", "all")
    for split in splits.SPLIT_CHOICES:
        assert splits.check_split(split) == split
    with pytest.raises(InputError, match=r"^Unknown split 'tests'; choose one of train, validation, test, all\.$"):
        splits.check_split("tests")


def test_stable_bucket_is_sha256_of_the_utf8_key_mod_100():
    for key in ("mary", "éva", "", "a fine film"):
        expected = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100
        assert splits.stable_bucket(key) == expected
    assert splits.stable_bucket("mary") == 27
    assert {splits.stable_bucket(f"k{i}") for i in range(2000)} == set(range(100))


def _key_in_bucket(bucket):
    return next(f"k{i}" for i in range(100_000) if splits.stable_bucket(f"k{i}") == bucket)


@pytest.mark.parametrize("bucket, split", [(0, "train"), (79, "train"), (80, "validation"), (89, "validation"),
                                           (90, "test"), (99, "test")])
def test_hash_split_boundaries(bucket, split):
    assert splits.hash_split(_key_in_bucket(bucket)) == split


def test_normalize_text():
    assert splits.normalize_text("  A  Fine\tFilm \n") == "a fine film"
    assert splits.normalize_text("ＡＢＣ ﬁne") == "abc fine"  # NFKC: full-width letters, ligature.
    assert splits.normalize_text("") == ""


def test_shakespeare_split():
    assert splits.SHAKESPEARE_TEST == {"hamlet_gut", "tempest_gut", "sonnets_gut"}
    assert splits.SHAKESPEARE_VALIDATION == {"twelfth_night_gut", "macbeth_gut"}
    assert [splits.shakespeare_split(w) for w in ("hamlet_gut", "macbeth_gut", "othello_gut")] == [
        "test", "validation", "train"]


def test_date_split_boundaries_are_inclusive():
    period = splits.SEATTLE_VALIDATION
    assert period == ("2014-01-01", "2014-12-31") and splits.STOCKS_VALIDATION == ("2008-01-01", "2008-12-31")
    assert [splits.date_split(d, period) for d in ("2013-12-31", "2014-01-01", "2014-12-31", "2015-01-01")] == [
        "train", "validation", "validation", "test"]
