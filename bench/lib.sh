# Shared by the bench scripts: paths, the bench jar, machine facts, quiet-machine wait, JSON helpers.
# Source it; it sets -euo pipefail.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
RESULTS="$BENCH_DIR/results"
BENCH_JAR="$BENCH_DIR/target/meshbox-bench.jar"
MESHBOX_JAR="$ROOT/launcher/target/meshbox.jar"
SMOKE="${SMOKE:-0}"
mkdir -p "$RESULTS"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing; apt-get install -y wrk haproxy nginx jq" >&2; exit 2; }
  done
}

# True when $1 is missing or older than a source or pom of the modules it is built from ($2...).
stale() {
  local jar="$1"; shift
  [ ! -f "$jar" ] && return 0
  local dirs=()
  for m in "$@"; do dirs+=("$ROOT/$m/src" "$ROOT/$m/pom.xml"); done
  [ -n "$(find "${dirs[@]}" "$ROOT/pom.xml" -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}

# Builds the bench jar (and what it needs) in the reactor, offline, without installing anything into ~/.m2.
ensure_bench_jar() {
  if stale "$BENCH_JAR" bench proxy control-plane; then
    log "building $BENCH_JAR (mvn -o -q -pl bench -am package -DskipTests)"
    (cd "$ROOT" && mvn -o -q -pl bench -am package -DskipTests)
  fi
}

ensure_meshbox_jar() {
  if stale "$MESHBOX_JAR" launcher proxy control-plane bookinfo scenarios web-ui; then
    log "building $MESHBOX_JAR (mvn -o -q -pl launcher -am package -DskipTests)"
    (cd "$ROOT" && mvn -o -q -pl launcher -am package -DskipTests)
  fi
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# Waits (up to BENCH_QUIET_WAIT seconds, default 180) for the 1-minute load to drop below 0.5; never fails.
wait_quiet() {
  local waited=0 limit="${BENCH_QUIET_WAIT:-180}"
  [ "$SMOKE" = 1 ] && return 0
  while awk -v l="$(load1)" 'BEGIN { exit !(l >= 0.5) }' && [ "$waited" -lt "$limit" ]; do
    [ "$waited" = 0 ] && log "load $(load1); waiting up to ${limit}s for it to drop below 0.5"
    sleep 10
    waited=$((waited + 10))
  done
  log "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# The machine and the moment, as a JSON object.
machine_json() {
  jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg nproc "$(nproc)" \
    --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
    --arg kernel "$(uname -sr)" --arg jdk "$(java -version 2>&1 | head -n 1)" \
    --arg mem "$(awk '/MemTotal/ {print $2}' /proc/meminfo)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    '{date: $date, nproc: ($nproc | tonumber), cpu: $cpu, kernel: $kernel, jdk: $jdk, memTotalKb: ($mem | tonumber),
      loadAverage: ($load | split(" ") | map(tonumber)), commit: $commit}'
}

# CPU seconds (user + system, all threads) of the given pids, from /proc/PID/stat.
cpu_seconds() {
  local total=0 pid
  for pid in "$@"; do
    total=$(awk -v t="$total" '{ sub(/^.*\) /, ""); split($0, f, " "); printf "%.2f", t + (f[12] + f[13]) / 100 }' "/proc/$pid/stat")
  done
  echo "$total"
}

# The whole machine's CPU ticks from /proc/stat, as "steal total": steal is time the hypervisor ran something else while
# this virtual machine had work for its vCPUs. On a shared host it is what moves tail latencies most from run to run.
cpu_ticks() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }

# The share of CPU time stolen between two cpu_ticks outputs (0 to 1, three decimals).
steal_share() {
  awk -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " "); d = y[2] - x[2]; printf "%.3f", (d > 0 ? (y[1] - x[1]) / d : 0) }'
}

# Resident memory in KiB (VmRSS, or VmHWM with "peak") summed over pids.
rss_kb() {
  local field=VmRSS total=0 pid
  if [ "$1" = peak ]; then field=VmHWM; shift; fi
  for pid in "$@"; do
    total=$((total + $(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status")))
  done
  echo "$total"
}

# A TCP port free on 127.0.0.1, from a range nothing in MeshBox uses.
free_port() {
  local p
  for p in $(seq "${1:-18100}" 18999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "bench: no free port in 18100-18999" >&2; exit 1
}
