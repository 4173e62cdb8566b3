#!/usr/bin/env python3
"""XeeNet training script: a tiny byte-level MLP language model, for fast end-to-end runs.

Usage:  python3 char_tiny.py CONFIG.json      (or the config JSON on stdin)

A real, if small, language model (Bengio et al. 2003 style): each byte is predicted from the
embeddings of the `context` bytes before it, concatenated and passed through `n_layer`
hidden ReLU layers. Per step it costs a few matrix multiplies and no attention, so a 3 s
budget already trains it well below the bigram level; pipeline tests use it to run real
tasks in seconds.

It follows the same contract as char_transformer.py (the runtime code between the SHARED
RUNTIME markers is identical in both; see that file's docstring for the details): config
JSON with the hyperparameters in HYPERPARAMETERS plus `budget_s`, `seed`, `dataset_path`
(required) and `budget_tokens` / `budget_flops` (a compute budget; the manifest declares
tokens for this script), `device`, `num_threads`, `max_steps`, `schedule_steps`,
`decay_start_step`, `compile`; data read as raw bytes (first 90% train, held-out slice = the
first EVAL_BYTES bytes of the last 10%); val_bpb = summed cross-entropy in nats over the
held-out bytes / their count / ln 2, each byte scored once with at least half a window of
context (the window is max(block_size, 2 * context), so every scored byte sees its full
`context`); progress lines about once a second and exactly one result or error line on stdout
(exit 0 / 2 for a bad config / 1 otherwise); a compute budget trains exactly its steps
(budget_s is a cap), a wall budget until 90% of budget_s on the budget clock (from the
worker's handoff, else from process start); the `replay` object in the result reproduces
the run.

Only the Python standard library and PyTorch are imported: workers fetch this one file.
"""

# ======================== BEGIN SHARED RUNTIME (part 1) ========================
# Identical in every XeeNet training script (test_shared_runtime_blocks_are_identical in
# tests/test_manifest_and_spaces.py checks it);
# each script is still a single self-contained file because workers fetch one file.

import os
import time


def _process_age_s():
    """Seconds since this process was created (includes interpreter start-up), 0 if unknown."""
    try:
        with open("/proc/self/stat") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
        started_after_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started_after_boot
        return age if 0.0 <= age < 60.0 else 0.0
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


# Budget clock, fallback: everything since process creation (interpreter start, torch import,
# evaluation) counts. A worker that started the interpreter ahead of time hands over its own
# start instead (below).
PROCESS_START = time.monotonic() - _process_age_s()

import json  # noqa: E402  (imported after the clock starts on purpose)
import math  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

# The worker's bootstrap imports torch ahead of time and, when it hands this script its task in
# the same process (runpy), sets this to repr(time.monotonic()): the budget counts from there.
HANDOFF_CLOCK_VARIABLE = "XEENET_BUDGET_CLOCK_START"
HANDOFF_MAX_AGE_S = 60.0  # an older reading is stale (inherited, or a bootstrap that hung)


def handoff_clock_start(raw, now):
    """(the handoff time, None) when `raw` is a sane time.monotonic() reading: a finite float,
    not in the future, at most HANDOFF_MAX_AGE_S before `now`; else (None, why not)."""
    if raw is None:
        return None, None
    name = HANDOFF_CLOCK_VARIABLE
    try:
        start = float(raw)
    except ValueError:
        return None, f"{name}={raw[:60]!r} is not a number"
    if not math.isfinite(start):
        return None, f"{name}={raw[:60]!r} is not finite"
    if start > now:
        return None, f"{name}={raw[:60]} is {start - now:.3f}s in the future"
    if now - start > HANDOFF_MAX_AGE_S:
        return None, f"{name}={raw[:60]} is {now - start:.1f}s old (more than {HANDOFF_MAX_AGE_S:g}s)"
    return start, None


_HANDOFF_START, HANDOFF_PROBLEM = handoff_clock_start(os.environ.get(HANDOFF_CLOCK_VARIABLE), time.monotonic())
CLOCK = "process" if _HANDOFF_START is None else "handoff"  # reported as the result's `clock`
BUDGET_CLOCK_START = PROCESS_START if _HANDOFF_START is None else _HANDOFF_START
# When a bootstrap imported torch before this script ran: the OPENBLAS_NUM_THREADS its OpenBLAS
# pool was sized with ("" if unset), which configure_torch corrects if it is not the task's.
PREIMPORTED_BLAS_THREADS = os.environ.get("OPENBLAS_NUM_THREADS", "") if "torch" in sys.modules else None

TRAIN_FRACTION_OF_BUDGET = 0.9  # a wall budget trains until 90% of budget_s on the budget clock
EVAL_BYTES = 32768  # held-out bytes scored per run (first bytes of the last 10%)
HELD_OUT_FRACTION = 0.1
# Warmup-stable-decay: the lr holds its peak until (1 - decay_fraction) of the training time,
# then the step plan is made from the recent step time and the lr decays over the planned
# rest. Planning late keeps the plan right when a busy machine's speed drifts (+-30% here),
# and measured on TinyShakespeare it also trains better than a cosine from the first step.
PLAN_MIN_STEPS = 10  # and never before warmup ends
PLAN_MIN_FRACTION = 0.1  # and never before this fraction of the training time
TIMING_WARMUP_STEPS = 3  # steps left out of the step-time estimate (caches, allocator, compile)
PLAN_SAFETY = 1.0  # planned steps = remaining time / recent step time x this
EXIT_MARGIN_S = 0.1  # kept free after evaluation for printing and exiting
PEAK_MEASURE_S = 0.1  # the matmul peak for the MFU estimate, measured after evaluation
# A run with a step count fixed up front (a compute budget, or max_steps: a replay) trains all
# of it or reports no result. It gives up early, with wall_cap_exceeded, once this fraction of
# its training window has passed and the recent step time says the steps need this many times
# the window (a neighbour's burst can slow a stretch by ~30%, so a close call runs on).
CAP_CHECK_FRACTION = 0.1
CAP_GIVE_UP_RATIO = 1.25
MAX_BUDGET_TOKENS = 2 ** 53  # exact in a JSON/JavaScript number
MAX_BUDGET_FLOPS = 1e21  # about a week (budget_s's own limit) at 1.6 PFLOP/s
MAX_STEPS = 2 ** 31 - 1  # the worker's limit on a result's `steps`
# A loss this high (nats per byte; a uniform guess is ln 256 = 5.5) means the run blew up:
# reported as `diverged`, like NaN/inf, rather than as a metric thousands of bits wide.
DIVERGED_LOSS_NATS = 100.0
PROGRESS_INTERVAL_S = 1.0

