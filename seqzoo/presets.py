"""Preset directories: config + weights + tokenizer assets + card, hash-checked."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

import keras

from seqzoo._atomic import remove_path, replace_directory, write_bytes_atomic
from seqzoo._safe_files import load_json, open_plain_file
from seqzoo.card import CARD_FILE, ModelCard
from seqzoo.config_safety import check_config, check_sizes
from seqzoo.errors import InputError, PresetError, SeqzooError
from seqzoo.layers.tokenizer import Tokenizer
from seqzoo.models import task_classes
from seqzoo.weights_safety import check_weights_file

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
ASSETS_DIR = "assets"
MIN_KERAS = (3, 15, 1)


def check_keras_version(version: str = keras.__version__) -> None:
    """Raise `SeqzooError` if `version` is older than the Keras seqzoo needs.

    Older Keras releases have known unsafe-deserialisation holes that the
    preset loader relies on being fixed.
    """
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    parts = [int(p or 0) for p in match.groups()] if match else [0, 0, 0]
    if tuple(parts[:3]) < MIN_KERAS:
        need = ".".join(map(str, MIN_KERAS))
        raise SeqzooError(
            f"seqzoo needs keras>={need} to load presets safely, but keras {version} is installed; "
            f"run `pip install -U 'keras>={need}'`."
        )


check_keras_version()


def sha256_file(path: str | Path) -> str:
    """The hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tokenizers(model) -> list[Tokenizer]:
    if getattr(model, "preprocessor", None) is None:
        return []
    return [layer for layer in model.preprocessor._flatten_layers() if isinstance(layer, Tokenizer)]


def _strip_vocabularies(config):
    # Vocabularies live in asset files, so the config does not carry them twice.
    if isinstance(config, dict):
        if str(config.get("registered_name", "")).endswith("Tokenizer") and "config" in config:
            config["config"]["vocabulary"] = None
        for value in config.values():
            _strip_vocabularies(value)
    elif isinstance(config, list):
        for value in config:
            _strip_vocabularies(value)
    return config


def save_preset(model, directory, *, card: ModelCard | None = None,
                extra_files: dict[str, Path] | None = None, overwrite: bool = False) -> None:
    """Write `model` as a preset directory, atomically. See `Task.save_preset`.

    Only an existing seqzoo preset (a valid card, and no file the card does
    not list) is replaced; any other file or non-empty folder at `directory`
    is refused unless `overwrite=True`. Temporary folders left by killed
    saves beside `directory` are removed.
    """
    from seqzoo.validation import check_bool

    overwrite = check_bool("overwrite", overwrite)
    if not isinstance(directory, str | os.PathLike) or not str(directory) or "\x00" in str(directory):
        raise InputError(f"directory must be a path; got {directory!r}.")
    directory = Path(directory).expanduser()
    extras = _checked_extra_files(extra_files)
    if card is not None and not isinstance(card, ModelCard):
        raise InputError(f"card must be a seqzoo.ModelCard; got {type(card).__name__}.")
    check_save_target(directory, overwrite=overwrite)
    directory.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(directory)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}{_TMP_MARK}"))
    try:
        with _held(tmp):
            config = _strip_vocabularies(keras.saving.serialize_keras_object(model))
            config.pop("compile_config", None)  # Tasks compile with their defaults on load.
            (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=1, sort_keys=True), encoding="utf-8")
            _save_weights_without_optimizer(model, tmp / WEIGHTS_FILE)
            for tokenizer in _tokenizers(model):
                asset_dir = tmp / ASSETS_DIR / tokenizer.name
                asset_dir.mkdir(parents=True)
                tokenizer.save_assets(str(asset_dir))
            card = card or _default_card(model, directory.name)
            for relative, source in extras.items():  # Plots, golden outputs.
                (tmp / relative).parent.mkdir(parents=True, exist_ok=True)
                (tmp / relative).write_bytes(source.read_bytes())
            card.files = {
                p.relative_to(tmp).as_posix(): sha256_file(p)
                for p in sorted(tmp.rglob("*")) if p.is_file() and p != tmp / CARD_FILE
            }
            card.num_params = int(model.count_params())
            (tmp / CARD_FILE).write_text(card.to_json(), encoding="utf-8")
            replace_directory(tmp, directory)
    except BaseException:
        remove_path(tmp)
        raise


_TMP_MARK = ".tmp-"
_STALE_AFTER_S = 60.0  # A temporary folder this old and unlocked belongs to a killed save.


