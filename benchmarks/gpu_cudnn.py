"""The stock cuDNN path on a GPU, for reference beside the CPU tables: PyTorch only.

The workloads of `benchmarks.run` (a character model, batch 64 x 100 steps, 2
layers of 256 units, embedding 64, vocabulary 80: one training step with Adam,
and batch inference) and the latency workload of `benchmarks.latency` (embedding
+ 2 x LSTM 128 + max pooling + linear over one 12-token text), timed with CUDA
events after warm-up. It imports neither seqzoo nor TensorFlow, so it runs on a
machine that has only PyTorch with CUDA.

Run:
    python benchmarks/gpu_cudnn.py --out results.json     # needs a CUDA device
    python benchmarks/gpu_cudnn.py --quick                # tiny sizes; CPU if no GPU
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import torch

FULL = {"batch": 64, "steps": 100, "vocab": 80, "emb": 64, "units": 256, "layers": 2}
QUICK = {"batch": 4, "steps": 8, "vocab": 20, "emb": 8, "units": 16, "layers": 2}
LAYERS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple_rnn": torch.nn.RNN}


def _timer(device):
    """fn, repeats -> list of milliseconds per call (CUDA events on a GPU)."""
    def measure(fn, repeats):
        times = []
        for _ in range(repeats):
            if device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end))
            else:
                began = time.perf_counter()
                fn()
                times.append((time.perf_counter() - began) * 1e3)
        return times
    return measure


def char_model(arch: str, shape: dict, device, repeats: int) -> dict:
    """chars/s of a training step and of batch inference (median over `repeats`)."""
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(shape["vocab"], shape["emb"]).to(device)
    rnn = LAYERS[arch](shape["emb"], shape["units"], num_layers=shape["layers"], batch_first=True).to(device)
    head = torch.nn.Linear(shape["units"], shape["vocab"]).to(device)
    params = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, 1e-3)
    x = torch.randint(0, shape["vocab"], (shape["batch"], shape["steps"]), device=device)
    y = torch.randint(0, shape["vocab"], (shape["batch"], shape["steps"]), device=device)

    def train():
        optimizer.zero_grad()
        logits = head(rnn(embedding(x))[0])
        torch.nn.functional.cross_entropy(logits.reshape(-1, shape["vocab"]), y.reshape(-1)).backward()
        optimizer.step()

    def infer():
        with torch.inference_mode():
            head(rnn(embedding(x))[0])

    measure = _timer(device)
    chars = shape["batch"] * shape["steps"]
    out = {}
    for name, fn in (("train", train), ("infer", infer)):
        measure(fn, 5)  # warm-up: cuDNN plans, allocator
        out[f"{name}_chars_per_s"] = round(chars / (statistics.median(measure(fn, repeats)) / 1e3))
    return out


def one_text_latency(device, repeats: int) -> dict:
    """p50/p99 ms of embedding + 2 x LSTM 128 + max pooling + linear on one 12-token text."""
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(30000, 64).to(device)
    rnn = torch.nn.LSTM(64, 128, num_layers=2, batch_first=True).to(device)
    head = torch.nn.Linear(128, 2).to(device)
    x = torch.randint(0, 30000, (1, 12), device=device)

    def call():
        with torch.inference_mode():
            head(rnn(embedding(x))[0].amax(dim=1)).softmax(-1).cpu()  # the answer back on the host

    measure = _timer(device)
    measure(call, 20)
    times = sorted(measure(call, repeats))
    return {"p50_ms": round(statistics.median(times), 4), "p99_ms": round(times[int(0.99 * (len(times) - 1))], 4)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    shape, repeats = (QUICK, 3) if args.quick else (FULL, 30)
    results = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "shape": shape,
        "char_model": {arch: char_model(arch, shape, device, repeats) for arch in LAYERS},
        "one_text_latency": one_text_latency(device, 20 if args.quick else 300),
    }
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return results


if __name__ == "__main__":
    main()
