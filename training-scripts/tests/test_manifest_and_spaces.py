"""The registry the API reads (manifest.json), the search spaces, and the rule
that each script is one self-contained file whose shared runtime matches the others."""

import ast
import io
import itertools
import json
import os
import subprocess
import sys
import unittest

from helpers import PACKAGE_DIR

import search_space

MANIFEST_KEYS = {"name", "file", "title", "description", "searchSpace", "defaultBudgetS", "budgets", "metric",
                 "defaultConfig"}


def load_manifest():
    with open(os.path.join(PACKAGE_DIR, "manifest.json")) as manifest_file:
        return json.load(manifest_file)


def load_script_module(entry):
    import importlib

    return importlib.import_module(entry["file"][:-3])


class ManifestTest(unittest.TestCase):
    def test_entries(self):
        manifest = load_manifest()
        names = [entry["name"] for entry in manifest["scripts"]]
        self.assertEqual(names[:2], ["char-transformer", "char-tiny"])
        self.assertEqual(len(names), len(set(names)))
        for entry in manifest["scripts"]:
            self.assertLessEqual(MANIFEST_KEYS, set(entry), entry["name"])
            self.assertTrue(os.path.isfile(os.path.join(PACKAGE_DIR, entry["file"])))
            self.assertTrue(os.path.isfile(os.path.join(PACKAGE_DIR, entry["searchSpace"])))
            self.assertEqual(entry["metric"], "val_bpb")
            self.assertGreater(entry["defaultBudgetS"], 0)
            budgets = entry["budgets"]
            self.assertEqual(budgets["kinds"], ["wall", "compute"])
            self.assertIn(budgets["computeUnit"], ("tokens", "flops"))
            self.assertGreater(budgets["defaultCompute"], 0)
            if budgets["computeUnit"] == "tokens":
                self.assertIsInstance(budgets["defaultCompute"], int)

    def test_default_config_is_the_scripts_defaults_and_lies_in_its_space(self):
        for entry in load_manifest()["scripts"]:
            module = load_script_module(entry)
            self.assertEqual(module.SCRIPT_NAME, entry["name"])
            defaults = {key: spec[1] for key, spec in module.HYPERPARAMETERS.items()}
            self.assertEqual(entry["defaultConfig"], defaults, entry["name"])
            with open(os.path.join(PACKAGE_DIR, entry["searchSpace"])) as space_file:
                space = json.load(space_file)
            for key, spec in space.items():
                value = defaults[key]
                values = search_space.grid_values(spec)
                if values is not None:
                    self.assertIn(value, values, f"{entry['name']}: default {key}")
                else:
                    self.assertTrue(spec["low"] <= value <= spec["high"], f"{entry['name']}: default {key}")


class SearchSpaceTest(unittest.TestCase):
    def test_every_combination_of_the_shipped_spaces_is_a_valid_config(self):
        for entry in load_manifest()["scripts"]:
            module = load_script_module(entry)
            with open(os.path.join(PACKAGE_DIR, entry["searchSpace"])) as space_file:
                space = json.load(space_file)
            search_space.validate_space(space)
            self.assertLessEqual(set(space), set(module.HYPERPARAMETERS), "only hyperparameters, no platform keys")
            keys = sorted(space)
            combinations = list(itertools.product(*(search_space.corner_values(space[key]) for key in keys)))
            compute_key = f"budget_{entry['budgets']['computeUnit']}"
            for values in combinations:
                # Valid with a wall budget and with the default compute budget (>= 1 step).
                for budget in ({}, {compute_key: entry["budgets"]["defaultCompute"]}):
                    config = dict(zip(keys, values), budget_s=9, seed=0, dataset_path="/dev/null", **budget)
                    try:
                        module.parse_config(["script"], io.StringIO(json.dumps(config)))
                    except module.RunError as exc:
                        self.fail(f"{entry['searchSpace']}: {config} is invalid: {exc}")
            self.assertGreater(len(combinations), 10)

    def test_invalid_spaces_are_rejected_with_every_problem(self):
        bad = {
            "a": {"type": "choice", "values": []},
            "b": {"type": "uniform", "low": 1, "high": 1},
            "c": {"type": "loguniform", "low": 0, "high": 1},
            "d": {"type": "int", "low": 1.5, "high": 3},
            "e": {"type": "normal"},
            "f": [1, 2],
            "g": {"type": "uniform", "low": 0, "high": 1, "points": 1},
        }
        with self.assertRaises(search_space.SpaceError) as caught:
            search_space.validate_space(bad)
        for key in "abcdefg":
            self.assertIn(f"{key}:", str(caught.exception))


class SelfContainedScriptsTest(unittest.TestCase):
    def test_shared_runtime_blocks_are_identical(self):
        process = subprocess.run([sys.executable, os.path.join(PACKAGE_DIR, "scripts", "sync_shared_runtime.py"), "--check"],
                                 capture_output=True, text=True)
        self.assertEqual(process.returncode, 0, process.stdout + process.stderr + " (run scripts/sync_shared_runtime.py)")

    def test_scripts_import_only_torch_and_the_standard_library(self):
        for entry in load_manifest()["scripts"]:
            with open(os.path.join(PACKAGE_DIR, entry["file"])) as script_file:
                tree = ast.parse(script_file.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    self.assertEqual(node.level, 0, f"{entry['file']}: relative import")
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    self.assertTrue(top == "torch" or top in sys.stdlib_module_names, f"{entry['file']} imports {module}")


if __name__ == "__main__":
    unittest.main()