PLATFORM_KEYS = {
    "budget_s": ("float", None, "budget"),  # required: wall budget, or a compute budget's cap
    "budget_tokens": ("int", None, "budget_tokens"),  # compute budget: training tokens
    "budget_flops": ("float", None, "budget_flops"),  # compute budget: training FLOPs (flops_per_token)
    "seed": ("int", None, "seed"),  # required
    "dataset_path": ("str", None, "nonempty"),  # required: a file, read as bytes
    "device": ("choice", "auto", ("auto", "cpu", "cuda", "mps")),
    "num_threads": ("int", None, "positive_max1024"),  # CPU threads; default: usable cores
    "max_steps": ("int", None, "positive"),  # run exactly this many steps (budget_s is a cap)
    "schedule_steps": ("int", None, "positive"),  # lr schedule length; default max_steps/plan
    "decay_start_step": ("int", None, "nonnegative"),  # lr decay start; default: planned/decay_fraction
    "compile": ("bool", None, None),  # torch.compile; default: CUDA + torch 2 + budget >= 120 s
}
REQUIRED_KEYS = ("budget_s", "seed", "dataset_path")


class RunError(Exception):
    """An expected failure, reported as one error line; exit status 2 for invalid_config.
    `details`: machine-readable facts for the platform (e.g. steps done and required)."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.details = details


def emit(record):
    """Write one JSON line to stdout; allow_nan=False so NaN can never reach the worker."""
    sys.stdout.write(json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(message):
    sys.stderr.write(f"[{SCRIPT_NAME} {elapsed_s():7.3f}s] {message}\n")
    sys.stderr.flush()


def elapsed_s():
    """Seconds on the budget clock."""
    return time.monotonic() - BUDGET_CLOCK_START


def fail(code, message, details=None):
    """Print the error line and exit (2 for config errors, 1 otherwise) without cleanup."""
    record = {"type": "error", "code": code, "error": message}
    if details:
        record["details"] = details
    try:
        emit(record)
    except Exception:  # stdout closed: nothing left to tell anyone
        pass
    sys.stderr.flush()
    os._exit(2 if code == "invalid_config" else 1)


class StopSignal:
    """SIGTERM/SIGINT: the first asks training to stop early; a second exits at once."""

    def __init__(self):
        self.requested = False
        self.name = None

    def install(self):
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, _frame):
        name = signal.Signals(signum).name
        if self.requested:
            # os.write, not print: the main thread may be inside a buffered write.
            line = json.dumps({"type": "error", "code": "terminated",
                               "error": f"second stop signal ({name}) while {self.name} was being handled; exiting at once"})
            os.write(1, (line + "\n").encode())
            os._exit(1)
        self.requested = True
        self.name = name
        # os.write again: a buffered stderr write may be under way in the main thread.
        os.write(2, f"[{SCRIPT_NAME} {elapsed_s():7.3f}s] {name} received: stopping training, then evaluating\n".encode())


STOP = StopSignal()


def _shown(value):
    """A value for an error message: huge integers in scientific notation, not 300 digits."""
    if isinstance(value, int) and abs(value) >= 10 ** 16:
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:4]}e+{len(digits) - 1}"
    return value


def _validate_value(key, value, kind, constraint):
    """Return (normalised value, problem or None) for one key."""
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        return value, f"{key} must be true or false, got {json.dumps(value)}"
    if kind == "str":
        if not isinstance(value, str) or (constraint == "nonempty" and not value):
            return value, f"{key} must be a non-empty string, got {json.dumps(value)}"
        return value, None
    if kind == "choice":
        if value not in constraint or isinstance(value, bool):
            return value, f"{key} must be one of {list(constraint)}, got {json.dumps(value)}"
        return value, None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value, f"{key} must be a number, got {json.dumps(value)}"
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer literal too large for a float
        return value, f"{key} is too large, got {_shown(value)}"
    if not finite:
        return value, f"{key} must be finite"
    if kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                return value, f"{key} must be an integer, got {value}"
            value = int(value)
    else:
        value = float(value)
    checks = {
        "positive": (value > 0, "must be > 0"),
        "nonnegative": (value >= 0, "must be >= 0"),
        "min2": (value >= 2, "must be >= 2"),
        "unit": (0 <= value <= 1, "must be in [0, 1]"),
        "unit_open": (0 <= value < 1, "must be in [0, 1)"),
        "unit_positive": (0 < value <= 1, "must be in (0, 1]"),
        "positive_max10": (0 < value <= 10, "must be in (0, 10]"),
        "positive_max1024": (0 < value <= 1024, "must be in [1, 1024]"),
        "budget": (0 < value <= 7 * 86400, "must be > 0 seconds (at most a week)"),
        "budget_tokens": (0 < value <= MAX_BUDGET_TOKENS, "must be in [1, 2^53]"),
        "budget_flops": (0 < value <= MAX_BUDGET_FLOPS, f"must be > 0 and at most {MAX_BUDGET_FLOPS:g}"),
        "seed": (0 <= value < 2 ** 63, "must be in [0, 2^63)"),
    }
    if constraint is not None:
        ok, rule = checks[constraint]
        if not ok:
            return value, f"{key} {rule}, got {_shown(value)}"
    return value, None


def parse_config(argv, stdin):
    """Read the config JSON (argv[1] path, or stdin) and validate every key; raise RunError."""
    if len(argv) > 2:
        raise RunError("invalid_config", f"expected one argument (the config file), got {len(argv) - 1}")
    source = "stdin"
    try:
        if len(argv) == 2 and argv[1] != "-":
            source = argv[1]
            with open(argv[1], "rb") as config_file:
                text = config_file.read().decode("utf-8")
        else:
            text = stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RunError("invalid_config", f"cannot read config from {source}: {exc}") from None
    try:
        raw = json.loads(text, parse_constant=lambda name: name)  # NaN/Infinity -> rejected strings
    except ValueError as exc:
        raise RunError("invalid_config", f"config from {source} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise RunError("invalid_config", f"config must be a JSON object, got {type(raw).__name__}")
    schema = dict(HYPERPARAMETERS)
    schema.update(PLATFORM_KEYS)
    problems = []
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        problems.append(f"unknown keys {unknown} (allowed: {sorted(schema)})")
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        problems.append(f"missing required keys {missing}")
    config = {}
    for key, (kind, default, constraint) in schema.items():
        if key not in raw or (raw[key] is None and default is None and key not in REQUIRED_KEYS):
            config[key] = default
            continue
        value, problem = _validate_value(key, raw[key], kind, constraint)
        if problem:
            problems.append(problem)
        config[key] = value
    if not problems:
        check_compute_budget(config, problems)
        if config["max_steps"] and config["schedule_steps"] and config["schedule_steps"] < config["max_steps"]:
            problems.append(f"schedule_steps ({config['schedule_steps']}) must be >= max_steps ({config['max_steps']})")
        length = config["schedule_steps"] or config["max_steps"]
        if config["decay_start_step"] is not None and length is None:
            problems.append("decay_start_step needs max_steps or schedule_steps (otherwise the script plans it)")
        elif config["decay_start_step"] is not None and config["decay_start_step"] > length:
            problems.append(f"decay_start_step ({config['decay_start_step']}) must be <= the schedule length ({length})")
        check_hyperparameters(config, problems)
    if problems:
        raise RunError("invalid_config", "invalid config: " + "; ".join(problems))
    return config


def compute_budget(config):
    """("tokens" | "flops", amount) for a compute budget, None for a wall budget."""
    if config["budget_tokens"] is not None:
        return "tokens", config["budget_tokens"]
    if config["budget_flops"] is not None:
        return "flops", config["budget_flops"]
    return None


def compute_budget_steps(config):
    """The steps a compute budget buys, in exact integer arithmetic: floor(budget_tokens /
    tokens per step), or floor(budget_flops / (flops_per_token x tokens per step)). A step
    trains batch_size x block_size tokens. None for a wall budget."""
    budget = compute_budget(config)
    if budget is None:
        return None
    unit, amount = budget
    cost = config["batch_size"] * config["block_size"]
    if unit == "flops":
        cost *= flops_per_token(config)
        amount = int(amount)  # floor(x / n) == floor(floor(x) / n) for x > 0 and whole n
    return amount // cost


def check_compute_budget(config, problems):
    """Rules for budget_tokens / budget_flops (each key's own range is checked already)."""
    if config["budget_tokens"] is not None and config["budget_flops"] is not None:
        problems.append("budget_tokens and budget_flops are both set; a compute budget is one of them")
        return
    budget = compute_budget(config)
    if budget is None:
        return
    key = f"budget_{budget[0]}"
    fixed = [name for name in ("max_steps", "schedule_steps", "decay_start_step") if config[name] is not None]
    if fixed:
        problems.append(f"{key} fixes the step count and the lr schedule; remove {', '.join(fixed)}")
    steps = compute_budget_steps(config)
    tokens_per_step = config["batch_size"] * config["block_size"]
    if steps < 1:
        per_step = (f"{tokens_per_step} tokens (batch_size x block_size)" if budget[0] == "tokens" else
                    f"{tokens_per_step * flops_per_token(config)} FLOPs ({tokens_per_step} tokens x "
                    f"{flops_per_token(config)} FLOPs per token)")
        problems.append(f"{key} ({budget[1]:g}) is less than one training step of this config: {per_step}")
    elif steps > MAX_STEPS:
        problems.append(f"{key} ({budget[1]:g}) buys {steps} steps, more than {MAX_STEPS}; "
                        "raise batch_size or block_size or lower the budget")


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


def check_dataset(config):
    """Check the dataset file and the config against its size before importing torch."""
    path = config["dataset_path"]
    try:
        size = os.stat(path).st_size
        if not os.path.isfile(path):
            raise RunError("dataset_error", f"dataset_path {path!r} is not a regular file")
        if not os.access(path, os.R_OK):
            raise RunError("dataset_error", f"dataset_path {path!r} is not readable")
    except FileNotFoundError:
        raise RunError("dataset_error", f"dataset_path {path!r} does not exist") from None
    except OSError as exc:
        raise RunError("dataset_error", f"cannot open dataset_path {path!r}: {exc}") from None
    train_bytes, held_out_bytes = split_sizes(size)
    if held_out_bytes < 2:
        raise RunError("dataset_error", f"dataset {path!r} has {size} bytes; too small to hold out a validation slice")
    if config["block_size"] + 1 > train_bytes:
        raise RunError("invalid_config",
                       f"block_size ({config['block_size']}) is longer than the training data "
                       f"({train_bytes} bytes, 90% of the {size}-byte dataset) allows; use block_size <= {train_bytes - 1}")


def split_sizes(size):
    """(training bytes, held-out bytes): the first 90% / up to EVAL_BYTES of the last 10%."""
    train_bytes = size - max(1, int(size * HELD_OUT_FRACTION)) if size > 1 else size
    return train_bytes, min(EVAL_BYTES, size - train_bytes)


def early_setup():
    """Everything that needs no torch: signals, config, dataset checks, thread env vars."""
    STOP.install()
    if HANDOFF_PROBLEM:
        log(f"ignoring {HANDOFF_PROBLEM}; the budget clock starts at process start")
    try:
        config = parse_config(sys.argv, sys.stdin)
        check_dataset(config)
    except RunError as exc:
        fail(exc.code, str(exc), exc.details)
    threads = config["num_threads"] or usable_cpus()
    # BLAS/OpenMP read these when torch loads; torch.set_num_threads does not reach OpenBLAS
    # (when torch was imported ahead of time, configure_torch sets OpenBLAS's pool directly).
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    # OpenBLAS and OpenMP keep separate thread pools; spinning OpenMP workers starve the
    # OpenBLAS ones (measured: 2.3x slower steps on 2 cores), so OpenMP workers sleep.
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    log(f"config ok; importing torch ({threads} threads)")
    return config, threads


# ========================= END SHARED RUNTIME (part 1) =========================

SCRIPT_NAME = "char-tiny"
SCRIPT_VERSION = "1.0.0"

# Hyperparameters: name -> (kind, default, constraint). Defaults tuned for a 3 s CPU budget.
HYPERPARAMETERS = {
    "lr": ("float", 3e-2, "positive_max10"),
    "min_lr_ratio": ("float", 0.0, "unit"),  # final lr = lr * min_lr_ratio
    "schedule": ("choice", "cosine", ("cosine", "linear", "constant")),  # shape of the decay
    "warmup_steps": ("int", 10, "nonnegative"),
    "decay_fraction": ("float", 0.4, "unit_positive"),  # the lr decays over this last part of training
    "weight_decay": ("float", 0.0, "nonnegative"),
    "beta1": ("float", 0.9, "unit_open"),
    "beta2": ("float", 0.99, "unit_open"),
    "grad_clip": ("float", 1.0, "nonnegative"),  # 0 disables clipping
    "context": ("int", 5, "positive"),  # bytes of context per prediction
    "n_embd": ("int", 16, "positive"),  # embedding width per context byte
    "n_hidden": ("int", 256, "positive"),
    "n_layer": ("int", 1, "positive"),  # hidden layers
    "block_size": ("int", 32, "min2"),  # predictions per training sequence
    "batch_size": ("int", 32, "positive"),
    "dropout": ("float", 0.0, "unit_open"),
}


def check_hyperparameters(config, problems):
    """Cross-key rules and size limits for this model."""
    limits = {"context": 1024, "n_embd": 4096, "n_hidden": 65536, "n_layer": 64, "block_size": 65536}
    for key, limit in limits.items():
        if isinstance(config.get(key), int) and config[key] > limit:
            problems.append(f"{key} ({config[key]}) is larger than {limit}")
    if all(isinstance(config.get(key), int) for key in ("context", "n_embd")) and config["context"] * config["n_embd"] > 65536:
        problems.append(f"context * n_embd ({config['context'] * config['n_embd']}) is larger than 65536")


def flops_per_token(cfg):
    """Training FLOPs per token, from the config alone (so a FLOP budget's step count is known
    before torch loads): 6 x the weights of the Linear layers (context x n_embd -> n_hidden,
    n_layer - 1 more n_hidden^2, the head n_hidden x 256). A unit test checks it against the
    model's parameters."""
    hidden = cfg["n_hidden"]
    return 6 * (cfg["context"] * cfg["n_embd"] * hidden + (cfg["n_layer"] - 1) * hidden * hidden + hidden * 256)


# ======================== BEGIN SHARED RUNTIME (part 2) ========================

if __name__ == "__main__":
    EARLY = early_setup()

IMPORT_START = elapsed_s()
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

IMPORT_S = elapsed_s() - IMPORT_START


def pick_device(requested):
    cuda = torch.cuda.is_available()
    mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (requested == "cuda" and not cuda) or (requested == "mps" and not mps):
        raise RunError("device_unavailable", f"device {requested!r} was requested but is not available")
    return requested


def seed_everything(seed):
    import random

    random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def loaded_openblas():
    """The OpenBLAS library torch loaded (ctypes handle), or None (e.g. an MKL build)."""
    import ctypes

    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1]})
        for path in paths:
            library = ctypes.CDLL(path)  # already loaded: only a new reference
            if hasattr(library, "openblas_set_num_threads"):
                return library
    except (OSError, IndexError) as exc:
        log(f"could not open the loaded OpenBLAS ({type(exc).__name__}: {exc})")
    return None


