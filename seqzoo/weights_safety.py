"""Checks a preset's HDF5 weights file before Keras reads it.

HDF5 can point outside the file (external storage, external links, virtual
datasets) and can declare tensors far larger than the file (compression
bombs). Keras would follow and allocate them; this module refuses first,
reading only metadata.
"""
from __future__ import annotations

import collections
from pathlib import Path

from seqzoo.errors import PresetError
from seqzoo.validation import env_int

# Per tensor, in bytes; SEQZOO_MAX_TENSOR_BYTES overrides it.
DEFAULT_MAX_TENSOR_BYTES = 1 << 30
# Groups and datasets walked in one file (seqzoo's presets hold under 100); SEQZOO_MAX_WEIGHT_OBJECTS.
DEFAULT_MAX_OBJECTS = 10_000
MAX_DEPTH = 32  # Keras nests a model's weights about 6 groups deep.
NAMES_SHOWN = 5  # A mismatch error names this many tensors, then counts the rest.


def max_tensor_bytes() -> int:
    """The largest tensor a preset may declare (SEQZOO_MAX_TENSOR_BYTES, default 1 GiB)."""
    return env_int("SEQZOO_MAX_TENSOR_BYTES", DEFAULT_MAX_TENSOR_BYTES, minimum=1)


def max_objects() -> int:
    """The most groups and datasets walked in a weights file (SEQZOO_MAX_WEIGHT_OBJECTS, default 10,000)."""
    return env_int("SEQZOO_MAX_WEIGHT_OBJECTS", DEFAULT_MAX_OBJECTS, minimum=1)


def check_weights_file(path: str | Path, expected: dict[str, tuple[int, ...]]) -> None:
    """Raise `PresetError` unless `path` holds exactly the tensors `expected` describes.

    The walk remembers every object it has visited (a hard-link loop or a
    shared object is refused) and stops at `MAX_DEPTH` levels and
    `max_objects()` objects, so a hostile file fails fast.

    Args:
        path: A `model.weights.h5` file.
        expected: Variable path -> shape, for every variable of the model.

    Example:
    >>> check_weights_file("preset/model.weights.h5", {v.path: tuple(v.shape) for v in model.weights})
    """
    import h5py
    import numpy as np

    path = Path(path)
    limit, most = max_tensor_bytes(), max_objects()
    found: dict[str, tuple[int, ...]] = {}
    try:
        with h5py.File(path, "r") as f:
            visited = {f.id}
            pending = [("", f, 0)]
            while pending:
                prefix, group, depth = pending.pop()
                if depth > MAX_DEPTH:
                    raise PresetError(f"{path}: groups nest deeper than {MAX_DEPTH} levels at "
                                      f"{prefix[:200]!r}; the file is corrupt or hostile.")
                for name in group:
                    full = f"{prefix}{name}"
                    link = group.get(name, getlink=True)
                    if not isinstance(link, h5py.HardLink):
                        raise PresetError(
                            f"{path}: {full[:200]!r} is a {type(link).__name__}; "
                            "links out of the weights tree are refused."
                        )
                    item = group[name]
                    if item.id in visited:
                        raise PresetError(f"{path}: {full[:200]!r} links back to an object already seen "
                                          "(a hard-link loop or a shared object); refused.")
                    visited.add(item.id)
                    if len(visited) > most:
                        raise PresetError(f"{path} holds more than {most:,} groups and datasets "
                                          "(SEQZOO_MAX_WEIGHT_OBJECTS); the file is corrupt or hostile.")
                    if isinstance(item, h5py.Group):
                        pending.append((full + "/", item, depth + 1))
                        continue
                    if not isinstance(item, h5py.Dataset):
                        raise PresetError(f"{path}: {full[:200]!r} is not a dataset or a group.")
                    if item.external or item.is_virtual:
                        raise PresetError(
                            f"{path}: {full[:200]!r} stores its data outside the file; refused."
                        )
                    if item.dtype.kind not in "fiub" or item.dtype.itemsize > 8:
                        raise PresetError(f"{path}: {full[:200]!r} has the unsupported dtype {item.dtype}.")
                    size = int(np.prod(item.shape, dtype=np.float64)) * item.dtype.itemsize
                    if size > limit:
                        raise PresetError(
                            f"{path}: {full[:200]!r} declares {size:,} bytes, over the limit of {limit:,} "
                            "(SEQZOO_MAX_TENSOR_BYTES); the file is corrupt or hostile."
                        )
                    found[full] = tuple(int(d) for d in item.shape)
    except PresetError:
        raise
    except Exception as error:  # h5py raises OSError, KeyError, ValueError, RuntimeError ...
        raise PresetError(f"{path} is not a readable weights file: {str(error)[:300]}") from None
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
    absent = [(n, tuple(s)) for n, s in expected.items() if missing[tuple(s)] > 0]
    unexpected = [(n, s) for n, s in found.items() if extra[s] > 0]
    for name, shape in absent[:NAMES_SHOWN]:
        lines.append(f"  model variable {name[:200]} expects shape {shape}, not in the file")
    if len(absent) > NAMES_SHOWN:
        lines.append(f"  ... and {len(absent) - NAMES_SHOWN:,} more model variables not in the file")
    for name, shape in unexpected[:NAMES_SHOWN]:
        lines.append(f"  file tensor {name[:200]} has shape {str(shape)[:100]}, which no variable expects")
    if len(unexpected) > NAMES_SHOWN:
        lines.append(f"  ... and {len(unexpected) - NAMES_SHOWN:,} more file tensors no variable expects")
    lines.append("Was config.json edited? Re-save the preset from the model that owns these weights.")
    raise PresetError("\n".join(lines))
