#!/usr/bin/env bash
# Tracing cost, in one run on loopback: one MeshBox sidecar's HTTP/1.1 throughput at saturation (wrk, 1 KiB POSTs to
# the fast upstream) with tracing off (mesh config enableTracing: false: no tracing on the connection managers), on at
# 1 % sampling (Istio's default) and on at 100 % (the demo profile, for information), spans going to a loopback span
# sink registered as zipkin.istio-system:9411 (found by the sidecar through its collector cluster, as Zipkin would be).
# The sidecar is the same process throughout; the control plane switches its tracing over xDS between phases, in
# ROUNDS interleaved rounds (off, 1 %, 100 % each round), each mode's figure being the median round.
# Writes results/tracing.json: requests/s and CPU seconds per 1000 requests per mode, and the cost in % against off
# (issue 20's target: under 5 % at 1 %).
#   bench/tracing.sh [--smoke]      env: SAT_SECONDS (15), WARMUP (15), REWARM (3), ROUNDS (3), PROXY_JVM_OPTS
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need wrk jq java curl
ensure_bench_jar

SAT_SECONDS="${SAT_SECONDS:-15}"; WARMUP="${WARMUP:-15}"; REWARM="${REWARM:-3}"; ROUNDS="${ROUNDS:-3}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
if [ "$SMOKE" = 1 ]; then SAT_SECONDS=2; WARMUP=1; REWARM=1; ROUNDS=1; fi
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:--XX:+UseSerialGC -Xmx96m -Xss512k}"
CLIENT_IP=127.253.0.1
MODES=(off 1 100)

tmp="$(mktemp -d /tmp/meshbox-tracing.XXXXXX)"
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_line() { # file pattern seconds
  local i
  for i in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: no '$2' in $1 after $3 s:" >&2; cat "$1" >&2; exit 1
}

wait_quiet
machine="$(machine_json)"

log "starting the control plane, the fast upstream and the span sink"
mkfifo "$tmp/commands"
java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.TracingMesh 1024 \
  < "$tmp/commands" > "$tmp/mesh.log" 2>&1 &
pids+=($!)
exec 3> "$tmp/commands"
wait_for_line "$tmp/mesh.log" '^ready' 60
xds="$(sed -n 's/^ready xds=\([0-9]*\).*/\1/p' "$tmp/mesh.log")"

# shellcheck disable=SC2086
java $PROXY_JVM_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.proxy.Main \
  --role sidecar --pod client-0 --label app=client --label version=v1 --xds "127.0.0.1:$xds" --ip "$CLIENT_IP" \
  > "$tmp/client-0.log" 2>&1 &
client_pid=$!
pids+=("$client_pid")
wait_for_line "$tmp/client-0.log" 'proxy: ready' 60
url="http://$CLIENT_IP:15001/"; host="fast:9080"

# Switches the mesh's tracing and waits until the control plane has pushed it (its answer) and the sidecar took it:
# at 100 % the sink must see spans; otherwise two seconds for the ACK (the push is one ADS round trip on loopback).
spans_seen() { # the spans the sink has received so far
  local n i
  n="$(grep -c '^spans ' "$tmp/mesh.log" || true)"
  echo spans >&3
  for i in $(seq 50); do [ "$(grep -c '^spans ' "$tmp/mesh.log" || true)" -gt "$n" ] && break; sleep 0.1; done
  grep '^spans ' "$tmp/mesh.log" | tail -1 | cut -d' ' -f2
}
set_mode() { # off | percentage
  local applied
  applied="$(grep -c "^applied $1\$" "$tmp/mesh.log" || true)"
  echo "$1" >&3
  local i
  for i in $(seq 100); do [ "$(grep -c "^applied $1\$" "$tmp/mesh.log" || true)" -gt "$applied" ] && break; sleep 0.1; done
  sleep 2
  if [ "$1" = 100 ]; then
    local before; before="$(spans_seen)"
    curl -s -o /dev/null -H "Host: $host" "$url"
    for i in $(seq 50); do [ "$(spans_seen)" -gt "$before" ] && return 0; sleep 0.1; done
    echo "bench: no span reached the sink at 100 % sampling" >&2; cat "$tmp/client-0.log" >&2; exit 1
  fi
}

