#!/usr/bin/env bash
# A/B of two commits on a 3-node local cluster: QoS 2 pairs 3->3 with kept sessions, rounds alternating old and new,
# a fresh cluster for each. Prints the machine, the load generator's line per round and the Hazelcast requests the
# nodes sent (forwards and journal copies, warm-up included).
#   bench/cluster-ab.sh OLD_REF [NEW_REF (default HEAD)] [ROUNDS (default 3)] [MESSAGES per publisher (default 10000)]
# OLD_ENV / NEW_ENV: settings for that side's nodes, e.g. NEW_ENV="ONCEMQ_BACKUP_COUNT=2" bench/cluster-ab.sh HEAD HEAD
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
    settings=${OLD_ENV:-}; [ $v = new ] && settings=${NEW_ENV:-}
    (cd "$work/$v" && env $settings ONCEMQ_CLUSTER_DIR="$work/lc-$v" deploy/local-cluster.sh start 3 > /dev/null)
    $loadgen --messages 3000 > /dev/null 2>&1   # warm-up
    echo "$v round $round: $($loadgen --messages "$n" 2>&1 | grep -a 'msgs/s, p50')"
    (cd "$work/$v" && ONCEMQ_CLUSTER_DIR="$work/lc-$v" deploy/local-cluster.sh stop > /dev/null)
    # each node logs what it sent when it leaves: "... leaves the cluster: F forward requests and C journal-copy requests sent"
    cat "$work/lc-$v"/node-*.log | grep -ao 'leaves the cluster: [0-9]* forward requests and [0-9]* journal-copy' \
      | awk -v v="$v" -v m=$((3 * (3000 + n))) '{f += $4; c += $8} END {printf "%s: %d forward + %d journal-copy requests for %d messages in: %.2f per message\n", v, f, c, m, (f + c) / m}'
  done
done
rm -rf "$work"
trap - EXIT
