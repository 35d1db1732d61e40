#!/usr/bin/env bash
# Runs several OnceMQ nodes on this machine, each with its own MQTT port, data folder and cluster port,
# joined into one cluster; and kills (SIGKILL), pauses (SIGSTOP) or resumes (SIGCONT) one on request.
#
#   deploy/local-cluster.sh start N     start nodes 1..N (MQTT 18831.., cluster 15801..) and wait until they accept
#   deploy/local-cluster.sh list        node, pid, state, MQTT port, log
#   deploy/local-cluster.sh kill I      SIGKILL node I          deploy/local-cluster.sh restart I   start node I again
#   deploy/local-cluster.sh pause I     SIGSTOP node I          deploy/local-cluster.sh resume I    SIGCONT node I
#   deploy/local-cluster.sh stop        SIGTERM every node (a clean stop) and wait for them
#
# State lives in $ONCEMQ_CLUSTER_DIR (default ./local-cluster): node-I/ (data), node-I.log, node-I.pid, nodes.
# Ports: $MQTT_BASE (default 18830) + I and $CLUSTER_BASE (default 15800) + I, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${ONCEMQ_CLUSTER_DIR:-local-cluster}
MQTT_BASE=${MQTT_BASE:-18830}
CLUSTER_BASE=${CLUSTER_BASE:-15800}
JAR=broker/target/oncemq.jar

die() { echo "local-cluster.sh: $*" >&2; exit 2; }
count() { [ -f "$DIR/nodes" ] && cat "$DIR/nodes" || die "no cluster started in $DIR"; }
pid_of() { cat "$DIR/node-$1.pid" 2>/dev/null || true; }
# a killed node whose parent is gone may stay a zombie until init reaps it: that is not alive
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; }
check_index() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$(count)" ] || die "no node $1 (nodes 1..$(count))"; }

members() {
  local n=$1 list="" i
  for i in $(seq 1 "$n"); do list="$list${list:+,}127.0.0.1:$((CLUSTER_BASE + i))"; done
  echo "$list"
}

start_node() {
  local i=$1 n; n=$(count)
  alive "$i" && die "node $i is already running (pid $(pid_of "$i"))"
  local log="$DIR/node-$i.log"
  : > "$log"
  # the launcher's own variable is no config key: a node refuses unknown ONCEMQ_ variables
  nohup env -u ONCEMQ_CLUSTER_DIR java -jar "$JAR" --node "node-$i" --port $((MQTT_BASE + i)) --data "$DIR/node-$i" \
    --cluster-port $((CLUSTER_BASE + i)) --members "$(members "$n")" >> "$log" 2>&1 < /dev/null &
  echo $! > "$DIR/node-$i.pid"
}

await_accepting() {
  local i=$1 t
  for t in $(seq 1 600); do
    grep -q "accepting MQTT" "$DIR/node-$i.log" && return 0
    alive "$i" || die "node $i exited; see $DIR/node-$i.log"
    sleep 0.1
  done
  die "node $i did not accept connections within 60 s; see $DIR/node-$i.log"
}

state() {
  local p; p=$(pid_of "$1")
  if ! alive "$1"; then echo stopped; return; fi
  case "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" in
    T|t) echo paused ;;
    *) echo running ;;
  esac
}

cmd=${1:-}
case "$cmd" in
  start)
    n=${2:-3}
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 20 ] || die "start takes a node count 1-20"
    [ -f "$JAR" ] || mvn -B -q -DskipTests package
    mkdir -p "$DIR"
    if [ -f "$DIR/nodes" ]; then
      for i in $(seq 1 "$(count)"); do alive "$i" && die "nodes are running in $DIR: stop them first"; done
    fi
    echo "$n" > "$DIR/nodes"
    for i in $(seq 1 "$n"); do start_node "$i"; done
    for i in $(seq 1 "$n"); do await_accepting "$i"; done
    "$0" list
    ;;
  list)
    printf '%-8s %-8s %-8s %-10s %s\n' node pid state mqtt log
    for i in $(seq 1 "$(count)"); do
      printf '%-8s %-8s %-8s %-10s %s\n' "node-$i" "$(pid_of "$i")" "$(state "$i")" "127.0.0.1:$((MQTT_BASE + i))" "$DIR/node-$i.log"
    done
    ;;
  kill|pause|resume)
    i=${2:-}; check_index "$i"
    alive "$i" || die "node $i is not running"
    case "$cmd" in kill) sig=KILL ;; pause) sig=STOP ;; resume) sig=CONT ;; esac
    kill -s "$sig" "$(pid_of "$i")"
    echo "node-$i: SIG$sig"
    ;;
  restart)
    i=${2:-}; check_index "$i"
    start_node "$i"
    await_accepting "$i"
    echo "node-$i: started again (pid $(pid_of "$i"))"
    ;;
  stop)
    for i in $(seq 1 "$(count)"); do
      if alive "$i"; then kill -s CONT "$(pid_of "$i")"; kill -s TERM "$(pid_of "$i")"; fi
    done
    for i in $(seq 1 "$(count)"); do
      for t in $(seq 1 300); do alive "$i" || break; sleep 0.1; done
      alive "$i" && { echo "node-$i did not stop in 30 s: SIGKILL"; kill -s KILL "$(pid_of "$i")"; }
    done
    echo "stopped"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || exit 2
    ;;
esac
