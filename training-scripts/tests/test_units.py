"""In-process tests of the pieces the end-to-end runs cannot pin down exactly: held-out
scoring, the learning-rate schedule, config normalisation, the models' causality."""

import contextlib
import inspect
import io
import json
import math
import os
import tempfile
import unittest
from unittest import mock

import helpers  # noqa: F401  (puts the package on sys.path)
import bench_train
import char_tiny
import char_transformer as ct
import torch


def parse(module, **raw):
    base = {"budget_s": 5, "seed": 0, "dataset_path": "/dev/null"}
    base.update(raw)
    return module.parse_config(["script"], io.StringIO(__import__("json").dumps(base)))


class HeldOutScoringTest(unittest.TestCase):
    def test_every_byte_after_the_first_is_scored_once_with_half_a_window_of_context(self):
        for count in (2, 3, 5, 33, 64, 65, 100, 1000, 4099):
            for window in (1, 2, 3, 7, 32, 64):
                held_out = torch.arange(count)
                inputs, targets, mask = ct.eval_windows(held_out, window)
                self.assertEqual(sorted(targets[mask].tolist()), list(range(1, count)), (count, window))
                self.assertTrue(torch.equal(targets - inputs, torch.ones_like(targets)))
                effective = min(window, count - 1)
                self.assertEqual(inputs[0, 0].item(), 0, "the first window starts at the first byte")
                # Outside the first window a scored target at index j has j + 1 bytes of context.
                positions = torch.arange(inputs.shape[1]).expand_as(mask)
                later = mask.clone()
                later[0] = False
                if later.any():
                    self.assertGreaterEqual(int(positions[later].min()) + 1, math.ceil(effective / 2))

    def test_val_bpb_of_a_uniform_model_is_8_bits(self):
        class Uniform(torch.nn.Module):
            def forward(self, idx):
                return torch.zeros(*idx.shape, 256)

        held_out = torch.randint(0, 256, (5000,))
        bpb = ct.evaluate(Uniform(), held_out, 32, "cpu")
        self.assertAlmostEqual(bpb, 8.0, places=6)  # float32 log-softmax, float64 sum

    def test_val_bpb_is_nats_per_byte_over_ln2(self):
        # Bytes follow x -> (5x + 3) mod 256; an oracle putting probability p on the true next
        # byte (and spreading the rest evenly) must score exactly -log2(p) bits per byte.
        sequence = [7]
        for _ in range(4999):
            sequence.append((5 * sequence[-1] + 3) % 256)
        held_out = torch.tensor(sequence)
        p = 0.25

        class Oracle(torch.nn.Module):
            def forward(self, idx):
                logits = torch.full((*idx.shape, 256), math.log((1 - p) / 255))
                return logits.scatter(2, ((5 * idx + 3) % 256).unsqueeze(-1), math.log(p))

        for window in (8, 32, 64):
            bpb = ct.evaluate(Oracle(), held_out, window, "cpu")
            self.assertAlmostEqual(bpb, -math.log2(p), places=6)  # float32 logits


class ScheduleTest(unittest.TestCase):
    def config(self, **overrides):
        config = {key: spec[1] for key, spec in ct.HYPERPARAMETERS.items()}
        config.update(overrides)
        return config

    def test_warmup_hold_and_cosine_decay(self):
        cfg = self.config(lr=0.01, warmup_steps=10, schedule="cosine", min_lr_ratio=0.1)
        lrs = [ct.learning_rate(cfg, step, 100, 30) for step in range(100)]
        self.assertAlmostEqual(lrs[0], 0.001)
        self.assertAlmostEqual(lrs[9], 0.01)
        for lr in lrs[10:31]:  # the peak until the decay starts
            self.assertAlmostEqual(lr, 0.01, places=12)
        self.assertTrue(all(a >= b for a, b in zip(lrs[30:], lrs[31:])), "monotone decay")
        self.assertAlmostEqual(ct.learning_rate(cfg, 100, 100, 30), 0.001)  # the floor at the end
        self.assertAlmostEqual(ct.learning_rate(cfg, 65, 100, 30), 0.0055)  # halfway: mid value

    def test_linear_and_constant(self):
        cfg = self.config(lr=0.01, warmup_steps=0, schedule="linear", min_lr_ratio=0.0)
        self.assertAlmostEqual(ct.learning_rate(cfg, 0, 10, 0), 0.01)
        self.assertAlmostEqual(ct.learning_rate(cfg, 5, 10, 0), 0.005)
        cfg = self.config(lr=0.01, warmup_steps=0, schedule="constant")
        self.assertEqual({ct.learning_rate(cfg, step, 10, 0) for step in range(20)}, {0.01})

    def test_default_decay_covers_the_last_decay_fraction(self):
        cfg = self.config(warmup_steps=20, decay_fraction=0.4)
        self.assertEqual(ct.default_decay_start(cfg, 500), 300)
        self.assertEqual(ct.default_decay_start(cfg, 30), 20, "never inside the warmup")
        self.assertEqual(ct.default_decay_start(self.config(warmup_steps=0, decay_fraction=1.0), 500), 0)

    def test_unknown_plan_means_peak(self):
        cfg = self.config(lr=0.01, warmup_steps=5)
        self.assertEqual(ct.learning_rate(cfg, 7, None, None), 0.01)


