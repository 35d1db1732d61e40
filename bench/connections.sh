#!/usr/bin/env bash
# Connection scale: N idle MQTT connections with keep-alive against one OnceMQ node, then against
# Mosquitto, each held for HOLD seconds while a pub/sub pair checks the node still serves. Reports connect
# rate and RSS (and heap, for OnceMQ) per connection. Loopback only, several 127.0.0.x source addresses.
# Usage: bench/connections.sh [N] [HOLD_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
WANT=${1:-50000}
HOLD=${2:-60}
# raise the file limit as far as this machine allows; each side of every connection needs a descriptor
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
LIMIT=$(ulimit -n)
N=$(( WANT < LIMIT - 1000 ? WANT : LIMIT - 1000 ))
[ "$N" -lt "$WANT" ] && echo "connections.sh: the file limit here is $LIMIT per process: testing $N connections, not $WANT"
[ -f broker/target/oncemq.jar ] && [ -f bench/target/oncemq-loadgen.jar ] || mvn -B -q -DskipTests package
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
SOURCES=$(( N / 20000 + 2 ))

java -jar broker/target/oncemq.jar --port 18880 --data "$WORK/oncemq" > "$WORK/oncemq.log" 2>&1 &
pids+=($!); ONCEMQ=$!
for i in $(seq 1 100); do grep -q "accepting MQTT" "$WORK/oncemq.log" && break; sleep 0.1; done
java -cp bench/target/oncemq-loadgen.jar io.oncemq.bench.loadgen.IdleConnections 127.0.0.1:18880 "$N" "$SOURCES" "$HOLD" "$ONCEMQ" oncemq 2>&1 | grep -v SLF4J
kill "$ONCEMQ"

if command -v mosquitto >/dev/null; then
  printf 'listener 18881 127.0.0.1\nallow_anonymous true\nmax_connections -1\n' > "$WORK/mosquitto.conf"
  mosquitto -c "$WORK/mosquitto.conf" > "$WORK/mosquitto.log" 2>&1 &
  pids+=($!); MOSQ=$!
  sleep 1
  java -cp bench/target/oncemq-loadgen.jar io.oncemq.bench.loadgen.IdleConnections 127.0.0.1:18881 "$N" "$SOURCES" "$HOLD" "$MOSQ" mosquitto 2>&1 | grep -v SLF4J
fi
