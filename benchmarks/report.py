"""The markdown tables of `benchmarks.run` (docs/guides/performance.md includes them)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN_FLOPS = 3.0  # A training step costs about 3 forward passes (forward, two backward matmuls).


def shipped_presets() -> list[str]:
    """The zoo's models whose preset directory ships in saved_models/."""
    import seqzoo

    shipped = {p.parent.name for p in (ROOT / "saved_models").glob("*/model.weights.h5")}
    return [name for name in seqzoo.list_models() if name in shipped]


def _torch_best(row: dict) -> tuple[str, float] | None:
    torch_rows = [(k, v) for k, v in row.items() if k.startswith("torch")]
    return max(torch_rows, key=lambda kv: kv[1]) if torch_rows else None


def _bf16_cells(row: dict, best_torch) -> str:
    """bfloat16 inference speed and its ratios ("-" for training, which stays float32)."""
    low = row.get("seqzoo bf16")
    if low is None:
        return "- | - | -"
    torch_ratio = f"{low / best_torch[1]:.2f}x" if best_torch else "n/a"
    return f"{low:,.0f} | {low / row['keras']:.2f}x | {torch_ratio}"


def markdown(results: dict) -> str:
    m, shape = results["machine"], results["shape"]
    peak = m["matmul_gflops"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores; load average {m['load_average_start']:.1f} at the start, "
        f"{m.get('load_average_end', float('nan')):.1f} at the end"
        f"{' (the machine was shared)' if m['load_average_start'] > 0.5 * m['cores'] else ''}. "
        f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, PyTorch {m.get('torch', 'not installed')}. "
        f"Shapes: batch {shape['batch']} x {shape['steps']} steps, {shape['layers']} layers of "
        f"{shape['units']} units, embedding {shape['emb']}, vocabulary {shape['vocab']}; "
        f"medians of {results['repeats']} interleaved rounds. "
        f"TensorFlow matmul peak here: {peak:.0f} GFLOP/s.",
        "",
        "| model | workload | seqzoo chars/s | keras (jit auto) | keras (jit off) | best torch | "
        "seqzoo / keras | seqzoo / keras jit off | seqzoo / torch | MFLOP/char | seqzoo GFLOP/s (% of peak) "
        "| seqzoo bf16 chars/s | bf16 / keras | bf16 / torch |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for arch, row in results["throughput"].items():
        for workload in ("train", "infer"):
            r = row[workload]
            flops = row["flops_per_char"] * (TRAIN_FLOPS if workload == "train" else 1.0)
            achieved = r["seqzoo"] * flops / 1e9
            best = _torch_best(r)
            torch_cell = f"{best[1]:,.0f} ({best[0][6:]})" if best else "n/a"
            torch_ratio = f"{r['seqzoo'] / best[1]:.2f}x" if best else "n/a"
            lines.append(
                f"| {arch} | {workload} | {r['seqzoo']:,.0f} | {r['keras']:,.0f} | {r['keras jit=False']:,.0f} | "
                f"{torch_cell} | {r['seqzoo'] / r['keras']:.2f}x | {r['seqzoo'] / r['keras jit=False']:.2f}x | "
                f"{torch_ratio} | {flops / 1e6:.2f} | {achieved:.1f} ({100 * achieved / peak:.0f}%) | "
                + _bf16_cells(r, best) + " |"
            )
    lines += ["", "The same calls in characters per CPU-second of the benchmark process (median), which "
              "the other processes on a shared machine disturb less than the wall clock:", "",
              "| model | workload | seqzoo | keras (jit auto) | keras (jit off) | torch 2 threads | torch 1 thread |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for arch, row in results["throughput"].items():
        for workload in ("train", "infer"):
            r = row.get(f"{workload}_cpu", {})
            cells = [r.get(k) for k in ("seqzoo", "keras", "keras jit=False")]
            cells += [next((v for k, v in r.items() if k.startswith("torch") and not k.endswith("1 thread")), None),
                      r.get("torch 1 thread")]
            lines.append(f"| {arch} | {workload} | " + " | ".join("n/a" if c is None else f"{c:,.0f}" for c in cells)
                         + " |")
    g = results["generation"]
    lines += ["", f"Generation, batch 1, {g['chars']} characters ({g['model']}):", "",
              "| method | chars/s | seqzoo speed-up |", "|---|---:|---:|"]
    for method in [k for k in g if k not in ("model", "chars")]:
        lines.append(f"| {method} | {g[method]:,.0f} | {g['seqzoo'] / g[method]:.1f}x |")
    lines += ["", "`seqzoo.load` in a fresh process (TensorFlow import counted apart):", "",
              "| preset | import s | first load s | next load s | peak memory MB |", "|---|---:|---:|---:|---:|"]
    for name, r in results["load"].items():
        lines.append(f"| {name} | {r['import_s']:.1f} | {r['first_load_s']:.2f} | {r['next_load_s']:.2f} | "
                     f"{r['peak_mb']:,.0f} |")
    lines += ["", "Peak memory of 3 calls of a workload, in a fresh process (peak resident size, VmHWM):", "",
              "| model | implementation | workload | peak MB | above the process before it MB |",
              "|---|---|---|---:|---:|"]
    for r in results["memory"]:
        lines.append(f"| {r['arch']} | {r['impl']} | {r['workload']} | {r['peak_mb']:,.0f} | "
                     f"{r['workload_mb']:,.0f} |")
    return "\n".join(lines) + "\n"
