"""Characters per second of batch-1 generation: seqzoo vs the naive loop vs PyTorch.

Three ways to generate with the same 2 x 512 character LSTM (the `shakespeare-lstm`
shapes, or the preset itself when it is installed):
- seqzoo: `CharLM.generate` (prompt read once, one compiled loop, state carried);
- naive: the course-material loop, `model.predict` on the whole prefix per character;
- torch: a PyTorch `nn.LSTM` stateful loop with the Keras weights copied in
  (its logits are checked against Keras before timing).

Run:
    python benchmarks/generation.py            # full: 2,000 characters
    python benchmarks/generation.py --quick    # small, for CI
Writes a CSV row per method to benchmarks/results/generation.csv.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import seqzoo  # noqa: E402
from seqzoo.layers.tokenizer import END_ID  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "generation.csv"


def make_model(hidden: int, layers: int):
    """The shakespeare-lstm preset if present, else the same shapes untrained."""
    if "shakespeare-lstm" in seqzoo.list_models() and hidden == 512:
        return seqzoo.load("shakespeare-lstm"), "shakespeare-lstm"
    import keras

    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "char_lm", hidden_size=hidden, num_layers=layers, embedding_dim=64)
    # Untrained weights would sample the end marker early; timing needs full-length runs.
    kernel, bias = model.lm_head.get_weights()
    bias[END_ID] = -1e4
    model.lm_head.set_weights([kernel, bias])
    return model, f"untrained lstm {layers}x{hidden}"


def time_seqzoo(model, prompt: str, length: int) -> float:
    model.generate(prompt, max_length=length, seed=0)  # Trace and compile once.
    start = time.perf_counter()
    text = model.generate(prompt, max_length=length, seed=1)
    seconds = time.perf_counter() - start
    return (len(text) - len(prompt)) / seconds


def time_naive(model, prompt: str, length: int) -> float:
    """The course loop: predict on the whole text so far, sample, append, repeat."""
    rng = np.random.default_rng(0)
    tokenizer = model.tokenizer
    text = prompt
    start = time.perf_counter()
    for _ in range(length):
        probs = model.predict([text])[0].astype("float64")
        probs[[0, 1, 2, END_ID]] = 0
        token = rng.choice(len(probs), p=probs / probs.sum())
        text += tokenizer.id_to_token(int(token))
    return length / (time.perf_counter() - start)


def torch_lstm(model):
    """A PyTorch copy of the Keras char LSTM; gate order (i, f, g, o) matches Keras'."""
    import torch

    backbone = model.backbone
    hidden = backbone.hidden_size
    embedding = torch.nn.Embedding(backbone.vocabulary_size, backbone.embedding_dim)
    lstm = torch.nn.LSTM(backbone.embedding_dim, hidden, num_layers=backbone.num_layers, batch_first=True)
    head = torch.nn.Linear(hidden, backbone.vocabulary_size)
    with torch.no_grad():
        embedding.weight.copy_(torch.from_numpy(backbone.token_embedding.get_weights()[0]))
        for i, layer in enumerate(backbone.recurrent_layers):
            kernel, recurrent, bias = layer.get_weights()
            getattr(lstm, f"weight_ih_l{i}").copy_(torch.from_numpy(kernel.T))
            getattr(lstm, f"weight_hh_l{i}").copy_(torch.from_numpy(recurrent.T))
            getattr(lstm, f"bias_ih_l{i}").copy_(torch.from_numpy(bias))
            getattr(lstm, f"bias_hh_l{i}").zero_()
        kernel, bias = model.lm_head.get_weights()
        head.weight.copy_(torch.from_numpy(kernel.T))
        head.bias.copy_(torch.from_numpy(bias))
    return embedding, lstm, head


