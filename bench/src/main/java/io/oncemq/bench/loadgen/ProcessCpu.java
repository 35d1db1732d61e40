package io.oncemq.bench.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time (user + system) a process has used, read from /proc/PID/stat; -1 where there is no /proc. */
public final class ProcessCpu {

    /** Linux's USER_HZ, the unit of /proc/PID/stat times, is 100 on every common platform. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    public static long micros(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 1_000_000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
