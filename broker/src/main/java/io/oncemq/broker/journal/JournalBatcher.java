package io.oncemq.broker.journal;

import io.oncemq.journal.Journal;
import io.oncemq.journal.Record;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the journal records of one event loop's turn into one append, and runs the packets that
 * depend on them when that append is durable (STYLE rule 3: record, then act).
 *
 * <p>Confined to its event loop. Actions run in the order they were given, also when some wait for a
 * record and others do not, which keeps acknowledgements in order (MQTT-4.6.0-2, -3).
 */
public final class JournalBatcher {

    private final Journal journal;
    private final Context context;
    private List<Record> records = new ArrayList<>();
    private List<Runnable> actions = new ArrayList<>();
    private int appendsInFlight;
    private boolean flushScheduled;

    public JournalBatcher(Journal journal, Context context) {
        this.journal = journal;
        this.context = context;
    }

    public Context context() {
        return context;
    }

    /** Whether the caller runs on this batcher's event-loop thread (where its sessions may be touched). */
    public boolean inLoop() {
        return ((ContextInternal) context).nettyEventLoop().inEventLoop();
    }

    /** Adds a record to this turn's batch; nothing waits for it unless an action follows. */
    public void record(Record record) {
        records.add(record);
        scheduleFlush();
    }

    /** Runs the action once every record given so far is durable: now, if none is pending. */
    public void then(Runnable action) {
        if (records.isEmpty() && actions.isEmpty() && appendsInFlight == 0) {
            action.run();
            return;
        }
        actions.add(action);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            // runs after the packets already read in this turn, so they share one append
            context.runOnContext(v -> flush());
        }
    }

    private void flush() {
        flushScheduled = false;
        if (records.isEmpty() && actions.isEmpty()) {
            return;
        }
        List<Record> batch = records;
        List<Runnable> done = actions;
        records = new ArrayList<>();
        actions = new ArrayList<>();
        appendsInFlight++;
        journal.append(batch, () -> context.runOnContext(v -> {
            appendsInFlight--;
            for (Runnable action : done) {
                action.run();
            }
        }));
    }
}
