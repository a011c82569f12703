#!/usr/bin/env bash
# Data plane, in one run on loopback: the fast upstream directly, through one MeshBox sidecar, through two (client
# sidecar to server sidecar), through HAProxy and through nginx (plain keep-alive reverse proxies).
# Measures requests/s at saturation (wrk), latency at a fixed 1000 rps with 1 KiB bodies (OpenLoopLoad, corrected
# for coordinated omission), CPU seconds per 1000 requests and RSS per proxy. Writes results/dataplane.json.
#   bench/dataplane.sh [--smoke]      env: SAT_SECONDS (15), LAT_SECONDS (30), WARMUP (15), RATE (1000), ROUNDS (3), PROXY_JVM_OPTS,
#                                      GEN_JVM_OPTS (the fixed-rate generator's JVM, -Xmx128m)
# Each saturation round and fixed-rate phase also records the share of CPU time the hypervisor stole (stealShare).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need wrk haproxy nginx jq java curl
ensure_bench_jar

SAT_SECONDS="${SAT_SECONDS:-15}"; LAT_SECONDS="${LAT_SECONDS:-30}"; WARMUP="${WARMUP:-15}"; RATE="${RATE:-1000}"
ROUNDS="${ROUNDS:-3}"; REWARM="${REWARM:-3}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
if [ "$SMOKE" = 1 ]; then SAT_SECONDS=2; LAT_SECONDS=2; WARMUP=1; ROUNDS=1; fi
# A sidecar JVM as the docker backend sizes one (heap 96 MB, serial GC), with the full JIT.
PROXY_JVM_OPTS="${PROXY_JVM_OPTS:--XX:+UseSerialGC -Xmx96m -Xss512k}"
GEN_JVM_OPTS="${GEN_JVM_OPTS:--Xmx128m}"
UPSTREAM=127.253.1.3:9080
CLIENT_IP=127.253.0.1
SERVER_IP=127.253.0.3

tmp="$(mktemp -d /tmp/meshbox-dataplane.XXXXXX)"
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

log "starting the control plane and the fast upstream"
java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.DataPlaneMesh 1024 \
  > "$tmp/mesh.log" 2>&1 &
pids+=($!)
wait_for_line "$tmp/mesh.log" '^ready' 60
xds="$(sed -n 's/^ready xds=\([0-9]*\).*/\1/p' "$tmp/mesh.log")"

start_sidecar() { # pod app ip
  # shellcheck disable=SC2086
  java $PROXY_JVM_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.proxy.Main \
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

haproxy_port="$(free_port 18100)"
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
  option http-keep-alive
frontend bench
  bind 127.0.0.1:$haproxy_port
  default_backend fast
backend fast
  http-reuse always
  server fast $UPSTREAM
CFG
haproxy -db -f "$tmp/haproxy/haproxy.cfg" > "$tmp/haproxy/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")

