package io.oncemq.bench.loadgen;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** The load generator's command line: runs one {@link LoadSpec}, prints progress and a summary, appends a CSV row. */
public final class LoadGen {

    private LoadGen() {
    }

    public static void main(String[] args) throws Exception {
        LoadSpec spec;
        Path csv = null;
        boolean allowRemote = false;
        long brokerPid = -1;
        Path tlsCa = null;
        try {
            Scenario scenario = Scenario.PAIRS;
            int publishers = 4, subscribers = 4, messages = 100_000, size = 100, qos = 1, window = 100, timeout = 300;
            double rate = 0;
            long sessionExpiry = 0;
            List<String> servers = List.of("127.0.0.1:1883");
            String label = "broker";
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--allow-remote")) {
                    allowRemote = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--scenario" -> scenario = Scenario.parse(v);
                    case "--publishers" -> publishers = Integer.parseInt(v);
                    case "--subscribers" -> subscribers = Integer.parseInt(v);
                    case "--messages" -> messages = Integer.parseInt(v);
                    case "--size" -> size = Integer.parseInt(v);
                    case "--qos" -> qos = Integer.parseInt(v);
                    case "--window" -> window = Integer.parseInt(v);
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--timeout" -> timeout = Integer.parseInt(v);
                    case "--servers" -> servers = LoadSpec.servers(v);
                    case "--label" -> label = v;
                    case "--session-expiry" -> sessionExpiry = Long.parseLong(v);
                    case "--csv" -> csv = Path.of(v);
                    case "--broker-pid" -> brokerPid = Long.parseLong(v);
                    case "--tls-ca" -> tlsCa = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown flag " + a);
                }
            }
            spec = new LoadSpec(scenario, publishers, subscribers, messages, size, qos, window, rate, timeout, servers, label, sessionExpiry);
            spec.checkLoopback(allowRemote);
        } catch (IllegalArgumentException e) {
            System.err.println("loadgen: " + e.getMessage() + "\n" + LoadSpec.USAGE);
            System.exit(2);
            return;
        }
        System.out.printf("loadgen on %s: %d cores, %s %s; %s%n", InetAddress.getLocalHost().getHostName(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"), spec);
        LoadRun run = new LoadRun(spec);
        if (tlsCa != null) {
            run.tls(tlsCa);
        }
        LoadResult r = run.run(System.out::println, brokerPid);
        System.out.println(r.summary());
        if (csv != null) {
            boolean header = !Files.exists(csv);
            Files.writeString(csv, (header ? LoadResult.CSV_HEADER + "\n" : "") + r.csv() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.exit(r.completed() && r.lost() == 0 && (spec.qos() < 2 || r.duplicated() == 0) ? 0 : 1);
    }
}
