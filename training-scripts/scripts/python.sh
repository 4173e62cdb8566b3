#!/usr/bin/env bash
# Runs Python with PyTorch available: $XEENET_PYTHON if set, else the first of `python3` on
# PATH and /usr/bin/python3 that can import torch. (PyPI is unreachable here; PyTorch comes
# from Debian, so a pyenv/venv python3 first on PATH often lacks it.)
set -euo pipefail

if [ -n "${XEENET_PYTHON:-}" ]; then
  exec "$XEENET_PYTHON" "$@"
fi
for candidate in python3 /usr/bin/python3; do
  # find_spec locates torch without importing it (an import costs over a second here).
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)" >/dev/null 2>&1; then
    exec "$candidate" "$@"
  fi
done
echo "training-scripts: no Python 3 with PyTorch found (tried \$XEENET_PYTHON, python3 on PATH, /usr/bin/python3)." >&2
echo "Install it with: apt-get install python3-torch libopenblas0-pthread  (or set XEENET_PYTHON)" >&2
exit 1
