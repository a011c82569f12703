#!/usr/bin/env bash
# The cost of mutual TLS between two sidecars, in one run on loopback: the same client sidecar and server sidecar
# (dev.meshbox.proxy.Main processes, fed over ADS) carry Service meshed over auto mTLS and its alias meshed-plain in
# plaintext (DestinationRule tls.mode DISABLE), to the same fast upstream as the server pod's app.
# Measures requests/s at saturation (wrk, keep-alive, interleaved rounds; target: mTLS >= 0.6x plaintext), the latency
# mTLS adds at a fixed rate (p50/p90/p99, OpenLoopLoad), and the CPU of one handshake (both sidecars): the aliases
# meshed-hs and meshed-plain-hs set maxRequestsPerConnection 1, so every request opens a new connection between the
# sidecars, and the CPU per request of the two differs by the handshake. Writes results/mtls.json.
#   bench/mtls.sh [--smoke]   env: SAT_SECONDS (10), ROUNDS (3), WARMUP (10), REWARM (3), LAT_SECONDS (20), RATE (1000),
#                             WRK_CONNECTIONS (32), PROXY_JVM_OPTS (add -Dmeshbox.tls.provider=jdk for the JDK's TLS)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need wrk jq java curl
ensure_bench_jar

SAT_SECONDS="${SAT_SECONDS:-10}"; ROUNDS="${ROUNDS:-3}"; WARMUP="${WARMUP:-10}"; REWARM="${REWARM:-3}"
LAT_SECONDS="${LAT_SECONDS:-20}"; RATE="${RATE:-1000}"; WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
if [ "$SMOKE" = 1 ]; then SAT_SECONDS=2; LAT_SECONDS=2; WARMUP=1; ROUNDS=1; fi
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:--XX:+UseSerialGC -Xmx96m -Xss512k}"
GEN_JVM_OPTS="${GEN_JVM_OPTS:--Xmx128m}"
CLIENT_IP=127.253.0.1
SERVER_IP=127.253.0.3

tmp="$(mktemp -d /tmp/meshbox-mtls.XXXXXX)"
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

log "starting the control plane (auto mTLS, the plaintext and one-request-per-connection aliases) and the upstream"
java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.DataPlaneMesh 1024 mtls \
  > "$tmp/mesh.log" 2>&1 &
pids+=($!)
wait_for_line "$tmp/mesh.log" '^ready' 60
xds="$(sed -n 's/^ready xds=\([0-9]*\).*/\1/p' "$tmp/mesh.log")"

start_sidecar() { # pod app ip
  # shellcheck disable=SC2086
  java $PROXY_JVM_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=info -cp "$BENCH_JAR" dev.meshbox.proxy.Main \
    --role sidecar --pod "$1" --label "app=$2" --label version=v1 --xds "127.0.0.1:$xds" --ip "$3" > "$tmp/$1.log" 2>&1 &
  pids+=($!)
  started_pid=$!
}
log "starting the sidecars (dev.meshbox.proxy.Main, $PROXY_JVM_OPTS)"
start_sidecar client-0 client "$CLIENT_IP"
client_pid=$started_pid
start_sidecar meshed-0 meshed "$SERVER_IP"
server_pid=$started_pid
wait_for_line "$tmp/client-0.log" 'proxy: ready' 60
wait_for_line "$tmp/meshed-0.log" 'proxy: ready' 60
provider="$(curl -s "http://$CLIENT_IP:15000/server_info" | jq -r .tls_provider)"
log "TLS provider: $provider"

url="http://$CLIENT_IP:15001/"
# Each alias must answer, and the server sidecar must have seen meshed over mTLS and meshed-plain in plaintext.
for host in meshed meshed-plain meshed-hs meshed-plain-hs; do
  got="$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Host: $host:9080" --data-binary @<(head -c 1024 /dev/zero | tr '\0' y) "$url" || true)"
  [ "$got" = "200 1024" ] || { echo "bench: $host answered '$got', expected 200 with 1024 bytes" >&2; exit 1; }
done
security="$(curl -s "http://$SERVER_IP:15000/access_log?format=json" | jq -c 'map({(.authority): (.downstream_peer_uri_san // "plaintext")}) | add')"
jq -e '.["meshed:9080"] != "plaintext" and .["meshed-plain:9080"] == "plaintext"' <<< "$security" > /dev/null \
  || { echo "bench: the server sidecar saw $security; expected meshed over mTLS and meshed-plain in plaintext" >&2; exit 1; }
log "meshed goes over mTLS, meshed-plain in plaintext: $security"

stat() { # name: a counter of the client sidecar
  curl -s "http://$CLIENT_IP:15000/stats" | awk -v n="$1: " 'index($0, n) == 1 { print substr($0, length(n) + 1); exit }'
}

# One saturation run of wrk against a Host; prints its WRKJSON with the sidecars' CPU seconds and the new connections
# the client sidecar made to the cluster.
saturate() { # host seconds
  local before after cx0 cx1 out cluster="outbound|9080||$1.default.svc.cluster.local"
  before="$(cpu_seconds "$client_pid" "$server_pid")"
  cx0="$(stat "cluster.$cluster.upstream_cx_total")"
  out="$(wrk -t1 -c"$WRK_CONNECTIONS" -d"$2s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $1:9080" "$url" | sed -n 's/^WRKJSON //p')"
  after="$(cpu_seconds "$client_pid" "$server_pid")"
  cx1="$(stat "cluster.$cluster.upstream_cx_total")"
  jq -c --argjson c "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')" \
    --argjson cx "$(( ${cx1:-0} - ${cx0:-0} ))" '. + {cpuSeconds: $c, upstreamConnections: $cx}' <<< "$out"
}