def _checked_extra_files(extra_files) -> dict[str, Path]:
    """`extra_files` with every name a plain relative path inside the preset, and every source a file."""
    if extra_files is None:
        return {}
    if not isinstance(extra_files, dict):
        raise InputError(f"extra_files must be a dict of relative name -> file; got {type(extra_files).__name__}.")
    checked = {}
    for relative, source in extra_files.items():
        parts = Path(relative).parts if isinstance(relative, str) else ()
        if (not parts or Path(relative).is_absolute() or ".." in parts or "\\" in relative
                or "\x00" in relative or ":" in parts[0]):
            raise InputError(f"extra_files name {relative!r} must be a relative path inside the preset "
                             "(no '..', no absolute path).")
        # Compared in the form the file is written under ("./config.json" is config.json).
        if Path(relative).as_posix() in (CARD_FILE, CONFIG_FILE, WEIGHTS_FILE) or parts[0] == ASSETS_DIR:
            raise InputError(f"extra_files name {relative!r} would replace a file the preset writes itself.")
        if not isinstance(source, str | os.PathLike) or not Path(source).is_file():
            raise InputError(f"extra_files[{relative!r}] = {source!r} is not a readable file.")
        checked[Path(relative).as_posix()] = Path(source)
    return checked


def check_save_target(directory: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Raise `SeqzooError` if saving a preset to `directory` would delete anything but a preset.

    Free: a path that does not exist, an empty folder, or a seqzoo preset (a
    valid card and no file it does not list). Anything else (a file, a link, a
    folder of other things) is refused unless `overwrite` is True. The CLI
    calls this before training, so a refusal costs no training time.

    Example:
    >>> check_save_target("~/project")  # doctest: +SKIP
    Traceback (most recent call last):
    SeqzooError: /home/me/project is a non-empty folder and not a seqzoo preset; ...
    """
    directory = Path(directory).expanduser()
    if overwrite or (not directory.exists() and not directory.is_symlink()):
        return
    hint = "Choose another path, or pass overwrite=True (CLI: --overwrite) to replace it."
    if directory.is_symlink() or not directory.is_dir():
        raise SeqzooError(f"{directory} exists and is not a preset directory. {hint}")
    if not any(directory.iterdir()):
        return
    try:
        card = ModelCard.read(directory)
        present = _preset_files(directory)
    except PresetError:
        raise SeqzooError(f"{directory} is a non-empty folder and not a seqzoo preset; "
                          f"saving would delete its contents. {hint}") from None
    unlisted = sorted(present - set(card.files))
    if unlisted:
        raise SeqzooError(f"{directory} is a preset that also holds files its card does not list "
                          f"({', '.join(unlisted[:3])}{', ...' if len(unlisted) > 3 else ''}); "
                          f"saving would delete them. {hint}")


@contextlib.contextmanager
def _held(tmp: Path):
    """Hold an exclusive lock on the temporary folder while the save runs (released if killed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows: age alone decides)
        yield
        return
    fd = os.open(tmp, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove_stale_temporaries(directory: Path, *, limit: int = 100) -> None:
    """Remove the temporary folders of killed saves of `directory` (at most `limit` per call)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        fcntl = None
    candidates = [p for p in directory.parent.glob(f".{glob_escape(directory.name)}{_TMP_MARK}*")
                  if p.is_dir() and not p.is_symlink()][:limit]
    candidates += [p for p in directory.parent.glob(f".{glob_escape(directory.name)}.old-*")
                   if p.is_dir() and not p.is_symlink()][:limit]
    for path in candidates:
        try:
            if time.time() - path.lstat().st_mtime < _STALE_AFTER_S:
                continue  # Perhaps a save that has only just started.
            if fcntl is not None:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # A save in progress holds it.
                finally:
                    os.close(fd)
            remove_path(path)
        except OSError:
            continue


def glob_escape(name: str) -> str:
    """`name` with glob's special characters escaped."""
    import glob

    return glob.escape(name)


def _save_weights_without_optimizer(model, path: Path) -> None:
    # `model.save_weights` also stores Adam's moments, tripling the preset's size;
    # a preset is for inference and fine-tuning, which starts a fresh optimizer.
    from keras.src.saving import saving_lib

    skip = [model.optimizer] if getattr(model, "optimizer", None) is not None else None
    saving_lib.save_weights_only(model, str(path), objects_to_skip=skip)


def _default_card(model, name: str) -> ModelCard:
    parent = getattr(model, "card", None)
    hparams = {k: v for k, v in model.backbone.get_config().items() if k not in ("name", "trainable")}
    recipe = {"hparams": hparams, "parent": parent.name if parent else None}
    if getattr(model, "embedding_source", None):  # build(..., embeddings="glove-6b-50d")
        recipe["embeddings"] = dict(model.embedding_source)
    ngrams = getattr(model, "ngram_logits", None)
    if ngrams is not None:  # clf.stack_ngrams(...)
        recipe["ngram_logits"] = {"scale": ngrams.scale, "pair_buckets": ngrams.pair_buckets, "l2": ngrams.l2}
    change = "Stacked with an n-gram model" if ngrams is not None else "Fine-tuned"
    return ModelCard(
        name=name,
        task=model.task_name,
        architecture=model.backbone.architecture,
        dataset=parent.dataset if parent else "",
        description=(f"{change} from {parent.name}; not measured since." if parent else "A user-trained model."),
        recipe=recipe,
        extra=dict(parent.extra) if parent else {},
    )


def _preset_files(preset_dir: Path) -> set[str]:
    """Relative paths of the preset's files; refuses symlinks and other odd entries."""
    files = set()
    for root, dirs, names in os.walk(preset_dir, followlinks=False):
        for name in dirs + names:
            path = Path(root, name)
            relative = path.relative_to(preset_dir).as_posix()
            if path.is_symlink():
                raise PresetError(f"{path} is a symbolic link; presets may hold only plain files.")
            if name in names and not path.is_file():
                raise PresetError(f"{path} is not a plain file; the preset is unsafe.")
            if name in names and relative != CARD_FILE:
                files.add(relative)
    return files


def _inside(preset_dir: Path, relative: str, *, what: str) -> Path:
    """`preset_dir / relative`, refusing anything that could lead out of the preset."""
    if not isinstance(relative, str) or not relative or "\\" in relative or "\x00" in relative:
        raise PresetError(f"{preset_dir}: {what} {relative!r} is not a valid relative path.")
    parts = Path(relative).parts
    if Path(relative).is_absolute() or ".." in parts:
        raise PresetError(f"{preset_dir}: {what} {relative!r} points outside the preset.")
    path = preset_dir / relative
    root = preset_dir.resolve()
    if path.resolve() != root and root not in path.resolve().parents:
        raise PresetError(f"{preset_dir}: {what} {relative!r} resolves outside the preset.")
    return path


def verify_files(preset_dir: Path, card: ModelCard, *, copy_to: Path | None = None) -> None:
    """Check every file against the card's sha256 before anything is parsed.

    Each file is opened once (never through a symbolic link, never a FIFO or
    device) and hashed as it is read. With `copy_to`, the very bytes that were
    hashed are written there too, so a caller that parses the copy parses
    exactly what was checked, whatever happens to `preset_dir` meanwhile.

    Args:
        preset_dir: The preset directory.
        card: Its card (`ModelCard.read(preset_dir)`).
        copy_to: A private folder to copy the checked files into, or None.
    """
    if not card.files or not isinstance(card.files, dict):
        raise PresetError(f"{preset_dir}/{CARD_FILE} lists no files; the preset is incomplete.")
    if (preset_dir / CARD_FILE).is_symlink():
        raise PresetError(f"{preset_dir / CARD_FILE} is a symbolic link; presets may hold only plain files.")
    for relative in card.files:
        _inside(preset_dir, relative, what=f"{CARD_FILE} names the file")
    present = _preset_files(preset_dir)
    for extra in sorted(present - set(card.files)):
        raise PresetError(
            f"{preset_dir / extra} is not listed in {CARD_FILE}; remove it or re-save the preset."
        )
    for relative, expected in card.files.items():
        path = preset_dir / relative
        if not path.is_file() or path.is_symlink():
            raise PresetError(f"{path} is missing; the preset is incomplete.")
        target = None if copy_to is None else Path(copy_to) / relative
        size, digest = _hash_and_copy(path, target)
        if size == 0:
            raise PresetError(f"{path} is empty; the preset is corrupt.")
        if digest != expected:
            raise PresetError(
                f"{path} does not match the sha256 in {CARD_FILE}: the file is corrupt, "
                "truncated or was altered. Re-download or re-save the preset, or, if you "
                "edited it on purpose, re-sign it with `seqzoo.presets.rehash(directory)`."
            )


def _hash_and_copy(path: Path, target: Path | None) -> tuple[int, str]:
    """Read `path` once: its size and sha256, and (with `target`) a copy of exactly those bytes."""
    digest, size = hashlib.sha256(), 0
    fd = open_plain_file(path, error=PresetError)
    with os.fdopen(fd, "rb") as source, contextlib.ExitStack() as stack:
        sink = None
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            sink = stack.enter_context(open(target, "xb"))
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
            if sink is not None:
                sink.write(block)
    return size, digest.hexdigest()


def rehash(preset_dir: str | Path) -> ModelCard:
    """Re-sign a hand-edited preset: recompute the card's sha256 of every file present.

    This is the explicit step that says "I trust these files"; `load` never
    does it. Symbolic links and files outside the preset are still refused.

    Args:
        preset_dir: A preset directory with a `card.json`.

    Example:
    >>> seqzoo.presets.rehash("my-names")  # After editing my-names/config.json.
    """
    preset_dir = Path(preset_dir)
    card = ModelCard.read(preset_dir)
    files = sorted(_preset_files(preset_dir))
    card.files = {relative: sha256_file(_inside(preset_dir, relative, what="file")) for relative in files}
    write_bytes_atomic(preset_dir / CARD_FILE, card.to_json().encode("utf-8"))
    return card


def load_preset(preset_dir, *, weights: bool = True):
    """Read a preset directory into a task model, checking it first.

    The files are hashed while they are copied into a private temporary
    folder, and the model is built from that copy: what is parsed is exactly
    what was checked (no time-of-check to time-of-use gap).

    Args:
        preset_dir: The directory written by `save_preset`.
        weights: Load the trained weights; False keeps the architecture and
            tokenizer but initialises the weights afresh.
    """
    preset_dir = Path(preset_dir)
    card = ModelCard.read(preset_dir)
    with tempfile.TemporaryDirectory(prefix="seqzoo-preset-") as private:
        private = Path(private)
        verify_files(preset_dir, card, copy_to=private)
        try:
            model = _build_from(private, weights=weights)
        except SeqzooError as error:  # Name the user's files, not the private copy.
            raise type(error)(str(error).replace(str(private), str(preset_dir))) from None
    model.card = card
    return model


def _build_from(preset_dir: Path, *, weights: bool):
    """The model of a verified private copy of a preset."""
    config_path = preset_dir / CONFIG_FILE
    if not config_path.is_file():
        raise PresetError(f"{config_path} is missing; the preset is incomplete.")
    config = load_json(config_path.read_bytes(), source=str(config_path), error=PresetError)
    tasks = tuple(task_classes().values())  # Registers seqzoo's classes for the check below.
    check_config(config, source=str(config_path))
    check_sizes(config, source=str(config_path))
    from keras.src.saving import serialization_lib

    safe_before = serialization_lib.in_safe_mode()
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except SeqzooError:
        raise
    except Exception as error:  # Keras raises many types for a bad config.
        raise PresetError(f"{config_path} does not describe a valid model: {_short(error)}") from None
    finally:
        if serialization_lib.in_safe_mode() != safe_before:
            # Nothing in an allowed config can do this; if something did, undo it and refuse.
            serialization_lib.global_state.set_global_attribute("safe_mode_saving", safe_before)
            raise PresetError(f"{config_path} changed Keras' safe-mode setting; refused.")
    if not isinstance(model, tasks):
        raise PresetError(f"{config_path} does not describe a seqzoo task model.")
    preprocessor = getattr(model, "preprocessor", None)
    if preprocessor is not None and not isinstance(preprocessor, keras.layers.Layer):
        raise PresetError(f"{config_path}: the preprocessor is a {type(preprocessor).__name__}, not a layer.")
    for tokenizer in _tokenizers(model):
        asset_dir = _inside(preset_dir, f"{ASSETS_DIR}/{tokenizer.name}", what="tokenizer name")
        if not isinstance(tokenizer.name, str) or "/" in tokenizer.name or tokenizer.name in ("", ".", ".."):
            raise PresetError(f"{config_path}: tokenizer name {tokenizer.name!r} is not a plain name.")
        try:
            tokenizer.load_assets(str(asset_dir))
        except SeqzooError as error:
            raise PresetError(str(error)) from None
        except Exception as error:  # A vocabulary TensorFlow cannot build tables from.
            raise PresetError(f"{asset_dir}/vocabulary.txt is not usable: {_short(error)}") from None
        embedding_size = getattr(model.backbone, "vocabulary_size", None)
        if embedding_size is not None and tokenizer.vocabulary_size > embedding_size:
            # Ids past the embedding would index outside it at predict time.
            raise PresetError(
                f"{asset_dir}/vocabulary.txt has {tokenizer.vocabulary_size} ids but the model's "
                f"embedding has {embedding_size} rows; the vocabulary does not belong to this model."
            )
    if weights:
        weights_path = preset_dir / WEIGHTS_FILE
        expected = {v.path: tuple(v.shape) for v in model.weights}
        check_weights_file(weights_path, expected)
        try:
            model.load_weights(weights_path)
        except Exception as error:
            raise PresetError(f"{weights_path} cannot be loaded: {_short(error)}") from None
    return model


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return (text[0][:300] if text else type(error).__name__)