nginx_port="$(free_port $((haproxy_port + 1)))"
mkdir -p "$tmp/nginx/logs"
cat > "$tmp/nginx/nginx.conf" <<CFG
daemon off;
master_process on;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream fast { server $UPSTREAM; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://fast; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CFG
nginx -p "$tmp/nginx" -e "$tmp/nginx/logs/error.log" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
sleep 0.5

# name | url | Host header | pids whose CPU and memory count as the proxy (space-separated groups "name=pid,pid")
targets=(
  "direct|http://$UPSTREAM/|$UPSTREAM|"
  "meshbox-1-sidecar|http://$CLIENT_IP:15001/|fast:9080|client-sidecar=$client_pid"
  "meshbox-2-sidecars|http://$CLIENT_IP:15001/|meshed:9080|client-sidecar=$client_pid server-sidecar=$server_pid"
  "haproxy|http://127.0.0.1:$haproxy_port/|127.0.0.1:$haproxy_port|haproxy=$haproxy_pid"
  "nginx|http://127.0.0.1:$nginx_port/|127.0.0.1:$nginx_port|nginx=NGINX"
)
nginx_pids="$(echo "$nginx_pid" $(pgrep -P "$nginx_pid") | tr ' ' ',')"

for t in "${targets[@]}"; do
  IFS='|' read -r name url host _ <<< "$t"
  got="$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H "Host: $host" --data-binary @<(head -c 1024 /dev/zero | tr '\0' y) "$url" || true)"
  [ "$got" = "200 1024" ] || { cat "$tmp/haproxy/haproxy.log" "$tmp/nginx/logs/error.log" >&2 || true; echo "bench: $name ($url, Host $host) answered '$got', expected 200 with 1024 bytes" >&2; exit 1; }
done
log "all five targets answer 200 with 1 KiB"

# Saturation in ROUNDS interleaved rounds (every target once per round), so that a disturbance of a few seconds on this
# shared machine hits one round of one target rather than deciding a comparison; each target's figure is the median
# round. The first round warms every target up for WARMUP seconds, later rounds for REWARM (the JIT is done by then).
echo '{}' > "$tmp/sat.json"
for round in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    IFS='|' read -r name url host groups <<< "$t"
    groups="${groups//NGINX/$nginx_pids}"
    warm="$WARMUP"; [ "$round" -gt 1 ] && warm="$REWARM"
    log "$name: saturation round $round of $ROUNDS, wrk -t1 -c$WRK_CONNECTIONS -d${SAT_SECONDS}s (after a ${warm}s warm-up)"
    wrk -t1 -c"$WRK_CONNECTIONS" -d"${warm}s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $host" "$url" > /dev/null
    declare -A before=()
    for g in $groups; do before[${g%%=*}]="$(cpu_seconds $(echo "${g#*=}" | tr ',' ' '))"; done
    ticks="$(cpu_ticks)"
    wrk_out="$(wrk -t1 -c"$WRK_CONNECTIONS" -d"${SAT_SECONDS}s" -s "$BENCH_DIR/wrk/post-1k.lua" -H "Host: $host" "$url")"
    sat="$(sed -n 's/^WRKJSON //p' <<< "$wrk_out" | jq -c --argjson st "$(steal_share "$ticks" "$(cpu_ticks)")" '. + {stealShare: $st}')"
    procs='{}'
    for g in $groups; do
      cpu_after="$(cpu_seconds $(echo "${g#*=}" | tr ',' ' '))"
      procs="$(jq -c --arg n "${g%%=*}" --argjson b "${before[${g%%=*}]}" --argjson a "$cpu_after" \
        '. + {($n): {cpuSeconds: ($a - $b)}}' <<< "$procs")"
    done
    unset before
    jq --arg n "$name" --argjson s "$(jq -c --argjson p "$procs" '. + {processes: $p}' <<< "$sat")" \
      '.[$n] += [$s]' "$tmp/sat.json" > "$tmp/s.json"
    mv "$tmp/s.json" "$tmp/sat.json"
  done
done

echo '{}' > "$tmp/targets.json"
for t in "${targets[@]}"; do
  IFS='|' read -r name url host groups <<< "$t"
  groups="${groups//NGINX/$nginx_pids}"
  # The median round, with the errors and the CPU of all rounds.
  sat="$(jq -c --arg n "$name" '.[$n] as $r | ($r | map(.requests) | add) as $req |
    ($r | sort_by(.requestsPerSecond) | .[length / 2 | floor]) + {
      rounds: ($r | map(.requestsPerSecond)), stealShares: ($r | map(.stealShare)),
      connectErrors: ($r | map(.connectErrors) | add), readErrors: ($r | map(.readErrors) | add),
      writeErrors: ($r | map(.writeErrors) | add), non2xx: ($r | map(.non2xx) | add), timeouts: ($r | map(.timeouts) | add),
      processes: ($r | map(.processes | to_entries[]) | group_by(.key)
        | map({key: .[0].key, value: ((map(.value.cpuSeconds) | add) as $c
            | {cpuSeconds: $c, cpuSecondsPer1000Requests: ($c / ($req / 1000))})}) | from_entries)
    }' "$tmp/sat.json")"

  log "$name: fixed rate $RATE rps for ${LAT_SECONDS}s (after a ${WARMUP}s warm-up)"
  watch=()
  for g in $groups; do watch+=(--watch "$g"); done
  # shellcheck disable=SC2086
  ticks="$(cpu_ticks)"
  lat="$(java $GEN_JVM_OPTS -cp "$BENCH_JAR" dev.meshbox.bench.OpenLoopLoad --url "$url" --host "$host" --rate "$RATE" \
    --warmup "$WARMUP" --duration "$LAT_SECONDS" --connections 16 --body 1024 "${watch[@]}")"
  lat="$(jq -c --argjson st "$(steal_share "$ticks" "$(cpu_ticks)")" '. + {stealShare: $st}' <<< "$lat")"
  jq --arg n "$name" --arg url "$url" --arg host "$host" --argjson sat "$sat" --argjson lat "$lat" \
    '. + {($n): {url: $url, host: $host, saturation: $sat, fixedRate: $lat}}' "$tmp/targets.json" > "$tmp/t.json"
  mv "$tmp/t.json" "$tmp/targets.json"
done

memory='{}'
for g in "client-sidecar=$client_pid" "server-sidecar=$server_pid" "haproxy=$haproxy_pid" "nginx=$nginx_pids"; do
  p="$(echo "${g#*=}" | tr ',' ' ')"
  # shellcheck disable=SC2086
  memory="$(jq -c --arg n "${g%%=*}" --argjson r "$(rss_kb $p)" --argjson h "$(rss_kb peak $p)" \
    '. + {($n): {rssKb: $r, peakRssKb: $h}}' <<< "$memory")"
done

out="$RESULTS/dataplane.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/dataplane-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile t "$tmp/targets.json" \
  --argjson memory "$memory" --arg jvm "$PROXY_JVM_OPTS" --argjson sat "$SAT_SECONDS" --argjson lat "$LAT_SECONDS" \
  --argjson rate "$RATE" --argjson conns "$WRK_CONNECTIONS" --argjson smoke "$SMOKE" '
  $t[0] as $T |
  def added(n; p): ($T[n].fixedRate.latencyMs[p] - $T.direct.fixedRate.latencyMs[p]);
  {
    benchmark: "dataplane", smoke: ($smoke == 1), machine: $machine,
    loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    settings: {saturation: "wrk -t1 -c\($conns) -d\($sat)s, POST 1 KiB, upstream answers 1 KiB",
               fixedRate: "OpenLoopLoad \($rate) rps for \($lat)s over 16 connections, POST 1 KiB, latency from the due time",
               sidecarJvm: $jvm, upstream: "FastUpstream (Netty, epoll, 1 event loop)",
               haproxy: "2 threads, http-reuse always", nginx: "2 workers, upstream keepalive 64, access_log off"},
    targets: $T,
    memory: $memory,
    summary: {
      requestsPerSecond: ($T | map_values(.saturation.requestsPerSecond)),
      addedLatencyMs: ($T | keys | map(select(. != "direct")) | map({(.): {p50: added(.; "p50"), p90: added(.; "p90"), p99: added(.; "p99")}}) | add),
      cpuSecondsPer1000Requests: {
        atFixedRate: ($T | map_values(.fixedRate.processes | map_values(.cpuSecondsPer1000Requests))),
        atSaturation: ($T | map_values(.saturation.processes | map_values(.cpuSecondsPer1000Requests)))},
      lost: ($T | map_values(.fixedRate.lost + .saturation.connectErrors + .saturation.readErrors + .saturation.writeErrors + .saturation.non2xx + .saturation.timeouts))
    }
  } |
  .targetsCheck = {
    throughputOneSidecarVsHaproxy: {target: ">= 0.80", value: (.summary.requestsPerSecond["meshbox-1-sidecar"] / .summary.requestsPerSecond.haproxy),
      perRound: ([.targets["meshbox-1-sidecar"].saturation.rounds, .targets.haproxy.saturation.rounds] | transpose | map(.[0] / .[1]))},
    twoHopsAddedP99Ms: {target: "<= 0.35", value: .summary.addedLatencyMs["meshbox-2-sidecars"].p99,
      directP50Ms: .targets.direct.fixedRate.latencyMs.p50, directP99Ms: .targets.direct.fixedRate.latencyMs.p99,
      stealShare: {direct: .targets.direct.fixedRate.stealShare, twoSidecars: .targets["meshbox-2-sidecars"].fixedRate.stealShare}},
    vcpuPer1000RpsPerProxy: {target: "<= 0.25", value: ([.targets["meshbox-1-sidecar", "meshbox-2-sidecars"].fixedRate.processes[].vcpu] | max / ($rate / 1000))},
    lostRequests: {target: "0", value: (.summary.lost | add)}
  } |
  .targetsCheck.throughputOneSidecarVsHaproxy.met = (.targetsCheck.throughputOneSidecarVsHaproxy.value >= 0.8) |
  # A difference of p99s can only be judged when the direct path itself is steadier than the target: when its own p99
  # is more than 0.35 ms over its p50, that spread is the machine and the difference says nothing (it even comes out
  # negative), so met is null there rather than a yes or no.
  .targetsCheck.twoHopsAddedP99Ms.judgeable = ((.targetsCheck.twoHopsAddedP99Ms.directP99Ms - .targetsCheck.twoHopsAddedP99Ms.directP50Ms) <= 0.35) |
  .targetsCheck.twoHopsAddedP99Ms.met = (if .targetsCheck.twoHopsAddedP99Ms.judgeable then .targetsCheck.twoHopsAddedP99Ms.value <= 0.35 else null end) |
  .targetsCheck.vcpuPer1000RpsPerProxy.met = (.targetsCheck.vcpuPer1000RpsPerProxy.value <= 0.25) |
  .targetsCheck.lostRequests.met = (.targetsCheck.lostRequests.value == 0)
  ' > "$out"
log "wrote $out"
jq '{summary, targetsCheck, memory}' "$out"
