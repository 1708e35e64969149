#!/usr/bin/env bash
# `npm start`: installs and builds what is missing, then runs the local server
# (open-artifacts serve; options pass through: npm start -- --port 9000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh
exec js/bin/open-artifacts.js serve "$@"  # through its #! line, which carries its node flags
