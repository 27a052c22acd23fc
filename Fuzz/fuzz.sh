#!/bin/sh
# libFuzzer runs of wsc's parsers (docs/fuzzing.md).
#   sh Fuzz/fuzz.sh build                  build .build-fuzz/release/wsc-fuzz (fuzzer + AddressSanitizer)
#   sh Fuzz/fuzz.sh smoke [TARGET...]      each target for FUZZ_SMOKE_RUNS inputs (default 2000) after its seeds
#   sh Fuzz/fuzz.sh run [TARGET...]        each target for FUZZ_SECONDS (default 60), corpus kept in .build-fuzz/corpus
#   sh Fuzz/fuzz.sh list                   the targets
# Run from the project root. Prints one line a target and a closing "fuzz: ..." line; exits 1 if any target crashed
# (the input is saved as .build-fuzz/crashes/TARGET-crash-*). Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 ...".
set -eu

SWIFT=${SWIFT:-swift}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
BIN=${FUZZ_BIN:-$SCRATCH/release/wsc-fuzz}
SHARED=../shared/vectors
TARGETS="frame wasm wasmsig leb128 dsse trust-bundle policy sigstore-bundle trusted-root tuf-root tuf-timestamp
tuf-snapshot tuf-targets toml pem-key certificate rfc3339 json canonical-json"

build() {
    # --sanitize=fuzzer makes SwiftPM link with libFuzzer's main; -sanitize=fuzzer,address instruments every Swift
    # module for coverage and ASan (a lone --sanitize=address would override the coverage flag). -enable-testing
    # lets the harness reach internal parsers with @testable import.
    $SWIFT build -c release --package-path Fuzz --scratch-path "$SCRATCH" --sanitize=fuzzer \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld
}

# Seeds of a target: the committed ones (Fuzz/Corpus/TARGET, including every crash kept as a regression) and the
# larger test vectors, referenced here by path rather than copied into the repository.
seeds() {
    target=$1
    dir=$SCRATCH/seeds/$target
    rm -rf "$dir"
    mkdir -p "$dir"
    [ -d "Fuzz/Corpus/$target" ] && cp Fuzz/Corpus/"$target"/* "$dir"/
    n=0
    add() { for f in "$@"; do [ -f "$f" ] && n=$((n + 1)) && cp "$f" "$dir/ref-$n-$(basename "$f")"; done; return 0; }
    case $target in
    wasm) add Tests/KeylessWasmTests/Fixtures/*.wasm ;;
    sigstore-bundle | json | canonical-json)
        add "$SHARED"/sigstore-conformance/*/bundle.sigstore.json Tests/KeylessWasmTests/Fixtures/*.sigstore.json ;;
    trusted-root) add "$SHARED"/sigstore-prod/*trusted_root.json "$SHARED"/sigstore-conformance/*/trusted_root.json ;;
    tuf-root) add "$SHARED"/tuf-real-repositories/*/metadata/*.root.json "$SHARED"/tuf-real-repositories/*/initial_root.json \
        "$SHARED"/sigstore-prod/*tuf-root.json ;;
    tuf-timestamp) add "$SHARED"/tuf-real-repositories/*/metadata/timestamp.json ;;
    tuf-snapshot) add "$SHARED"/tuf-real-repositories/*/metadata/*snapshot.json ;;
    tuf-targets) add "$SHARED"/tuf-real-repositories/*/metadata/*.targets.json \
        "$SHARED"/tuf-real-repositories/*/metadata/*.delegatedrole.json ;;
    pem-key) add Tests/WSCCryptoTests/Fixtures/*.pem "$SHARED"/sigstore-conformance/*/key.pub ;;
    certificate) add Tests/WSCCryptoTests/Fixtures/*.pem Tests/WSCCryptoTests/Fixtures/direct-issue/*.pem ;;
    esac
    echo "$dir"
}

# One line from a libFuzzer log: executions, exec/s, coverage (edges), features, corpus size.
summary() {
    log=$1
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
    echo "runs ${runs:-?}, ${rate:-?} exec/s, ${cov:-no coverage line}"
}

fuzz() {
    mode=$1
    shift
    [ -x "$BIN" ] || build
    [ $# -gt 0 ] || set -- $TARGETS
    mkdir -p "$SCRATCH/logs" "$SCRATCH/crashes"
    failed=""
    start=$(date +%s)
    for target in "$@"; do
        seedDir=$(seeds "$target")
        log=$SCRATCH/logs/$target-$mode.log
        if [ "$mode" = smoke ]; then
            # A fresh corpus each time so the smoke is the same run every time (fixed seed).
            corpus=$SCRATCH/smoke/$target
            rm -rf "$corpus"
            limit="-runs=${FUZZ_SMOKE_RUNS:-2000} -seed=1"
        else
            corpus=$SCRATCH/corpus/$target
            limit="-max_total_time=${FUZZ_SECONDS:-60}"
        fi
        mkdir -p "$corpus"
        # shellcheck disable=SC2086
        # The Swift backtracer would race ASan's report; ASan and libFuzzer report crashes themselves.
        if SWIFT_BACKTRACE=enable=no WSC_FUZZ_TRUSTED_ROOT=$SHARED/sigstore-prod/trusted_root.json \
            WSC_FUZZ_TARGET=$target "$BIN" $limit -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$SCRATCH/crashes/$target-" ${FUZZ_FLAGS:-} "$corpus" "$seedDir" >"$log" 2>&1; then
            echo "fuzz $target: ok: $(summary "$log")"
        else
            echo "fuzz $target: CRASH (log $log): $(grep -E '^==[0-9]+==ERROR|^SUMMARY|property failed|Fatal error|Test unit written' "$log" | head -4 | tr '\n' ' ')"
            failed="$failed $target"
        fi
    done
    elapsed=$(($(date +%s) - start))
    if [ -n "$failed" ]; then
        echo "fuzz ($mode): FAILED in ${elapsed}s: crash in$failed"
        return 1
    fi
    echo "fuzz ($mode): passed, $# targets, 0 crashes, ${elapsed}s"
}

case ${1:-} in
build) build ;;
list) echo $TARGETS ;;
smoke | run)
    mode=$1
    shift
    fuzz "$mode" "$@"
    ;;
*)
    echo "usage: sh Fuzz/fuzz.sh build | list | smoke [TARGET...] | run [TARGET...]" >&2
    exit 2
    ;;
esac
