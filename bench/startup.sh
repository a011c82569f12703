#!/usr/bin/env bash
# Startup and scale of the embedded (local) backend, with the jar already built:
#  1. `./meshbox up` to the first 200 from http://127.0.0.1:8080/productpage (RUNS times, after one untimed run that lets
#     the script record its class-data archive for this jar), polling every 20 ms, and the RSS of the whole local
#     Bookinfo mesh (one JVM) 1 s after that first 200;
#  1b. `./meshbox up --clusters 2` (two full Bookinfos, two networks) to the first 200 through both ingresses;
#  2. `meshbox run scenarios/canary-90-10.yaml` wall time and peak RSS (/usr/bin/time);
#  3. a local mesh of SERVICES services x 2 versions (echo pods, plus a sleep client) starting and serving, via
#     `meshbox run` on a generated scenario: wall time, peak RSS, exit status.
# It runs ./meshbox, which execs java with the class-data archive once the jar is built (it would rebuild with `mvn
# install` if a source were newer than the jar; the build here comes first, so it does not). MESHBOX="java -jar
# other.jar" measures another command instead (e.g. a jar without the archive). Writes results/startup.json.
#   bench/startup.sh [--smoke]      env: RUNS (5), SERVICES (100), MESHBOX (./meshbox)
# MESHBOX_STARTUP_TRACE=1 (passed on to meshbox) also prints each counted `up` run's phases (wall and CPU ms since the
# JVM started), to see which phase a change moved; tracing costs a few lines of output, not the measured time.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need java jq curl /usr/bin/time
ensure_meshbox_jar
RUNS="${RUNS:-5}"; SERVICES="${SERVICES:-100}"
read -r -a MESHBOX_CMD <<< "${MESHBOX:-$ROOT/meshbox}"
[ "$SMOKE" = 1 ] && { RUNS=1; SERVICES=5; }

