#!/usr/bin/env bash
# Build ivrd twice and run every test suite; the command CI runs.
#
#   1. build/werror  RelWithDebInfo (-O2, line tables only), warnings are errors, benchmarks compiled
#                    (not run); the whole ctest suite, then the DSP tests once
#                    more per instruction set this CPU has (IVRD_ISA=...).
#   2. build/asan    Debug (assertions on) with AddressSanitizer and
#                    UndefinedBehaviorSanitizer; the whole ctest suite, leaks
#                    and UB are fatal. Debug rather than -O1: it builds in half
#                    the time and the suite still runs in seconds.
#
# Missing Debian packages are installed first (scripts/setup-deps.sh: root or
# sudo). Builds are incremental: a second run only rebuilds what changed.
# Exits non-zero if a build fails or any test fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=$(nproc)
started=$SECONDS
# The full runs use the best kernels this CPU has; the ISA runs below force each.
unset IVRD_ISA

stage() {
  printf '\n==== %s  (%ds elapsed)\n' "$*" "$((SECONDS - started))"
}

bash scripts/setup-deps.sh

# Instruction sets this CPU runs, with the same feature sets that
# ivrd::dsp::isa_supported() asks for.
cpu_isas() {
  local flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  has() { local f; for f; do [[ "$flags" == *" $f "* ]] || return 1; done; }
  echo scalar
  has sse4_1 || return 0
  echo sse41
  has avx2 fma bmi2 || return 0
  echo avx2
  has avx512f avx512bw avx512vl avx512dq || return 0
  echo avx512
}

total_passed=0
total_failed=0
failed_runs=()

# run_ctest NAME BUILD_DIR [ctest args...]: run ctest, add its counts to the
# totals, and remember the run if anything failed (the script goes on, so one
# failing stage does not hide the others).
run_ctest() {
  local name=$1 dir=$2
  shift 2
  local log
  log=$(mktemp)
  local rc=0
  ctest --test-dir "$dir" --output-on-failure --no-tests=error --timeout 600 \
    -j"$jobs" "$@" 2>&1 | tee "$log" || rc=$?
  local summary
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  rm -f "$log"
  if [[ -n "$summary" ]]; then
    local failed total
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$summary")
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
    total_passed=$((total_passed + total - failed))
    total_failed=$((total_failed + failed))
  fi
  if [[ $rc -ne 0 || -z "$summary" ]]; then
    failed_runs+=("$name")
    [[ -n "$summary" ]] || total_failed=$((total_failed + 1))
  fi
}

stage "configure + build: build/werror (-Werror)"
# Line tables only (-g1): a failure still shows file and line in its
# backtrace, and the build takes markedly less time than with full -g.
cmake -S . -B build/werror \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DIVRD_WERROR=ON -DIVRD_SANITIZE=OFF -DIVRD_BUILD_TESTS=ON -DIVRD_BUILD_BENCH=ON
cmake --build build/werror -j"$jobs"

stage "ctest: build/werror"
run_ctest "werror" build/werror

for isa in $(cpu_isas); do
  stage "ctest: build/werror, DSP tests with IVRD_ISA=$isa"
  IVRD_ISA=$isa run_ctest "werror IVRD_ISA=$isa" build/werror -R '^dsp:'
done

stage "configure + build: build/asan (Debug, ASan + UBSan)"
cmake -S . -B build/asan \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
  -DIVRD_WERROR=OFF -DIVRD_SANITIZE=ON -DIVRD_BUILD_TESTS=ON -DIVRD_BUILD_BENCH=OFF
cmake --build build/asan -j"$jobs"

stage "ctest: build/asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest "asan" build/asan

stage "done"
if ((${#failed_runs[@]} > 0)); then
  printf 'test.sh: FAILED: %s\n' "${failed_runs[@]}"
else
  echo "test.sh: every build and test run passed"
fi
echo "test.sh took $((SECONDS - started))s"
echo "total: ${total_passed} passed, ${total_failed} failed"
((${#failed_runs[@]} == 0))
