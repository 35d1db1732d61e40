package io.oncemq.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Test helpers: append and wait, measure a folder. */
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

    /** Bytes the folder's files take on disk (allocated blocks, not their sparse length). */
    static long diskUsage(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    Object blocks = Files.getAttribute(p, "unix:blocks");
                    return ((Number) blocks).longValue() * 512;
                } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                    try {
                        return Files.size(p);
                    } catch (IOException io) {
                        throw new UncheckedIOException(io);
                    }
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Record.MessageStored message(long id, String topic) {
        return new Record.MessageStored(id, topic, 2, false, ("payload-" + id).getBytes(), new byte[0]);
    }
}
