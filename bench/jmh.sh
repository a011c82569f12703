#!/usr/bin/env bash
# JMH: route matching and weighted choice on the route table the control plane sends (RouteMatchingBenchmark), with
# the allocation per decision from JMH's GC profiler. Writes results/jmh.json (JMH's own JSON plus the machine).
#   bench/jmh.sh [--smoke] [extra JMH options]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && { SMOKE=1; shift; }
need java jq
ensure_bench_jar
opts=()
[ "$SMOKE" = 1 ] && opts=(-wi 1 -i 1 -w 200ms -r 200ms -f 1)
tmp="$(mktemp -d /tmp/meshbox-jmh.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

wait_quiet
machine="$(machine_json)"
java -jar "$BENCH_JAR" RouteMatchingBenchmark -prof gc -rf json -rff "$tmp/jmh.json" "${opts[@]}" "$@" | tee "$tmp/jmh.txt" >&2

out="$RESULTS/jmh.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/jmh-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile jmh "$tmp/jmh.json" \
  --argjson smoke "$SMOKE" '{
    benchmark: "jmh", smoke: ($smoke == 1), machine: $machine, loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    summary: [$jmh[0][] | {benchmark: (.benchmark | split(".") | last), params, nsPerOp: .primaryMetric.score,
              nsPerOpError: .primaryMetric.scoreError,
              bytesAllocatedPerOp: .secondaryMetrics["gc.alloc.rate.norm"].score}],
    jmh: $jmh[0]
  }' > "$out"
log "wrote $out"
jq -c '.summary[]' "$out"
