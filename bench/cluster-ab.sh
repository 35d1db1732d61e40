#!/usr/bin/env bash
# A/B of two commits on a 3-node local cluster: QoS 2 pairs 3->3 with kept sessions, rounds alternating old and new,
# a fresh cluster for each. Prints the machine and the load generator's line per round.
#   bench/cluster-ab.sh OLD_REF [NEW_REF (default HEAD)] [ROUNDS (default 3)] [MESSAGES per publisher (default 10000)]
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/cluster-ab.sh OLD_REF [NEW_REF] [ROUNDS] [MESSAGES]}; new=${2:-HEAD}; rounds=${3:-3}; n=${4:-10000}
work=$(mktemp -d /tmp/oncemq-ab.XXXXXX)
trap 'for v in old new; do [ -d "$work/$v" ] && (cd "$work/$v" && ONCEMQ_CLUSTER_DIR="$work/lc-$v" deploy/local-cluster.sh stop >/dev/null 2>&1 || true); done' EXIT
for v in old new; do
  ref=$old; [ $v = new ] && ref=$new
  git clone -q . "$work/$v" && (cd "$work/$v" && git checkout -q "$ref" && mvn -B -q -o package -DskipTests > "$work/build-$v.log" 2>&1)
done
servers=127.0.0.1:18831,127.0.0.1:18832,127.0.0.1:18833
loadgen="java -jar $work/new/bench/target/oncemq-loadgen.jar --servers $servers --qos 2 --publishers 3 --subscribers 3 --session-expiry 600"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); old $old, new $new"
for round in $(seq 1 "$rounds"); do
  for v in old new; do
    rm -rf "$work/lc-$v"
    (cd "$work/$v" && ONCEMQ_CLUSTER_DIR="$work/lc-$v" deploy/local-cluster.sh start 3 > /dev/null)
    $loadgen --messages 3000 > /dev/null 2>&1   # warm-up
    echo "$v round $round: $($loadgen --messages "$n" 2>&1 | grep -a 'msgs/s, p50')"
    (cd "$work/$v" && ONCEMQ_CLUSTER_DIR="$work/lc-$v" deploy/local-cluster.sh stop > /dev/null)
  done
done
rm -rf "$work"
trap - EXIT
