"""Bad input ends a run at once with exactly one clean error line and a non-zero exit."""

import os
import subprocess
import sys
import time
import unittest

from helpers import TINY, TRANSFORMER, CorpusTestCase, Run, run_script


class ConfigErrorTest(CorpusTestCase):
    corpus_size = 20_000

    def config(self, **overrides):
        config = {"budget_s": 5, "seed": 0, "dataset_path": self.corpus}
        config.update(overrides)
        return config

    def assert_error(self, run, code, *fragments, exit_code=None):
        self.assertEqual(len(run.records), 1, f"expected one line, got {run.lines}")
        record = run.final
        self.assertEqual(record["type"], "error")
        self.assertEqual(record["code"], code, record["error"])
        self.assertIsInstance(record["error"], str)
        for fragment in fragments:
            self.assertIn(fragment, record["error"])
        self.assertEqual(run.returncode, exit_code if exit_code is not None else (2 if code == "invalid_config" else 1))
        # Config problems are found before torch is imported: no start-up cost.
        self.assertLess(run.wall, 3.0)

    def test_unknown_key(self):
        run = run_script(TRANSFORMER, self.config(learning_rate=0.01))
        self.assert_error(run, "invalid_config", "unknown keys ['learning_rate']", "lr")

    def test_n_embd_not_divisible_by_n_head(self):
        run = run_script(TRANSFORMER, self.config(n_embd=100, n_head=3))
        self.assert_error(run, "invalid_config", "n_embd (100) must be divisible by n_head (3)")

    def test_block_size_longer_than_data(self):
        run = run_script(TRANSFORMER, self.config(block_size=30_000))
        self.assert_error(run, "invalid_config", "block_size (30000) is longer than the training data")

    def test_negative_budget(self):
        run = run_script(TRANSFORMER, self.config(budget_s=-1))
        self.assert_error(run, "invalid_config", "budget_s must be > 0")

    def test_missing_dataset(self):
        run = run_script(TRANSFORMER, self.config(dataset_path=os.path.join(self.tmp.name, "nope.txt")))
        self.assert_error(run, "dataset_error", "does not exist")

    def test_empty_dataset(self):
        empty = os.path.join(self.tmp.name, "empty.txt")
        open(empty, "wb").close()
        run = run_script(TRANSFORMER, self.config(dataset_path=empty))
        self.assert_error(run, "dataset_error", "too small")

    def test_dataset_is_a_directory(self):
        run = run_script(TRANSFORMER, self.config(dataset_path=self.tmp.name))
        self.assert_error(run, "dataset_error", "not a regular file")

    def test_non_json_input(self):
        run = run_script(TRANSFORMER, None, raw_input="{budget_s: 5,")
        self.assert_error(run, "invalid_config", "not valid JSON")

    def test_non_json_on_stdin(self):
        run = run_script(TRANSFORMER, None, stdin_config=True, raw_input="not json at all")
        self.assert_error(run, "invalid_config", "config from stdin is not valid JSON")

    def test_config_must_be_an_object(self):
        run = run_script(TRANSFORMER, None, raw_input="[1, 2, 3]")
        self.assert_error(run, "invalid_config", "must be a JSON object")

    def test_missing_required_keys(self):
        run = run_script(TRANSFORMER, {"budget_s": 5})
        self.assert_error(run, "invalid_config", "missing required keys ['seed', 'dataset_path']")

    def test_wrong_types_and_ranges_are_all_listed(self):
        run = run_script(TRANSFORMER, self.config(lr="fast", n_layer=1.5, dropout=1.0, schedule="step",
                                                   tie_weights=1, seed=-3))
        self.assert_error(run, "invalid_config", "lr must be a number", "n_layer must be an integer",
                          "dropout must be in [0, 1)", "schedule must be one of", "tie_weights must be true or false",
                          "seed must be in [0, 2^63)")

    def test_nan_literal_is_rejected(self):
        run = run_script(TRANSFORMER, None, raw_input='{"budget_s": 5, "seed": 0, "dataset_path": "x", "lr": NaN}')
        self.assert_error(run, "invalid_config", "lr must be a number")

    def test_schedule_shorter_than_max_steps(self):
        run = run_script(TRANSFORMER, self.config(max_steps=10, schedule_steps=5))
        self.assert_error(run, "invalid_config", "schedule_steps (5) must be >= max_steps (10)")

    def test_decay_start_needs_a_known_schedule_length(self):
        run = run_script(TRANSFORMER, self.config(decay_start_step=5))
        self.assert_error(run, "invalid_config", "decay_start_step needs max_steps or schedule_steps")

    def test_empty_object_on_stdin(self):
        run = run_script(TRANSFORMER, None, raw_input="{}", stdin_config=True)
        self.assert_error(run, "invalid_config", "missing required keys")

    def test_missing_config_file_argument(self):
        started = time.monotonic()
        process = subprocess.run([sys.executable, TRANSFORMER, os.path.join(self.tmp.name, "absent.json")],
                                 capture_output=True, text=True, timeout=60)
        run = Run(process.returncode, process.stdout, process.stderr, time.monotonic() - started)
        self.assert_error(run, "invalid_config", "cannot read config from", "absent.json")

    def test_compute_budget_keys_are_checked(self):
        # Every bad value is named in one error line, before torch is imported.
        cases = [
            ({"budget_tokens": 0}, "budget_tokens must be in [1, 2^53], got 0"),
            ({"budget_tokens": -5}, "budget_tokens must be in [1, 2^53], got -5"),
            ({"budget_tokens": 1e300}, "budget_tokens must be in [1, 2^53], got 1.000e+300"),
            ({"budget_tokens": 2 ** 53 + 1}, "budget_tokens must be in [1, 2^53], got 9007199254740993"),
            ({"budget_flops": 10 ** 400}, "budget_flops is too large, got 1.000e+400"),
            ({"budget_tokens": 1500.5}, "budget_tokens must be an integer, got 1500.5"),
            ({"budget_tokens": "5000"}, 'budget_tokens must be a number, got "5000"'),
            ({"budget_flops": 0}, "budget_flops must be > 0 and at most 1e+21, got 0"),
            ({"budget_flops": -1e12}, "budget_flops must be > 0 and at most 1e+21, got -1000000000000.0"),
            ({"budget_flops": 1e30}, "budget_flops must be > 0 and at most 1e+21, got 1e+30"),
            ({"budget_tokens": 100_000, "budget_flops": 1e12}, "budget_tokens and budget_flops are both set"),
            ({"budget_tokens": 100_000, "max_steps": 5, "decay_start_step": 2},
             "budget_tokens fixes the step count and the lr schedule; remove max_steps, decay_start_step"),
            ({"budget_tokens": 1000}, "budget_tokens (1000) is less than one training step of this config: "
                                      "1024 tokens (batch_size x block_size)"),
        ]
        for overrides, message in cases:
            with self.subTest(**{key: str(value) for key, value in overrides.items()}):
                self.assert_error(run_script(TINY, self.config(**overrides)), "invalid_config", message)

    def test_nan_budget_is_rejected(self):
        run = run_script(TRANSFORMER, None, raw_input=f'{{"budget_s": 5, "seed": 0, "dataset_path": "{self.corpus}", '
                                                      '"budget_flops": NaN}')
        self.assert_error(run, "invalid_config", 'budget_flops must be a number, got "NaN"')

    def test_a_bad_handoff_clock_is_ignored_with_a_note(self):
        # The note comes before the config is read, so an invalid config shows it cheaply.
        future = repr(time.monotonic() + 30)
        for value, reason in (("soon", "is not a number"), (future, "s in the future")):
            run = run_script(TINY, self.config(budget_tokens=0), env={"XEENET_BUDGET_CLOCK_START": value})
            self.assert_error(run, "invalid_config", "budget_tokens must be in")
            self.assertIn("ignoring XEENET_BUDGET_CLOCK_START=", run.stderr)
            self.assertIn(reason, run.stderr)
            self.assertIn("the budget clock starts at process start", run.stderr)

    def test_tiny_script_rejects_transformer_keys(self):
        run = run_script(TINY, self.config(n_head=4))
        self.assert_error(run, "invalid_config", "unknown keys ['n_head']")

    def test_tiny_script_block_size_longer_than_data(self):
        run = run_script(TINY, self.config(block_size=19_000))
        self.assert_error(run, "invalid_config", "block_size (19000) is longer than the training data")

    def test_unavailable_device(self):
        # No CUDA on the test machines; where there is one, ask for MPS, which then is absent.
        import torch

        device = "mps" if torch.cuda.is_available() else "cuda"
        run = run_script(TRANSFORMER, self.config(device=device), timeout=60)
        self.assertEqual(run.final["type"], "error")
        self.assertEqual(run.final["code"], "device_unavailable")
        self.assertEqual(run.returncode, 1)
        self.assertEqual(len(run.records), 1)


if __name__ == "__main__":
    unittest.main()
