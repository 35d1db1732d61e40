package io.oncemq.broker.session;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.journal.Record;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * All sessions of this node by client id, and the moves between them: takeover by a new connection
 * (E4: the old connection is closed first), detach when a connection ends, expiry and end.
 */
public final class SessionRegistry {

    private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final PostOffice postOffice;
    private final int maxInflight;

    public SessionRegistry(Vertx vertx, PostOffice postOffice, int maxInflight) {
        this.vertx = vertx;
        this.postOffice = postOffice;
        this.maxInflight = maxInflight;
    }

    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    /** Adds a session rebuilt from the journal. */
    public Session restore(String clientId, JournalBatcher loop) {
        Session s = new Session(clientId, loop, maxInflight);
        sessions.put(clientId, s);
        return s;
    }

    /**
     * Makes {@code connection} the owner of the client id's session, closing any earlier connection first
     * through {@code closeOld}, and moves the session to {@code loop}. Completes on {@code loop} with the
     * session, once every record its old loop had pending is durable.
     */
    public Future<Session> attach(String clientId, Object connection, JournalBatcher loop, Consumer<Object> closeOld) {
        Promise<Session> promise = Promise.promise();
        attach(clientId, connection, loop, closeOld, promise);
        return promise.future();
    }

    private void attach(String clientId, Object connection, JournalBatcher loop, Consumer<Object> closeOld, Promise<Session> promise) {
        Session s = sessions.computeIfAbsent(clientId, id -> new Session(id, loop, maxInflight));
        s.run(() -> {
            if (s.movedTo() != null && !s.ended()) {
                retire(s); // it moved to another node and came back without a hand-over: start afresh here
            }
            if (s.ended()) {
                // ended while this request travelled: start over with a fresh session
                loop.context().runOnContext(v -> attach(clientId, connection, loop, closeOld, promise));
                return;
            }
            Object old = s.connection();
            if (old != null) {
                closeOld.accept(old);
            }
            s.connection(connection);
            s.outlet(null);
            s.cancelPendingWill();
            if (s.expiryTimer() >= 0) {
                vertx.cancelTimer(s.expiryTimer());
                s.expiryTimer(-1);
            }
            s.loop().then(() -> {
                if (s.connection() != connection) {
                    return; // a later connection took over meanwhile
                }
                s.moveTo(loop);
                loop.context().runOnContext(v -> promise.complete(s));
            });
        });
    }

    /** The connection ended: a clean session ends with it, a kept one waits for its client until it expires. */
    public void detach(Session s, Object connection) {
        s.run(() -> {
            if (s.connection() != connection) {
                return; // taken over: the session belongs to another connection now
            }
            s.connection(null);
            s.outlet(null);
            if (!s.persistent()) {
                end(s);
            } else {
                scheduleExpiry(s);
            }
        });
    }

    /** Starts the expiry countdown of a session whose client is away (MQTT-3.1.2-23). */
    public void scheduleExpiry(Session s) {
        long seconds = s.expirySeconds();
        if (seconds <= 0 || seconds >= 0xFFFFFFFFL) {
            return; // 0xFFFFFFFF: never expires
        }
        long timer = vertx.setTimer(seconds * 1000, id -> s.run(() -> {
            if (s.connection() == null && s.expiryTimer() == id) {
                log.info("session of client {} expired after {} s", s.clientId(), seconds);
                end(s);
            }
        }));
        s.expiryTimer(timer);
    }

    /** Ends the session: subscriptions, queue, window and receipts go (on the session's loop). */
    public void end(Session s) {
        s.firePendingWill();
        discardState(s);
        s.markEnded();
        sessions.remove(s.clientId(), s);
    }

    /**
     * Drops a session that moved to another node once it no longer relays: its subscriptions go, nothing is
     * journaled (its end was, when it moved). Runs on the session's loop.
     */
    public void retire(Session s) {
        for (String filter : s.subscriptions().keySet()) {
            postOffice.unsubscribe(s, filter);
        }
        s.subscriptions().clear();
        s.markEnded();
        sessions.remove(s.clientId(), s);
    }

    /** Clears the session's content for a clean start, journaling its end if it was kept. */
    public void discardState(Session s) {
        postOffice.redistribute(s, s.outbound().unfinishedShared(), s.loop());
        for (String filter : s.subscriptions().keySet()) {
            postOffice.unsubscribe(s, filter);
        }
        s.subscriptions().clear();
        s.outbound().clear();
        s.inbound().clear();
        if (s.persistent()) {
            s.loop().record(new Record.SessionEnded(s.clientId()));
        }
        s.persistence(false, 0);
    }

    public int size() {
        return sessions.size();
    }
}
