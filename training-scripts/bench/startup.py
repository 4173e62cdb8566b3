"""Start-up benchmark: how long a training script takes from its handoff to its first training step
when the interpreter and torch were started ahead of time, the way the worker runs it.

Each run is one process that does what the worker's bootstrap does: set the thread variables,
import torch, wait until it is handed a task (here: a line on stdin), set
XEENET_BUDGET_CLOCK_START = repr(time.monotonic()) and run the script in the same process with
runpy. The script's result line reports `startup_s` (budget clock start -> first training step)
and `clock` ("handoff" when it used the handed-over clock). A script that predates the handoff
clock counts from its process start; its handoff -> first step time is then recovered from the
process age at the handoff, which the bootstrap reports.

Prints one line per run and a summary per script; ends with one JSON line (medians) that is
also saved as <repo>/.bench/startup.json.

Usage: scripts/python.sh bench/startup.py [--runs 7] [--script char-tiny ...] [--dataset PATH]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench_train import PACKAGE_DIR, find_dataset, save_for_root_script, script_entry

# argv: threads, script, config path, the clock to hand over: "now" (the worker's contract),
# "now-<seconds>" (a stale reading) or any literal (tests of bad values); and "warm" or "cold":
# whether the bootstrap also starts torch's thread pool and runs one tiny training step ahead.
BOOTSTRAP = r"""
import os, sys, time
threads, script, config_path, clock, warm = sys.argv[1:6]
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = threads
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def process_age_s():
    with open("/proc/self/stat") as stat_file:
        fields = stat_file.read().rsplit(")", 1)[1].split()
    return time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")


import runpy
import torch, torch.nn, torch.nn.functional, torch.optim  # noqa: E401,F401  (ahead of time)
if warm == "warm":
    torch.set_num_threads(int(threads))
    layer = torch.nn.Linear(64, 256)
    optimizer = torch.optim.AdamW(layer.parameters(), foreach=True)
    torch.nn.functional.cross_entropy(layer(torch.randn(256, 64)), torch.randint(0, 256, (256,))).backward()
    optimizer.step()
    del layer, optimizer
sys.stderr.write("bootstrap: ready\n")
sys.stderr.flush()
sys.stdin.readline()  # the handoff
if clock == "now" or clock.startswith("now-"):
    os.environ["XEENET_BUDGET_CLOCK_START"] = repr(time.monotonic() - float(clock[4:] or 0))
else:
    os.environ["XEENET_BUDGET_CLOCK_START"] = clock