def set_openblas_threads(threads):
    """OpenBLAS sizes its pool from OPENBLAS_NUM_THREADS when it loads, and
    torch.set_num_threads does not reach it: right when this process imports torch itself,
    wrong when a bootstrap imported torch ahead of time with another count. So the loaded
    OpenBLAS (if any; MKL builds follow torch.set_num_threads) is set directly."""
    library = loaded_openblas()
    if library is not None and library.openblas_get_num_threads() != threads:
        library.openblas_set_num_threads(threads)


def cpu_kernels():
    """Which CPU kernels ran: torch's own (its build's "CPU capability usage", e.g. AVX2) and
    OpenBLAS's core type (e.g. Haswell, Cooperlake = AVX-512). Results are bit-identical only
    when both match (see the README's tolerance table), so they belong in a hardware class."""
    import ctypes
    import re

    match = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    library = loaded_openblas()
    core = None
    if library is not None and hasattr(library, "openblas_get_corename"):
        library.openblas_get_corename.restype = ctypes.c_char_p
        core = library.openblas_get_corename().decode("ascii", "replace")
    return {"aten": match.group(1) if match else None, "openblas": core}


def configure_torch(device, threads):
    torch.set_num_threads(threads)
    if PREIMPORTED_BLAS_THREADS is not None and PREIMPORTED_BLAS_THREADS != str(threads):
        set_openblas_threads(threads)
    # A second set_num_interop_threads call in one process aborts it (torch 1.13, uncatchable),
    # so a bootstrap that set it already is left alone.
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already fixed by an earlier parallel op; harmless
            pass
    torch.set_flush_denormal(True)  # denormals make CPU float maths crawl near convergence
    if device != "cuda":
        # The contract promises bit-exact replays on CPU only; on CUDA this would force slower
        # kernels (and CUBLAS_WORKSPACE_CONFIG) and warn at every non-deterministic op.
        torch.use_deterministic_algorithms(True, warn_only=True)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def autocast_dtype(device):
    """bf16 for training on CUDA GPUs that support it; None (plain fp32) elsewhere."""
    return torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else None