def check_torch_matches(model, modules, prompt: str) -> float:
    import torch

    embedding, lstm, head = modules
    ids = model.preprocessor.with_markers([prompt])[:, :-1].numpy()
    keras_logits = model.predict_on_batch(ids)
    with torch.no_grad():
        out, _ = lstm(embedding(torch.from_numpy(ids.astype("int64"))))
        torch_logits = head(out).numpy()
    keep = np.arange(keras_logits.shape[-1]) != END_ID  # Its bias is -1e4 in the untrained stand-in.
    return float(np.abs(keras_logits - torch_logits)[..., keep].max())


def time_torch(model, modules, prompt: str, length: int) -> float:
    import torch

    embedding, lstm, head = modules
    ids = model.preprocessor.with_markers([prompt])[:, :-1].numpy().astype("int64")
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        start = time.perf_counter()
        out, state = lstm(embedding(torch.from_numpy(ids)))
        logits = head(out[:, -1])
        produced = []
        for _ in range(length):
            logits[:, :4] = -float("inf")
            token = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)
            produced.append(int(token))
            out, state = lstm(embedding(token), state)
            logits = head(out[:, -1])
        seconds = time.perf_counter() - start
    return length / seconds


def time_torch_cells(model, modules, prompt: str, length: int) -> float:
    """The same loop with one `nn.LSTMCell` per layer (same weights), which skips
    `nn.LSTM`'s per-call set-up; shown so the comparison is fair to PyTorch."""
    import torch

    embedding, lstm, head = modules
    cells = []
    for i in range(lstm.num_layers):
        cell = torch.nn.LSTMCell(lstm.input_size if i == 0 else lstm.hidden_size, lstm.hidden_size)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(getattr(lstm, f"{name}_l{i}"))
        cells.append(cell)
    ids = model.preprocessor.with_markers([prompt])[:, :-1].numpy().astype("int64")
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        start = time.perf_counter()
        out, (h, c) = lstm(embedding(torch.from_numpy(ids)))
        states = [(h[i], c[i]) for i in range(lstm.num_layers)]
        logits = head(out[:, -1])
        for _ in range(length):
            logits[:, :4] = -float("inf")
            token = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[:, 0]
            x = embedding(token)
            for i, cell in enumerate(cells):
                states[i] = cell(x, states[i])
                x = states[i][0]
            logits = head(x)
        seconds = time.perf_counter() - start
    return length / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small model and lengths (CI)")
    parser.add_argument("--length", type=int, default=2000)
    parser.add_argument("--naive-length", type=int, default=200)
    args = parser.parse_args()
    hidden, length, naive_length = (64, 100, 10) if args.quick else (512, args.length, args.naive_length)
    model, label = make_model(hidden, 2)
    prompt = "To be"
    rows = [("seqzoo", length, time_seqzoo(model, prompt, length))]
    rows.append(("naive predict loop", naive_length, time_naive(model, prompt, naive_length)))
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        modules = torch_lstm(model)
        error = check_torch_matches(model, modules, "To be, or not to be")
        print(f"torch vs keras max |logit difference|: {error:.2e}")
        assert error < 1e-3, "the PyTorch copy does not match the Keras model"
        rows.append(("torch nn.LSTM loop", length, time_torch(model, modules, prompt, length)))
        rows.append(("torch nn.LSTMCell loop", length, time_torch_cells(model, modules, prompt, length)))
    except ImportError:
        print("torch is not installed (pip install 'seqzoo[bench]'); skipping the PyTorch row")
    base = rows[0][2]
    print(f"model: {label}; batch 1; {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"{'method':24s} {'chars':>6s} {'chars/s':>10s} {'seqzoo speed-up':>16s}")
    for method, chars, speed in rows:
        print(f"{method:24s} {chars:6d} {speed:10.0f} {base / speed:15.1f}x")
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with open(RESULTS, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["method", "model", "chars", "chars_per_s", "seqzoo_speedup"])
            for method, chars, speed in rows:
                writer.writerow([method, label, chars, round(speed, 1), round(base / speed, 2)])


if __name__ == "__main__":
    main()