echo '{}' > "$tmp/sat.json"
for round in $(seq "$ROUNDS"); do
  for host in meshed-plain meshed meshed-plain-hs meshed-hs; do
    warm="$WARMUP"; [ "$round" -gt 1 ] && warm="$REWARM"
    log "$host: round $round of $ROUNDS, wrk -t1 -c$WRK_CONNECTIONS -d${SAT_SECONDS}s (after a ${warm}s warm-up)"
    wrk -t1 -c"$WRK_CONNECTIONS" -d"${warm}s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $host:9080" "$url" > /dev/null
    jq --arg n "$host" --argjson s "$(saturate "$host" "$SAT_SECONDS")" '.[$n] += [$s]' "$tmp/sat.json" > "$tmp/s.json"
    mv "$tmp/s.json" "$tmp/sat.json"
  done
done

echo '{}' > "$tmp/lat.json"
for host in meshed-plain meshed; do
  log "$host: fixed rate $RATE rps for ${LAT_SECONDS}s (after a ${WARMUP}s warm-up)"
  lat="$(java $GEN_JVM_OPTS -cp "$BENCH_JAR" dev.meshbox.bench.OpenLoopLoad --url "$url" --host "$host:9080" --rate "$RATE" \
    --warmup "$WARMUP" --duration "$LAT_SECONDS" --connections 16 --body 1024 \
    --watch "client-sidecar=$client_pid" --watch "server-sidecar=$server_pid")"
  jq --arg n "$host" --argjson l "$lat" '. + {($n): $l}' "$tmp/lat.json" > "$tmp/l.json"
  mv "$tmp/l.json" "$tmp/lat.json"
done

out="$RESULTS/mtls.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/mtls-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile s "$tmp/sat.json" \
  --slurpfile l "$tmp/lat.json" --arg provider "$provider" --arg jvm "$PROXY_JVM_OPTS" --argjson sat "$SAT_SECONDS" \
  --argjson lat "$LAT_SECONDS" --argjson rate "$RATE" --argjson conns "$WRK_CONNECTIONS" --argjson smoke "$SMOKE" '
  $s[0] as $S | $l[0] as $L |
  def median(n): ($S[n] | sort_by(.requestsPerSecond) | .[length / 2 | floor]);
  def perRequest(n): (($S[n] | map(.cpuSeconds) | add) / ($S[n] | map(.requests) | add));
  {
    benchmark: "mtls", smoke: ($smoke == 1), machine: $machine, tlsProvider: $provider,
    loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    settings: {saturation: "wrk -t1 -c\($conns) -d\($sat)s, POST 1 KiB, upstream answers 1 KiB, \($S.meshed | length) interleaved rounds",
               fixedRate: "OpenLoopLoad \($rate) rps for \($lat)s over 16 connections, POST 1 KiB",
               sidecarJvm: $jvm,
               handshakes: "meshed-hs / meshed-plain-hs: maxRequestsPerConnection 1, one sidecar-to-sidecar connection per request"},
    saturation: $S, fixedRate: $L,
    summary: {
      requestsPerSecond: {plaintext: median("meshed-plain").requestsPerSecond, mtls: median("meshed").requestsPerSecond,
                          plaintextNewConnectionEachRequest: median("meshed-plain-hs").requestsPerSecond,
                          mtlsNewConnectionEachRequest: median("meshed-hs").requestsPerSecond},
      addedLatencyMs: {p50: ($L.meshed.latencyMs.p50 - $L["meshed-plain"].latencyMs.p50),
                       p90: ($L.meshed.latencyMs.p90 - $L["meshed-plain"].latencyMs.p90),
                       p99: ($L.meshed.latencyMs.p99 - $L["meshed-plain"].latencyMs.p99)},
      cpuMsPerRequestBothSidecars: {plaintext: (perRequest("meshed-plain") * 1000), mtls: (perRequest("meshed") * 1000),
                                    plaintextNewConnectionEachRequest: (perRequest("meshed-plain-hs") * 1000),
                                    mtlsNewConnectionEachRequest: (perRequest("meshed-hs") * 1000)},
      handshakes: ($S["meshed-hs"] | map(.upstreamConnections) | add),
      requestsOnNewConnections: ($S["meshed-hs"] | map(.requests) | add),
      cpuMsPerHandshakeBothSidecars: ((($S["meshed-hs"] | map(.cpuSeconds) | add)
          - perRequest("meshed-plain-hs") * ($S["meshed-hs"] | map(.requests) | add)) * 1000
          / ([($S["meshed-hs"] | map(.upstreamConnections) | add), 1] | max)),
      errors: ($S | map_values(map(.connectErrors + .readErrors + .writeErrors + .non2xx + .timeouts) | add))
    }
  } |
  .targetsCheck = {mtlsVsPlaintextThroughput: {target: ">= 0.60",
      value: (.summary.requestsPerSecond.mtls / .summary.requestsPerSecond.plaintext),
      perRound: ([$S.meshed, $S["meshed-plain"]] | transpose | map(.[0].requestsPerSecond / .[1].requestsPerSecond))}} |
  .targetsCheck.mtlsVsPlaintextThroughput.met = (.targetsCheck.mtlsVsPlaintextThroughput.value >= 0.6)
  ' > "$out"
log "wrote $out"
jq '{tlsProvider, summary, targetsCheck}' "$out"
