"""Local training benchmark: the demo campaign's shape, without the platform.

Runs the default config of a training script a few times (seeds 0, 1, 2, ...), then N tasks
sampled from its default search space with a fixed seed, one after another, each as its own
process the way a worker runs it (config file argument, private temporary working folder,
scrubbed environment, SIGTERM at budget_s, SIGKILL 15 s later). Prints each task's config
and val_bpb, a summary, and as its last line one JSON object with at least best_val_bpb,
mean_val_bpb and tasks.

Budgets: wall seconds by default (--budget), or the manifest's default compute budget
(--compute, or --compute-amount N in the script's unit) with budget_s as a cap (--cap).
The load check (skip with --no-load-check) runs the default config with each kind of budget
alone and then while one busy process per core competes for the CPU, in the same run: a wall
budget's val_bpb moves with the load, a compute budget's must not (only its wall time grows).

MFU is reported against this machine's matrix-multiply peak, measured here (fp32 1024x1024
matmuls on all usable cores, the best of several trials before and after the campaign).

Usage: scripts/python.sh bench/bench_train.py [--tasks 10] [--budget 9] [--seed 0]
           [--default-runs 3] [--script char-transformer] [--dataset PATH]
           [--compute | --compute-amount N] [--cap 180] [--no-load-check]
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TINYSHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
KILL_GRACE_S = 15  # the worker's SIGTERM -> SIGKILL grace period
LOAD_CHECK_CAP_S = 600.0


def shared_data_dirs():
    """Where test/benchmark data may live, in order of preference."""
    dirs = []
    if os.environ.get("XEENET_SHARED_DATA"):
        dirs.append(os.environ["XEENET_SHARED_DATA"])
    dirs.append(os.path.join(os.path.dirname(os.path.dirname(PACKAGE_DIR)), "shared", "data"))
    dirs.append("/work/shared/data")
    return dirs


def find_dataset(name="tinyshakespeare.txt"):
    for directory in shared_data_dirs():
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return os.path.abspath(path)
    return None


# A copy of char_transformer.usable_cpus (the scripts import torch at module level, so
# importing one here would cost a torch import); a unit test keeps the two identical.
def usable_cpus():
    """Cores this process may use: the affinity mask, capped by a cgroup v2 CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as quota_file:
            quota, period = quota_file.read().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def measure_matmul_peak(threads, size=1024, trials=7, repeats=8):
    """Best fp32 size x size matmul throughput (FLOP/s) over `trials` (first one is warm-up)."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    readings = []
    for trial in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        if trial:
            readings.append(2 * size ** 3 * repeats / (time.perf_counter() - start))
    return max(readings), statistics.median(readings)


def run_task(script_path, config, extra_env=None):
    """Run one task like a worker does; return (result or error dict, wall seconds, progress lines).
    `extra_env`: variables added to the scrubbed environment."""
    with tempfile.TemporaryDirectory(prefix="xeenet-bench-") as workdir:
        config_path = os.path.join(workdir, "config.json")
        with open(config_path, "w") as config_file:
            json.dump(config, config_file)
        env = dict({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "LANG": "C.UTF-8"}, **(extra_env or {}))
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, script_path, config_path], cwd=workdir, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        try:
            stdout, stderr = process.communicate(timeout=config["budget_s"])
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                stdout, stderr = process.communicate(timeout=KILL_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
        wall = time.monotonic() - started
    lines = [line for line in stdout.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            return {"type": "error", "code": "bad_output", "error": f"not JSON on stdout: {line[:200]!r}"}, wall, 0
    progress = sum(1 for record in records if record.get("type") == "progress")
    if not records or records[-1].get("type") not in ("result", "error"):
        tail = stderr.strip().splitlines()[-3:]
        return {"type": "error", "code": "no_final_line",
                "error": f"exit {process.returncode} without a final line; stderr: {' | '.join(tail)}"}, wall, progress
    return records[-1], wall, progress


def sample_campaign(space_path, count, seed):
    """(config, task seed) pairs exactly as the API creates them for a brief with this space and
    seed, from its own sampler (Node runs it; `npm run bench:train` puts Node 24 on PATH)."""
    sampler = os.path.join(os.path.dirname(PACKAGE_DIR), "api", "scripts", "sample-tasks.ts")
    node = shutil.which("node")
    if not node or not os.path.isfile(sampler):
        sys.exit(f"bench: needs Node (>= 22.18) and {sampler} to sample the campaign; run it with `npm run bench:train`")
    sampled = subprocess.run([node, sampler, "--space", space_path, "--tasks", str(count), "--seed", str(seed)],
                             capture_output=True, text=True)
    if sampled.returncode != 0:
        sys.exit(f"bench: the API sampler failed (it needs Node >= 22.18; `npm run bench:train` provides it): "
                 f"{sampled.stderr.strip()[-500:]}")
    return [(task["config"], task["seed"]) for task in json.loads(sampled.stdout)]


def script_entry(name):
    with open(os.path.join(PACKAGE_DIR, "manifest.json")) as manifest_file:
        manifest = json.load(manifest_file)
    for entry in manifest["scripts"]:
        if entry["name"] == name:
            return entry
    raise SystemExit(f"bench: no script named {name!r} in manifest.json")


def describe(record, wall, peak):
    if record["type"] != "result":
        return f"ERROR {record.get('code')}: {record.get('error')}"
    mfu = record["model_flops_per_s"] / peak
    return (f"val_bpb={record['val_bpb']:.4f} steps={record['steps']}/{record['planned_steps']} "
            f"tok/s={record['tokens_per_s']:.0f} mfu={mfu:.3f} eval={record['eval_s']:.2f}s wall={wall:.2f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--script", default="char-transformer", help="script name in manifest.json")
    parser.add_argument("--tasks", type=int, default=10, help="campaign tasks (0: none, e.g. for the load check only)")
    parser.add_argument("--budget", type=float, default=None, help="seconds per task (default: manifest)")
    parser.add_argument("--seed", type=int, default=0, help="the campaign's seed (sampling and per-task seeds)")
    parser.add_argument("--default-runs", type=int, default=3, help="runs of the default config (seeds 0..n-1)")
    parser.add_argument("--dataset", default=None, help="default: tinyshakespeare.txt from the shared data folder")
    parser.add_argument("--compute", action="store_true", help="compute budgets (the manifest's default amount)")
    parser.add_argument("--compute-amount", type=float, default=None, help="compute budget in the script's unit")
    parser.add_argument("--cap", type=float, default=None, help="budget_s cap of compute-budget tasks (default 180)")
    parser.add_argument("--no-load-check", action="store_true", help="skip the alone vs competing-load comparison")
    args = parser.parse_args()

    entry = script_entry(args.script)
    script_path = os.path.join(PACKAGE_DIR, entry["file"])
    budget = args.budget if args.budget is not None else entry["defaultBudgetS"]
    dataset = args.dataset or find_dataset()
    if dataset is None or not os.path.isfile(dataset):
        sys.exit("bench: TinyShakespeare not found; put tinyshakespeare.txt in $XEENET_SHARED_DATA, "
                 f"../shared/data or /work/shared/data (looked in: {', '.join(shared_data_dirs())}), or pass --dataset")
    with open(dataset, "rb") as data_file:
        digest = hashlib.sha256(data_file.read()).hexdigest()
    if digest != TINYSHAKESPEARE_SHA256:
        print(f"bench: note: {dataset} is not the reference TinyShakespeare (sha256 {digest[:12]}...); "
              "the targets do not apply", file=sys.stderr)
    # Sampled first, so a missing Node fails before minutes of training.
    campaign = sample_campaign(os.path.join(PACKAGE_DIR, entry["searchSpace"]), args.tasks, args.seed) if args.tasks else []

    threads = usable_cpus()
    peak_before, median_before = measure_matmul_peak(threads)
    print(f"machine: {threads} usable cores, fp32 matmul peak {peak_before / 1e9:.1f} GFLOP/s "
          f"(median {median_before / 1e9:.1f}); script {entry['file']}, dataset {dataset}")

    compute = compute_platform(entry, args)
    platform = dict(compute or {"budget_s": budget}, dataset_path=dataset)
    print(f"budget: {describe_budget(platform)}")
    default_runs = []
    for run in range(args.default_runs):
        config = dict(entry.get("defaultConfig", {}), seed=run, **platform)
        record, wall, progress = run_task(script_path, config)
        default_runs.append((record, wall, progress))
        print(f"default config, seed {run}: {describe(record, wall, peak_before)}", flush=True)

    tasks = []
    for index, (sampled, task_seed) in enumerate(campaign):
        config = dict(sampled, seed=task_seed, **platform)
        record, wall, progress = run_task(script_path, config)
        tasks.append((sampled, record, wall, progress))
        print(f"task {index + 1}/{args.tasks}: {json.dumps(sampled, sort_keys=True)}", flush=True)
        print(f"    {describe(record, wall, peak_before)}", flush=True)

    peak_after, _ = measure_matmul_peak(threads)
    peak = max(peak_before, peak_after)
    results = [(sampled, record, wall, progress) for sampled, record, wall, progress in tasks if record["type"] == "result"]
    failures = len(tasks) - len(results)
    values = [record["val_bpb"] for _, record, _, _ in results]
    ok_defaults = [record for record, _, _ in default_runs if record["type"] == "result"]
    all_results = [record for _, record, _, _ in results] + ok_defaults
    summary = {
        "benchmark": "train",
        "script": entry["name"],
        "dataset": os.path.basename(dataset),
        "budget_s": platform["budget_s"],
        "budget": describe_budget(platform),
        "seed": args.seed,
        "tasks": len(tasks),
        "failures": failures + len(default_runs) - len(ok_defaults),
        "best_val_bpb": min(values) if values else None,
        "mean_val_bpb": statistics.fmean(values) if values else None,
        "std_val_bpb": statistics.stdev(values) if len(values) > 1 else 0.0,
        "median_val_bpb": statistics.median(values) if values else None,
        "best_steps": None,
        "best_config": None,
        "default_val_bpb_median": statistics.median(r["val_bpb"] for r in ok_defaults) if ok_defaults else None,
        "default_val_bpb_runs": [r["val_bpb"] for r in ok_defaults],
        "default_wall_s_median": statistics.median(wall for record, wall, _ in default_runs) if default_runs else None,
        "default_tokens_per_s_median": statistics.median(r["tokens_per_s"] for r in ok_defaults) if ok_defaults else None,
        "default_mfu_median": statistics.median(r["model_flops_per_s"] / peak for r in ok_defaults) if ok_defaults else None,
        "tokens_per_s_median": statistics.median(r["tokens_per_s"] for r in all_results) if all_results else None,
        "mfu_median": statistics.median(r["model_flops_per_s"] / peak for r in all_results) if all_results else None,
        "eval_s_median": statistics.median(r["eval_s"] for r in all_results) if all_results else None,
        "import_s_median": statistics.median(r["import_s"] for r in all_results) if all_results else None,
        "wall_s_max": max((wall for _, _, wall, _ in tasks), default=None),
        "peak_flops": peak,
        "threads": threads,
        "torch_version": all_results[0]["torch_version"] if all_results else None,
        "results": [{"config": sampled, "val_bpb": record.get("val_bpb"), "steps": record.get("steps"),
                     "error": record.get("error"), "tokens_per_s": record.get("tokens_per_s"),
                     "wall_s": round(wall, 3), "progress_lines": progress} for sampled, record, wall, progress in tasks],
    }
    if values:
        best_config, best = min(((s, r) for s, r, _, _ in results), key=lambda pair: pair[1]["val_bpb"])
        summary["best_steps"] = best["steps"]
        summary["best_config"] = best_config
        print(f"best val_bpb {summary['best_val_bpb']:.4f} (steps {best['steps']}, config {json.dumps(best_config, sort_keys=True)})")
        print(f"mean {summary['mean_val_bpb']:.4f}  std {summary['std_val_bpb']:.4f}  median {summary['median_val_bpb']:.4f}"
              f"  over {len(values)} tasks ({failures} failed)")
    if ok_defaults:
        print(f"default config: median val_bpb {summary['default_val_bpb_median']:.4f} over {len(ok_defaults)} runs "
              f"({', '.join(f'{v:.4f}' for v in summary['default_val_bpb_runs'])}), "
              f"{summary['default_tokens_per_s_median']:.0f} tokens/s, MFU {summary['default_mfu_median']:.3f}")
    if all_results:
        print(f"all runs: median {summary['tokens_per_s_median']:.0f} tokens/s, MFU {summary['mfu_median']:.3f} "
              f"of {peak / 1e9:.1f} GFLOP/s, eval {summary['eval_s_median']:.2f}s, torch import {summary['import_s_median']:.2f}s, "
              f"max wall {summary['wall_s_max']:.2f}s ({describe_budget(platform)} budget)")
    if not args.no_load_check:
        wall_platform = {"budget_s": budget, "dataset_path": dataset}
        # A generous cap: under the competing load a compute task takes 2-3x its time alone.
        compute_load_platform = dict(compute_platform(entry, argparse.Namespace(
            compute=True, compute_amount=args.compute_amount, cap=args.cap or LOAD_CHECK_CAP_S)), dataset_path=dataset)
        summary["load_check"] = load_check(script_path, entry, threads, wall_platform, compute_load_platform, peak)
    line = json.dumps(summary, allow_nan=False)
    save_for_root_script(line)
    print(line)
    return 0 if (values or not tasks) and not failures else 1


def compute_platform(entry, args):
    """The compute-budget platform keys ({budget_<unit>: amount, budget_s: cap}) the arguments
    ask for, or None for wall budgets."""
    if not args.compute and args.compute_amount is None:
        return None
    budgets = entry["budgets"]
    amount = args.compute_amount if args.compute_amount is not None else budgets["defaultCompute"]
    unit = budgets["computeUnit"]
    return {f"budget_{unit}": int(amount) if unit == "tokens" else amount,
            "budget_s": args.cap if args.cap is not None else 180.0}


def describe_budget(platform):
    for unit in ("tokens", "flops"):
        if f"budget_{unit}" in platform:
            return f"compute, {platform[f'budget_{unit}']:g} {unit} (cap {platform['budget_s']:g}s)"
    return f"wall, {platform['budget_s']:g}s"


def competing_load(processes):
    """Busy processes, one per core, at the benchmark's own priority (like another program)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]


