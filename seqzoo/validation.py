"""One shared place that checks public arguments and `SEQZOO_*` variables.

Every public call checks its options through these helpers, so a wrong type
or value always ends in an `InputError` whose message names the argument, the
value it got and what is allowed. Booleans are never accepted as numbers.

Example:
>>> check_int("k", 5, minimum=1)
5
>>> check_float("temperature", 0.8, minimum=0.0)
0.8
"""
from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from seqzoo.errors import InputError


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(name: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None, allow_none: bool = False) -> int | None:
    """Return `value` as an int, or raise `InputError` naming `name`.

    Args:
        name: The argument's name, as the user wrote it (e.g. "max_length").
        value: The value given. Python and numpy integers are accepted; bools,
            floats and strings are not.
        minimum: Smallest allowed value (inclusive), or None.
        maximum: Largest allowed value (inclusive), or None.
        allow_none: Whether None is allowed (then None is returned).

    Example:
    >>> check_int("n", 3, minimum=1, maximum=10)
    3
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} must be an integer{_range(minimum, maximum)}; "
                         f"got {_shown(value)} ({type(value).__name__}).")
    value = int(value)
    _check_range(name, value, minimum, maximum)
    return value


def check_float(name: str, value: Any, *, minimum: float | None = None,
                maximum: float | None = None, exclusive_minimum: bool = False,
                allow_none: bool = False) -> float | None:
    """Return `value` as a finite float, or raise `InputError` naming `name`.

    Args:
        name: The argument's name.
        value: An int or float (Python or numpy); not a bool or string.
        minimum: Smallest allowed value, or None.
        maximum: Largest allowed value (inclusive), or None.
        exclusive_minimum: Whether `minimum` itself is refused.
        allow_none: Whether None is allowed (then None is returned).

    Example:
    >>> check_float("top_p", 0.9, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    0.9
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a number{_range(minimum, maximum)}; "
                         f"got {_shown(value)} ({type(value).__name__}).")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number{_range(minimum, maximum)}; "
                         f"got {value!r}.")
    if minimum is not None and exclusive_minimum and value <= minimum:
        raise InputError(f"{name} must be greater than {minimum}; got {value!r}.")
    _check_range(name, value, minimum, maximum)
    return value


def check_str(name: str, value: Any, *, allow_empty: bool = True,
              max_length: int | None = None, allow_none: bool = False) -> str | None:
    """Return `value` if it is a `str`, or raise `InputError` naming `name`.

    Args:
        name: The argument's name.
        value: The value given.
        allow_empty: Whether "" is allowed.
        max_length: Largest allowed length in characters, or None.
        allow_none: Whether None is allowed.

    Example:
    >>> check_str("prompt", "To be")
    'To be'
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string; got {_shown(value)} "
                         f"({type(value).__name__}).")
    if not allow_empty and not value:
        raise InputError(f"{name} must not be empty.")
    if max_length is not None and len(value) > max_length:
        raise InputError(f"{name} has {len(value):,} characters; at most {max_length:,} "
                         "are allowed.")
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return `value` if it is one of `choices`, or raise `InputError`.

    Args:
        name: The argument's name.
        value: The value given.
        choices: The allowed values.

    Example:
    >>> check_choice("method", "occlusion", ["integrated_gradients", "occlusion"])
    'occlusion'
    """
    choices = list(choices)
    try:
        allowed = bool(value in choices)
    except (TypeError, ValueError):  # Unhashable, or an array whose truth is ambiguous.
        allowed = False
    if not allowed or isinstance(value, bool) and not any(c is value for c in choices):
        raise InputError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; "
                         f"got {_shown(value)}.")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return `value` if it is a bool, or raise `InputError`.

    Example:
    >>> check_bool("overwrite", True)
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False; got {_shown(value)}.")
    return bool(value)


def check_probabilities(name: str, value: Any) -> np.ndarray:
    """Return `value` as a float64 [texts, classes] array of probabilities, or raise `InputError`.

    Every row must hold finite numbers in [0, 1] that sum to 1 (within 1e-3),
    and there must be at least one row and two classes.

    Example:
    >>> check_probabilities("probabilities", [[0.9, 0.1], [0.3, 0.7]]).shape
    (2, 2)
    """
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a [texts, classes] array of numbers; got {_shown(value)}.") from None
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 2:
        raise InputError(f"{name} must be a [texts, classes] array with at least one text and two "
                         f"classes; got shape {array.shape}.")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise InputError(f"{name} must hold finite probabilities in [0, 1]; got values from "
                         f"{np.nanmin(array)!r} to {np.nanmax(array)!r}.")
    sums = array.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1)))
    if abs(sums[worst] - 1) > 1e-3:
        raise InputError(f"{name}: row {worst} sums to {sums[worst]:.4f}, not 1; pass probabilities "
                         "(a softmax), not logits or scores.")
    return array


