package io.oncemq.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;

/** A child process for {@link KillTest}: appends numbered messages until killed, printing each one made durable. */
public final class CrashWriter {

    private CrashWriter() {
    }

    public static void main(String[] args) throws InterruptedException {
        ChronicleJournal j = ChronicleJournal.open(Path.of(args[0]), Durability.valueOf(args[1]), JournalOptions.defaults().withCompactAfterRecords(5_000));
        long next = j.replayed().maxMessageId() + 1;
        if (!j.replayed().sessions().containsKey("c")) {
            Journals.appendAndWait(j, new Record.SessionOpened("c", 60));
        }
        Semaphore window = new Semaphore(256); // bounds what is pending, as an event loop's outstanding appends are
        System.out.println("open " + next);
        System.out.flush();
        for (long id = next; ; id++) {
            long n = id;
            window.acquire();
            j.append(List.of(Journals.message(n, "t/" + n), new Record.Enqueued("c", n, 2)), () -> {
                System.out.println("ack " + n);
                window.release();
            });
        }
    }
}
