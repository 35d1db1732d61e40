package io.oncemq.journal;

/**
 * Tuning of a {@link ChronicleJournal}.
 *
 * @param compactAfterRecords records appended between compacting snapshots (at least; at least twice the
 *                            live state's size, so compaction costs a bounded share of the writes)
 */
public record JournalOptions(long compactAfterRecords) {

    public JournalOptions {
        if (compactAfterRecords < 1) {
            throw new IllegalArgumentException("compactAfterRecords must be at least 1, was " + compactAfterRecords);
        }
    }

    public static JournalOptions defaults() {
        return new JournalOptions(1_000_000);
    }

    public JournalOptions withCompactAfterRecords(long n) {
        return new JournalOptions(n);
    }
}
