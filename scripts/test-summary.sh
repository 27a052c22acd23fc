#!/bin/sh
# Prints one closing line over the Swift Testing logs: "tests: N passed, N failed".
passed=0; failed=0; runs=0
for log in "$@"; do
    [ -f "$log" ] || continue
    total=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
    [ -n "$total" ] || continue
    runs=$((runs + 1))
    bad=$(grep -E '^✘ Test .* failed after' "$log" | grep -vc 'Test run with' || true)
    failed=$((failed + bad))
    passed=$((passed + total - bad))
done
echo "tests: $passed passed, $failed failed"
[ "$runs" -gt 0 ] && [ "$failed" -eq 0 ]
