"""End-to-end runs of both scripts on a generated corpus: the output contract, the time
budget, SIGTERM, determinism and replay, divergence. Each test starts real processes."""

import math
import os
import sys
import unittest

from helpers import (SIGINT, SIGTERM, TINY, TRANSFORMER, CorpusTestCase, ResultAssertions, ngram_bits, run_script,
                     run_wall_budget, unigram_bits)

# Steps a wall run needs before it is held to the corpus's n-gram levels (measured: 40
# transformer steps reach 1.99 bits/byte, bigram 2.35; 150 steps 1.53, trigram 1.72).
BIGRAM_STEPS = 40
TRIGRAM_STEPS = 150


class TrainingRunTest(ResultAssertions, CorpusTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.unigram_bits = unigram_bits(cls.corpus_bytes)
        # 4.27 bits/byte for the unigram, 2.35 bigram, 1.72 trigram. Measured here: 40 steps
        # of the default transformer 1.99, 150 steps 1.53, 4-8 s runs 1.41-1.46.
        cls.bigram_bits = ngram_bits(cls.corpus_bytes, 2)
        cls.trigram_bits = ngram_bits(cls.corpus_bytes, 3)

    def config(self, **overrides):
        config = {"budget_s": 4, "seed": 0, "dataset_path": self.corpus}
        config.update(overrides)
        return config

    def assert_below_ngram_levels(self, result, trigram):
        """Training must beat the corpus's bigram model (40 transformer steps reach 1.99 against
        its 2.35) and, given the ~150 steps that 4-8 s buy on a merely busy machine, its trigram
        model too. At a load average of 6-13 on the 2 cores, wall runs of 4-8 s got 1-46 steps:
        a wall run is held to a level only once it got those steps (else a note on stderr);
        the exact, step-based quality checks use max_steps or a compute budget."""
        for name, bits, steps, wanted in (("bigram", self.bigram_bits, BIGRAM_STEPS, True),
                                          ("trigram", self.trigram_bits, TRIGRAM_STEPS, trigram)):
            if not wanted:
                continue
            if result["stop_reason"] in ("time_budget", "planned_steps") and result["steps"] < steps:
                sys.stderr.write(f"\n  note: {name} check skipped: an overloaded machine gave this wall run "
                                 f"{result['steps']} steps (< {steps})\n")
                continue
            self.assertLess(result["val_bpb"], bits, f"not below the {name} level after {result['steps']} steps")

    def assert_keeps_budget(self, script, config, run):
        """The budget counts from process start: at most budget + 1 s on an idle machine. This
        machine is shared, and a neighbour's burst can stall any process, so an overrun is
        retried twice; a real regression (say, evaluation not fitting) overruns every time."""
        limit = config["budget_s"] + 1.0
        walls = [run.wall]
        while walls[-1] > limit and len(walls) < 3:
            walls.append(run_script(script, config).wall)
        if len(walls) > 1:
            sys.stderr.write(f"\n  note: {os.path.basename(script)} budget check retried on a busy machine, walls {walls}\n")
        self.assertLessEqual(min(walls), limit, run.stderr[-2000:])

    def test_result_progress_and_budget(self):
        budget = 5
        run = run_wall_budget(TRANSFORMER, self.config(budget_s=budget))
        result = self.assert_result(run, "char-transformer")
        self.assert_keeps_budget(TRANSFORMER, self.config(budget_s=budget), run)
        # Training stops at 90% of the budget (a step already under way may overrun a little).
        self.assertLessEqual(result["startup_s"] + result["train_s"], 0.9 * budget + 0.25)
        self.assert_below_ngram_levels(result, trigram=False)
        self.assertEqual(result["eval_bytes"], 12_000)  # the whole last 10% of this small corpus
        # Progress about once a second, strictly before the result, with sane fields.
        progress = run.progress
        self.assertGreaterEqual(len(progress), math.floor(result["train_s"]) - 1)
        self.assertLessEqual(len(progress), math.ceil(result["train_s"]) + 1)
        times = [p["elapsed_s"] for p in progress]
        for earlier, later in zip(times, times[1:]):
            self.assertGreaterEqual(later - earlier, 0.95)
            self.assertLess(later - earlier, 2.0)
        for p in progress:
            self.assertIsInstance(p["step"], int)
            self.assertTrue(math.isfinite(p["train_loss"]))
        steps = [p["step"] for p in progress]
        self.assertEqual(steps, sorted(steps))

    def test_same_seed_and_steps_give_identical_results(self):
        config = self.config(budget_s=30, max_steps=40, seed=7)
        first = run_script(TRANSFORMER, config)
        second = run_script(TRANSFORMER, config)
        self.assert_result(first, "char-transformer")
        self.assertEqual(first.final["stop_reason"], "max_steps")
        self.assertEqual(first.final["steps"], 40)
        self.assertEqual(first.final["val_bpb"], second.final["val_bpb"])
        self.assertEqual(first.final["train_loss"], second.final["train_loss"])
        # It learned (a step count, not the clock, so this holds on a busy machine too):
        # better than the corpus' byte frequencies and its bigram model.
        self.assertLess(first.final["val_bpb"], self.unigram_bits)
        self.assert_below_ngram_levels(first.final, trigram=False)
        other_seed = run_script(TRANSFORMER, dict(config, seed=8))
        self.assertNotEqual(first.final["val_bpb"], other_seed.final["val_bpb"], "the seed must matter")

    def test_time_budgeted_run_replays_exactly(self):
        original = run_script(TRANSFORMER, self.config(budget_s=8, seed=3))
        result = self.assert_result(original, "char-transformer")
        self.assert_below_ngram_levels(result, trigram=True)
        replay_config = dict(result["config"], **result["replay"])
        replay_config["budget_s"] = 60  # a replay must not depend on the clock
        replay = run_script(TRANSFORMER, replay_config)
        self.assertEqual(replay.returncode, 0, replay.stderr[-2000:])
        self.assertEqual(replay.final["steps"], result["steps"])
        self.assertEqual(replay.final["val_bpb"], result["val_bpb"])
        self.assertEqual(replay.final["train_loss"], result["train_loss"])

    def test_sigterm_stops_training_and_still_reports(self):
        run = run_script(TRANSFORMER, self.config(budget_s=60), signals=[("progress", SIGTERM)])
        result = self.assert_result(run, "char-transformer")
        self.assertEqual(result["stop_reason"], "signal")
        self.assertLess(run.wall, 10, "stops well before the 60 s budget")
        self.assertTrue(math.isfinite(result["val_bpb"]))

    def test_sigint_is_handled_like_sigterm(self):
        run = run_script(TINY, self.config(budget_s=60), signals=[("progress", SIGINT)])
        result = self.assert_result(run, "char-tiny")
        self.assertEqual(result["stop_reason"], "signal")

    def test_sigterm_before_training_starts(self):
        # Sent while torch is being imported: there is no model to evaluate yet.
        run = run_script(TRANSFORMER, self.config(budget_s=60), signals=[(("stderr", "importing torch"), SIGTERM)])
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.records, [run.final])
        self.assertEqual(run.final["code"], "terminated")
        self.assertIn("stopped before the first training step", run.final["error"])

    def test_second_signal_exits_at_once_with_an_error_line(self):
        # The second signal goes once the script has reported the first (two signals sent
        # back to back may merge into one), while torch is still importing.
        run = run_script(TRANSFORMER, self.config(budget_s=60),
                         signals=[(("stderr", "importing torch"), SIGTERM), (("stderr", "SIGTERM received"), SIGINT)])
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.records, [run.final])
        self.assertEqual(run.final["code"], "terminated")
        self.assertIn("second stop signal (SIGINT)", run.final["error"])

    def test_budget_too_small_for_start_up(self):
        run = run_script(TRANSFORMER, self.config(budget_s=0.5))
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.final["code"], "budget_exceeded")
        self.assertIn("raise budget_s", run.final["error"])

    def test_divergence_is_an_error_not_a_metric(self):
        run = run_script(TRANSFORMER, self.config(budget_s=30, lr=10, grad_clip=0, max_steps=50))
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.final["type"], "error")
        self.assertEqual(run.final["code"], "diverged")
        self.assertIn("lower lr", run.final["error"])

    def test_learned_positions_gelu_dropout_and_tied_weights_train(self):
        run = run_script(TRANSFORMER, self.config(budget_s=30, max_steps=30, position="learned", activation="gelu",
                                                  dropout=0.1, tie_weights=True, token_shift=0, n_layer=2,
                                                  block_size=48, schedule="linear", weight_decay=0.1, num_threads=1))
        result = self.assert_result(run, "char-transformer")
        self.assertEqual(result["num_threads"], 1)
        self.assertEqual(result["config"]["position"], "learned")
        self.assertLess(result["val_bpb"], 8.0)

    def test_tiny_script_contract_and_determinism(self):
        budget = 4
        run = run_wall_budget(TINY, self.config(budget_s=budget))
        self.assert_below_ngram_levels(self.assert_result(run, "char-tiny"), trigram=True)
        self.assert_keeps_budget(TINY, self.config(budget_s=budget), run)
        config = self.config(budget_s=30, max_steps=60, seed=5)
        first, second = run_script(TINY, config), run_script(TINY, config)
        self.assertEqual(first.final["val_bpb"], second.final["val_bpb"])
        self.assertLess(first.final["val_bpb"], self.unigram_bits)
        self.assert_below_ngram_levels(first.final, trigram=False)
        self.assertEqual(first.final["train_loss"], second.final["train_loss"])

    def test_config_on_stdin(self):
        # No argument: the config JSON comes on stdin (error cases are in test_config_errors).
        run = run_script(TINY, self.config(budget_s=30, max_steps=5, seed=2), stdin_config=True)
        result = self.assert_result(run, "char-tiny")
        self.assertEqual((result["steps"], result["stop_reason"], result["config"]["seed"]), (5, "max_steps", 2))

    def test_other_files_work_unchanged(self):
        # Bytes, not text: a binary file with every byte value trains and scores.
        binary = os.path.join(self.tmp.name, "binary.bin")
        with open(binary, "wb") as binary_file:
            binary_file.write(bytes(range(256)) * 200)
        run = run_script(TINY, self.config(budget_s=30, max_steps=40, dataset_path=binary))
        result = self.assert_result(run, "char-tiny", dataset=binary)
        self.assertLess(result["val_bpb"], 8.0)  # below uniform: the counting pattern is learnable


if __name__ == "__main__":
    unittest.main()