tmp="$(mktemp -d /tmp/meshbox-startup.XXXXXX)"
up_pid=""
cleanup() {
  if [ -n "$up_pid" ]; then kill "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in 8080 15000 15010 15014 15021 15090 20001; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "bench: port $port is in use on 127.0.0.1; meshbox up needs it. Stop whatever holds it and re-run." >&2
    exit 1
  fi
done

wait_quiet
machine="$(machine_json)"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo '[]' > "$tmp/up.json"
for run in $(seq 0 "$RUNS"); do # run 0 is not counted: the first start after a build records the class-data archive
  start=$(now_ms)
  "${MESHBOX_CMD[@]}" up > "$tmp/up-$run.log" 2>&1 &
  up_pid=$!
  first=""
  while [ -z "$first" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8080/productpage || true)" = 200 ]; then
      first=$(( $(now_ms) - start ))
    elif ! kill -0 "$up_pid" 2>/dev/null; then
      echo "bench: meshbox up exited; its output:" >&2; cat "$tmp/up-$run.log" >&2; exit 1
    elif [ $(( $(now_ms) - start )) -gt $(( run == 0 ? 600000 : 60000 )) ]; then
      echo "bench: no 200 from /productpage within $(( run == 0 ? 600 : 60 )) s" >&2; exit 1
    else
      sleep 0.02
    fi
  done
  sleep 1
  rss="$(rss_kb "$up_pid")"
  reported="$(sed -n 's/^MeshBox is up in \([0-9.]*\) s.*/\1/p' "$tmp/up-$run.log")"
  kill "$up_pid"; wait "$up_pid" 2>/dev/null || true; up_pid=""
  if [ "$run" = 0 ]; then
    log "up run 0 (not counted): first 200 after $first ms"
    sleep 1
    continue
  fi
  log "up run $run: first 200 after $first ms (MeshBox reports up in ${reported:-?} s), RSS $((rss / 1024)) MB"
  if [ "${MESHBOX_STARTUP_TRACE:-}" = 1 ]; then grep '^startup-trace' "$tmp/up-$run.log" >&2 || true; fi
  jq --argjson ms "$first" --argjson rss "$rss" --arg rep "${reported:-null}" \
    '. + [{firstOkMs: $ms, rssKb: $rss, upReportsSeconds: ($rep | tonumber? // null)}]' "$tmp/up.json" > "$tmp/t.json"
  mv "$tmp/t.json" "$tmp/up.json"
  sleep 1
done

# 1b. `./meshbox up --clusters 2` (issue 21): two clusters, each a full Bookinfo with its own control plane, on two
#     networks with east-west gateways; the time to the first 200 through each cluster's ingress (cluster1 on 8080,
#     cluster2 on the address it prints), and the RSS of the one JVM.
echo '[]' > "$tmp/mc.json"
for run in $(seq 1 "$RUNS"); do
  start=$(now_ms)
  "${MESHBOX_CMD[@]}" up --clusters 2 --ui-port 0 > "$tmp/mc-$run.log" 2>&1 &
  up_pid=$!
  first1=""; first2=""
  while [ -z "$first1" ] || [ -z "$first2" ]; do
    url2="$(sed -n 's/^  cluster2 *ingress \(http[^ ]*\).*/\1/p' "$tmp/mc-$run.log")"
    if [ -z "$first1" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8080/productpage || true)" = 200 ]; then
      first1=$(( $(now_ms) - start ))
    fi
    if [ -z "$first2" ] && [ -n "$url2" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url2" || true)" = 200 ]; then
      first2=$(( $(now_ms) - start ))
    fi
    if ! kill -0 "$up_pid" 2>/dev/null; then
      echo "bench: meshbox up --clusters 2 exited; its output:" >&2; cat "$tmp/mc-$run.log" >&2; exit 1
    elif [ $(( $(now_ms) - start )) -gt 60000 ]; then
      echo "bench: no 200 from both clusters' /productpage within 60 s" >&2; exit 1
    fi
    { [ -z "$first1" ] || [ -z "$first2" ]; } && sleep 0.02
  done
  sleep 1
  rss="$(rss_kb "$up_pid")"
  kill "$up_pid"; wait "$up_pid" 2>/dev/null || true; up_pid=""
  log "up --clusters 2 run $run: first 200 through cluster1 after $first1 ms, cluster2 after $first2 ms, RSS $((rss / 1024)) MB"
  if [ "${MESHBOX_STARTUP_TRACE:-}" = 1 ]; then grep '^startup-trace' "$tmp/mc-$run.log" >&2 || true; fi
  jq --argjson a "$first1" --argjson b "$first2" --argjson rss "$rss" \
    '. + [{cluster1FirstOkMs: $a, cluster2FirstOkMs: $b, bothOkMs: ([$a, $b] | max), rssKb: $rss}]' "$tmp/mc.json" > "$tmp/t.json"
  mv "$tmp/t.json" "$tmp/mc.json"
  sleep 1
done

timed_run() { # name scenario -> JSON {wallSeconds, maxRssKb, exitStatus}
  local status=0
  /usr/bin/time -f '%e %M' -o "$tmp/$1.time" "${MESHBOX_CMD[@]}" run "$2" > "$tmp/$1.log" 2>&1 || status=$?
  read -r wall rss < "$tmp/$1.time" || true
  [ "$status" = 0 ] || { log "$1 exited $status:"; tail -n 20 "$tmp/$1.log" >&2; }
  jq -n --argjson w "${wall:-0}" --argjson r "${rss:-0}" --argjson s "$status" --arg tail "$(tail -n 12 "$tmp/$1.log")" \
    '{wallSeconds: $w, maxRssKb: $r, exitStatus: $s, outputTail: ($tail | split("\n"))}'
}

log "meshbox run scenarios/canary-90-10.yaml"
canary="$(timed_run canary "$ROOT/scenarios/canary-90-10.yaml")"

scenario="$tmp/scale.yaml"
{
  echo "name: scale-$SERVICES-x2"
  echo "description: $SERVICES services with two versions each, plus a client, start and serve"
  echo "workloads:"
  echo "  - sleep"
  for i in $(seq 0 $((SERVICES - 1))); do
    printf '  - {echo: {service: s%03d, port: 9080, versions: {v1: {replicas: 1}, v2: {replicas: 1}}}}\n' "$i"
  done
  echo "steps:"
  for i in 0 $((SERVICES / 2)) $((SERVICES - 1)); do
    printf '  - name: s%03d serves\n    traffic: {from: sleep, url: "http://s%03d:9080/", count: 100, concurrency: 4}\n' "$i" "$i"
    printf '    expect:\n      - statusShare: {shares: {200: 1.0}}\n'
  done
} > "$scenario"
log "meshbox run on a mesh of $SERVICES services x 2 versions ($((SERVICES * 2 + 1)) pods with sidecars)"
scale="$(timed_run scale "$scenario")"

out="$RESULTS/startup.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/startup-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile up "$tmp/up.json" --slurpfile mc "$tmp/mc.json" \
  --argjson canary "$canary" --argjson scale "$scale" --argjson services "$SERVICES" --argjson smoke "$SMOKE" \
  --arg cmd "${MESHBOX:-./meshbox}" '{
    benchmark: "startup", smoke: ($smoke == 1), machine: $machine,
    loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    up: {command: ($cmd + " up"), runs: $up[0],
         firstOkMs: ($up[0] | map(.firstOkMs) | {min: min, median: (sort | .[length / 2 | floor]), max: max}),
         rssKb: ($up[0] | map(.rssKb) | {min: min, max: max})},
    twoClusters: {command: ($cmd + " up --clusters 2"), runs: $mc[0],
         bothOkMs: ($mc[0] | map(.bothOkMs) | {min: min, median: (sort | .[length / 2 | floor]), max: max})},
    canary: ($canary + {command: ($cmd + " run scenarios/canary-90-10.yaml")}),
    scale: ($scale + {services: $services, versions: 2, pods: ($services * 2 + 1)})
  } |
  .targetsCheck = {
    upToFirst200Ms: {target: "< 3000", value: .up.firstOkMs.median, met: (.up.firstOkMs.median < 3000)},
    twoClustersToFirst200Ms: {target: "< 5000", value: .twoClusters.bothOkMs.median,
                              met: (.twoClusters.bothOkMs.median < 5000)},
    scaleMeshServes: {target: "exit 0", value: .scale.exitStatus, met: (.scale.exitStatus == 0)}
  }' > "$out"
log "wrote $out"
jq '{up: .up.firstOkMs, twoClusters: .twoClusters.bothOkMs, rss: .up.rssKb, canary: {canary: .canary.wallSeconds, exit: .canary.exitStatus}, scale: {wall: .scale.wallSeconds, rss: .scale.maxRssKb, exit: .scale.exitStatus}, targetsCheck}' "$out"
