package io.oncemq.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Test helpers: append and wait, measure a folder, compare states. */
final class Journals {

    private Journals() {
    }

    static void appendAndWait(Journal j, Record... records) {
        CountDownLatch done = new CountDownLatch(1);
        j.append(List.of(records), done::countDown);
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("append not durable within 10 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Returns once the writer has finished everything the batches appended before started, compaction included:
     * the writer compacts after a group's completions, on its own thread, so a later (empty) batch completes only
     * after that. Until the next append the folder then holds exactly the current generation, safe to walk.
     */
    static void settle(Journal j) {
        appendAndWait(j);
    }

    /** Bytes the folder's files take on disk: allocated blocks as {@code du} counts them (queue files are sparse). */
    static long diskUsage(Path dir) {
        try {
            Process du = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String out = new String(du.getInputStream().readAllBytes()).trim();
            if (du.waitFor() != 0) {
                throw new AssertionError("du failed: " + out);
            }
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The sum of the folder's file lengths (what a copy or a backup reads). */
    static long apparentSize(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A canonical text of everything a state holds, for comparing two states. */
    static String describe(JournalState s) {
        StringBuilder b = new StringBuilder();
        b.append("max=").append(s.maxMessageId()).append('\n');
        new TreeMap<>(s.messages()).forEach((id, m) -> b.append("msg ").append(id).append(' ').append(m.topic())
                .append(' ').append(m.qos()).append(' ').append(m.retain()).append(' ')
                .append(Arrays.toString(m.payload())).append(Arrays.toString(m.properties())).append('\n'));
        s.sessions().forEach((c, ss) -> b.append("session ").append(c).append(' ').append(ss.expirySeconds())
                .append(" subs=").append(ss.subscriptions()).append(" queue=").append(ss.queue())
                .append(" inflight=").append(ss.inflight()).append(" receipts=").append(ss.receipts()).append('\n'));
        b.append("retained=").append(s.retained()).append('\n');
        b.append("unrouted=").append(new TreeSet<>(s.unroutedMessages())).append('\n');
        return b.toString();
    }

    static Record.MessageStored message(long id, String topic) {
        return new Record.MessageStored(id, topic, 2, false, ("payload-" + id).getBytes(), new byte[0]);
    }
}
