#!/usr/bin/env bash
# HTTP/2 (h2c) and gRPC through one MeshBox sidecar, against the same run's direct path and HAProxy, on loopback.
# h2c: h2load (nghttp2-client) with prior knowledge, POST 1 KiB, to an h2c upstream (FastH2Upstream) directly, through
# the client sidecar's outbound listener (:authority fast-h2:9081, a port named http2, so the sidecar speaks HTTP/2
# upstream) and through HAProxy (proto h2 on both sides). gRPC: GrpcLoad (closed loop, fixed duration and concurrency,
# unary calls with 1 KiB each way) to a grpc-java upstream directly, through the sidecar (:authority fast-grpc:7070, a
# port named grpc) and through HAProxy. Saturation in interleaved rounds, median round; the sidecar's CPU per 1000
# requests. Writes results/protocols.json. The HTTP/1.1 figures, and their ratio to HAProxy, are bench/dataplane.sh's.
#   bench/protocols.sh [--smoke]   env: SAT_SECONDS (15), WARMUP (15), REWARM (3), ROUNDS (3), H2_CLIENTS (8),
#                                   H2_STREAMS (16, per connection), GRPC_CONCURRENCY (64), GRPC_CONNECTIONS (4),
#                                   PROXY_JVM_OPTS, GEN_JVM_OPTS (GrpcLoad's JVM, -Xmx256m)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need h2load haproxy jq java
ensure_bench_jar

SAT_SECONDS="${SAT_SECONDS:-15}"; WARMUP="${WARMUP:-15}"; REWARM="${REWARM:-3}"; ROUNDS="${ROUNDS:-3}"
H2_CLIENTS="${H2_CLIENTS:-8}"; H2_STREAMS="${H2_STREAMS:-16}"
GRPC_CONCURRENCY="${GRPC_CONCURRENCY:-64}"; GRPC_CONNECTIONS="${GRPC_CONNECTIONS:-4}"
if [ "$SMOKE" = 1 ]; then SAT_SECONDS=3; WARMUP=2; REWARM=1; ROUNDS=1; fi
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:--XX:+UseSerialGC -Xmx96m -Xss512k}"
GEN_JVM_OPTS="${GEN_JVM_OPTS:--Xmx256m}"
CLIENT_IP=127.253.0.1
H2_UPSTREAM=127.253.1.4:9081
GRPC_UPSTREAM=127.253.1.5:7070

tmp="$(mktemp -d /tmp/meshbox-protocols.XXXXXX)"
pids=()
cleanup() {
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

log "starting the control plane, the h2c upstream and the gRPC upstream"
java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.ProtocolsMesh 1024 \
  > "$tmp/mesh.log" 2>&1 &
pids+=($!)
wait_for_line "$tmp/mesh.log" '^ready' 60
xds="$(sed -n 's/^ready xds=\([0-9]*\).*/\1/p' "$tmp/mesh.log")"

log "starting the client sidecar (dev.meshbox.proxy.Main, $PROXY_JVM_OPTS)"
# shellcheck disable=SC2086
java $PROXY_JVM_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.proxy.Main \
  --role sidecar --pod client-0 --label app=client --label version=v1 --xds "127.0.0.1:$xds" --ip "$CLIENT_IP" \
  > "$tmp/client-0.log" 2>&1 &
client_pid=$!
pids+=("$client_pid")
wait_for_line "$tmp/client-0.log" 'proxy: ready' 60

h2_haproxy="$(free_port 18100)"
grpc_haproxy="$(free_port $((h2_haproxy + 1)))"
mkdir -p "$tmp/haproxy"
cat > "$tmp/haproxy/haproxy.cfg" <<CFG
global
  nbthread 2
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend h2
  bind 127.0.0.1:$h2_haproxy proto h2
  default_backend fast-h2
frontend grpc
  bind 127.0.0.1:$grpc_haproxy proto h2
  default_backend fast-grpc
backend fast-h2
  http-reuse always
  server fast $H2_UPSTREAM proto h2
backend fast-grpc
  http-reuse always
  server fast $GRPC_UPSTREAM proto h2
CFG
haproxy -db -f "$tmp/haproxy/haproxy.cfg" > "$tmp/haproxy/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")
sleep 0.5

