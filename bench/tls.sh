#!/usr/bin/env bash
# QoS 2 throughput over plain TCP vs TLS on one OnceMQ node: the same load run against the node's `port`
# and its `tls-port` (an RSA 2048 certificate made here with openssl, TLS 1.3 with the JDK's defaults),
# ROUNDS times, alternating. Loopback only.
# Usage: bench/tls.sh [ROUNDS] [MESSAGES_PER_PUBLISHER]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
MESSAGES=${2:-20000}
[ -f broker/target/oncemq.jar ] && [ -f bench/target/oncemq-loadgen.jar ] || mvn -B -q -DskipTests package
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
(
  cd "$WORK"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench CA" -keyout ca.key -out ca.crt
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
  printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt
) > "$WORK/openssl.log" 2>&1

java -jar broker/target/oncemq.jar --port 18890 --tls-port 18891 --tls-cert "$WORK/server.crt" --tls-key "$WORK/server.key" \
     --data "$WORK/oncemq" > "$WORK/oncemq.log" 2>&1 &
pids+=($!); ONCEMQ=$!
for i in $(seq 1 100); do grep -q "accepting MQTT" "$WORK/oncemq.log" && break; sleep 0.1; done
CSV=${OUT:-$WORK}/tls-$(date +%Y%m%d-%H%M%S).csv
LOAD=(--scenario pairs --publishers 4 --subscribers 4 --messages "$MESSAGES" --size 100 --qos 2 --window 100 --broker-pid "$ONCEMQ" --csv "$CSV")
# one unrecorded pass each first: the JIT warms up on both paths
java -jar bench/target/oncemq-loadgen.jar "${LOAD[@]:0:14}" --servers 127.0.0.1:18890 --label warm-up > /dev/null 2>&1
java -jar bench/target/oncemq-loadgen.jar "${LOAD[@]:0:14}" --servers 127.0.0.1:18891 --tls-ca "$WORK/ca.crt" --label warm-up > /dev/null 2>&1
for r in $(seq 1 "$ROUNDS"); do
  java -jar bench/target/oncemq-loadgen.jar "${LOAD[@]}" --servers 127.0.0.1:18890 --label tcp 2>&1 | grep -v SLF4J | tail -1
  java -jar bench/target/oncemq-loadgen.jar "${LOAD[@]}" --servers 127.0.0.1:18891 --tls-ca "$WORK/ca.crt" --label tls 2>&1 | grep -v SLF4J | tail -1
done
echo "raw rows: $CSV"
