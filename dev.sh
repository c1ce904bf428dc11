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
# The debian template (mmdebstrap, minutes on a cache miss; I/O and apt
# bound) builds in the background while the C++ build takes the cores;
# wait_debian waits for it before the tests that boot it.
DEBIAN_LOG=${LIVEFIRE_DEBIAN_LOG:-build/debian-template.log}
debian_pid=""
start_debian() {
  mkdir -p "$(dirname "$DEBIAN_LOG")"
  bash vm-templates/build.sh debian >"$DEBIAN_LOG" 2>&1 &
  debian_pid=$!
  echo "dev.sh: building the debian template in the background (log: $DEBIAN_LOG)"
}
wait_debian() {
  if ! wait "$debian_pid"; then
    tail -n 20 "$DEBIAN_LOG" >&2
    echo "dev.sh: error: vm-templates/build.sh debian failed (full log: $DEBIAN_LOG)" >&2
    exit 1
  fi
  tail -n 1 "$DEBIAN_LOG"
}

cmd=${1:-}
case "$cmd" in
  build) setup; build ;;
  test)
    setup; start_debian; build; templates; wait_debian
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
