"""Replay spread: how far apart two runs of the same task land, for the verification tolerance.

For several configs of both scripts (the defaults and corners of the default search spaces)
and two seeds, with the manifest's default compute budget, it runs each task
  (a) twice with num_threads 2 (the same device type, torch build and threads: expected to be
      bit-identical), and
  (b) once more with num_threads 1 (a different thread count changes floating-point summation
      order: the spread a verifier sees between hardware classes of one CPU kind), and
  (c) once more with the kernels an AVX2-only CPU runs (OpenBLAS Haswell instead of
      Cooperlake), forced on this AVX-512 machine: the spread between CPU generations at the
      same thread count,
and, for wall budgets, one wall run per config whose `replay` object is then replayed with the
same thread count and with the other one. Each run is its own process, as a worker runs it.

Writes every run's figures to bench/replay_spread.json (raw) and prints the summary table:
max and median |delta val_bpb| and |delta train_loss| per script and comparison, and for
reference the spread between two seeds of the same config (a different honest run), which a
tolerance must stay well below to mean anything.

Usage: scripts/python.sh bench/replay_spread.py [--seeds 0 1] [--only char-tiny] [--out PATH]
           [--comparisons threads kernels wall] [--merge EARLIER.json]
       scripts/python.sh bench/replay_spread.py --summarize bench/replay_spread.json  (table again)
Heavy (about 100 script runs): run it under `nice -n 19` in the background on a shared machine;
the step counts are fixed, so the load changes its duration, not its figures.
"""

import argparse
import json
import os
import platform
import statistics
import sys

from bench_train import PACKAGE_DIR, find_dataset, run_task, script_entry

