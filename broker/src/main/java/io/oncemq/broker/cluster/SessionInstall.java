package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.qos.OutboundFlow.Delivery;
import io.oncemq.broker.qos.OutboundFlow.Sent;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.session.Session;
import io.oncemq.broker.session.SessionRegistry;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.journal.Record;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** The receiving side of a hand-over ({@link Takeover}, {@link Adoption}): a session from another node journaled and restored here. */
final class SessionInstall {

    /** Its lines are the takeover's: log filters (and readers) look for them under that name. */
    private static final Logger log = LoggerFactory.getLogger(Takeover.class);

    private final SessionRegistry sessions;
    private final PostOffice postOffice;
    private final ForwardIntake intake;

    SessionInstall(SessionRegistry sessions, PostOffice postOffice, ForwardIntake intake) {
        this.sessions = sessions;
        this.postOffice = postOffice;
        this.intake = intake;
    }

    /** Installs a session handed over by {@code from} on {@code loop}, journaled (and copied) before {@code done}. */
    void install(String clientId, SessionTransfer t, String from, JournalBatcher loop, Promise<Void> done) {
        Session stale = sessions.get(clientId);
        if (stale != null) {
            if (stale.movedTo() == null && stale.connection() != null) {
                // never expected: what the client did on this session since is lost (the 1,000-kill run's losses began so)
                log.warn("client {}: the session from node {} replaces one still served here", clientId, from);
            }
            stale.run(() -> sessions.retire(stale)); // a session that moved away earlier and is only relaying
        }
        Session s = sessions.restore(clientId, loop);
        s.persistence(true, t.expirySeconds());
        s.outbound().watchForReturningRelays(System.nanoTime() + 2 * Takeover.RELAY_MILLIS * 1_000_000L);
        loop.record(new Record.SessionOpened(clientId, t.expirySeconds()));
        List<Delivery> held = new ArrayList<>(t.queue());
        for (Sent f : t.inflight()) {
            store(loop, clientId, f.delivery());
            loop.record(new Record.Sent(clientId, f.packetId(), f.delivery().message().id()));
            if (f.pubrecReceived()) {
                loop.record(new Record.PubrecReceived(clientId, f.packetId()));
            }
            s.outbound().restoreInflight(f.packetId(), f.delivery(), f.pubrecReceived());
            held.add(f.delivery());
        }
        for (Delivery d : t.queue()) {
            store(loop, clientId, d);
            s.outbound().restoreQueued(d);
        }
        if (MessageTrace.ON) {
            held.forEach(d -> MessageTrace.step("client " + clientId + ": installed from " + from, d.message()));
        }
        t.receipts().forEach((packetId, id) -> {
            // a handed-over receipt is routed already: only its packet id matters (E1), the body is never read
            loop.record(new Record.MessageStored(id, "", 0, false, Takeover.NOTHING, Takeover.NOTHING));
            loop.record(new Record.ReceiptHeld(clientId, packetId, id));
            loop.record(new Record.Routed(id));
            s.inbound().hold(packetId, id);
        });
        intake.holding(clientId, held, () -> t.subscriptions().forEach((filter, sub) -> {
            s.subscriptions().put(filter, sub);
            postOffice.subscribe(s, filter, sub);
            loop.record(new Record.Subscribed(clientId, filter, sub.options(), sub.identifier()));
        }));
        // once durable, not after the turn's forwards: an adoption's re-routed receipts share the turn (see Adoption)
        loop.whenJournaled(() -> {
            loop.counters().sessionTakenFromNode();
            log.info("client {}: session taken over from node {} ({} queued, {} in flight, {} receipts)", clientId, from,
                    t.queue().size(), t.inflight().size(), t.receipts().size());
            done.complete();
        });
    }

    private static void store(JournalBatcher loop, String clientId, Delivery d) {
        Message m = d.message();
        loop.record(m.toRecord());
        loop.record(new Record.Enqueued(clientId, m.id(), d.journaledQos()));
        if (m.origin() != null) {
            loop.record(new Record.ForwardAccepted(m.origin(), m.originId(), m.id()));
        }
    }
}
