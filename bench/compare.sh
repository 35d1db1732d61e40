#!/usr/bin/env bash
# Runs the same load scenarios against OnceMQ, Debian's Mosquitto and HiveMQ CE (embedded, started by
# bench-hivemq), interleaved over several rounds with the broker order rotated, and prints the median of
# each figure and OnceMQ's ratios to each peer. Everything stays on 127.0.0.1.
# Usage: bench/compare.sh [ROUNDS] [MESSAGES_PER_PUBLISHER]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
MESSAGES=${2:-50000}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
CSV="$OUT/compare-$(date +%Y%m%d-%H%M%S).csv"
WORK=$(mktemp -d)
ONCEMQ_PORT=18830
MOSQ_PORT=18831
HIVEMQ_PORT=18832
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

command -v mosquitto >/dev/null || { echo "compare.sh: mosquitto not installed (apt-get install mosquitto)"; exit 2; }
[ -f broker/target/oncemq.jar ] && [ -f bench/target/oncemq-loadgen.jar ] && [ -f bench-hivemq/target/hivemq-peer.jar ] \
  || mvn -B -q -Ppeers -DskipTests package

cat > "$WORK/mosquitto.conf" <<CONF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 100
max_queued_messages 0
CONF
mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
pids+=($!); MOSQ_PID=$!
java -jar broker/target/oncemq.jar --port $ONCEMQ_PORT --data "$WORK/oncemq-data" > "$WORK/oncemq.log" 2>&1 &
pids+=($!); ONCEMQ_PID=$!
java -jar bench-hivemq/target/hivemq-peer.jar $HIVEMQ_PORT "$WORK/hivemq" > "$WORK/hivemq.log" 2>&1 &
pids+=($!); HIVEMQ_PID=$!
for i in $(seq 1 600); do
  grep -q "accepting MQTT" "$WORK/oncemq.log" && grep -q "accepting MQTT" "$WORK/hivemq.log" && break; sleep 0.1
done

# name | loadgen flags
SCENARIOS=(
  "qos0-pairs|--scenario pairs --publishers 4 --subscribers 4 --qos 0"
  "qos1-pairs|--scenario pairs --publishers 4 --subscribers 4 --qos 1"
  "qos2-pairs|--scenario pairs --publishers 4 --subscribers 4 --qos 2"
  "qos2-pairs-kept|--scenario pairs --publishers 4 --subscribers 4 --qos 2 --session-expiry 600"
  "qos2-fanin16|--scenario fan-in --publishers 16 --subscribers 1 --qos 2"
)
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'), HiveMQ CE 2025.5"
BROKERS=(oncemq mosquitto hivemq)
for round in $(seq 1 "$ROUNDS"); do
  shift_by=$(( (round - 1) % 3 ))
  order="${BROKERS[*]:shift_by} ${BROKERS[*]:0:shift_by}"
  for entry in "${SCENARIOS[@]}"; do
    name=${entry%%|*}; flags=${entry#*|}
    for broker in $order; do
      case $broker in
        oncemq) port=$ONCEMQ_PORT; pid=$ONCEMQ_PID ;;
        mosquitto) port=$MOSQ_PORT; pid=$MOSQ_PID ;;
        hivemq) port=$HIVEMQ_PORT; pid=$HIVEMQ_PID ;;
      esac
      echo "round $round: $broker $name"
      # shellcheck disable=SC2086
      java -jar bench/target/oncemq-loadgen.jar $flags --messages "$MESSAGES" --size 100 --window 100 \
        --servers 127.0.0.1:$port --label "$broker:$name" --broker-pid "$pid" --csv "$CSV" --timeout 120 | tail -1 || true
    done
  done
done

echo
echo "medians over $ROUNDS rounds ($CSV):"
awk -F, 'NR > 1 { split($1, a, ":"); key = a[2]; b = a[1];
                  n[b, key]++; rate[b, key, n[b, key]] = $11; p99[b, key, n[b, key]] = $13; cpu[b, key, n[b, key]] = $22;
                  lost[b, key] += $17; keys[key] = 1 }
  function median(arr, b, k, cnt,   i, j, t, v) { if (cnt == 0) return 0; for (i = 1; i <= cnt; i++) v[i] = arr[b, k, i] + 0;
      for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((cnt + 1) / 2)] }
  END { printf "%-16s %9s %9s %9s %7s %7s %9s %9s %9s %6s %6s %6s %s\n", "scenario", "oncemq/s", "mosq/s", "hivemq/s",
               "x mosq", "x hive", "p99 once", "p99 mosq", "p99 hive", "cpu o", "cpu m", "cpu h", "lost o/m/h";
        for (k in keys) { o = median(rate, "oncemq", k, n["oncemq", k]); m = median(rate, "mosquitto", k, n["mosquitto", k]);
          h = median(rate, "hivemq", k, n["hivemq", k]);
          printf "%-16s %9.0f %9.0f %9.0f %7.2f %7.2f %9d %9d %9d %6.1f %6.1f %6.1f %d/%d/%d\n", k, o, m, h,
            (m > 0 ? o / m : 0), (h > 0 ? o / h : 0),
            median(p99, "oncemq", k, n["oncemq", k]), median(p99, "mosquitto", k, n["mosquitto", k]), median(p99, "hivemq", k, n["hivemq", k]),
            median(cpu, "oncemq", k, n["oncemq", k]), median(cpu, "mosquitto", k, n["mosquitto", k]), median(cpu, "hivemq", k, n["hivemq", k]),
            lost["oncemq", k], lost["mosquitto", k], lost["hivemq", k] } }' "$CSV"
if command -v gnuplot >/dev/null; then bash bench/plot.sh "$CSV" "${CSV%.csv}.png"; fi
