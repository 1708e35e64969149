#!/usr/bin/env bash
# `npm start`: installs and builds what is missing, then runs the local server
# (open-artifacts serve; options pass through: npm start -- --port 9000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh
# What the server's memory during a push depends on (bench/README.md, "Push
# memory, second pass"): a push's body arrives in 64 KiB socket buffers that
# only a garbage collection frees, and V8's default 16 MiB semi-spaces let
# about 30 MiB of them pile up before one runs (2 MiB ones: about 10); glibc
# gives each thread that mallocs an arena of its own, and keeps it. The
# benchmark runs our server with these (serverNodeSettings() in bench/lib).
export MALLOC_ARENA_MAX=2
exec node --max-semi-space-size=2 js/bin/open-artifacts.js serve "$@"