class ConfigTest(unittest.TestCase):
    def test_defaults_are_filled_in(self):
        config = parse(ct)
        for key, (_, default, _) in ct.HYPERPARAMETERS.items():
            self.assertEqual(config[key], default)
        self.assertEqual(config["device"], "auto")
        self.assertIsNone(config["max_steps"])

    def test_integral_floats_become_ints_and_ints_become_floats(self):
        config = parse(ct, n_layer=2.0, lr=1, budget_s=9)
        self.assertEqual(config["n_layer"], 2)
        self.assertIsInstance(config["n_layer"], int)
        self.assertIsInstance(config["lr"], float)
        self.assertIsInstance(config["budget_s"], float)

    def test_token_shift_needs_channels(self):
        with self.assertRaises(ct.RunError) as caught:
            parse(ct, n_embd=8, n_head=2, token_shift=5)
        self.assertIn("token_shift (5) must be at most n_embd/2 (4)", str(caught.exception))

    def test_split_sizes(self):
        self.assertEqual(ct.split_sizes(1_115_394), (1_003_855, 32768))
        self.assertEqual(ct.split_sizes(1000), (900, 100))
        self.assertEqual(ct.split_sizes(5), (4, 1))


class ComputeBudgetTest(unittest.TestCase):
    def test_steps_are_the_floor_of_the_budget_over_a_steps_cost(self):
        per_step = 32 * 32  # batch_size x block_size of the defaults
        for amount, steps in ((per_step, 1), (7 * per_step - 1, 6), (7 * per_step, 7), (7 * per_step + 1, 7)):
            self.assertEqual(ct.compute_budget_steps(parse(ct, budget_tokens=amount)), steps, amount)
        flops_per_step = per_step * ct.flops_per_token(parse(ct))
        for amount, steps in ((flops_per_step, 1), (5 * flops_per_step - 1, 4), (5 * flops_per_step + 0.5, 5)):
            self.assertEqual(ct.compute_budget_steps(parse(ct, budget_flops=amount)), steps, amount)
        # Integer arithmetic at the top of the range, where a float quotient has no spare digits.
        config = parse(char_tiny, budget_flops=1e21, context=1024, n_embd=64, n_hidden=65536)
        cost = 32 * 32 * char_tiny.flops_per_token(config)
        steps = char_tiny.compute_budget_steps(config)
        self.assertLessEqual(steps * cost, int(1e21))
        self.assertGreater((steps + 1) * cost, int(1e21))
        self.assertIsNone(ct.compute_budget_steps(parse(ct)), "a wall budget has no fixed steps")

    def test_the_budget_is_reported_with_its_unit(self):
        self.assertEqual(ct.compute_budget(parse(ct, budget_tokens=5000)), ("tokens", 5000))
        self.assertEqual(ct.compute_budget(parse(ct, budget_flops=4e11)), ("flops", 4e11))
        self.assertIsNone(ct.compute_budget(parse(ct)))

    def test_a_budget_too_small_for_one_step_is_a_config_error(self):
        with self.assertRaises(ct.RunError) as caught:
            parse(ct, budget_flops=1000)
        self.assertEqual(caught.exception.code, "invalid_config")
        self.assertIn("budget_flops (1000) is less than one training step of this config: 427819008 FLOPs", str(caught.exception))


class HandoffClockTest(unittest.TestCase):
    def test_a_sane_reading_is_the_clock_start(self):
        self.assertEqual(ct.handoff_clock_start("1000.25", 1001.0), (1000.25, None))
        self.assertEqual(ct.handoff_clock_start(repr(1000.0), 1000.0), (1000.0, None))  # handed over this instant
        self.assertEqual(ct.handoff_clock_start(None, 1000.0), (None, None), "absent: no note")

    def test_bad_readings_are_ignored_with_the_reason(self):
        for raw, reason in (("soon", "is not a number"), ("", "is not a number"), ("nan", "is not finite"),
                            ("inf", "is not finite"), ("1002.5", "is 2.500s in the future"),
                            ("900", "is 100.0s old (more than 60s)")):
            start, problem = ct.handoff_clock_start(raw, 1000.0)
            self.assertIsNone(start, raw)
            self.assertIn("XEENET_BUDGET_CLOCK_START", problem)
            self.assertIn(reason, problem, raw)