def autocast_context(dtype, device):
    import contextlib

    if dtype is None:
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type=device, dtype=dtype)


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()
    elif device == "mps" and hasattr(torch, "mps"):
        torch.mps.synchronize()


def measure_peak_flops(device, dtype, time_limit_s=PEAK_MEASURE_S):
    """Dense matmul throughput (FLOP/s) of this device in the training matmuls' dtype, for the
    MFU estimate: the best of up to 5 timed trials of ~10 ms each after an untimed warm-up
    (BLAS / cuBLAS start-up would make a first timing read low), within ~time_limit_s. On a
    2-core CPU a 512^2 matmul reaches the same GFLOP/s as 1024^2. Measured after evaluation,
    not before training, so that it costs no start-up time."""
    size = 512 if device == "cpu" else 4096
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    started = time.perf_counter()

    def timed(repeats):
        synchronize(device)
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        synchronize(device)
        return max(time.perf_counter() - start, 1e-9)

    timed(1)  # warm-up, untimed
    repeats, seconds = 1, timed(1)
    while seconds < 0.005 and repeats < 4096:  # size a trial to ~10 ms
        repeats = min(4096, max(2 * repeats, int(repeats * 0.01 / seconds)))
        seconds = timed(repeats)
    best = 2 * size ** 3 * repeats / seconds
    for _ in range(4):
        if time.perf_counter() - started + seconds > time_limit_s:
            break
        best = max(best, 2 * size ** 3 * repeats / timed(repeats))
    return best


