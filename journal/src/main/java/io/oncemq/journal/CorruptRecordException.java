package io.oncemq.journal;

/** A journal document that does not decode: torn by a crash or damaged on disk. */
public final class CorruptRecordException extends RuntimeException {
    public CorruptRecordException(String message) {
        super(message);
    }
}
