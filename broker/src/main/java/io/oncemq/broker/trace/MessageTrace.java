package io.oncemq.broker.trace;

import io.oncemq.broker.session.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * A line per message step (receipt, forward, intake, delivery, hand-over), at DEBUG on the logger
 * {@code io.oncemq.trace}: off by default, for finding where a message went in a failover test
 * ({@code -Doncemq.trace.level=DEBUG}). Read once at start, so an off trace costs one constant check.
 */
public final class MessageTrace {

    private static final Logger log = LoggerFactory.getLogger("io.oncemq.trace");
    public static final boolean ON = log.isDebugEnabled();

    private MessageTrace() {
    }

    /** One step: {@code what}, then the message's id, origin and a short payload. */
    public static void step(String what, Message m) {
        log.debug("{} id {} origin {}:{} '{}'", what, m.id(), m.origin(), m.originId(), text(m));
    }

    /** One step with free text (call only when {@link #ON}). */
    public static void step(String what, Object... args) {
        log.debug(what, args);
    }

    /** The payload as text when short, else its length. */
    public static String text(Message m) {
        byte[] p = m.payload();
        return p.length <= 24 ? new String(p, StandardCharsets.UTF_8) : p.length + " bytes";
    }
}
