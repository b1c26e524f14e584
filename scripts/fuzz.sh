#!/usr/bin/env bash
# Fuzzes Moat's wire decoders, SigV4 parser and policy parser with libFuzzer, or replays the committed corpora.
#
#   scripts/fuzz.sh [TARGET…] [--seconds N] [--keep-going] [--fresh]
#       Builds the harnesses with -sanitize=fuzzer,address into .build-fuzz and runs each TARGET (default: all) for
#       N seconds (default 60), starting from Fuzz/Corpus/<target> copied into .build-fuzz/corpus/<target>.
#       Prints executions, exec/s, corpus size and crashes per target; exits 1 when any target crashed.
#       --keep-going  keep fuzzing after a crash (libFuzzer fork mode) and count every crash found
#       --fresh       start the work corpus again from the committed seeds
#   scripts/fuzz.sh --replay [TARGET…] [--no-build]
#       Builds the harnesses normally and replays the committed corpora through them (seconds; no libFuzzer).
#
# Targets: query json restjson sigv4 policy (or the product names MoatFuzzQuery, …). See Fuzz/README.md.
# Environment: MOAT_FUZZ_SANITIZERS (default fuzzer,address), MOAT_FUZZ_ALLOW (known findings to step over),
# MOAT_FUZZ_JOBS (build jobs, default 2), extra libFuzzer flags in MOAT_FUZZ_FLAGS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_TARGETS=(query json restjson sigv4 policy)

product_of() {
    case "$1" in
        query | MoatFuzzQuery) echo MoatFuzzQuery ;;
        json | MoatFuzzJSON) echo MoatFuzzJSON ;;
        restjson | rest-json | MoatFuzzRestJSON) echo MoatFuzzRestJSON ;;
        sigv4 | MoatFuzzSigV4) echo MoatFuzzSigV4 ;;
        policy | MoatFuzzPolicy) echo MoatFuzzPolicy ;;
        *) return 1 ;;
    esac
}

target_of() {
    case "$1" in
        MoatFuzzQuery) echo query ;;
        MoatFuzzJSON) echo json ;;
        MoatFuzzRestJSON) echo restjson ;;
        MoatFuzzSigV4) echo sigv4 ;;
        MoatFuzzPolicy) echo policy ;;
    esac
}

usage() {
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 64
}

SECONDS_PER_TARGET=60
MODE=fuzz
KEEP_GOING=0
FRESH=0
BUILD=1
TARGETS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds)
            [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage
            SECONDS_PER_TARGET="$2"
            shift 2
            ;;
        --seconds=*)
            SECONDS_PER_TARGET="${1#--seconds=}"
            [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || usage
            shift
            ;;
        --replay) MODE=replay; shift ;;
        --no-build) BUILD=0; shift ;;
        --keep-going) KEEP_GOING=1; shift ;;
        --fresh) FRESH=1; shift ;;
        -h | --help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *)
            product_of "$1" > /dev/null || { echo "unknown target $1 (targets: ${ALL_TARGETS[*]})" >&2; exit 64; }
            TARGETS+=("$(target_of "$(product_of "$1")")")
            shift
            ;;
    esac
done
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL_TARGETS[@]}")

# The Swift runtime's crash reporter would race libFuzzer's and ASan's own reports.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
JOBS="${MOAT_FUZZ_JOBS:-2}"

if [[ "$MODE" == replay ]]; then
    if [[ "$BUILD" == 1 ]]; then
        for target in "${TARGETS[@]}"; do
            swift build -j "$JOBS" --product "$(product_of "$target")" > /dev/null
        done
    fi
    BIN="$(swift build --show-bin-path 2> /dev/null)"
    status=0
    for target in "${TARGETS[@]}"; do
        product="$(product_of "$target")"
        if output="$("$BIN/$product" "Fuzz/Corpus/$target" 2>&1)"; then
            echo "$target: ${output##*$'\n'}"
        else
            echo "$target: FAILED"
            echo "$output" | tail -20
            status=1
        fi
    done
    exit "$status"
fi

