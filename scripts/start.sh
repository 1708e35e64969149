#!/usr/bin/env bash
# `npm start`: installs and builds what is missing, then runs the local demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh
exec node examples/node/quickstart.mjs "$@"
