"""Compute budgets and the handoff clock, end to end: real script processes on a generated
corpus (char-tiny where the model does not matter, to keep the suite quick)."""

import unittest

from helpers import SIGTERM, TINY, TRANSFORMER, CorpusTestCase, ResultAssertions, run_prestarted, run_script

import char_tiny  # noqa: E402  (helpers puts the package on sys.path)
import char_transformer  # noqa: E402

TOKENS_PER_STEP = 32 * 32  # the defaults' batch_size x block_size


class ComputeBudgetRunTest(ResultAssertions, CorpusTestCase):
    corpus_size = 60_000

    def config(self, **overrides):
        return dict({"budget_s": 30, "seed": 4, "dataset_path": self.corpus}, **overrides)

    def test_a_token_budget_trains_exactly_its_steps_whatever_the_cap(self):
        # 40 steps' worth plus change that does not buy a 41st step.
        config = self.config(budget_tokens=40 * TOKENS_PER_STEP + 1000)
        result = self.assert_result(run_script(TINY, config), "char-tiny")
        self.assertEqual((result["steps"], result["stop_reason"]), (40, "compute_budget"))
        self.assertEqual(result["tokens"], 40 * TOKENS_PER_STEP)
        self.assertEqual(result["flops"], 40 * TOKENS_PER_STEP * char_tiny.flops_per_token(result["config"]))
        self.assertEqual(result["budget"], {"kind": "compute", "unit": "tokens", "amount": 40 * TOKENS_PER_STEP + 1000,
                                            "cap_s": 30.0})
        # The schedule is known up front: warmup-stable-decay over exactly those 40 steps.
        self.assertEqual((result["planned_steps"], result["decay_start_step"]), (40, 24))
        # The replay object (plus another cap, as a verifier on another machine would set) gives
        # the same numbers to the last bit, and so does a plain 40-step run.
        replay = self.assert_result(run_script(TINY, dict(result["config"], **result["replay"], budget_s=60)), "char-tiny")
        fixed_steps = self.assert_result(run_script(TINY, self.config(max_steps=40)), "char-tiny")
        for other in (replay, fixed_steps):
            self.assertEqual((other["steps"], other["val_bpb"], other["train_loss"]),
                             (40, result["val_bpb"], result["train_loss"]))

    def test_a_flop_budget_counts_the_scripts_flops_per_token(self):
        model = {"n_embd": 32, "n_head": 2, "block_size": 16, "batch_size": 8, "warmup_steps": 5}
        defaults = {key: spec[1] for key, spec in char_transformer.HYPERPARAMETERS.items()}
        per_step = 8 * 16 * char_transformer.flops_per_token(dict(defaults, **model))
        budget = 25.5 * per_step
        result = self.assert_result(run_script(TRANSFORMER, self.config(budget_flops=budget, **model)), "char-transformer")
        self.assertEqual((result["steps"], result["stop_reason"]), (25, "compute_budget"))
        self.assertEqual(result["flops"], 25 * per_step)
        self.assertLessEqual(result["flops"], budget)
        self.assertEqual(result["budget"], {"kind": "compute", "unit": "flops", "amount": budget, "cap_s": 30.0})
        self.assertEqual(result["replay"], {"budget_flops": budget, "device": "cpu", "num_threads": result["num_threads"]})

    def test_the_wall_cap_ends_a_fixed_step_run_with_a_typed_error_not_a_truncated_result(self):
        # A billion tokens cannot fit in 8 s anywhere; neither can a million steps of a replay.
        for overrides, needed in (({"budget_tokens": 10 ** 9}, "the compute budget needs 976562 steps"),
                                  ({"max_steps": 10 ** 6}, "max_steps needs 1000000 steps")):
            with self.subTest(**overrides):
                run = run_script(TINY, self.config(budget_s=8, **overrides))
                self.assertEqual(run.returncode, 1)
                self.assertEqual([r["type"] for r in run.records if r["type"] != "progress"], ["error"], "no result line")
                error = run.final
                self.assertEqual(error["code"], "wall_cap_exceeded", error)
                self.assertIn(needed, error["error"])
                self.assertIn("give the task to a faster machine or raise budget_s", error["error"])
                details = error["details"]
                self.assertEqual(details["steps_required"], int(needed.split()[-2]))
                self.assertLess(details["steps_done"], details["steps_required"])
                self.assertGreater(details["projected_s"], 8)
                self.assertEqual(details["budget_s"], 8)
                self.assertGreater(details["step_time_s"], 0)
                # It gave up once the step time showed the steps could not fit, not at the cap.
                self.assertLess(run.wall, 8)

    def test_sigterm_ends_a_compute_budget_run_without_a_result(self):
        run = run_script(TINY, self.config(budget_tokens=20_000 * TOKENS_PER_STEP, budget_s=3600),
                         signals=[("progress", SIGTERM)])
        self.assertEqual(run.returncode, 1)
        self.assertEqual([r["type"] for r in run.records if r["type"] != "progress"], ["error"], "no result line")
        self.assertEqual(run.final["code"], "terminated")
        self.assertIn("stopped by SIGTERM after", run.final["error"])
        self.assertIn("of 20000 steps", run.final["error"])
        self.assertEqual(run.final["details"]["steps_required"], 20000)
        self.assertGreater(run.final["details"]["steps_done"], 0)


class HandoffClockTest(ResultAssertions, CorpusTestCase):
    corpus_size = 60_000

    def test_the_handoff_clock_is_the_budget_clock_and_the_result_is_the_same(self):
        # The bootstrap imports torch with OpenBLAS sized for 2 threads; the task asks for 1.
        config = {"budget_s": 30, "seed": 1, "dataset_path": self.corpus, "budget_tokens": 30 * TOKENS_PER_STEP,
                  "num_threads": 1}
        run, handoff_age = run_prestarted(TINY, config, threads=2, delay_s=1.0)
        result = self.assert_result(run, "char-tiny", clock="handoff")
        # The process clock would count the interpreter, the torch import and the 1 s wait.
        self.assertGreater(handoff_age, 1.0)
        self.assertLess(result["startup_s"], handoff_age)
        self.assertLess(result["wall_s"] + handoff_age, run.wall + 0.5)
        self.assertLess(result["import_s"], 0.05, "torch was imported ahead of time")
        plain = self.assert_result(run_script(TINY, config), "char-tiny")
        self.assertEqual((plain["val_bpb"], plain["train_loss"]), (result["val_bpb"], result["train_loss"]))

    def test_a_stale_handoff_clock_falls_back_to_the_process_clock(self):
        config = {"budget_s": 30, "seed": 1, "dataset_path": self.corpus, "max_steps": 3}
        run, handoff_age = run_prestarted(TINY, config, threads=2, clock="now-120")
        self.assert_result(run, "char-tiny", clock="process")
        self.assertIn("ignoring XEENET_BUDGET_CLOCK_START=", run.stderr)
        self.assertIn("s old (more than 60s); the budget clock starts at process start", run.stderr)
        self.assertGreater(run.final["startup_s"], handoff_age)


if __name__ == "__main__":
    unittest.main()
