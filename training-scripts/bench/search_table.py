"""Tabular search benchmark: every config of a discretised char-transformer space, trained for real.

Runs the full grid of SPACE below (216 configs) with two seeds each at compute budgets
budget_tokens b, 3b, 9b, ... (--levels of them: the rungs of ASHA with eta = 3; the committed
table has b and 3b), and writes bench/search_table.json:
val_bpb (and train_loss, steps, wall time) for every (config, seed, budget), plus how the table
was made (command, space, budgets, torch version, threads, dataset hash, date, wall time).
`npm run bench:search` (api/bench/search.ts) then runs search strategies against this table: a
table lookup replaces training, so strategies can be compared over many seeds in seconds.

Every run trains through char_transformer.run() in this one process (imported as a module, so the
torch import is paid once), with num_threads fixed (1 by default) and a compute budget: the step
count and so the result depend only on the config, seed, budget and thread count, never on the
machine's load (a fresh process per run gives the same figures: --check-subprocess verifies
that for one config). Work is done budget by budget, smallest first, and every finished run is
appended to a progress file, so an interrupted table resumes where it stopped.

Usage: scripts/python.sh bench/search_table.py [--threads 1] [--base-tokens 24576]
           [--levels 3] [--workers 1] [--dataset PATH] [--out bench/search_table.json] [--limit N] [--check-subprocess]
Heavy (2 x 216 x 2 = 864 runs with --levels 2: 54 minutes with 1-3 workers on a loaded 2-core machine): run it
under `nice -n 15`.
"""

import argparse
import datetime
import hashlib
import importlib.util
import io
import itertools
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
from bench_train import find_dataset  # noqa: E402

# The searched parameters, in the API's search-space JSON (api/src/modules/campaigns/search-space.ts).
# lr is loguniform with 4 grid points (0.0025, 0.005, 0.01, 0.02): a strategy that samples it
# continuously is snapped to the nearest point in log space by the benchmark.
SPACE = {
    "lr": {"type": "loguniform", "low": 0.0025, "high": 0.02, "points": 4},
    "n_embd": {"type": "choice", "values": [32, 64, 96]},
    "batch_size": {"type": "int", "low": 16, "high": 48, "step": 16},
    "token_shift": {"type": "int", "low": 1, "high": 3},
    "block_size": {"type": "choice", "values": [32, 64]},
}
# Held fixed for every run (a short budget: warmup 5 steps, not the 9 s default's 20).
FIXED = {"n_layer": 1, "n_head": 4, "warmup_steps": 5, "schedule": "cosine"}
SEEDS = (0, 1)
ETA = 3
LEVELS = 3  # default; --levels 2 stops after b and 3b (see the README for the table's sizing)
BUDGET_CAP_S = 600.0  # budget_s: only a safety cap with a compute budget


def grid_values(param):
    """The values a grid walks, as the API's gridValues computes them (4 significant digits)."""
    kind = param["type"]
    if kind == "choice":
        return list(param["values"])
    if kind == "int":
        return list(range(param["low"], param["high"] + 1, param.get("step", 1)))
    points, low, high = param["points"], param["low"], param["high"]
    values = []
    for k in range(points):
        fraction = k / (points - 1)
        raw = low + fraction * (high - low) if kind == "uniform" else low * (high / low) ** fraction
        values.append(min(high, max(low, float(f"{raw:.4g}"))))
    return values


def grid_configs():
    names = sorted(SPACE)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid_values(SPACE[n]) for n in names))]


def config_key(config):
    """Canonical key: JSON with sorted keys, as the API stringifies a canonical config."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def load_script(threads):
    # BLAS/OpenMP read these when torch loads (the script's early_setup does the same).
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    spec = importlib.util.spec_from_file_location("char_transformer_bench", os.path.join(PACKAGE_DIR, "char_transformer.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def task_config(config, seed, tokens, dataset, threads):
    return {**FIXED, **config, "seed": seed, "budget_tokens": tokens, "budget_s": BUDGET_CAP_S,
            "dataset_path": dataset, "device": "cpu", "num_threads": threads}


def run_in_process(script, raw, threads):
    """One training run through the script's own parse_config and run(); returns its result or error line."""
    records = []
    script.emit = records.append
    script.log = lambda message: None
    try:
        config = script.parse_config(["search_table"], io.StringIO(json.dumps(raw)))
        script.BUDGET_CLOCK_START = time.monotonic()  # each run gets its own budget clock
        script.run(config, threads)
    except script.RunError as exc:
        return {"type": "error", "code": exc.code, "error": str(exc)}
    final = [r for r in records if r.get("type") in ("result", "error")]
    return final[-1] if final else {"type": "error", "code": "no_result", "error": "run() printed no result"}


