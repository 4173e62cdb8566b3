"""Optuna's TPE on the tabular search benchmark: the peer XeeNet's strategies are measured against.

Reads the table written by training-scripts/bench/search_table.py and, for each campaign seed,
runs Optuna's TPESampler (multivariate, constant liar, 10 start-up trials: the settings XeeNet's
`tpe` mirrors) for --tasks trials, --workers of them in flight (1: one after another). A trial's value is the table's val_bpb at the
top budget for its config, snapped to the table's grid exactly as api/bench/search.ts snaps, and
for the seed replicate (0 or 1) given by replicate_bit(seed, trial). Prints one JSON object:
{"optuna": "<version>", "values": {"<seed>": [v0, v1, ...]}, "configs": {...}}.

Usage: python3 api/bench/optuna_driver.py --table PATH --seeds 0 1 2 ... [--tasks 80] [--workers 1]
"""

import argparse
import json
import math
import sys
import warnings


def replicate_bit(seed, trial):
    """The seed replicate a trial reads: a fixed 32-bit mix of (campaign seed, trial number)."""
    h = (seed * 0x9E3779B1 + (trial + 1) * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x7FEB352D) & 0xFFFFFFFF
    h ^= h >> 15
    return h & 1


def grid_values(param):
    if param["type"] == "choice":
        return list(param["values"])
    if param["type"] == "int":
        return list(range(param["low"], param["high"] + 1, param.get("step", 1)))
    low, high, points = param["low"], param["high"], param["points"]
    values = []
    for k in range(points):
        fraction = k / (points - 1)
        raw = low + fraction * (high - low) if param["type"] == "uniform" else math.exp(
            math.log(low) + fraction * (math.log(high) - math.log(low)))
        values.append(min(high, max(low, float(f"{raw:.4g}"))))
    return values


def snap(param, value):
    """The table's grid value nearest to `value` (in log space for loguniform)."""
    grid = grid_values(param)
    if param["type"] == "choice":
        return value
    measure = math.log if param["type"] == "loguniform" else float
    return min(grid, key=lambda g: (abs(measure(g) - measure(value)), g))


def suggest(trial, name, param):
    kind = param["type"]
    if kind == "choice":
        return trial.suggest_categorical(name, param["values"])
    if kind == "int":
        return trial.suggest_int(name, param["low"], param["high"], step=param.get("step", 1))
    return trial.suggest_float(name, param["low"], param["high"], log=kind == "loguniform")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--tasks", type=int, default=80)
    parser.add_argument("--startup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="trials in flight; the oldest finishes first")
    args = parser.parse_args()

    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    with open(args.table) as handle:
        table = json.load(handle)
    space = {name: param for name, param in table["how"]["space"].items() if isinstance(param, dict)}
    top = str(table["how"]["budgets_tokens"][-1])
    lookup = {json.dumps(entry["config"], sort_keys=True, separators=(",", ":")): entry["val_bpb"][top]
              for entry in table["configs"]}

    values = {}
    for seed in args.seeds:
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                             n_startup_trials=args.startup)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        seen = []
        pending = []  # (trial, value) in flight, oldest first: equal budgets finish in start order

        def finish():
            trial, value = pending.pop(0)
            if value is None:  # the run failed in the table: a failed trial
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, value)
            seen.append(value)

        for number in range(args.tasks):
            if len(pending) == args.workers:
                finish()
            trial = study.ask()
            config = {name: snap(param, suggest(trial, name, param)) for name, param in sorted(space.items())}
            pending.append((trial, lookup[json.dumps(config, sort_keys=True, separators=(",", ":"))][replicate_bit(seed, number)]))
        while pending:
            finish()
        values[str(seed)] = seen
    json.dump({"optuna": optuna.__version__, "values": values}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