got="$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Host: $host" --data-binary @<(head -c 1024 /dev/zero | tr '\0' y) "$url" || true)"
[ "$got" = "200 1024" ] || { echo "bench: the sidecar answered '$got', expected 200 with 1024 bytes" >&2; exit 1; }

echo '{}' > "$tmp/sat.json"
for round in $(seq "$ROUNDS"); do
  for mode in "${MODES[@]}"; do
    set_mode "$mode"
    warm="$WARMUP"; [ "$round" -gt 1 ] && warm="$REWARM"
    log "tracing $mode: round $round of $ROUNDS, wrk -t1 -c$WRK_CONNECTIONS -d${SAT_SECONDS}s (after a ${warm}s warm-up)"
    wrk -t1 -c"$WRK_CONNECTIONS" -d"${warm}s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $host" "$url" > /dev/null
    cpu_before="$(cpu_seconds "$client_pid")"
    spans_before="$(spans_seen)"
    ticks="$(cpu_ticks)"
    wrk_out="$(wrk -t1 -c"$WRK_CONNECTIONS" -d"${SAT_SECONDS}s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $host" "$url")"
    st="$(steal_share "$ticks" "$(cpu_ticks)")"
    cpu_after="$(cpu_seconds "$client_pid")"
    spans_after="$(spans_seen)"
    sat="$(sed -n 's/^WRKJSON //p' <<< "$wrk_out" | jq -c --argjson st "$st" --argjson b "$cpu_before" --argjson a "$cpu_after" \
      --argjson sb "$spans_before" --argjson sa "$spans_after" \
      '. + {stealShare: $st, sidecarCpuSeconds: ($a - $b), spansReported: ($sa - $sb),
            cpuSecondsPer1000: (if .requests > 0 then ($a - $b) * 1000 / .requests else null end)}')"
    jq --arg m "$mode" --argjson s "$sat" '.[$m] += [$s]' "$tmp/sat.json" > "$tmp/sat.next" && mv "$tmp/sat.next" "$tmp/sat.json"
  done
done

out="$RESULTS/tracing.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/tracing-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile r "$tmp/sat.json" \
  --arg opts "$PROXY_JVM_OPTS" --argjson rounds "$ROUNDS" --argjson seconds "$SAT_SECONDS" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  $r[0] as $runs
  | ($runs | with_entries(.value = {
      requestsPerSecond: (.value | map(.requestsPerSecond) | median),
      cpuSecondsPer1000: (.value | map(.cpuSecondsPer1000) | median),
      p99Ms: (.value | map(.latencyMs.p99) | median),
      spansPerRequest: (.value | map(if .requests > 0 then .spansReported / .requests else 0 end) | median),
      rounds: .value})) as $modes
  | {
      benchmark: "tracing",
      description: "one sidecar, HTTP/1.1 POST 1 KiB at saturation (wrk -t1 -c32), tracing off vs on (Zipkin tracer, spans to a loopback sink as zipkin.istio-system:9411) at 1 % and 100 % sampling, interleaved rounds, median round",
      machine: $machine, loadAfter: $loadAfter, proxyJvmOpts: $opts, rounds: $rounds, saturationSeconds: $seconds,
      modes: $modes,
      summary: {
        requestsPerSecond: {off: $modes.off.requestsPerSecond, sampling1: $modes["1"].requestsPerSecond, sampling100: $modes["100"].requestsPerSecond},
        throughputCostPercent: {
          sampling1: (100 * (1 - $modes["1"].requestsPerSecond / $modes.off.requestsPerSecond) * 10 | round / 10),
          sampling100: (100 * (1 - $modes["100"].requestsPerSecond / $modes.off.requestsPerSecond) * 10 | round / 10)},
        cpuCostPercent: {
          sampling1: (100 * ($modes["1"].cpuSecondsPer1000 / $modes.off.cpuSecondsPer1000 - 1) * 10 | round / 10),
          sampling100: (100 * ($modes["100"].cpuSecondsPer1000 / $modes.off.cpuSecondsPer1000 - 1) * 10 | round / 10)},
        target: "under 5 % throughput cost at 1 % sampling (issue 20)"
      }
    }' > "$out"
log "wrote $out"
jq '.summary' "$out"
