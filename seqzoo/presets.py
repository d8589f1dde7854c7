"""Preset directories: config + weights + tokenizer assets + card, hash-checked."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import keras

from seqzoo._atomic import replace_directory
from seqzoo.card import CARD_FILE, ModelCard
from seqzoo.config_safety import check_config
from seqzoo.errors import PresetError
from seqzoo.layers.tokenizer import Tokenizer
from seqzoo.models import task_classes

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
ASSETS_DIR = "assets"


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
                extra_files: dict[str, Path] | None = None) -> None:
    """Write `model` as a preset directory, atomically. See `Task.save_preset`."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.tmp-"))
    try:
        config = _strip_vocabularies(keras.saving.serialize_keras_object(model))
        config.pop("compile_config", None)  # Tasks compile with their defaults on load.
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=1, sort_keys=True), encoding="utf-8")
        _save_weights_without_optimizer(model, tmp / WEIGHTS_FILE)
        for tokenizer in _tokenizers(model):
            asset_dir = tmp / ASSETS_DIR / tokenizer.name
            asset_dir.mkdir(parents=True)
            tokenizer.save_assets(str(asset_dir))
        card = card or _default_card(model, directory.name)
        for relative, source in (extra_files or {}).items():  # Plots, golden outputs.
            (tmp / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp / relative).write_bytes(Path(source).read_bytes())
        card.files = {
            p.relative_to(tmp).as_posix(): sha256_file(p)
            for p in sorted(tmp.rglob("*")) if p.is_file() and p.name != CARD_FILE
        }
        card.num_params = int(model.count_params())
        (tmp / CARD_FILE).write_text(card.to_json(), encoding="utf-8")
        replace_directory(tmp, directory)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _save_weights_without_optimizer(model, path: Path) -> None:
    # `model.save_weights` also stores Adam's moments, tripling the preset's size;
    # a preset is for inference and fine-tuning, which starts a fresh optimizer.
    from keras.src.saving import saving_lib

    skip = [model.optimizer] if getattr(model, "optimizer", None) is not None else None
    saving_lib.save_weights_only(model, str(path), objects_to_skip=skip)


def _default_card(model, name: str) -> ModelCard:
    parent = getattr(model, "card", None)
    hparams = {k: v for k, v in model.backbone.get_config().items() if k not in ("name", "trainable")}
    return ModelCard(
        name=name,
        task=model.task_name,
        architecture=model.backbone.architecture,
        dataset=parent.dataset if parent else "",
        description=(f"Fine-tuned from {parent.name}; not measured since." if parent else "A user-trained model."),
        recipe={"hparams": hparams, "parent": parent.name if parent else None},
        extra=dict(parent.extra) if parent else {},
    )


def verify_files(preset_dir: Path, card: ModelCard) -> None:
    """Check every file against the card's sha256 before anything is parsed."""
    if not card.files:
        raise PresetError(f"{preset_dir}/{CARD_FILE} lists no files; the preset is incomplete.")
    present = {
        p.relative_to(preset_dir).as_posix()
        for p in preset_dir.rglob("*") if p.is_file() and p.name != CARD_FILE
    }
    for extra in sorted(present - set(card.files)):
        raise PresetError(
            f"{preset_dir / extra} is not listed in {CARD_FILE}; remove it or re-save the preset."
        )
    for relative, expected in card.files.items():
        path = preset_dir / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise PresetError(f"{CARD_FILE} names a file outside the preset: {relative!r}.")
        if not path.is_file():
            raise PresetError(f"{path} is missing; the preset is incomplete.")
        if os.path.getsize(path) == 0:
            raise PresetError(f"{path} is empty; the preset is corrupt.")
        if sha256_file(path) != expected:
            raise PresetError(
                f"{path} does not match the sha256 in {CARD_FILE}: the file is corrupt, "
                "truncated or was altered. Re-download or re-save the preset."
            )


def load_preset(preset_dir, *, weights: bool = True):
    """Read a preset directory into a task model, checking it first.

    Args:
        preset_dir: The directory written by `save_preset`.
        weights: Load the trained weights; False keeps the architecture and
            tokenizer but initialises the weights afresh.
    """
    preset_dir = Path(preset_dir)
    card = ModelCard.read(preset_dir)
    verify_files(preset_dir, card)
    config_path = preset_dir / CONFIG_FILE
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PresetError(f"{config_path} is not a readable JSON config: {error}") from None
    task_classes()  # Registers seqzoo's classes, so the check below can recognise them.
    check_config(config, source=str(config_path))
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except PresetError:
        raise
    except Exception as error:  # Keras raises many types for a bad config.
        raise PresetError(f"{config_path} does not describe a valid model: {error}") from None
    for tokenizer in _tokenizers(model):
        tokenizer.load_assets(str(preset_dir / ASSETS_DIR / tokenizer.name))
    if weights:
        try:
            model.load_weights(preset_dir / WEIGHTS_FILE)
        except Exception as error:
            raise PresetError(f"{preset_dir / WEIGHTS_FILE} cannot be loaded: {error}") from None
    model.card = card
    return model
