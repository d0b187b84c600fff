#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for SECONDS each (default 60), starting from
# its committed corpus (fuzz/corpus/TARGET) and adding what it finds to a scratch copy, so
# a run never changes the checkout. Any crash fails the run, with the input that caused it
# left in fuzz/artifacts/TARGET and the command that replays it printed.
#
#   scripts/fuzz.sh              # 60 s per target (what .ci/run does)
#   scripts/fuzz.sh 600 token    # 10 minutes of one target
#   KEEP=1 scripts/fuzz.sh 600   # and merge what was found into the committed corpus
#
# Needs cargo-fuzz (installed here when missing). The targets build on stable Rust:
# cargo-fuzz passes unstable compiler flags, which RUSTC_BOOTSTRAP allows for this build
# only. No sanitizer: LiveDrop forbids unsafe code, so what a fuzz run can find is a panic
# (debug assertions and overflow checks on), an endless loop or runaway memory, which
# libFuzzer catches (-timeout, -rss_limit_mb).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

SECONDS_EACH=${1:-60}
shift || true
CARGO_FUZZ_VERSION=0.13.1
export RUSTC_BOOTSTRAP=1

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)

cargo fuzz build --sanitizer none

scratch=$(mktemp -d -t livedrop-fuzz-XXXX)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "$scratch/$target"
    echo "==> $target: ${SECONDS_EACH}s from $(find "corpus/$target" -type f | wc -l) committed inputs"
    status=0
    cargo fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$scratch/$target.log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$scratch/$target.log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$scratch/$target.log" >&2
        echo "fuzz: $target FAILED (exit $status); the input is in fuzz/artifacts/$target; replay with: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $target artifacts/$target/<file>)" >&2
        exit 1
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        cp -n "$scratch/$target"/* "corpus/$target"/ 2>/dev/null || true
        cargo fuzz cmin --sanitizer none "$target" "corpus/$target" >/dev/null 2>&1
    fi
done
echo "fuzz: every target ran ${SECONDS_EACH}s without a crash"
