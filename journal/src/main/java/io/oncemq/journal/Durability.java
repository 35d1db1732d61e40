package io.oncemq.journal;

/** When an append counts as durable. */
public enum Durability {
    /** Written to the memory-mapped queue file: survives a process crash (kill -9), not a power cut. */
    PAGE_CACHE,
    /** Group commit: each group of batches is synced to disk before its completions run; survives power loss. */
    FSYNC
}
