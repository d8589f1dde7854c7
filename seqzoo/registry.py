"""The zoo's registry: built-in presets, entries added by `register`, and plugins."""
from __future__ import annotations

import copy

import dataclasses
import fnmatch
import importlib.metadata
import os
from collections.abc import Callable
from pathlib import Path

from seqzoo.card import CARD_FILE, ModelCard
from seqzoo.errors import SeqzooError, UnknownModelError, did_you_mean

ENTRY_POINT_GROUP = "seqzoo.models"
TASKS = ("char_lm", "text_classification", "forecasting")


@dataclasses.dataclass
class ZooEntry:
    """One model of the zoo: a preset directory, a builder, or both."""

    name: str
    card: ModelCard
    preset: Path | None = None
    builder: Callable | None = None


_ENTRIES: dict[str, ZooEntry] = {}
_DISCOVERED = False


def builtin_presets_dir() -> Path:
    """Where the presets shipped with seqzoo live (in the wheel or the source tree)."""
    packaged = Path(__file__).parent / "saved_models"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "saved_models"


def register(name: str, *, preset: str | Path | None = None, builder: Callable | None = None,
             card: ModelCard | dict | None = None, overwrite: bool = False) -> ZooEntry:
    """Add a model to the zoo.

    Args:
        name: The zoo name, such as "my-lstm".
        preset: A preset directory (its card.json describes the model).
        builder: A function returning an untrained task model, for entries
            without pretrained weights, or used by `load(name, weights=False)`.
        card: A `ModelCard` (or its dict) when there is no preset.
        overwrite: Replace an entry of the same name.

    Example:
    >>> seqzoo.register("my-names", preset="path/to/my-names")
    >>> seqzoo.load("my-names")
    """
    if preset is None and builder is None:
        raise SeqzooError(f"register({name!r}): give a preset directory or a builder.")
    if preset is not None:
        preset = Path(preset)
        card = ModelCard.read(preset)
    elif isinstance(card, dict):
        card = ModelCard.from_dict({"name": name, **card}, source=f"register({name!r})")
    if card is None:
        raise SeqzooError(f"register({name!r}): a builder needs a card (task, architecture).")
    if card.task not in TASKS:
        raise SeqzooError(f"register({name!r}): task {card.task!r} is not one of {TASKS}.")
    if name in _ENTRIES and not overwrite:
        raise SeqzooError(f"{name!r} is already in the zoo; pass overwrite=True to replace it.")
    card.name = name
    entry = ZooEntry(name=name, card=card, preset=preset, builder=builder)
    _ENTRIES[name] = entry
    return entry


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    root = builtin_presets_dir()
    if root.is_dir():
        for card_path in sorted(root.glob(f"*/{CARD_FILE}")):
            register(card_path.parent.name, preset=card_path.parent, overwrite=True)
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            hook = entry_point.load()
            result = hook() if callable(hook) else hook
            for item in result or ():
                register(**item)
        except SeqzooError:
            raise
        except Exception as error:
            raise SeqzooError(
                f"The seqzoo plugin {entry_point.name!r} ({entry_point.value}) failed: {error}"
            ) from error


def get_entry(name: str) -> ZooEntry:
    """The entry called `name`; an `UnknownModelError` with close matches otherwise."""
    _discover()
    if name not in _ENTRIES:
        hint = did_you_mean(name, sorted(_ENTRIES))
        raise UnknownModelError(
            f"No model called {name!r} in the zoo.{hint} See seqzoo.list_models()."
        )
    return _ENTRIES[name]


def list_models(pattern: str | None = None, *, task: str | None = None) -> list[str]:
    """Sorted names of the zoo's models.

    Args:
        pattern: Shell wildcards, such as "*lstm*".
        task: Only models of this task ("char_lm", "text_classification", "forecasting").

    Example:
    >>> seqzoo.list_models("names-*")
    ['names-lstm', 'names-rnn']
    """
    from seqzoo.validation import check_str

    _discover()
    check_str("pattern", pattern, allow_none=True)
    if task is not None and (not isinstance(task, str) or task not in TASKS):
        raise SeqzooError(f"Unknown task {task!r:.60}; choose one of {TASKS}.")
    return sorted(
        name for name, entry in _ENTRIES.items()
        if (pattern is None or fnmatch.fnmatchcase(name, pattern))
        and (task is None or entry.card.task == task)
    )


def written_as_path(name: str) -> bool:
    """Whether `name` is written as a path: it holds a separator, or starts with "." or "~".

    Example:
    >>> written_as_path("./sentiment-rnn"), written_as_path("sentiment-rnn")
    (True, False)
    """
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(sep in name for sep in separators) or name.startswith((".", "~"))


def resolve(name_or_path) -> ZooEntry | Path:
    """What `load` and `info` read for `name_or_path`: a zoo entry, or a directory.

    A zoo name means the zoo entry, even when a folder of that name is in the
    working directory. A directory is used when the argument is a `Path`, is
    written as a path (`./sentiment-rnn`, `~/models/x`, `a/b`), or is a name
    that no zoo entry has.

    Raises:
        InputError: `name_or_path` is not a string or a path (None, bytes ...).
        UnknownModelError: Neither a zoo entry nor an existing directory.

    Example:
    >>> resolve("names-lstm").name
    'names-lstm'
    >>> resolve("./my-model")  # doctest: +SKIP
    PosixPath('my-model')
    """
    from seqzoo.errors import InputError

    if isinstance(name_or_path, os.PathLike) and not isinstance(name_or_path, str):
        name_or_path = os.fspath(name_or_path)
        if not isinstance(name_or_path, str):
            raise InputError(f"Expected a model name or a directory path, got bytes {name_or_path[:40]!r}.")
        return Path(name_or_path).expanduser()
    if not isinstance(name_or_path, str):
        raise InputError(f"Expected a model name (str) or a directory (str or pathlib.Path), "
                         f"got {type(name_or_path).__name__} {str(name_or_path)[:40]!r}.")
    if not name_or_path or "\x00" in name_or_path:
        raise InputError(f"Expected a model name or a directory, got {name_or_path!r}.")
    if written_as_path(name_or_path):
        return Path(name_or_path).expanduser()
    _discover()
    if name_or_path in _ENTRIES:
        return _ENTRIES[name_or_path]
    if Path(name_or_path).is_dir():
        return Path(name_or_path)
    return get_entry(name_or_path)  # Raises UnknownModelError with close matches.


def info(name: str | Path) -> ModelCard:
    """The model card of a zoo entry, or of a preset directory (see `resolve` for which wins).

    Example:
    >>> print(seqzoo.info("names-lstm"))
    """
    found = resolve(name)
    if isinstance(found, ZooEntry):
        return copy.deepcopy(found.card)  # The caller's to change: the zoo's own card stays as it is.
    return ModelCard.read(found)
