#!/usr/bin/env bash
# Installs what building and testing need, idempotently: Debian packages (as
# root), the wasm toolchain and libraries (build-wasm-deps.sh), npm packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APT_PACKAGES=(cmake g++ make pkg-config git libgit2-dev nlohmann-json3-dev libgtest-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "[setup] missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "[setup] apt-get install ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

bash "$ROOT/scripts/build-wasm-deps.sh"

# npm packages: reinstall only when package-lock.json changed.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.lock-hash || $(cat node_modules/.lock-hash) != "$lock_hash" ]]; then
  echo "[setup] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lock-hash
fi