head -c 1024 /dev/zero | tr '\0' y > "$tmp/body"

# name | kind | url or host:port | :authority | pids whose CPU counts as the proxy ("name=pid")
targets=(
  "h2-direct|h2|http://$H2_UPSTREAM/|$H2_UPSTREAM|"
  "h2-meshbox-1-sidecar|h2|http://$CLIENT_IP:15001/|fast-h2:9081|client-sidecar=$client_pid"
  "h2-haproxy|h2|http://127.0.0.1:$h2_haproxy/|127.0.0.1:$h2_haproxy|haproxy=$haproxy_pid"
  "grpc-direct|grpc|$GRPC_UPSTREAM|$GRPC_UPSTREAM|"
  "grpc-meshbox-1-sidecar|grpc|$CLIENT_IP:15001|fast-grpc:7070|client-sidecar=$client_pid"
  "grpc-haproxy|grpc|127.0.0.1:$grpc_haproxy|127.0.0.1:$grpc_haproxy|haproxy=$haproxy_pid"
)

# One load run of a target after a warm-up: prints {requestsPerSecond, requests, errors, stealShare, processes} as JSON,
# processes holding the CPU the watched proxy ("name=pid", or empty) used in the measured window.
load() { # kind url authority seconds warmup watch
  local out ticks cpu0 st
  if [ "$1" = h2 ]; then
    h2() { h2load -c "$H2_CLIENTS" -m "$H2_STREAMS" -t 1 -D "$1" -d "$tmp/body" -H ":authority: $3" "$2" 2>&1; }
    [ "$5" -gt 0 ] && { h2 "$5" "$2" "$3" > /dev/null || true; }
    [ -n "$6" ] && cpu0="$(cpu_seconds "${6#*=}")"
    ticks="$(cpu_ticks)"
    out="$(h2 "$4" "$2" "$3")" || { echo "bench: h2load $2 failed: $out" >&2; exit 1; }
    st="$(steal_share "$ticks" "$(cpu_ticks)")"
    # h2load: "finished in 3.00s, 41234.33 req/s, ..." and "requests: N total, N started, N done, N succeeded,
    # N failed, N errored, N timeout"
    out="$(awk '
      /^finished in/ { gsub(",", ""); rps = $4 }
      /^requests:/ { gsub(",", ""); total = $2; ok = $8; failed = $10; errored = $12; timeout = $14 }
      END { printf "{\"requestsPerSecond\": %s, \"requests\": %s, \"succeeded\": %s, \"errors\": %d}\n", rps, total, ok, failed + errored + timeout }
    ' <<< "$out")"
    if [ -n "$6" ]; then
      out="$(jq -c --arg n "${6%%=*}" --argjson c "$(awk -v a="$(cpu_seconds "${6#*=}")" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')" \
        '. + {processes: {($n): {cpuSeconds: $c, cpuSecondsPer1000Requests: ($c / (.requests / 1000))}}}' <<< "$out")"
    fi
    jq -c --argjson st "$st" '. + {stealShare: $st} | .processes //= {}' <<< "$out"
  else
    local watch=()
    [ -n "$6" ] && watch=(--watch "$6")
    ticks="$(cpu_ticks)"
    # shellcheck disable=SC2086
    out="$(java $GEN_JVM_OPTS -cp "$BENCH_JAR" dev.meshbox.bench.GrpcLoad --target "$2" --authority "$3" \
      --concurrency "$GRPC_CONCURRENCY" --connections "$GRPC_CONNECTIONS" --warmup "$5" --duration "$4" --body 1024 \
      "${watch[@]}")"
    # The steal share covers the warm-up too: the generator's JVM runs both.
    jq -c --argjson st "$(steal_share "$ticks" "$(cpu_ticks)")" \
      '{requestsPerSecond: .callsPerSecond, requests: .calls, errors, latencyMs, processes: (.processes // {}), stealShare: $st}' <<< "$out"
  fi
}

for t in "${targets[@]}"; do
  IFS='|' read -r name kind url authority _ <<< "$t"
  got="$(load "$kind" "$url" "$authority" 1 0 "")"
  jq -e '.requests > 0 and .errors == 0' <<< "$got" > /dev/null || {
    cat "$tmp/haproxy/haproxy.log" "$tmp/client-0.log" >&2 || true
    echo "bench: $name ($url, :authority $authority) did not answer cleanly: $got" >&2; exit 1; }
done
log "all six targets answer"

# Saturation in ROUNDS interleaved rounds (every target once per round), each target's figure its median round, as
# bench/dataplane.sh does; the first round warms every target up for WARMUP seconds, later ones for REWARM. gRPC's
# warm-up runs in the generator's own JVM, so that its JIT is warm too.
echo '{}' > "$tmp/sat.json"
for round in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    IFS='|' read -r name kind url authority group <<< "$t"
    warm="$WARMUP"; [ "$round" -gt 1 ] && warm="$REWARM"
    log "$name: saturation round $round of $ROUNDS, ${SAT_SECONDS}s (after a ${warm}s warm-up)"
    sat="$(load "$kind" "$url" "$authority" "$SAT_SECONDS" "$warm" "$group")"
    jq --arg n "$name" --argjson s "$sat" '.[$n] += [$s]' "$tmp/sat.json" > "$tmp/s.json"
    mv "$tmp/s.json" "$tmp/sat.json"
  done
done

out="$RESULTS/protocols.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/protocols-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile s "$tmp/sat.json" \
  --arg jvm "$PROXY_JVM_OPTS" --argjson sat "$SAT_SECONDS" --argjson smoke "$SMOKE" \
  --arg h2 "h2load -c $H2_CLIENTS -m $H2_STREAMS -t 1, POST 1 KiB, prior knowledge" \
  --arg grpc "GrpcLoad: $GRPC_CONCURRENCY unary calls in flight over $GRPC_CONNECTIONS connections, 1 KiB each way" '
  ($s[0] | map_values(sort_by(.requestsPerSecond) as $r | ($r | .[length / 2 | floor]) + {
      rounds: map(.requestsPerSecond), stealShares: map(.stealShare), errors: (map(.errors) | add)})) as $T |
  def ratio(a; b): ($T[a].requestsPerSecond / $T[b].requestsPerSecond);
  def perRound(a; b): ([$T[a].rounds, $T[b].rounds] | transpose | map(.[0] / .[1]));
  {
    benchmark: "protocols", smoke: ($smoke == 1), machine: $machine,
    loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    settings: {saturationSeconds: $sat, h2c: $h2, grpc: $grpc, sidecarJvm: $jvm,
               upstreams: "FastH2Upstream (Netty h2c, 1 event loop), grpc-java server (1 KiB replies)",
               haproxy: "2.6, 2 threads, proto h2 on both sides, http-reuse always"},
    targets: $T,
    summary: {
      requestsPerSecond: ($T | map_values(.requestsPerSecond)),
      ratios: {
        h2OneSidecarVsDirect: {value: ratio("h2-meshbox-1-sidecar"; "h2-direct"), perRound: perRound("h2-meshbox-1-sidecar"; "h2-direct")},
        h2OneSidecarVsHaproxy: {value: ratio("h2-meshbox-1-sidecar"; "h2-haproxy"), perRound: perRound("h2-meshbox-1-sidecar"; "h2-haproxy")},
        grpcOneSidecarVsDirect: {value: ratio("grpc-meshbox-1-sidecar"; "grpc-direct"), perRound: perRound("grpc-meshbox-1-sidecar"; "grpc-direct")},
        grpcOneSidecarVsHaproxy: {value: ratio("grpc-meshbox-1-sidecar"; "grpc-haproxy"), perRound: perRound("grpc-meshbox-1-sidecar"; "grpc-haproxy")}
      },
      cpuSecondsPer1000Requests: ($T | map_values(.processes | map_values(.cpuSecondsPer1000Requests))),
      errors: ($T | map_values(.errors))
    }
  }' > "$out"
log "wrote $out"
jq '.summary' "$out"
