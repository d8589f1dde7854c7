"""Checks a preset's HDF5 weights file before Keras reads it.

HDF5 can point outside the file (external storage, external links, virtual
datasets) and can declare tensors far larger than the file (compression
bombs). Keras would follow and allocate them; this module refuses first,
reading only metadata.
"""
from __future__ import annotations

import collections
import os
from pathlib import Path

from seqzoo.errors import PresetError

# Per tensor, in bytes; SEQZOO_MAX_TENSOR_BYTES overrides it.
DEFAULT_MAX_TENSOR_BYTES = 1 << 30


def max_tensor_bytes() -> int:
    """The largest tensor a preset may declare (SEQZOO_MAX_TENSOR_BYTES, default 1 GiB)."""
    value = os.environ.get("SEQZOO_MAX_TENSOR_BYTES")
    return int(value) if value else DEFAULT_MAX_TENSOR_BYTES


def check_weights_file(path: str | Path, expected: dict[str, tuple[int, ...]]) -> None:
    """Raise `PresetError` unless `path` holds exactly the tensors `expected` describes.

    Args:
        path: A `model.weights.h5` file.
        expected: Variable path -> shape, for every variable of the model.
    """
    import h5py
    import numpy as np

    path = Path(path)
    limit = max_tensor_bytes()
    found: dict[str, tuple[int, ...]] = {}
    try:
        with h5py.File(path, "r") as f:
            pending = [("", f)]
            while pending:
                prefix, group = pending.pop()
                for name in group:
                    full = f"{prefix}{name}"
                    link = group.get(name, getlink=True)
                    if not isinstance(link, h5py.HardLink):
                        raise PresetError(
                            f"{path}: {full!r} is a {type(link).__name__}; "
                            "links out of the weights tree are refused."
                        )
                    item = group[name]
                    if isinstance(item, h5py.Group):
                        pending.append((full + "/", item))
                        continue
                    if not isinstance(item, h5py.Dataset):
                        raise PresetError(f"{path}: {full!r} is not a dataset or a group.")
                    if item.external or item.is_virtual:
                        raise PresetError(
                            f"{path}: {full!r} stores its data outside the file; refused."
                        )
                    if item.dtype.kind not in "fiub" or item.dtype.itemsize > 8:
                        raise PresetError(f"{path}: {full!r} has the unsupported dtype {item.dtype}.")
                    size = int(np.prod(item.shape, dtype=np.float64)) * item.dtype.itemsize
                    if size > limit:
                        raise PresetError(
                            f"{path}: {full!r} declares {size:,} bytes, over the limit of {limit:,} "
                            "(SEQZOO_MAX_TENSOR_BYTES); the file is corrupt or hostile."
                        )
                    found[full] = tuple(int(d) for d in item.shape)
    except PresetError:
        raise
    except Exception as error:  # h5py raises OSError, KeyError, ValueError, RuntimeError ...
        raise PresetError(f"{path} is not a readable weights file: {error}") from None
    _check_shapes(path, expected, found)


def _check_shapes(path: Path, expected: dict, found: dict) -> None:
    # Keras names datasets by object-tree position, not by variable path, so
    # compare the shapes as multisets: enough to refuse huge declared tensors
    # and to explain a config that no longer fits the weights.
    want = collections.Counter(tuple(s) for s in expected.values())
    have = collections.Counter(found.values())
    if want == have:
        return
    missing, extra = want - have, have - want
    lines = [f"{path} does not fit the model in config.json:"]
    for name, shape in expected.items():
        if missing[tuple(shape)] > 0:
            lines.append(f"  model variable {name} expects shape {tuple(shape)}, not in the file")
    for name, shape in found.items():
        if extra[shape] > 0:
            lines.append(f"  file tensor {name} has shape {shape}, which no variable expects")
    lines.append("Was config.json edited? Re-save the preset from the model that owns these weights.")
    raise PresetError("\n".join(lines))
