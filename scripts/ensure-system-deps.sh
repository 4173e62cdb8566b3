#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need (PyTorch, Optuna for bench:search, OpenBLAS, Chromium, and
# bubblewrap, the worker's sandbox) when they are missing. PyPI is not reachable here, so PyTorch comes from Debian.
set -euo pipefail

packages=(python3-torch python3-optuna libopenblas0-pthread chromium bubblewrap)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "xeenet: installing missing system packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "xeenet: cannot install them here; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