def load_check(script_path, entry, threads, wall_platform, compute_platform_keys, peak):
    """The default config (seed 0) with a wall and a compute budget, each alone and then under a
    competing load, interleaved in this one run. Returns the figures; prints them."""
    figures = {}
    for kind, platform in (("wall", wall_platform), ("compute", compute_platform_keys)):
        config = dict(entry.get("defaultConfig", {}), seed=0, **platform)
        runs = {}
        for condition in ("alone", "loaded"):
            load = competing_load(threads) if condition == "loaded" else []
            try:
                record, wall, _ = run_task(script_path, config)
            finally:
                for process in load:
                    process.kill()
                    process.wait()
            runs[condition] = {"val_bpb": record.get("val_bpb"), "steps": record.get("steps"), "wall_s": round(wall, 3),
                               "tokens_per_s": record.get("tokens_per_s"), "error": record.get("error")}
            print(f"load check, {kind} budget ({describe_budget(platform)}), {condition}: "
                  f"{describe(record, wall, peak)}", flush=True)
        alone, loaded = runs["alone"], runs["loaded"]
        ok = alone["val_bpb"] is not None and loaded["val_bpb"] is not None
        runs["val_bpb_delta"] = loaded["val_bpb"] - alone["val_bpb"] if ok else None
        runs["steps_ratio"] = loaded["steps"] / alone["steps"] if ok else None
        runs["wall_ratio"] = loaded["wall_s"] / alone["wall_s"] if ok else None
        figures[kind] = runs
        if ok:
            print(f"load check, {kind} budget: val_bpb {alone['val_bpb']:.4f} alone, {loaded['val_bpb']:.4f} under load "
                  f"(delta {runs['val_bpb_delta']:+.4f}); steps x{runs['steps_ratio']:.2f}, wall time x{runs['wall_ratio']:.2f}")
    return figures


def save_for_root_script(line, name="train"):
    """The root `npm run bench:<name>` prints <repo>/.bench/<name>.json last (turbo prints its
    own summary after the task's output), so the summary is saved there as well."""
    folder = os.path.join(os.path.dirname(PACKAGE_DIR), ".bench")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{name}.json"), "w") as summary_file:
            summary_file.write(line + "\n")
    except OSError as exc:
        print(f"bench: could not save {folder}/train.json: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
