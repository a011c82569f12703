#!/usr/bin/env bash
# Control plane: CLIENTS light ADS clients (real gRPC ADS streams from one JVM, each ACKing LDS/RDS/CDS/EDS) against
# the real control plane in its own JVM; a mesh of SERVICES services with CLIENTS sidecar pods in all. Measures the
# initial sync, control-plane memory per connected proxy, and for CHANGES VirtualService changes the time from the
# apply until each client ACKed the new routes (after a first apply adding the DestinationRule, reported on its
# own). Then the snapshot build time for 1000 services (SnapshotBuild).
# Writes results/controlplane.json.    bench/controlplane.sh [--smoke]   env: CLIENTS (1000), SERVICES (100), CHANGES (10)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "${1:-}" = --smoke ] && SMOKE=1
need java jq
ensure_bench_jar
CLIENTS="${CLIENTS:-1000}"; SERVICES="${SERVICES:-100}"; CHANGES="${CHANGES:-10}"; BUILD_SERVICES="${BUILD_SERVICES:-1000}"
if [ "$SMOKE" = 1 ]; then CLIENTS=50; SERVICES=10; CHANGES=2; BUILD_SERVICES=100; fi
SERVER_JVM="${SERVER_JVM:--Xms1g -Xmx1g}"

tmp="$(mktemp -d /tmp/meshbox-controlplane.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

wait_quiet
machine="$(machine_json)"
log "ADS: $CLIENTS clients, $SERVICES services, $CHANGES VirtualService changes (control plane JVM: $SERVER_JVM)"
java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.ControlPlaneBench \
  --clients "$CLIENTS" --services "$SERVICES" --changes "$CHANGES" --server-jvm "$SERVER_JVM" --out "$tmp/ads.json" \
  > /dev/null
log "snapshot build: $BUILD_SERVICES services"
java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH_JAR" dev.meshbox.bench.SnapshotBuild \
  --services "$BUILD_SERVICES" --out "$tmp/build.json" > /dev/null

out="$RESULTS/controlplane.json"
[ "$SMOKE" = 1 ] && out="$RESULTS/controlplane-smoke.json"
jq -n --argjson machine "$machine" --arg loadAfter "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile ads "$tmp/ads.json" \
  --slurpfile build "$tmp/build.json" --argjson smoke "$SMOKE" '{
    benchmark: "controlplane", smoke: ($smoke == 1), machine: $machine,
    loadAverageAfter: ($loadAfter | split(" ") | map(tonumber)),
    ads: $ads[0], snapshotBuild: $build[0]
  } |
  .targetsCheck = {
    convergenceP99Ms: {target: "< 1000", value: .ads.convergenceMs.p99, met: (.ads.convergenceMs.p99 < 1000)},
    destinationRuleChangeP99Ms: {value: .ads.destinationRuleChange.clientAckMs.p99},
    controlPlaneHeapPerProxyKb: {value: .ads.controlPlaneMemory.heapPerProxyKb},
    controlPlaneRssPerProxyKb: {value: .ads.controlPlaneMemory.rssPerProxyKb},
    snapshotBuildMs: {value: .snapshotBuild.rebuildMs.p50}
  }' > "$out"
log "wrote $out"
jq '{targetsCheck, initialSyncMs: .ads.initialSyncMs, destinationRuleChange: (.ads.destinationRuleChange | {applyMs, cpuMs: .controlPlaneCpuMs, p99: .clientAckMs.p99}), changes: [.ads.changes[] | {applyMs, cpuMs: .controlPlaneCpuMs, p99: .clientAckMs.p99}]}' "$out"