def make_optimizer(model, cfg, device):
    """AdamW; weight decay on matrices only (not on norms/biases). Fused on CUDA if possible."""
    import inspect

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg["weight_decay"]},
              {"params": no_decay, "weight_decay": 0.0}]
    options = {"lr": cfg["lr"], "betas": (cfg["beta1"], cfg["beta2"]), "eps": 1e-8}
    accepted = inspect.signature(torch.optim.AdamW).parameters
    if device == "cuda" and "fused" in accepted:
        options["fused"] = True
    elif "foreach" in accepted:
        options["foreach"] = True  # one kernel per op for all tensors: less Python overhead
    return torch.optim.AdamW(groups, **options)


def default_decay_start(cfg, schedule_steps):
    """With the schedule length known up front: decay over the last decay_fraction of it."""
    return max(cfg["warmup_steps"], int(round(schedule_steps * (1.0 - cfg["decay_fraction"]))))


def learning_rate(cfg, step, schedule_steps, decay_start):
    """lr for update number `step` (0-based): linear warmup over warmup_steps, the peak until
    decay_start (the step plan is made there), then decay to lr * min_lr_ratio at
    schedule_steps. A function of step counts only, so runs can be replayed exactly."""
    peak = cfg["lr"]
    if step < cfg["warmup_steps"]:
        return peak * (step + 1) / cfg["warmup_steps"]
    start = max(cfg["warmup_steps"], decay_start or 0)
    if cfg["schedule"] == "constant" or schedule_steps is None or step < start:
        return peak
    progress = min(1.0, (step - start) / max(1, schedule_steps - start))
    floor = peak * cfg["min_lr_ratio"]
    if cfg["schedule"] == "cosine":
        return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return floor + (peak - floor) * (1.0 - progress)


def load_bytes(path, device):
    """(training bytes as uint8, held-out bytes as int64) on the device. The file is read
    straight into the buffer the tensor shares (one copy, not read() then bytearray())."""
    try:
        with open(path, "rb", buffering=0) as data_file:
            raw = bytearray(os.fstat(data_file.fileno()).st_size)
            view, filled = memoryview(raw), 0
            while filled < len(raw):
                count = data_file.readinto(view[filled:])
                if not count:
                    break
                filled += count
            view.release()
    except OSError as exc:
        raise RunError("dataset_error", f"cannot read dataset_path {path!r}: {exc}") from None
    if filled != len(raw):
        raise RunError("dataset_error", f"dataset_path {path!r} shrank while it was read")
    train_bytes, held_out_bytes = split_sizes(len(raw))
    data = torch.frombuffer(raw, dtype=torch.uint8)
    train = data[:train_bytes].to(device)
    held_out = data[train_bytes:train_bytes + held_out_bytes].long().to(device)
    return train, held_out


