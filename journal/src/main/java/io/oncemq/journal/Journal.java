package io.oncemq.journal;

import java.util.List;

/**
 * An append-only journal of broker transitions that speaks in records and completions.
 *
 * <p>Batches are written and become durable in the order of {@link #append} calls, whatever thread
 * calls it. The state replayed at open is read once, before the first append.
 */
public interface Journal extends AutoCloseable {

    /**
     * Appends the records as one atomic batch (after a crash either all of them are replayed or none)
     * and runs {@code onDurable} on the journal's thread once the batch is durable per
     * {@link #durability()}. An empty batch is allowed: its completion runs once every earlier batch is
     * durable. Never blocks the caller.
     */
    void append(List<Record> records, Runnable onDurable);

    /** The live state rebuilt from the journal at open; owned by the caller until the first append. */
    JournalState replayed();

    Durability durability();

    /** Writes what is pending, syncs, and releases the files. */
    @Override
    void close();
}
