"""Measure every preset's exports; write the tables docs/guides/export.md includes.

    python docs/scripts/export_report.py              # every preset (several minutes on 2 CPU cores)
    python docs/scripts/export_report.py names-lstm   # some presets (the rest of the report is kept)

For each preset of `seqzoo.list_models()` it records, into
docs/scripts/export_report.json and the markdown table
docs/scripts/export_report.md:

- the SavedModel: export time, size on disk, and the load time in a fresh
  process that imports only tensorflow and tensorflow_text (import, then
  `tf.saved_model.load`, then the first call of each signature);
- TFLite: the numeric core (`seqzoo export --format tflite`) with built-in ops,
  its size and its largest difference from seqzoo in `tf.lite.Interpreter`;
  and the raw-input signatures of the SavedModel, converted with built-in ops
  only and with SELECT_TF_OPS, with the converter's or the interpreter's error
  as they raised it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
REPORT_JSON = ROOT / "docs" / "scripts" / "export_report.json"
REPORT_MD = ROOT / "docs" / "scripts" / "export_report.md"

FRESH_LOAD = r"""
import json, sys, time
start = time.time()
import tensorflow as tf
import tensorflow_text  # noqa: F401
imported = time.time()
model = tf.saved_model.load(sys.argv[1])
loaded = time.time()
calls = json.loads(sys.argv[2])
for name, kwargs in calls.items():
    model.signatures[name](**{k: tf.constant(v, dtype=d) for k, (v, d) in kwargs.items()})
