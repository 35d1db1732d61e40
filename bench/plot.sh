#!/usr/bin/env bash
# Renders msgs/s and p99 per broker and scenario (medians over the rounds of a compare.sh CSV) as a PNG.
# Needs gnuplot (apt-get install gnuplot-nox). Usage: bench/plot.sh COMPARE.csv OUT.png
set -euo pipefail
CSV=$1
PNG=${2:-bench/compare.png}
DATA=$(mktemp)
trap 'rm -f "$DATA"' EXIT
# one row per scenario: oncemq, mosquitto, hivemq medians of msgs/s, then of p99 (ms)
awk -F, 'NR > 1 { split($1, a, ":"); k = a[2]; b = a[1]; n[b, k]++; r[b, k, n[b, k]] = $11; p[b, k, n[b, k]] = $13 / 1000; keys[k] = 1 }
  function med(arr, b, k, c,   i, j, t, v) { if (c == 0) return 0; for (i = 1; i <= c; i++) v[i] = arr[b, k, i] + 0;
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }; return v[int((c + 1) / 2)] }
  END { for (k in keys) printf "%s %.0f %.0f %.0f %.1f %.1f %.1f\n", k,
          med(r, "oncemq", k, n["oncemq", k]), med(r, "mosquitto", k, n["mosquitto", k]), med(r, "hivemq", k, n["hivemq", k]),
          med(p, "oncemq", k, n["oncemq", k]), med(p, "mosquitto", k, n["mosquitto", k]), med(p, "hivemq", k, n["hivemq", k]) }' "$CSV" \
  | sort > "$DATA"
gnuplot <<GP
set terminal pngcairo size 1200,900 font ",10"
set output "$PNG"
set multiplot layout 2,1 title "OnceMQ vs Mosquitto vs HiveMQ CE (medians of $(basename "$CSV"))"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top left
set xtics rotate by -20
set ylabel "messages/s (end to end)"
plot "$DATA" using 2:xtic(1) title "OnceMQ", "" using 3 title "Mosquitto", "" using 4 title "HiveMQ CE"
set ylabel "p99 latency (ms)"
plot "$DATA" using 5:xtic(1) title "OnceMQ", "" using 6 title "Mosquitto", "" using 7 title "HiveMQ CE"
unset multiplot
GP
echo "wrote $PNG"
