package io.oncemq.broker;

/** A configuration error: its message names the key and the expected form, and start-up stops. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
