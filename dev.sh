#!/usr/bin/env bash
# One entry point for people and CI. Every command installs what it needs.
#   ./dev.sh demo        the demo exercise end to end
#   ./dev.sh test        the whole test suite (real-VM integration tests included)
#   ./dev.sh test-fast   the fast subset (no VMs)
#   ./dev.sh build       configure and build (release preset)
#   ./dev.sh bench       build and run the benchmarks under tests/bench
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC LC_ALL=C
PRESET=${LIVEFIRE_PRESET:-release}
JOBS=${JOBS:-$(nproc)}

setup() { bash .ci/setup; }
build() {
  cmake --preset "$PRESET" >/dev/null
  cmake --build --preset "$PRESET" -j "$JOBS"
}
templates() { bash vm-templates/build.sh micro; }

cmd=${1:-}
case "$cmd" in
  build) setup; build ;;
  test)
    setup; build; templates
    ctest --preset "$PRESET" --output-on-failure
    ;;
  test-fast)
    setup; build
    ctest --preset "$PRESET" -L fast --output-on-failure
    ;;
  bench)
    setup; build; templates
    cmake --build --preset "$PRESET" --target bench
    ;;
  demo)
    setup; build
    exec bash scenarios/demo.sh "build/$PRESET/engine/cli/livefire"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
