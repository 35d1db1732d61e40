package io.oncemq.broker.auth;

import java.util.concurrent.atomic.LongAdder;

/** Refused logins and denied SUBSCRIBEs and PUBLISHes since the node started (oncemq_*_total once exported). */
public final class AccessCounters {

    private final LongAdder failedLogins = new LongAdder();
    private final LongAdder deniedSubscribes = new LongAdder();
    private final LongAdder deniedPublishes = new LongAdder();

    void failedLogin() {
        failedLogins.increment();
    }

    public void deniedSubscribe() {
        deniedSubscribes.increment();
    }

    /** A PUBLISH, or a will at CONNECT, on a topic the client may not write. */
    public void deniedPublish() {
        deniedPublishes.increment();
    }

    /** CONNECTs refused for a bad user name or password, or as anonymous where anonymous is not allowed. */
    public long failedLogins() {
        return failedLogins.sum();
    }

    /** Topic filters refused in a SUBACK. */
    public long deniedSubscribes() {
        return deniedSubscribes.sum();
    }

    public long deniedPublishes() {
        return deniedPublishes.sum();
    }
}
