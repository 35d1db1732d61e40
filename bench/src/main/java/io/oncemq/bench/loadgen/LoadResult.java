package io.oncemq.bench.loadgen;

/** The figures of one run. Latencies in microseconds, send timestamp to reception. */
public record LoadResult(LoadSpec spec, long sent, long received, double seconds, double msgsPerSecond,
                        long p50Micros, long p99Micros, long p999Micros, long lost, long duplicated, long outOfOrder,
                        boolean completed, double brokerCpuMicrosPerMessage) {

    public static final String CSV_HEADER = "label,scenario,qos,publishers,subscribers,messages,size,window,rate,session_expiry,"
            + "msgs_per_s,p50_us,p99_us,p999_us,sent,received,lost,duplicated,out_of_order,seconds,completed,broker_cpu_us_per_msg";

    public String csv() {
        return String.join(",", spec.label(), spec.scenario().name().toLowerCase(), String.valueOf(spec.qos()),
                String.valueOf(spec.publishers()), String.valueOf(spec.subscribers()), String.valueOf(spec.messages()),
                String.valueOf(spec.size()), String.valueOf(spec.window()), String.valueOf(spec.ratePerPublisher()), String.valueOf(spec.sessionExpiry()),
                String.format("%.0f", msgsPerSecond), String.valueOf(p50Micros), String.valueOf(p99Micros),
                String.valueOf(p999Micros), String.valueOf(sent), String.valueOf(received), String.valueOf(lost),
                String.valueOf(duplicated), String.valueOf(outOfOrder), String.format("%.2f", seconds), String.valueOf(completed),
                String.format("%.2f", brokerCpuMicrosPerMessage));
    }

    public String summary() {
        return String.format("%s %s qos%d %d->%d: %.0f msgs/s, p50 %d us, p99 %d us, p99.9 %d us; sent %d, received %d, "
                        + "lost %d, duplicated %d, out of order %d; broker CPU %.1f us/msg%s",
                spec.label(), spec.scenario().name().toLowerCase(), spec.qos(), spec.publishers(), spec.subscribers(),
                msgsPerSecond, p50Micros, p99Micros, p999Micros, sent, received, lost, duplicated, outOfOrder, brokerCpuMicrosPerMessage,
                completed ? "" : " (INCOMPLETE: time limit)");
    }
}