def run_one(script, key, raw, threads):
    run_start = time.monotonic()
    record = run_in_process(script, raw, threads)
    line = {"key": key, "seed": raw["seed"], "budget_tokens": raw["budget_tokens"], "wall_s": round(time.monotonic() - run_start, 3)}
    if record["type"] == "result":
        line.update(val_bpb=record["val_bpb"], train_loss=record["train_loss"], steps=record["steps"])
    else:
        line.update(error=record.get("code"), message=record.get("error"))
    return line


_WORKER = {}


def _worker_init(threads):
    _WORKER["script"] = load_script(threads)
    _WORKER["threads"] = threads


def _worker_run(job):
    key, raw = job
    return run_one(_WORKER["script"], key, raw, _WORKER["threads"])


def run_subprocess(raw):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(raw, handle)
    try:
        done = subprocess.run([sys.executable, os.path.join(PACKAGE_DIR, "char_transformer.py"), handle.name],
                              capture_output=True, text=True, timeout=BUDGET_CAP_S + 30)
    finally:
        os.unlink(handle.name)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [r for r in lines if r.get("type") in ("result", "error")][-1]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--base-tokens", type=int, default=24576, help="budget_tokens of the smallest budget b")
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--out", default=os.path.join(BENCH_DIR, "search_table.json"))
    parser.add_argument("--workers", type=int, default=1, help="training processes side by side (each with --threads)")
    parser.add_argument("--levels", type=int, default=LEVELS, help="budget levels b, 3b, 9b, ... (default 3)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N configs (a quick trial)")
    parser.add_argument("--check-subprocess", action="store_true",
                        help="also run the first config in a fresh process and require identical figures")
    args = parser.parse_args()

    dataset = args.dataset or find_dataset()
    if dataset is None:
        sys.exit("search_table: no dataset (tinyshakespeare.txt in /work/shared/data or $XEENET_SHARED_DATA); pass --dataset")
    budgets = [args.base_tokens * ETA ** level for level in range(args.levels)]
    configs = grid_configs()[: args.limit]
    progress_path = args.out + ".progress.jsonl"
    identity = {"space": SPACE, "fixed": FIXED, "seeds": list(SEEDS), "budgets": budgets, "threads": args.threads,
                "dataset_sha256": sha256(dataset)}

    done = {}
    if os.path.exists(progress_path):
        with open(progress_path) as handle:
            lines = [json.loads(line) for line in handle if line.strip()]
        recorded = lines[0].get("identity", {}) if lines else {}
        same_runs = {k: v for k, v in recorded.items() if k != "budgets"} == {k: v for k, v in identity.items() if k != "budgets"}
        # Runs of the same space/seeds/threads/data at any budget stay valid when the levels change.
        if same_runs and recorded.get("budgets", [None])[0] == budgets[0]:
            for line in lines[1:]:
                done[(line["key"], line["seed"], line["budget_tokens"])] = line
            print(f"resuming: {len(done)} runs already in {progress_path}", file=sys.stderr)
        else:
            os.unlink(progress_path)
    if not os.path.exists(progress_path):
        with open(progress_path, "w") as handle:
            handle.write(json.dumps({"identity": identity}) + "\n")

    import_start = time.monotonic()
    script = load_script(args.threads)
    import torch

    started = time.monotonic()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    load_before = os.getloadavg()
    total = len(configs) * len(SEEDS) * len(budgets)
    # Smallest budget first: a cut-short table still has whole levels.
    todo = [(config_key(config), config, seed, tokens) for tokens in budgets for config in configs for seed in SEEDS
            if (config_key(config), seed, tokens) not in done]
    jobs = [(key, task_config(config, seed, tokens, dataset, args.threads)) for key, config, seed, tokens in todo]
    with open(progress_path, "a") as progress:
        if args.workers > 1:
            # Each worker process imports the script once and runs whole tasks with num_threads
            # threads, so a run's figures are the same as in a single process.
            context = multiprocessing.get_context("spawn")
            pool = context.Pool(args.workers, initializer=_worker_init, initargs=(args.threads,))
            lines = pool.imap_unordered(_worker_run, jobs)
        else:
            lines = (run_one(script, key, raw, args.threads) for key, raw in jobs)
        for line in lines:
            done[(line["key"], line["seed"], line["budget_tokens"])] = line
            progress.write(json.dumps(line) + "\n")
            progress.flush()
            print(f"[{len(done)}/{total} {time.monotonic() - started:.0f}s] b={line['budget_tokens']} seed={line['seed']} "
                  f"{line['key']} -> {line.get('val_bpb', line.get('error'))}", file=sys.stderr)
        if args.workers > 1:
            pool.close()
            pool.join()

    subprocess_check = None
    if args.check_subprocess:
        raw = task_config(configs[0], SEEDS[0], budgets[0], dataset, args.threads)
        fresh = run_subprocess(raw)
        recorded = done[(config_key(configs[0]), SEEDS[0], budgets[0])]
        subprocess_check = {"config": config_key(configs[0]), "seed": SEEDS[0], "budget_tokens": budgets[0],
                            "in_process_val_bpb": recorded.get("val_bpb"), "subprocess_val_bpb": fresh.get("val_bpb"),
                            "identical": fresh.get("val_bpb") == recorded.get("val_bpb")}
        print(f"subprocess check: {subprocess_check}", file=sys.stderr)

    entries = []
    for config in configs:
        key = config_key(config)
        entry = {"config": config, "val_bpb": {}, "train_loss": {}, "steps": {}, "wall_s": {}, "errors": {}}
        for tokens in budgets:
            runs = [done[(key, seed, tokens)] for seed in SEEDS]
            entry["val_bpb"][str(tokens)] = [r.get("val_bpb") for r in runs]
            entry["train_loss"][str(tokens)] = [r.get("train_loss") for r in runs]
            entry["steps"][str(tokens)] = [r.get("steps") for r in runs]
            entry["wall_s"][str(tokens)] = [r["wall_s"] for r in runs]
            errors = [r.get("error") for r in runs if r.get("error")]
            if errors:
                entry["errors"][str(tokens)] = errors
        if not entry["errors"]:
            del entry["errors"]
        entries.append(entry)

    table = {
        "description": f"val_bpb of every config of a discretised char-transformer space, {len(SEEDS)} seeds x "
                       f"{len(budgets)} compute budgets",
        "how": {
            "command": "nice -n 15 scripts/python.sh bench/search_table.py " + " ".join(sys.argv[1:]),
            "script": "char_transformer.py " + script.SCRIPT_VERSION,
            "space": SPACE,
            "fixed": FIXED,
            "seeds": list(SEEDS),
            "budgets_tokens": budgets,
            "eta": ETA,
            "levels": len(budgets),
            "metric": "val_bpb (lower is better), the script's own held-out evaluation",
            "runs": "in one process through char_transformer.run(), device cpu, compute budget (budget_tokens), "
                    "budget_s 600 as a cap only",
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": args.threads,
            "workers": args.workers,
            "machine": f"{platform.machine()} {os.cpu_count()} cores, shared (load average {load_before[0]:.1f} at start, "
                       f"{os.getloadavg()[0]:.1f} at end)",
            "dataset": os.path.basename(dataset),
            "dataset_sha256": identity["dataset_sha256"],
            "date": started_at,
            "wall_s_this_session": round(time.monotonic() - started, 1),
            "wall_s_all_runs": round(sum(r["wall_s"] for r in done.values()), 1),
            "torch_import_s": round(started - import_start, 2),
            "subprocess_check": subprocess_check,
        },
        "configs": entries,
    }
    with open(args.out, "w") as handle:
        json.dump(table, handle, indent=1)
        handle.write("\n")
    values = [(v, e["config"]) for e in entries for v in e["val_bpb"][str(budgets[-1])] if v is not None]
    best = min(values, key=lambda item: item[0]) if values else None
    print(json.dumps({"configs": len(entries), "runs": len(done), "best_val_bpb_top_budget": best[0] if best else None,
                      "best_config": best[1] if best else None, "out": os.path.relpath(args.out, PACKAGE_DIR)}))


if __name__ == "__main__":
    main()