CONFIGS = {
    "char-transformer": {
        "default": {},
        "small corner": {"n_embd": 48, "block_size": 32, "batch_size": 16, "token_shift": 1, "lr": 0.003,
                         "schedule": "constant", "warmup_steps": 0},
        "large corner": {"n_embd": 96, "block_size": 64, "batch_size": 48, "token_shift": 3, "lr": 0.008,
                         "schedule": "cosine", "warmup_steps": 50},
        "wide, short": {"n_embd": 96, "block_size": 32, "batch_size": 16, "token_shift": 2, "lr": 0.008,
                        "schedule": "linear", "warmup_steps": 20},
        "narrow, long": {"n_embd": 48, "block_size": 64, "batch_size": 48, "token_shift": 3, "lr": 0.003,
                         "schedule": "cosine", "warmup_steps": 50},
    },
    "char-tiny": {
        "default": {},
        "small corner": {"context": 3, "n_embd": 8, "n_hidden": 128, "batch_size": 16, "lr": 0.01, "schedule": "constant"},
        "large corner": {"context": 8, "n_embd": 24, "n_hidden": 256, "batch_size": 32, "lr": 0.06, "schedule": "cosine"},
        "long context, narrow": {"context": 8, "n_embd": 8, "n_hidden": 256, "batch_size": 16, "lr": 0.06,
                                 "schedule": "linear"},
        "short context, wide": {"context": 3, "n_embd": 24, "n_hidden": 128, "batch_size": 32, "lr": 0.01,
                                "schedule": "cosine"},
    },
}
WALL_CONFIGS = ("default", "small corner", "large corner")  # wall-budget replays: fewer, they take a full budget
WALL_BUDGET_S = 20  # both scripts: on a loaded machine a 3-9 s task can spend all of it starting
CAP_S = 600  # budget_s of fixed-step runs: a cap only, generous for a loaded machine
# The kernels an AVX2-only CPU (most volunteers' laptops and desktops) runs with this torch
# build, forced on this AVX-512 machine: OpenBLAS's Haswell sgemm instead of its Cooperlake
# (AVX-512) one. Debian's torch 1.13 has AVX2 kernels at most, so ATen's choice is the same
# on both (the variable pins it); the difference measured is OpenBLAS's.
AVX2_KERNELS = {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2"}
COMPARISONS = ("threads", "kernels", "wall")


class RunFailed(Exception):
    pass


def run(script_path, config, extra_env=None):
    record, wall, _ = run_task(script_path, config, extra_env)
    if record.get("type") != "result":
        raise RunFailed(f"{record.get('code')}: {record.get('error')}")
    return {key: record[key] for key in ("val_bpb", "train_loss", "steps", "num_threads", "stop_reason")} | {
        "wall_s": round(wall, 3), "replay": record["replay"]}


def pair(script, name, seed, budget, comparison, first, second):
    return {"script": script, "config": name, "seed": seed, "budget": budget, "comparison": comparison,
            "threads": [first["num_threads"], second["num_threads"]], "steps": [first["steps"], second["steps"]],
            "val_bpb": [first["val_bpb"], second["val_bpb"]], "train_loss": [first["train_loss"], second["train_loss"]],
            "delta_val_bpb": abs(first["val_bpb"] - second["val_bpb"]),
            "delta_train_loss": abs(first["train_loss"] - second["train_loss"]),
            "wall_s": [first["wall_s"], second["wall_s"]]}


def measure(script, seeds, dataset, comparisons, save):
    """Runs the comparisons for `script`; calls save(pairs) after each config, so that a long
    run interrupted (or a wall run refused on an overloaded machine) keeps what it measured."""
    entry = script_entry(script)
    path = os.path.join(PACKAGE_DIR, entry["file"])
    unit, amount = entry["budgets"]["computeUnit"], entry["budgets"]["defaultCompute"]
    pairs = []
    for name, overrides in CONFIGS[script].items():
        for seed in seeds:
            base = dict(entry["defaultConfig"], **overrides, seed=seed, dataset_path=dataset, budget_s=CAP_S,
                        num_threads=2, **{f"budget_{unit}": amount})
            budget = f"compute ({amount:g} {unit})"
            first = run(path, base)
            line = f"{script} {name} seed {seed}: val_bpb {first['val_bpb']:.6f} ({first['steps']} steps, 2 threads)"
            if "threads" in comparisons:
                again, one_thread = run(path, base), run(path, dict(base, num_threads=1))
                pairs.append(pair(script, name, seed, budget, "same threads (2, 2)", first, again))
                pairs.append(pair(script, name, seed, budget, "threads 2 vs 1", first, one_thread))
                line += f" / again {again['val_bpb']:.6f} / 1 thread {one_thread['val_bpb']:.6f}"
            if "kernels" in comparisons:
                avx2 = run(path, base, AVX2_KERNELS)
                pairs.append(pair(script, name, seed, budget, "AVX-512 vs AVX2 kernels (2 threads)", first, avx2))
                line += f" / AVX2 kernels {avx2['val_bpb']:.6f}"
            print(line, flush=True)
        if name in WALL_CONFIGS and "wall" in comparisons:
            wall_budget = dict(entry["defaultConfig"], **overrides, seed=seeds[0], dataset_path=dataset,
                               budget_s=WALL_BUDGET_S, num_threads=2)
            try:
                original = run(path, wall_budget)
            except RunFailed as exc:  # e.g. start-up took the whole budget: nothing to replay
                print(f"{script} {name} wall run: no result ({exc}); no replay", flush=True)
            else:
                replay_config = dict(wall_budget, **original["replay"], budget_s=CAP_S)
                same = run(path, replay_config)
                other = run(path, dict(replay_config, num_threads=1))
                budget = f"wall ({WALL_BUDGET_S} s), replayed"
                pairs.append(pair(script, name, seeds[0], budget, "same threads (2, 2)", original, same))
                pairs.append(pair(script, name, seeds[0], budget, "threads 2 vs 1", original, other))
                print(f"{script} {name} wall replay: val_bpb {original['val_bpb']:.6f} ({original['steps']} steps, "
                      f"{original['stop_reason']}) / {same['val_bpb']:.6f} / {other['val_bpb']:.6f} (1 thread)", flush=True)
        save(pairs)
    return pairs


def seed_pairs(pairs):
    """Reference pairs: the same config and budget with another seed (other init and batches),
    the spread of an honest *different* run, which a tolerance must stay well below."""
    firsts = {}
    for p in pairs:
        if p["comparison"].startswith("same threads") and p["budget"].startswith("compute"):
            firsts.setdefault((p["script"], p["config"]), []).append(p)
    reference = []
    for (script, name), group in firsts.items():
        for first, second in zip(group, group[1:]):
            reference.append({"script": script, "config": name, "budget": first["budget"],
                              "comparison": "another seed (reference)", "seeds": [first["seed"], second["seed"]],
                              "delta_val_bpb": abs(first["val_bpb"][0] - second["val_bpb"][0]),
                              "delta_train_loss": abs(first["train_loss"][0] - second["train_loss"][0])})
    return reference


def summarize(pairs):
    rows = []
    pairs = pairs + seed_pairs(pairs)
    keys = sorted({(p["script"], p["budget"].split(" ")[0], p["comparison"]) for p in pairs})
    for script, kind, comparison in keys:
        group = [p for p in pairs if (p["script"], p["budget"].split(" ")[0], p["comparison"]) == (script, kind, comparison)]
        bpb = [p["delta_val_bpb"] for p in group]
        loss = [p["delta_train_loss"] for p in group]
        rows.append({"script": script, "budget": kind, "comparison": comparison, "pairs": len(group),
                     "identical": sum(1 for p in group if p["delta_val_bpb"] == 0 and p["delta_train_loss"] == 0),
                     "pairs_with_other_steps": sum(1 for p in group if len(set(p.get("steps", [0]))) > 1),
                     "max_delta_val_bpb": max(bpb), "median_delta_val_bpb": statistics.median(bpb),
                     "max_delta_train_loss": max(loss), "median_delta_train_loss": statistics.median(loss)})
    return rows


def write_report(path, header, pairs):
    report = dict(header, summary=summarize(pairs), pairs=pairs)
    with open(path, "w") as out_file:
        json.dump(report, out_file, indent=1)
        out_file.write("\n")
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--only", choices=sorted(CONFIGS), default=None)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--out", default=os.path.join(PACKAGE_DIR, "bench", "replay_spread.json"))
    parser.add_argument("--comparisons", nargs="+", choices=COMPARISONS, default=list(COMPARISONS))
    parser.add_argument("--merge", metavar="JSON", default=None, help="add an earlier run's raw pairs to this run's")
    parser.add_argument("--summarize", metavar="JSON", default=None, help="re-summarize an earlier run's raw pairs")
    args = parser.parse_args()
    if args.summarize:
        with open(args.summarize) as raw_file:
            earlier = json.load(raw_file)
        report = write_report(args.out, {key: value for key, value in earlier.items() if key not in ("summary", "pairs")},
                              earlier["pairs"])
    else:
        dataset = args.dataset or find_dataset()
        if dataset is None:
            sys.exit("bench: TinyShakespeare not found; pass --dataset")
        import torch  # for its version only

        header = {"benchmark": "replay_spread", "dataset": os.path.basename(dataset), "torch_version": torch.__version__,
                  "machine": f"{platform.machine()}, {os.cpu_count()} cores ({platform.processor() or 'cpu'})"}
        pairs = []
        if args.merge:
            with open(args.merge) as earlier_file:
                pairs.extend(json.load(earlier_file)["pairs"])
        for script in [args.only] if args.only else list(CONFIGS):
            done = list(pairs)
            pairs = done + measure(script, args.seeds, dataset, args.comparisons,
                                   lambda new, done=done: write_report(args.out, header, done + new))
        report = write_report(args.out, header, pairs)
    summary = report["summary"]
    print("| script | budget | comparison | pairs | identical | max abs dval_bpb | median | max abs dtrain_loss | median |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in summary:
        print(f"| {row['script']} | {row['budget']} | {row['comparison']} | {row['pairs']} | {row['identical']} | "
              f"{row['max_delta_val_bpb']:.2e} | {row['median_delta_val_bpb']:.2e} | "
              f"{row['max_delta_train_loss']:.2e} | {row['median_delta_train_loss']:.2e} |")
    print(json.dumps({"benchmark": "replay_spread", "summary": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
