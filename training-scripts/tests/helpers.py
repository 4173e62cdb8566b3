"""Shared test helpers: a generated corpus and a worker-like runner for the scripts.

The tests never need TinyShakespeare: they write their own small corpus, so they always run.
"""

import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSFORMER = os.path.join(PACKAGE_DIR, "char_transformer.py")
TINY = os.path.join(PACKAGE_DIR, "char_tiny.py")
if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)
BENCH_DIR = os.path.join(PACKAGE_DIR, "bench")
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)


def make_corpus(path, size=120_000, seed=1234):
    """English-like text with learnable structure: sentences from a fixed lexicon."""
    rng = random.Random(seed)
    syllables = ["an", "be", "co", "de", "el", "fa", "go", "hi", "in", "jo", "ka", "lo", "me", "no",
                 "or", "pa", "qu", "re", "st", "th", "ur", "ve", "wi", "ya"]
    lexicon = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(300)]
    weights = [1.0 / (rank + 1) for rank in range(len(lexicon))]  # Zipf-like word frequencies
    parts, length = [], 0
    while length < size:
        words = rng.choices(lexicon, weights, k=rng.randint(3, 12))
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"]) + rng.choice([" ", " ", "\n"])
        parts.append(sentence)
        length += len(sentence)
    data = "".join(parts)[:size].encode()
    with open(path, "wb") as corpus_file:
        corpus_file.write(data)
    return data


def unigram_bits(data):
    """Entropy (bits/byte) of the byte frequencies: a model that learned anything beats it."""
    counts = Counter(data)
    total = len(data)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def ngram_bits(data, order):
    """Bits/byte of an order-n byte model of this corpus (2 = bigram): the lower of the
    training split's conditional entropy H(byte | previous order-1 bytes) and the
    cross-entropy of that split's counts (add-0.01 smoothing) on the held-out slice. Split
    as the scripts split. A model that beats it learned more than n-gram counts."""
    train_bytes = len(data) - max(1, int(len(data) * 0.1))
    train, held_out = data[:train_bytes], data[train_bytes:train_bytes + 32768]

    def grams(text):
        return list(zip(*(text[i:len(text) - order + 1 + i] for i in range(order))))

    counts, contexts = Counter(grams(train)), Counter(gram[:-1] for gram in grams(train))
    total = sum(counts.values())
    entropy = -sum(c / total * math.log2(c / contexts[gram[:-1]]) for gram, c in counts.items())
    scored = grams(held_out)
    cross = -sum(math.log2((counts[gram] + 0.01) / (contexts[gram[:-1]] + 2.56)) for gram in scored) / len(scored)
    return min(entropy, cross)


class Run:
    """The outcome of one script process: parsed stdout lines, exit code, wall time."""

    def __init__(self, returncode, stdout, stderr, wall):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.wall = wall
        self.lines = [line for line in stdout.splitlines()]
        self.records = [json.loads(line) for line in self.lines]  # every stdout line must be JSON

    @property
    def final(self):
        return self.records[-1]

    @property
    def progress(self):
        return [r for r in self.records if r.get("type") == "progress"]