sys.stderr.write(f"bootstrap: handoff at process age {process_age_s():.6f}\n")
sys.argv = [script, config_path]
runpy.run_path(script, run_name="__main__")
"""


def run_prestarted(script_path, config, threads, clock="now", delay_s=0.0, timeout=None, warm=False):
    """Run the script the way the worker's bootstrap does (torch imported first, then the
    handoff `delay_s` after the bootstrap is ready). Returns (exit code, stdout, stderr, the
    bootstrap's process age at the handoff)."""
    with tempfile.TemporaryDirectory(prefix="xeenet-startup-") as workdir:
        config_path = os.path.join(workdir, "config.json")
        with open(config_path, "w") as config_file:
            json.dump(config, config_file)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "LANG": "C.UTF-8"}
        process = subprocess.Popen([sys.executable, "-c", BOOTSTRAP, str(threads), script_path, config_path, clock,
                                    "warm" if warm else "cold"],
                                   cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        early_stderr = []
        while "bootstrap: ready" not in (early_stderr or [""])[-1]:
            early_stderr.append(process.stderr.readline())
            if not early_stderr[-1] and process.poll() is not None:
                raise RuntimeError(f"the bootstrap died: {''.join(early_stderr)[-2000:]}")
        time.sleep(delay_s)
        process.stdin.write("go\n")
        process.stdin.close()
        process.stdin = None
        stdout, stderr = process.communicate(timeout=timeout or config["budget_s"] + 30)
    handoff_age = None
    for line in stderr.splitlines():
        if line.startswith("bootstrap: handoff at process age "):
            handoff_age = float(line.rsplit(" ", 1)[1])
    return process.returncode, stdout, "".join(early_stderr) + stderr, handoff_age


def run_once(script_path, config, threads, warm):
    """One pre-started run; returns (handoff -> first step seconds, result line, handoff age)."""
    _, stdout, stderr, handoff_age = run_prestarted(script_path, config, threads, warm=warm)
    result = json.loads(stdout.strip().splitlines()[-1])
    if result.get("type") != "result":
        raise SystemExit(f"bench: the run failed: {result}; stderr: {stderr[-2000:]}")
    if result.get("clock") == "handoff":
        return result["startup_s"], result, handoff_age
    return result["startup_s"] - handoff_age, result, handoff_age


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--script", action="append", help="script name(s) in manifest.json (default: both)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dataset", default=None, help="default: tinyshakespeare.txt from the shared data folder")
    parser.add_argument("--baseline-dir", default=None,
                        help="a folder with other versions of the script files (e.g. from `git show`), run interleaved")
    args = parser.parse_args()
    dataset = args.dataset or find_dataset()
    if dataset is None:
        sys.exit("bench: TinyShakespeare not found; pass --dataset")
    budgets = {"char-tiny": 5, "char-transformer": 9}
    summary = {"benchmark": "startup", "runs": args.runs, "threads": args.threads, "scripts": {}}
    for name in args.script or ["char-tiny", "char-transformer"]:
        entry = script_entry(name)
        budget = budgets.get(name, entry["defaultBudgetS"])
        # A short fixed step count: start-up is the point, not training. budget_s is only the
        # cap of the 20 steps (a loaded machine needs far more than the nominal budget for them);
        # the start-up fraction is taken of the nominal budget.
        config = dict(entry["defaultConfig"], seed=0, dataset_path=dataset, budget_s=120,
                      num_threads=args.threads, max_steps=20)
        variants = {"cold bootstrap": (os.path.join(PACKAGE_DIR, entry["file"]), False),
                    "warm bootstrap": (os.path.join(PACKAGE_DIR, entry["file"]), True)}
        if args.baseline_dir:
            variants["baseline, cold bootstrap"] = (os.path.join(args.baseline_dir, entry["file"]), False)
        readings = {variant: [] for variant in variants}
        for index in range(args.runs):  # interleaved, so the machine's load drifts over all alike
            for variant, (path, warm) in variants.items():
                startup, result, handoff_age = run_once(path, config, args.threads, warm)
                readings[variant].append((startup, result.get("first_step_s")))
                first_step = result.get("first_step_s")
                print(f"{name} run {index + 1} {variant}: handoff -> first step {startup * 1000:.1f} ms "
                      f"(clock {result.get('clock', 'process')}, process age at handoff {handoff_age:.2f}s"
                      + (f", first step {first_step * 1000:.1f} ms)" if first_step is not None else ")"), flush=True)
        summary["scripts"][name] = {"budget_s": budget}
        for variant, values in readings.items():
            startups = [startup for startup, _ in values]
            first_steps = [first for _, first in values if first is not None]
            median = statistics.median(startups)
            summary["scripts"][name][variant.replace(", ", "_").replace(" ", "_")] = {
                "startup_s_median": round(median, 4), "startup_s_min": round(min(startups), 4),
                "startup_s_max": round(max(startups), 4), "startup_fraction_median": round(median / budget, 4),
                "first_step_s_median": round(statistics.median(first_steps), 4) if first_steps else None,
            }
            print(f"{name}, {variant}: handoff -> first step median {median * 1000:.1f} ms "
                  f"(min {min(startups) * 1000:.1f}, max {max(startups) * 1000:.1f}) = {median / budget:.4f} "
                  f"of a {budget} s budget"
                  + (f"; first step {statistics.median(first_steps) * 1000:.1f} ms" if first_steps else ""))
    line = json.dumps(summary, allow_nan=False)
    save_for_root_script(line, "startup")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