def eval_windows(held_out, window):
    """(inputs, targets, score_mask): sliding windows over the held-out bytes so that each
    byte after the first is scored exactly once, with >= window/2 bytes of context."""
    count = held_out.numel()
    window = min(window, count - 1)
    stride = max(1, window // 2)
    starts = list(range(0, count - window, stride))
    if starts[-1] + window < count - 1:
        starts.append(count - 1 - window)  # a last window flush with the end
    # Window w predicts held_out[start + 1 : start + window + 1]; it scores the targets that
    # no earlier window scored, i.e. from position (previous start + window + 1) - start - 1.
    first_scored = [0] + [previous + window - start for previous, start in zip(starts, starts[1:])]
    device = held_out.device
    index = torch.tensor(starts, device=device)[:, None] + torch.arange(window + 1, device=device)
    windows = held_out[index]
    mask = torch.arange(window, device=device)[None, :] >= torch.tensor(first_scored, device=device)[:, None]
    assert int(mask.sum()) == count - 1, "every held-out byte after the first is scored once"
    return windows[:, :-1], windows[:, 1:], mask


def evaluate(model, held_out, window, device, max_tokens_per_batch=16384):
    """val_bpb on the held-out bytes (see module docstring). Always in fp32, without autocast
    or TF32 (training may use them), so the metric is comparable across devices."""
    inputs, targets, mask = eval_windows(held_out, window)
    rows_per_batch = max(1, max_tokens_per_batch // inputs.shape[1])
    sum_dtype = torch.float32 if device == "mps" else torch.float64  # MPS has no float64
    total_nats = 0.0
    tf32 = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    model.eval()
    try:
        with torch.no_grad():
            for first in range(0, inputs.shape[0], rows_per_batch):
                rows = slice(first, first + rows_per_batch)
                logits = model(inputs[rows]).float()
                nats = F.cross_entropy(logits.reshape(-1, 256), targets[rows].reshape(-1), reduction="none")
                total_nats += (nats.to(sum_dtype) * mask[rows].reshape(-1)).sum().item()
    finally:
        model.train()
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = tf32
    return total_nats / int(mask.sum()) / math.log(2)


class Pace:
    """When training stops: the step-time estimate, a training deadline that leaves the
    evaluation room in budget_s, a wall run's step plan, and the check that a run with a fixed
    step count (a compute budget or max_steps) can still train all of it within budget_s."""

    def __init__(self, config, budget, fixed_steps, eval_tokens, tokens_per_step, first_step_compiles):
        self.config = config
        self.budget = budget
        self.fixed_steps = fixed_steps
        self.eval_tokens = eval_tokens
        self.tokens_per_step = tokens_per_step
        self.first_step_compiles = first_step_compiles  # its time is mostly compilation
        # A wall budget trains until 90% of it; for a fixed step count budget_s is only a cap.
        self.budget_deadline = (budget * TRAIN_FRACTION_OF_BUDGET if fixed_steps is None
                                else budget - EXIT_MARGIN_S - PEAK_MEASURE_S)
        self.train_deadline = self.budget_deadline
        self.planned = config["schedule_steps"] or fixed_steps  # None until a wall run plans
        self.decay_start = config["decay_start_step"]
        if self.decay_start is None and self.planned is not None:
            self.decay_start = default_decay_start(config, self.planned)
        self.needs_plan = self.planned is None and config["schedule"] != "constant"
        self.plan_min_steps = max(config["warmup_steps"], PLAN_MIN_STEPS, TIMING_WARMUP_STEPS + 1)
        self.plan_at_fraction = max(PLAN_MIN_FRACTION, 1.0 - config["decay_fraction"])
        self.step_time = None
        self.eval_estimate = 0.0
        self.train_start = None
        self.step_ends = []  # step_ends[i]: clock when step i finished (i = 0: training start)

    def start(self, now):
        if now >= self.train_deadline:
            raise RunError("budget_exceeded",
                           f"start-up took {now:.2f}s of the {self.budget}s budget; no time left to train "
                           f"(training must stop at {self.train_deadline:.2f}s); raise budget_s")
        self.train_start = now
        self.step_ends = [now]

    def out_of_time(self, now):
        """True when the next step would end past the training deadline."""
        return now >= self.train_deadline or (self.step_time is not None and now + self.step_time > self.train_deadline)

    def plan_due(self, step, now):
        return (self.needs_plan and step >= self.plan_min_steps
                and now - self.train_start >= self.plan_at_fraction * (self.train_deadline - self.train_start))

    def step_done(self, step, now, plan_due):
        """Record that step `step` (1-based) ended at `now`; make the plan when it is due."""
        self.step_ends.append(now)
        if step > TIMING_WARMUP_STEPS:
            # Time per step over the recent half of the run: it follows the machine's current
            # load (other processes come and go) and leaves out the slow first steps.
            reference = max(TIMING_WARMUP_STEPS, step // 2)
            self.step_time = (now - self.step_ends[reference]) / (step - reference)
        elif step > 1 or not self.first_step_compiles:
            # Provisional, so that a slow model cannot run its first steps and an evaluation
            # past the budget: the fastest step so far, the first at half its time (its one-time
            # costs made it 1.7-3.4x a later step here; a compiled one is mostly compilation).
            latest = (now - self.step_ends[step - 1]) * (0.5 if step == 1 else 1.0)
            self.step_time = latest if self.step_time is None else min(self.step_time, latest)
        if self.step_time is not None:
            # Stop training early enough for the evaluation to fit in the budget.
            self.eval_estimate = estimate_eval_s(self.step_time, self.eval_tokens, self.tokens_per_step)
            self.train_deadline = min(self.budget_deadline,
                                      self.budget - self.eval_estimate - EXIT_MARGIN_S - PEAK_MEASURE_S)
        if plan_due:
            self.planned = step + max(0, int((self.train_deadline - now) / self.step_time * PLAN_SAFETY))
            self.decay_start = step
            self.needs_plan = False
            log(f"plan: {self.planned} steps ({self.step_time * 1000:.1f} ms/step, eval ~{self.eval_estimate:.2f}s, "
                f"training until {self.train_deadline:.2f}s)")

    def cap_error(self, step, now):
        """For a fixed step count: the wall_cap_exceeded error when the steps left cannot end by
        the training deadline, or clearly will not (CAP_GIVE_UP_RATIO); else None."""
        if self.fixed_steps is None or self.step_time is None:
            return None
        window = self.train_deadline - self.train_start
        needed = now - self.train_start + (self.fixed_steps - step) * self.step_time
        hopeless = (step > 2 * TIMING_WARMUP_STEPS and now - self.train_start >= CAP_CHECK_FRACTION * window
                    and needed > CAP_GIVE_UP_RATIO * window)
        if not (hopeless or self.out_of_time(now)):
            return None
        projected = self.train_start + needed + self.eval_estimate + EXIT_MARGIN_S + PEAK_MEASURE_S
        kind = "the compute budget" if compute_budget(self.config) else "max_steps"
        return RunError(
            "wall_cap_exceeded",
            f"{kind} needs {self.fixed_steps} steps; {step} done in {now - self.train_start:.2f}s at "
            f"{self.step_time * 1000:.2f} ms/step (recent), so the run needs ~{projected:.1f}s but budget_s is "
            f"{self.budget:g} (start-up {self.train_start:.2f}s, evaluation ~{self.eval_estimate:.2f}s); "
            "a truncated run is not comparable: give the task to a faster machine or raise budget_s",
            {"steps_done": step, "steps_required": self.fixed_steps, "step_time_s": round(self.step_time, 6),
             "startup_s": round(self.train_start, 3), "projected_s": round(projected, 3), "budget_s": self.budget})


def run(config, threads):
    setup_start = elapsed_s()
    budget = config["budget_s"]
    device = pick_device(config["device"])
    configure_torch(device, threads)
    seed_everything(config["seed"])
    train_dtype = autocast_dtype(device)
    autocast = autocast_context(train_dtype, device)
    train_data, held_out = load_bytes(config["dataset_path"], device)
    model = build_model(config).to(device)
    params = sum(p.numel() for p in model.parameters())
    token_flops = flops_per_token(config)
    optimizer = make_optimizer(model, config, device)
    use_compile = config["compile"]
    if use_compile is None:
        use_compile = device == "cuda" and hasattr(torch, "compile") and budget >= 120
    if use_compile and not hasattr(torch, "compile"):
        raise RunError("invalid_config", f"compile=true needs torch >= 2.0 (this is {torch.__version__})")
    train_model = model  # eval always uses the eager model
    if use_compile:
        try:
            train_model = torch.compile(model)
        except Exception as exc:  # e.g. an unsupported Python version
            log(f"torch.compile unavailable ({type(exc).__name__}: {exc}); training the eager model")
            use_compile = False
    batch_gen = torch.Generator().manual_seed(config["seed"])  # batch sampling, on CPU: same on every device
    block, batch = config["block_size"], config["batch_size"]
    offsets_in_block = torch.arange(block + 1)
    max_offset = train_data.numel() - block - 1
    budget_kind = compute_budget(config)
    fixed_steps = compute_budget_steps(config) or config["max_steps"]
    pace = Pace(config, budget, fixed_steps, held_out.numel() * 2, batch * block, use_compile)  # 2: half-overlapping eval windows
    log(f"device={device} threads={threads} torch={torch.__version__} params={params} clock={CLOCK} "
        f"import={IMPORT_S:.2f}s setup={elapsed_s() - setup_start:.3f}s compile={use_compile}"
        + (f" steps={fixed_steps} ({budget_kind[0]} budget)" if budget_kind else ""))

    def forward_backward(net, chunk):
        with autocast():
            logits = net(chunk[:, :-1])
            loss = F.cross_entropy(logits.float().reshape(-1, 256), chunk[:, 1:].reshape(-1))
        loss.backward()
        return loss

    step = 0
    last_losses = torch.zeros(10, device=device)  # ring buffer: train_loss = their mean
    window_losses = []  # losses since the last progress line
    pace.start(elapsed_s())
    last_progress = pace.train_start
    while True:
        if STOP.requested:
            if fixed_steps is not None and step > 0:
                raise RunError("terminated",
                               f"stopped by {STOP.name} after {step} of {fixed_steps} steps: a run with a fixed step "
                               "count (a compute budget or max_steps) is valid only with all of them, so there is no result",
                               {"steps_done": step, "steps_required": fixed_steps})
            stop_reason = "signal"
            break
        if fixed_steps is not None and step >= fixed_steps:
            stop_reason = "compute_budget" if budget_kind else "max_steps"
            break
        if pace.planned is not None and step >= pace.planned:
            stop_reason = "planned_steps"
            break
        now = elapsed_s()
        cap_error = pace.cap_error(step, now)
        if cap_error:
            raise cap_error
        if pace.out_of_time(now):
            stop_reason = "time_budget"
            break
        lr = learning_rate(config, step, pace.planned, pace.decay_start)
        for group in optimizer.param_groups:
            group["lr"] = lr
        offsets = torch.randint(0, max_offset + 1, (batch,), generator=batch_gen)
        chunk = train_data[(offsets[:, None] + offsets_in_block).to(device)].long()
        if use_compile and step == 0:
            # torch.compile compiles lazily, so a broken backend (no C compiler, no Triton)
            # fails here; the eager model still trains.
            try:
                loss = forward_backward(train_model, chunk)
            except Exception as exc:
                if "out of memory" in str(exc).lower():
                    raise
                log(f"torch.compile failed at the first step ({type(exc).__name__}: {str(exc)[:500]}); "
                    "training the eager model instead")
                optimizer.zero_grad(set_to_none=True)
                train_model, use_compile = model, False
                loss = forward_backward(model, chunk)
        else:
            loss = forward_backward(train_model, chunk)
        if config["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config["grad_clip"])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        now = elapsed_s()
        progress_due = now - last_progress >= PROGRESS_INTERVAL_S
        last_losses[(step - 1) % len(last_losses)] = loss.detach()  # no sync: stays on the device
        if device == "cpu" or step % 50 == 0 or progress_due:
            loss_value = loss.item()  # a sync on accelerators: only now and then there
            if not math.isfinite(loss_value) or loss_value > DIVERGED_LOSS_NATS:
                raise RunError("diverged", f"training loss became {loss_value:.4g} nats/byte at step {step} "
                                           f"(lr {lr:.3g}); the run diverged, lower lr")
            window_losses.append(loss_value)
        plan_due = pace.plan_due(step, now)
        if step <= TIMING_WARMUP_STEPS or plan_due:
            synchronize(device)  # accelerators: time the queue, not just the launches
            now = elapsed_s()
        pace.step_done(step, now, plan_due)
        if progress_due and window_losses:
            emit({"type": "progress", "step": step, "train_loss": round(sum(window_losses) / len(window_losses), 5),
                  "elapsed_s": round(now, 3), "lr": lr, "planned_steps": pace.planned,
                  "tokens_per_s": round(step * batch * block / (now - pace.train_start), 1)})
            window_losses = []
            last_progress = now
    synchronize(device)
    train_end = elapsed_s()
    if step == 0:
        raise RunError("budget_exceeded" if stop_reason == "time_budget" else "terminated",
                       f"stopped before the first training step ({stop_reason})")
    train_loss = last_losses[: min(step, len(last_losses))].mean().item()
    if not math.isfinite(train_loss) or train_loss > DIVERGED_LOSS_NATS:
        raise RunError("diverged", f"training loss became {train_loss:.4g} nats/byte by step {step}; lower lr")
    log(f"training stopped ({stop_reason}) after {step} steps at {train_end:.2f}s; evaluating")
    val_bpb = evaluate(model, held_out, eval_context_window(config), device)
    eval_end = elapsed_s()
    log(f"val_bpb {val_bpb:.4f}, evaluation took {eval_end - train_end:.2f}s")
    if not math.isfinite(val_bpb) or val_bpb * math.log(2) > DIVERGED_LOSS_NATS:
        raise RunError("diverged", f"val_bpb is {val_bpb:.4g}; the model diverged, lower lr")
    peak_flops = measure_peak_flops(device, train_dtype)
    emit(result_record(config, threads, device, pace, step, stop_reason, train_loss, val_bpb, train_end, eval_end,
                       params, token_flops, peak_flops, use_compile, held_out.numel()))


def result_record(config, threads, device, pace, step, stop_reason, train_loss, val_bpb, train_end, eval_end,
                  params, token_flops, peak_flops, compiled, eval_bytes):
    """The final result line (see the README's contract)."""
    train_s = train_end - pace.train_start
    tokens = step * config["batch_size"] * config["block_size"]
    tokens_per_s = tokens / train_s
    mfu = token_flops * tokens_per_s / peak_flops if peak_flops > 0 else 0.0
    if mfu > 1.0:
        # Only possible when the peak reading came out low (a busy device): report the
        # ceiling, not a ratio that claims more than the hardware can do.
        log(f"warning: MFU estimate {mfu:.3f} > 1 (peak {peak_flops / 1e9:.1f} GFLOP/s read low?); reporting 1.0")
        mfu = 1.0
    planned = pace.planned if pace.planned is not None else step
    decay_start = pace.decay_start if pace.decay_start is not None else step
    budget_kind = compute_budget(config)
    if budget_kind:
        budget = {"kind": "compute", "unit": budget_kind[0], "amount": budget_kind[1], "cap_s": config["budget_s"]}
        # The budget fixes steps and schedule: on any machine, the same config reproduces the run.
        replay = {f"budget_{budget_kind[0]}": budget_kind[1]}
    else:
        budget = {"kind": "wall", "seconds": config["budget_s"]}
        replay = {"max_steps": step, "schedule_steps": planned, "decay_start_step": decay_start}
    replay.update(device=device, num_threads=threads)
    return {
        "type": "result",
        "val_bpb": val_bpb,
        "train_loss": train_loss,
        "steps": step,
        "planned_steps": planned,
        "decay_start_step": decay_start,
        "stop_reason": stop_reason,
        "budget": budget,
        "clock": CLOCK,
        "wall_s": round(elapsed_s(), 3),
        "train_s": round(train_s, 3),
        "eval_s": round(eval_end - train_end, 3),
        "startup_s": round(pace.train_start, 4),
        "first_step_s": round(pace.step_ends[1] - pace.step_ends[0], 4),
        "import_s": round(IMPORT_S, 3),
        "tokens": tokens,
        "flops": token_flops * tokens,
        "tokens_per_s": round(tokens_per_s, 1),
        "params": params,
        "flops_per_token": token_flops,
        "model_flops_per_s": round(token_flops * tokens_per_s, 1),
        "peak_flops": round(peak_flops, 1),
        "mfu": round(mfu, 5),
        "device": device,
        "num_threads": threads,
        "cpu_kernels": cpu_kernels(),
        "compiled": bool(compiled),
        "torch_version": torch.__version__,
        "script": SCRIPT_NAME,
        "script_version": SCRIPT_VERSION,
        "eval_bytes": eval_bytes,
        # Add these to `config` to reproduce this run (exactly on the same device type, torch
        # build and thread count); a verifier sets its own budget_s.
        "replay": replay,
        "config": config,
    }


def estimate_eval_s(step_time, eval_tokens, tokens_per_step):
    """Evaluation (forward only, 2 tokens per held-out byte) measured at 0.45-0.57 of a training
    step per token on CPU; 0.6 keeps the budget when the machine is busy."""
    return 0.6 * step_time * eval_tokens / tokens_per_step + 0.05


def main(early):
    config, threads = early
    try:
        run(config, threads)
    except RunError as exc:
        fail(exc.code, str(exc), exc.details)
    except MemoryError:
        fail("out_of_memory", "out of memory; use a smaller model or batch_size")
    except Exception as exc:  # unexpected: keep the protocol, details to stderr
        import traceback

        traceback.print_exc()
        code = "out_of_memory" if "out of memory" in str(exc).lower() else "runtime_error"
        fail(code, f"{type(exc).__name__}: {exc}")
    sys.stderr.flush()
    os._exit(0)  # skip interpreter teardown (slow with torch loaded); output is flushed


# ========================= END SHARED RUNTIME (part 2) =========================

class ByteMLP(nn.Module):
    """Predicts every byte of idx (B, T) from the `context` bytes before it -> (B, T, 256).
    Bytes before the start of a window are zero vectors (no byte)."""

    def __init__(self, cfg):
        super().__init__()
        self.context = cfg["context"]
        self.embedding = nn.Embedding(256, cfg["n_embd"])
        layers, width = [], cfg["context"] * cfg["n_embd"]
        for _ in range(cfg["n_layer"]):
            layers += [nn.Linear(width, cfg["n_hidden"]), nn.ReLU()]
            if cfg["dropout"] > 0:
                layers.append(nn.Dropout(cfg["dropout"]))
            width = cfg["n_hidden"]
        self.hidden = nn.Sequential(*layers)
        self.head = nn.Linear(width, 256)
        nn.init.normal_(self.embedding.weight, std=1.0)
        nn.init.zeros_(self.head.weight)  # start at the uniform distribution
        nn.init.zeros_(self.head.bias)

    def forward(self, idx):
        batch, steps = idx.shape
        x = self.embedding(idx)
        # Position t sees bytes t-context+1 .. t (its own byte predicts byte t+1).
        x = F.pad(x, (0, 0, self.context - 1, 0)).unfold(1, self.context, 1)
        x = x.reshape(batch, steps, -1)
        return self.head(self.hidden(x))


def build_model(cfg):
    return ByteMLP(cfg)


def eval_context_window(cfg):
    """Scored bytes get >= half a window of context: make that at least `context` bytes."""
    return max(cfg["block_size"], 2 * cfg["context"])


if __name__ == "__main__":
    main(EARLY)