class PaceTest(unittest.TestCase):
    """The stopping rules, driven with a made-up clock (eval cost ~0 with no held-out tokens)."""

    def pace(self, fixed_steps, budget=10.0, **overrides):
        config = dict(parse(ct, **overrides))
        pace = ct.Pace(config, budget, fixed_steps, eval_tokens=0, tokens_per_step=1024, first_step_compiles=False)
        pace.start(0.0)
        return pace

    def train(self, pace, step_time, last_step, first_step=1):
        """Steps first_step..last_step at step_time each (from 0 s at step 0); returns the clock."""
        for step in range(first_step, last_step + 1):
            now = step * step_time
            pace.step_done(step, now, pace.plan_due(step, now))
        return now

    def test_a_fixed_step_run_that_cannot_finish_gives_up_early(self):
        pace = self.pace(fixed_steps=1000)
        now = self.train(pace, 0.02, 50)  # 1 s in, 1000 steps need 20 s of a ~9.6 s window
        error = pace.cap_error(50, now)
        self.assertEqual(error.code, "wall_cap_exceeded")
        self.assertEqual((error.details["steps_done"], error.details["steps_required"]), (50, 1000))
        self.assertAlmostEqual(error.details["step_time_s"], 0.02)
        self.assertIn("needs 1000 steps; 50 done", str(error))

    def test_a_close_call_runs_on_until_the_deadline(self):
        pace = self.pace(fixed_steps=1000)
        now = self.train(pace, 0.0105, 100)  # needs ~10.5 s of a ~9.6 s window: within the give-up ratio
        self.assertIsNone(pace.cap_error(100, now))
        now = self.train(pace, 0.0105, 930, first_step=101)  # 9.77 s: past the 9.75 s training deadline
        self.assertEqual(pace.cap_error(930, now).code, "wall_cap_exceeded", "then the deadline stops it")

    def test_a_run_that_fits_is_never_stopped(self):
        pace = self.pace(fixed_steps=1000)
        for step in range(1, 1001):
            now = step * 0.009
            pace.step_done(step, now, pace.plan_due(step, now))
            self.assertIsNone(pace.cap_error(step, now), step)

    def test_a_wall_run_plans_its_steps_and_never_gives_up(self):
        pace = self.pace(fixed_steps=None)
        now = self.train(pace, 0.01, 600)  # past (1 - decay_fraction) of the 9 s window: the plan is made
        self.assertEqual(pace.decay_start, 540)  # the first step at 60% of 9 s
        self.assertAlmostEqual(pace.planned, 540 + 360, delta=1)  # 3.6 s left at 10 ms a step (float rounding)
        self.assertIsNone(pace.cap_error(600, now))
        self.assertAlmostEqual(pace.budget_deadline, 9.0, msg="a wall budget trains until 90% of it")

    def test_a_fixed_step_run_treats_budget_s_as_a_cap(self):
        self.assertAlmostEqual(self.pace(fixed_steps=10).budget_deadline, 10.0 - ct.EXIT_MARGIN_S - ct.PEAK_MEASURE_S)


