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

# npm packages: reinstall only when package-lock.json changed. better-sqlite3
# compiles itself with node-gyp (its prebuilt download can't be fetched here;
# package.json "allowScripts" lets npm 11 run that install script). node-gyp
# would download Node's headers too, so point it at the installed ones.
if [[ -z ${npm_config_nodedir:-} && $(npm config get nodedir 2>/dev/null) =~ ^(undefined|null|)$ ]]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  [[ -f $node_prefix/include/node/node.h ]] && export npm_config_nodedir="$node_prefix"
fi
sqlite_loads() { node -e 'new (require("better-sqlite3"))(":memory:").close()' >/dev/null 2>&1; }
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.lock-hash || $(cat node_modules/.lock-hash) != "$lock_hash" ]] || ! sqlite_loads; then
  echo "[setup] npm ci (builds better-sqlite3 from source: about 2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  if ! sqlite_loads; then
    echo "[setup] better-sqlite3 did not build; its install log:" >&2
    npm rebuild better-sqlite3 --foreground-scripts >&2 || true
    sqlite_loads || { echo "[setup] better-sqlite3 still does not load (needs python3, make, g++)" >&2; exit 1; }
  fi
  echo "$lock_hash" > node_modules/.lock-hash
fi