SCRATCH="$ROOT/.build-fuzz"
SANITIZERS="${MOAT_FUZZ_SANITIZERS:-fuzzer,address}"
BUILD_FLAGS=(
    --scratch-path "$SCRATCH" -c release -j "$JOBS"
    # SwiftPM links libFuzzer's main only when it knows about the fuzzer; the compiler flag instruments every module.
    --sanitize fuzzer
    -Xswiftc "-sanitize=$SANITIZERS" -Xswiftc -DMOAT_FUZZING
    # The harnesses use @testable imports, which a release build allows only with testing enabled.
    -Xswiftc -enable-testing
)
for target in "${TARGETS[@]}"; do
    product="$(product_of "$target")"
    echo "building $product (sanitizers: $SANITIZERS)…"
    if ! swift build "${BUILD_FLAGS[@]}" --product "$product" > "$SCRATCH.$target.build.log" 2>&1; then
        tail -30 "$SCRATCH.$target.build.log"
        echo "build of $product failed (log: $SCRATCH.$target.build.log)"
        exit 2
    fi
done
BIN="$(swift build "${BUILD_FLAGS[@]}" --show-bin-path 2> /dev/null)"

# Leaks are checked after fuzzing, over the corpus: LeakSanitizer during fuzzing slows the harnesses tenfold.
FUZZ_ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0}"

summary=()
crashed=0
for target in "${TARGETS[@]}"; do
    product="$(product_of "$target")"
    corpus="$SCRATCH/corpus/$target"
    artifacts="$SCRATCH/artifacts/$target"
    log="$SCRATCH/logs/$target.log"
    [[ "$FRESH" == 1 ]] && rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    cp -n Fuzz/Corpus/"$target"/* "$corpus"/ 2> /dev/null || true
    before=$(find "$artifacts" -type f | wc -l)

    flags=(
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=4096 -max_len=8192
        -print_final_stats=1 -artifact_prefix="$artifacts/"
    )
    [[ -f "Fuzz/Dictionaries/$target.dict" ]] && flags+=(-dict="Fuzz/Dictionaries/$target.dict")
    [[ "$KEEP_GOING" == 1 ]] && flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    # shellcheck disable=SC2206
    flags+=(${MOAT_FUZZ_FLAGS:-})

    echo "fuzzing $target for ${SECONDS_PER_TARGET}s (log: $log)…"
    started=$SECONDS
    set +e
    ASAN_OPTIONS="$FUZZ_ASAN_OPTIONS" "$BIN/$product" "${flags[@]}" "$corpus" > "$log" 2>&1
    rc=$?
    set -e
    elapsed=$(( SECONDS - started > 0 ? SECONDS - started : 1 ))
    if [[ $rc -eq 0 || "$KEEP_GOING" == 1 ]]; then
        echo "checking $target's corpus for leaks…"
        set +e
        ASAN_OPTIONS=detect_leaks=1 "$BIN/$product" -runs=0 -timeout=20 -rss_limit_mb=4096 -artifact_prefix="$artifacts/" \
            "$corpus" > "$log.leaks" 2>&1
        leak_rc=$?
        set -e
        if [[ $leak_rc -ne 0 ]]; then
            rc=$leak_rc
            cat "$log.leaks" >> "$log"
        fi
    fi

    executions=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    if [[ -z "$executions" ]]; then
        # Stopped by a crash before the final statistics, or fork mode: take the last status line.
        executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
        [[ -n "$executions" ]] && rate=$(( executions / elapsed ))
    fi
    corpus_size=$(find "$corpus" -type f | wc -l)
    crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
    if [[ $rc -ne 0 && $crashes -eq 0 ]]; then crashes=1; fi
    if [[ $crashes -gt 0 ]]; then
        crashed=1
        echo "  $target: $crashes crash(es); inputs in $artifacts, report in $log:"
        # Fork mode keeps the crash reports of its jobs to itself: run the newest input again for its first line.
        newest="$(ls -t "$artifacts"/* 2> /dev/null | head -1)"
        if [[ -n "$newest" ]]; then
            leaks=0
            [[ "$(basename "$newest")" == leak-* ]] && leaks=1
            ASAN_OPTIONS="detect_leaks=$leaks" "$BIN/$product" -timeout=20 "$newest" 2>&1 \
                | grep -m1 -E 'invariant failed|Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' \
                | cut -c1-300 | sed "s|^|    $(basename "$newest"): |" || true
        fi
    fi
    summary+=("$(printf '%-9s executions %-10s exec/s %-7s corpus %-6s crashes %s' \
        "$target" "${executions:-?}" "${rate:-?}" "$corpus_size" "$crashes")")
done

echo
printf '%s\n' "${summary[@]}"
exit "$crashed"