class ModelTest(unittest.TestCase):
    def assert_causal(self, model, block_size):
        model.eval()
        idx = torch.randint(0, 256, (2, block_size))
        changed = idx.clone()
        changed[:, block_size // 2:] = (changed[:, block_size // 2:] + 1) % 256
        with torch.no_grad():
            before, after = model(idx), model(changed)
        # Predictions for positions before the change must not see the future.
        self.assertTrue(torch.allclose(before[:, : block_size // 2], after[:, : block_size // 2], atol=1e-6))
        self.assertFalse(torch.allclose(before[:, block_size // 2:], after[:, block_size // 2:]))

    def test_transformer_is_causal_in_every_variant(self):
        for position in ("alibi", "learned"):
            for token_shift in (0, 1, 3):
                cfg = {key: spec[1] for key, spec in ct.HYPERPARAMETERS.items()}
                cfg.update(position=position, token_shift=token_shift, n_layer=2, block_size=16)
                torch.manual_seed(0)
                model = ct.build_model(cfg)
                for parameter in model.parameters():  # random weights, so every path carries signal
                    torch.nn.init.normal_(parameter, std=0.3)
                self.assert_causal(model, 16)

    def test_tiny_model_is_causal(self):
        cfg = {key: spec[1] for key, spec in char_tiny.HYPERPARAMETERS.items()}
        torch.manual_seed(0)
        model = char_tiny.build_model(cfg)
        torch.nn.init.normal_(model.head.weight)
        self.assert_causal(model, 32)

    def test_flops_per_token_counts_the_models_matmul_weights(self):
        # The estimate comes from the config alone (a FLOP budget's steps are known before torch
        # loads); it must match the weights the built model actually multiplies by.
        for overrides in ({}, {"n_layer": 3, "n_embd": 96, "mlp_ratio": 2, "block_size": 64},
                          {"tie_weights": True, "position": "learned", "n_embd": 48}):
            cfg = dict({key: spec[1] for key, spec in ct.HYPERPARAMETERS.items()}, **overrides)
            model = ct.build_model(cfg)
            matmul = sum(p.numel() for name, p in model.named_parameters() if p.dim() == 2 and "embedding" not in name)
            if cfg["tie_weights"]:
                matmul += model.head.weight.numel()  # the tied head is still a matmul
            attention = 12 * cfg["n_layer"] * cfg["n_embd"] * cfg["block_size"]
            self.assertEqual(ct.flops_per_token(cfg), 6 * matmul + attention, overrides)
        for overrides in ({}, {"n_layer": 3, "context": 8, "n_embd": 24, "n_hidden": 128}):
            cfg = dict({key: spec[1] for key, spec in char_tiny.HYPERPARAMETERS.items()}, **overrides)
            model = char_tiny.build_model(cfg)
            linear = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
            self.assertEqual(char_tiny.flops_per_token(cfg), 6 * linear, overrides)


class CompileFallbackTest(unittest.TestCase):
    """torch.compile fails lazily, at the first step (no C compiler, no Triton, ...): the run
    must train the eager model instead of ending in runtime_error. torch 1.13 has no
    torch.compile, so a fake stands in; run() is called in-process."""

    def run_with_compile(self, fake_compile):
        with tempfile.TemporaryDirectory() as folder:
            corpus = os.path.join(folder, "corpus.txt")
            helpers.make_corpus(corpus, size=20_000)
            # budget_s counts from this test process's start, hence the large value.
            config = parse(ct, budget_s=3600, dataset_path=corpus, compile=True, max_steps=5, n_embd=16,
                           n_head=2, block_size=16, batch_size=4, device="cpu")
            stdout, stderr = io.StringIO(), io.StringIO()
            threads = torch.get_num_threads()
            try:
                # A second set_num_interop_threads call in one process aborts it (torch 1.13).
                with mock.patch.object(torch, "compile", fake_compile, create=True), \
                        mock.patch.object(torch, "set_num_interop_threads", lambda count: None), \
                        contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    ct.run(config, threads)
            finally:
                torch.use_deterministic_algorithms(False)  # run() switches it on for the process
                torch.set_num_threads(threads)
        return json.loads(stdout.getvalue().splitlines()[-1]), stderr.getvalue()

    def test_a_compile_failure_at_the_first_step_falls_back_to_eager(self):
        def broken_at_first_call(module):
            def compiled(*args):
                raise RuntimeError("backend compiler failed: no working C compiler")
            return compiled

        result, log = self.run_with_compile(broken_at_first_call)
        self.assertEqual(result["type"], "result")
        self.assertEqual(result["steps"], 5)
        self.assertIs(result["compiled"], False)
        self.assertIn("torch.compile failed at the first step (RuntimeError: backend compiler failed", log)

    def test_a_compile_call_that_raises_falls_back_to_eager(self):
        def unsupported(module):
            raise RuntimeError("Dynamo is not supported on this Python")

        result, log = self.run_with_compile(unsupported)
        self.assertEqual((result["steps"], result["compiled"]), (5, False))
        self.assertIn("torch.compile unavailable", log)

    def test_a_working_compile_is_reported(self):
        result, _ = self.run_with_compile(lambda module: module)
        self.assertEqual((result["steps"], result["compiled"]), (5, True))


class BenchTest(unittest.TestCase):
    def test_bench_counts_cores_like_the_scripts(self):
        # The bench keeps a copy (importing a script would import torch); it must not drift.
        self.assertEqual(inspect.getsource(bench_train.usable_cpus), inspect.getsource(ct.usable_cpus))


if __name__ == "__main__":
    unittest.main()
