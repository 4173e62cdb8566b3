"""Copy the SHARED RUNTIME blocks of char_transformer.py into the other training scripts.

Each training script must stay one self-contained file (workers download a single file by
hash), so the runtime code is duplicated, not imported. Edit it in char_transformer.py, run
this, and test_shared_runtime_blocks_are_identical in tests/test_manifest_and_spaces.py
(`--check`) confirms that the copies match.

Usage: python3 scripts/sync_shared_runtime.py [--check]
"""

import os
import re
import sys

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "char_transformer.py"
COPIES = ("char_tiny.py",)
BLOCK = re.compile(r"# =+ BEGIN SHARED RUNTIME \((part \d)\) =+\n.*?# =+ END SHARED RUNTIME \(\1\) =+\n", re.S)


def shared_blocks(text):
    return {match.group(1): match.group(0) for match in BLOCK.finditer(text)}


def main():
    check_only = "--check" in sys.argv[1:]
    with open(os.path.join(PACKAGE_DIR, SOURCE)) as source_file:
        blocks = shared_blocks(source_file.read())
    stale = []
    for name in COPIES:
        path = os.path.join(PACKAGE_DIR, name)
        with open(path) as copy_file:
            text = copy_file.read()
        if set(shared_blocks(text)) != set(blocks):
            sys.exit(f"{name}: expected shared blocks {sorted(blocks)}, found {sorted(shared_blocks(text))}")
        updated = BLOCK.sub(lambda match: blocks[match.group(1)], text)
        if updated != text:
            stale.append(name)
            if not check_only:
                with open(path, "w") as copy_file:
                    copy_file.write(updated)
    if stale:
        print(("out of date: " if check_only else "updated: ") + ", ".join(stale))
    return 1 if stale and check_only else 0


if __name__ == "__main__":
    sys.exit(main())