assert "seqzoo" not in sys.modules
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported, "first_call_s": time.time() - loaded}))
"""


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def first_calls(model) -> dict:
    """Signature -> its inputs, for one real call in the fresh process."""
    if model.task_name == "char_lm":
        return {"predict_next": {"prefix": [["Ma"], "string"]},
                "generate": {"prompt": ["Ma", "string"], "max_length": [20, "int32"],
                             "temperature": [0.8, "float32"], "seed": [0, "int64"]}}
    if model.task_name == "text_classification":
        return {"serving_default": {"texts": [["A fine film."], "string"]}}
    reader = model.reader
    call = {"features": [[[[0.0] * len(reader.feature_names)] * reader.window], "float32"]}
    if reader.season:
        call["dates"] = [[["2015-06-01"] * reader.window], "string"]
    return {"serving_default": call}


def fresh_load(version_dir: Path, calls: dict) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run([sys.executable, "-c", FRESH_LOAD, str(version_dir), json.dumps(calls)],
                            capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1][:400]}
    return {k: round(v, 2) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def tflite_numeric(model, folder: Path) -> dict:
    """The numeric core with built-in ops: status, size, and its largest difference from seqzoo."""
    import datetime

    import numpy as np
    import tensorflow as tf

    from seqzoo.errors import SeqzooError
    from seqzoo.export.tflite import export_tflite
    from seqzoo.layers.tokenizer import START_ID

    try:
        path = export_tflite(model, folder / "model.tflite", overwrite=True)
    except SeqzooError as error:
        return {"status": "fails", "error": str(error)}
    runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner("serving_default")
    if model.task_name == "char_lm":
        ids = np.concatenate([[START_ID], model.tokenizer.tokenize(["Ma"])[0].numpy()])[None].astype(np.int32)
        got, want = runner(token_ids=ids)["probabilities"], model.predict(["Ma"])
    elif model.task_name == "text_classification":
        ids, _, _ = model.preprocessor.chunks(["A fine film."])
        got, want = runner(token_ids=ids)["probabilities"], model.predict(["A fine film."])
    else:
        reader = model.reader
        history = model.card.extra["example_history"][-reader.window:]
        features = np.array([[[r[c] for c in reader.feature_names] for r in history]], np.float32)
        days = np.array([[datetime.date.fromisoformat(r["date"]).timetuple().tm_yday - 1 for r in history]], np.int32)
        got, want = runner(features=features, day_of_year=days)["forecast"], model.predict(reader.windows(history))
    return {"status": "converts (built-in ops), runs in tf.lite.Interpreter", "bytes": path.stat().st_size,
            "max_abs_difference": float(np.abs(np.asarray(got) - want).max())}


def tflite_raw(version_dir: Path, signature: str) -> dict:
    """Convert a raw-input signature of the SavedModel; the converter's or interpreter's error as raised."""
    import tensorflow as tf

    from seqzoo.export.tflite import _first_lines

    out = {}
    for label, ops in (("builtins", [tf.lite.OpsSet.TFLITE_BUILTINS]),
                       ("select_tf_ops", [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS])):
        converter = tf.lite.TFLiteConverter.from_saved_model(str(version_dir), signature_keys=[signature])
        converter.target_spec.supported_ops = ops
        try:
            flatbuffer = converter.convert()
        except Exception as error:
            out[label] = {"converts": False, "error": _first_lines(error, 700)}
            continue
        try:
            tf.lite.Interpreter(model_content=flatbuffer).get_signature_runner(signature)
            interpreter = tf.lite.Interpreter(model_content=flatbuffer)
            interpreter.allocate_tensors()
            out[label] = {"converts": True, "bytes": len(flatbuffer), "runs_in_interpreter": True}
        except Exception as error:
            out[label] = {"converts": True, "bytes": len(flatbuffer), "runs_in_interpreter": False,
                          "error": _first_lines(error, 400)}
    return out


def measure(name: str, folder: Path) -> dict:
    import seqzoo
    from seqzoo.export.saved_model import export_saved_model

    model = seqzoo.load(name)
    start = time.time()
    version_dir = export_saved_model(model, folder / name, overwrite=True)
    export_s = time.time() - start
    calls = first_calls(model)
    return {
        "task": model.task_name,
        "architecture": model.card.architecture,
        "saved_model": {"bytes": directory_size(version_dir), "export_s": round(export_s, 2),
                        "signatures": sorted(calls), "fresh_process": fresh_load(version_dir, calls)},
        "tflite": tflite_numeric(model, folder / f"{name}-tflite"),
        "tflite_raw_signatures": {sig: tflite_raw(version_dir, sig) for sig in calls},
    }


def mib(size: int) -> str:
    return f"{size / 2**20:.2f} MiB" if size >= 2**20 else f"{size / 2**10:.0f} KiB"


def markdown(report: dict) -> str:
    """Two tables (SavedModel; TFLite) and the errors as the converter and interpreter raised them."""
    lines = [
        "| model | task | SavedModel size | export | fresh process: import TF / load / first calls |",
        "|---|---|---:|---:|---|",
    ]
    models = sorted(report["models"].items())
    for name, r in models:
        sm, fresh = r["saved_model"], r["saved_model"]["fresh_process"]
        load = ("error: " + fresh["error"]) if "error" in fresh else \
            f"{fresh['import_s']:.1f} s / {fresh['load_s']:.2f} s / {fresh['first_call_s']:.2f} s"
        lines.append(f"| `{name}` | {r['task']} | {mib(sm['bytes'])} | {sm['export_s']:.1f} s | {load} |")
    lines += ["", "| model | TFLite numeric core, built-in ops | raw-input signatures: built-in ops | "
                  "raw-input signatures: with SELECT_TF_OPS |", "|---|---|---|---|"]
    errors: dict[str, list[str]] = {}

    def note(error: str) -> str:
        errors.setdefault(error, [])
        return f"error {list(errors).index(error) + 1}"

    for name, r in models:
        lite = r["tflite"]
        core = (f"converts, runs: {mib(lite['bytes'])}, max difference {lite['max_abs_difference']:.1e}"
                if "bytes" in lite else f"fails ({note(lite['error'])})")
        builtins, select = [], []
        for sig, attempts in r["tflite_raw_signatures"].items():
            b, s = attempts["builtins"], attempts["select_tf_ops"]
            builtins.append(f"`{sig}`: " + ("converts" if b["converts"] else f"fails ({note(b['error'])})"))
            if s.get("runs_in_interpreter"):
                select.append(f"`{sig}`: converts ({mib(s['bytes'])}), runs")
            elif s["converts"]:
                select.append(f"`{sig}`: converts ({mib(s['bytes'])}), interpreter fails ({note(s['error'])})")
            else:
                select.append(f"`{sig}`: fails ({note(s['error'])})")
        lines.append(f"| `{name}` | {core} | {'<br>'.join(builtins)} | {'<br>'.join(select)} |")
    if errors:
        lines += ["", "Errors, as raised (converter messages keep their `error:` lines):", ""]
        for i, text in enumerate(errors, 1):
            quoted = text.replace("`", "'").replace("|", "/")
            lines.append(f"{i}. `{quoted}`")
    lines += ["", f"Measured by `python docs/scripts/export_report.py` on {report['machine']}, "
                  f"TensorFlow {report['tensorflow']}, {report['date']}."]
    return "\n".join(lines) + "\n"



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="presets to measure (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import platform

    import tensorflow as tf

    import seqzoo

    old = json.loads(REPORT_JSON.read_text(encoding="utf-8")) if REPORT_JSON.is_file() else {}
    models = {k: v for k, v in old.get("models", {}).items() if k in seqzoo.list_models()}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names or seqzoo.list_models():
            print(f"measuring {name} ...", flush=True)
            models[name] = measure(name, Path(tmp))
        report = {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores (shared with other jobs)",
            "tensorflow": tf.__version__, "date": time.strftime("%Y-%m-%d"), "models": models,
        }
    REPORT_JSON.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    REPORT_MD.write_text(markdown(report), encoding="utf-8")
    print(f"wrote {REPORT_JSON.relative_to(ROOT)}, {REPORT_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
