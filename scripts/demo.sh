#!/usr/bin/env bash
# The demo: build ivrd in build/ and run the appliance on the simulated card
# with config/demo.toml. The daemon places one demo call (a caller rings line
# 1, presses 2 for the support menu, then 1 for the support phone, which
# answers), prints what the caller heard and where the call went, and stops.
#
# The demo runs in real time: about 20 seconds, most of it the caller's two
# rings before the appliance answers. To keep the appliance running for
# ivrctl instead, start it without --demo-call:
#   build/bin/ivrd --sim --foreground --config config/demo.toml
#
# Missing Debian packages are installed first (scripts/setup-deps.sh: root or
# sudo). Exits non-zero if the build fails or the daemon does.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=build

bash scripts/setup-deps.sh

echo "==== configure + build: $build (Release)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
# Only what the demo needs: the daemon.
cmake --build "$build" -j"$(nproc)" --target ivrd

echo
echo "==== $build/bin/ivrd --sim --foreground --config config/demo.toml --demo-call"
# The control socket goes beside the build, so the demo needs no /run/ivrd.
exec "$build/bin/ivrd" --sim --foreground --config config/demo.toml --demo-call \
  --socket "$build/ivrd-demo.sock" --state-dir "$build/ivrd-state"