def check_scores(name: str, value: Any) -> np.ndarray:
    """Return `value` as a float64 [texts] array of finite numbers (logits, log-odds), or raise `InputError`.

    Example:
    >>> check_scores("logits", [0.5, -2.0])
    array([ 0.5, -2. ])
    """
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a [texts] array of numbers; got {_shown(value)}.") from None
    if array.ndim != 1 or array.shape[0] < 1:
        raise InputError(f"{name} must be a [texts] array with at least one text; got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise InputError(f"{name} must hold finite numbers; {int((~np.isfinite(array)).sum())} of "
                         f"{len(array)} are not (clip probabilities away from 0 and 1 before taking log-odds).")
    return array


def check_labels(name: str, value: Any, *, count: int, classes: int) -> np.ndarray:
    """Return `value` as an int64 array of `count` class indices below `classes`, or raise `InputError`.

    Example:
    >>> check_labels("labels", [1, 0, 1], count=3, classes=2)
    array([1, 0, 1])
    """
    array = np.asarray(value)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise InputError(f"{name} must be whole-number class indices; got {_shown(value)} "
                         f"(dtype {array.dtype}).")
    if array.shape != (count,):
        raise InputError(f"{name} must hold one label per text ({count}); got shape {array.shape}.")
    if array.min() < 0 or array.max() >= classes:
        raise InputError(f"{name} must be class indices from 0 to {classes - 1}; got values from "
                         f"{array.min()} to {array.max()}.")
    return array.astype(np.int64)


def env_int(variable: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """Read integer environment variable `variable`, or return `default`.

    Raises:
        InputError: the variable is set to something that is not an integer
            in range; the message names the variable.

    Example:
    >>> env_int("SEQZOO_DOCTEST_UNSET", 7)
    7
    """
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise InputError(f"Environment variable {variable}={raw!r} is not an integer"
                         f"{_range(minimum, maximum)}. Unset it or give a whole number."
                         ) from None
    try:
        _check_range(variable, value, minimum, maximum)
    except InputError as error:
        raise InputError(f"Environment variable {error} Unset it or change it.") from None
    return value


def env_float(variable: str, default: float, *, minimum: float | None = None,
              maximum: float | None = None) -> float:
    """Read finite float environment variable `variable`, or return `default`.

    Example:
    >>> env_float("SEQZOO_DOCTEST_UNSET", 1.5)
    1.5
    """
    raw = os.environ.get(variable)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise InputError(f"Environment variable {variable}={raw!r} is not a finite number"
                         f"{_range(minimum, maximum)}. Unset it or change it.")
    try:
        _check_range(variable, value, minimum, maximum)
    except InputError as error:
        raise InputError(f"Environment variable {error} Unset it or change it.") from None
    return value


def env_path(variable: str, default: Path | None = None, *, directory: bool = True) -> Path | None:
    """Read a path environment variable (`SEQZOO_HOME`, ...), or return `default`.

    `~` is expanded. With `directory`, a value naming something that exists
    and is not a folder is refused, since everything seqzoo writes there would fail later.

    Raises:
        InputError: the value is only blanks, holds a line break, or names a file where a
            folder is needed; the message names the variable.

    Example:
    >>> env_path("SEQZOO_DOCTEST_UNSET", Path("/tmp/seqzoo"))
    PosixPath('/tmp/seqzoo')
    """
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return default
    if not raw.strip() or "\n" in raw or "\r" in raw:
        raise InputError(f"Environment variable {variable}={_shown(raw)} is not a usable path. "
                         "Unset it or give a folder.")
    path = Path(raw).expanduser()
    if directory and path.exists() and not path.is_dir():
        raise InputError(f"Environment variable {variable}={_shown(raw)} names a file, not a folder. "
                         "Unset it or give a folder.")
    return path


def int_flag(*, minimum: int | None = None, maximum: int | None = None):
    """An argparse `type=` for a whole-number flag in range; refusals name the value and the range.

    Example:
    >>> parser.add_argument("--epochs", type=int_flag(minimum=1))
    """
    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise _flag_error(f"{text!r} is not a whole number{_range(minimum, maximum)}") from None
        return _in_range(check_int, "the value", value, minimum=minimum, maximum=maximum)

    parse.__name__ = "whole number"
    return parse


def float_flag(*, minimum: float | None = None, maximum: float | None = None,
               exclusive_minimum: bool = False):
    """An argparse `type=` for a finite number flag in range (nan and inf are refused).

    Example:
    >>> parser.add_argument("--peer-timeout", type=float_flag(minimum=0, exclusive_minimum=True))
    """
    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise _flag_error(f"{text!r} is not a number{_range(minimum, maximum)}") from None
        return _in_range(check_float, "the value", value, minimum=minimum, maximum=maximum,
                         exclusive_minimum=exclusive_minimum)

    parse.__name__ = "number"
    return parse


def _in_range(check, name, value, **limits):
    try:
        return check(name, value, **limits)
    except InputError as error:
        raise _flag_error(str(error).replace("the value must", "must")) from None


def _flag_error(message: str):
    import argparse

    return argparse.ArgumentTypeError(message)


def _range(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def _check_range(name, value, minimum, maximum) -> None:
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InputError(f"{name} must be{_range(minimum, maximum)}; got {value!r}.")