def worker_env(workdir):
    """A scrubbed environment like the worker's: no inherited thread settings."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "LANG": "C.UTF-8"}


def run_prestarted(script, config, **options):
    """Run `script` the way the worker's bootstrap does (torch imported ahead of time, then
    the handoff, the clock handed over in XEENET_BUDGET_CLOCK_START); see bench/startup.py.
    Returns (Run, the bootstrap's process age at the handoff)."""
    import startup

    started = time.monotonic()
    returncode, stdout, stderr, handoff_age = startup.run_prestarted(script, config, **options)
    return Run(returncode, stdout, stderr, time.monotonic() - started), handoff_age


def run_wall_budget(script, config, attempts=3):
    """A short wall-budget run whose start-up (importing torch) can eat the whole budget when a
    neighbour saturates the cores: that run ends with budget_exceeded before its first step, which
    says nothing about the script. Retried twice with a note; a script that never trains still fails."""
    run = run_script(script, config)
    for _ in range(attempts - 1):
        if run.returncode == 0 or "start-up took" not in run.stdout:
            break
        sys.stderr.write(f"\n  note: {os.path.basename(script)} start-up used the whole {config['budget_s']}s budget "
                         "on a busy machine; retried\n")
        run = run_script(script, config)
    return run


def run_script(script, config, stdin_config=False, raw_input=None, timeout=120, signals=(), env=None):
    """Run `script` as the worker does (cwd = a fresh temporary folder, config file argument)
    and return a Run. `signals`: (when, signal) pairs sent in order, where `when` is
    "progress" (after the next stdout line: training is under way) or ("stderr", text) (after
    a stderr line containing text: waits on the script, not on the clock of a busy machine).
    `env`: variables added to the scrubbed environment."""
    with tempfile.TemporaryDirectory(prefix="xeenet-test-") as workdir:
        args = [sys.executable, script]
        payload = raw_input if raw_input is not None else json.dumps(config)
        if not stdin_config:
            config_path = os.path.join(workdir, "config.json")
            with open(config_path, "w") as config_file:
                config_file.write(payload)
            args.append(config_path)
        started = time.monotonic()
        process = subprocess.Popen(args, cwd=workdir, env=dict(worker_env(workdir), **(env or {})), text=True,
                                   stdin=subprocess.PIPE if stdin_config else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if stdin_config:
            process.stdin.write(payload)
            process.stdin.close()
            process.stdin = None  # communicate() must not touch the closed pipe
        stdout_lines, stderr_lines = [], []
        for when, signum in signals:
            if when == "progress":
                stdout_lines.append(process.stdout.readline())
            else:
                _, text = when
                while True:
                    line = process.stderr.readline()
                    stderr_lines.append(line)
                    if text in line or not line:
                        break
            process.send_signal(signum)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"{os.path.basename(script)} did not finish in {timeout}s; stderr: {stderr[-2000:]}")
        wall = time.monotonic() - started
    return Run(process.returncode, "".join(stdout_lines) + stdout, "".join(stderr_lines) + stderr, wall)


# Every field of a result line and its JSON type.
RESULT_TYPES = {
    "val_bpb": float, "train_loss": float, "steps": int, "planned_steps": int, "decay_start_step": int,
    "stop_reason": str, "budget": dict, "clock": str, "wall_s": float, "train_s": float, "eval_s": float,
    "startup_s": float, "first_step_s": float, "import_s": float, "tokens": int, "flops": int, "tokens_per_s": float,
    "params": int, "flops_per_token": int, "model_flops_per_s": float, "peak_flops": float, "mfu": float,
    "device": str, "num_threads": int, "cpu_kernels": dict, "compiled": bool, "torch_version": str, "script": str, "script_version": str, "eval_bytes": int,
    "replay": dict, "config": dict,
}


class CorpusTestCase(unittest.TestCase):
    """A generated corpus of `corpus_size` bytes for the class's tests: `self.corpus` (its
    path), `self.corpus_bytes`, `self.tmp` (the temporary folder it lives in)."""

    corpus_size = 120_000

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.corpus = os.path.join(cls.tmp.name, "corpus.txt")
        cls.corpus_bytes = make_corpus(cls.corpus, size=cls.corpus_size)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()


class ResultAssertions:
    """assert_result for unittest.TestCase classes that set `self.corpus` (the default dataset)."""

    def assert_result(self, run, script_name, dataset=None, clock="process"):
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        results = [r for r in run.records if r["type"] == "result"]
        self.assertEqual(len(results), 1, "exactly one result line")
        self.assertEqual(run.final["type"], "result", "the result line is the last line")
        self.assertTrue(all(r["type"] == "progress" for r in run.records[:-1]), "only progress lines before it")
        result = run.final
        for key, kind in RESULT_TYPES.items():
            self.assertIn(key, result)
            if kind is float:  # JSON integers are fine where floats are expected
                self.assertIsInstance(result[key], (int, float))
                self.assertNotIsInstance(result[key], bool)
                self.assertTrue(math.isfinite(result[key]), key)
            else:
                self.assertIsInstance(result[key], kind, key)
        self.assertEqual(result["script"], script_name)
        self.assertEqual(result["device"], "cpu")
        self.assertGreater(result["steps"], 0)
        self.assertGreaterEqual(result["planned_steps"], result["steps"])
        self.assertEqual(result["tokens"], result["steps"] * result["config"]["batch_size"] * result["config"]["block_size"])
        self.assertEqual(result["flops"], result["tokens"] * result["flops_per_token"])
        self.assertEqual(result["clock"], clock)  # "process" unless a bootstrap handed the clock over
        self.assertGreater(result["params"], 0)
        self.assertEqual(set(result["cpu_kernels"]), {"aten", "openblas"})
        self.assertGreater(result["mfu"], 0.0)
        self.assertLess(result["mfu"], 1.5)  # an estimate, but not an absurd one
        if result["budget"]["kind"] == "wall":
            self.assertEqual(result["budget"], {"kind": "wall", "seconds": result["config"]["budget_s"]})
            self.assertEqual(set(result["replay"]), {"max_steps", "schedule_steps", "decay_start_step", "device", "num_threads"})
        else:
            unit = result["budget"]["unit"]
            self.assertEqual(result["budget"], {"kind": "compute", "unit": unit, "amount": result["config"][f"budget_{unit}"],
                                                "cap_s": result["config"]["budget_s"]})
            self.assertEqual(result["replay"], {f"budget_{unit}": result["budget"]["amount"], "device": "cpu",
                                                "num_threads": result["num_threads"]})
        # The resolved config: every default filled in, the platform keys kept.
        self.assertEqual(result["config"]["dataset_path"], dataset or self.corpus)
        with open(os.path.join(PACKAGE_DIR, "manifest.json")) as manifest_file:
            entry = next(e for e in json.load(manifest_file)["scripts"] if e["name"] == script_name)
        platform_keys = {"budget_s", "budget_tokens", "budget_flops", "seed", "dataset_path", "device", "num_threads",
                         "max_steps", "schedule_steps", "decay_start_step", "compile"}
        self.assertEqual(set(result["config"]), set(entry["defaultConfig"]) | platform_keys)
        return result


SIGTERM = signal.SIGTERM
SIGINT = signal.SIGINT
