package io.oncemq.broker.cluster;

import io.oncemq.broker.journal.JournalBatcher;
import io.oncemq.broker.session.Message;
import io.oncemq.broker.session.PostOffice;
import io.oncemq.broker.trace.MessageTrace;
import io.oncemq.cluster.Membership;
import io.oncemq.cluster.NodeCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A dead node's unfinished receipts for shared subscriptions, routed once more (E3, MQTT-4.8.2-3): the dead node
 * may have forwarded a receipt to one member's node before it died, or not. Another turn of the group could pick
 * another member, so the adopter first asks every node whether a member of the group got it (their ledgers
 * know), and routes it only to the groups none of whose members did.
 */
final class GroupReRoute implements NodeCalls.Service {

    private static final Logger log = LoggerFactory.getLogger(GroupReRoute.class);
    /** The service that answers, on every node, whether members of groups got messages. */
    static final String SERVICE = "group-probe";
    private static final long PROBE_TIMEOUT_SECONDS = 10;
    private static final int PROBE_ATTEMPTS = 3;

    private final NodeCalls calls;
    private final Membership membership;
    private final PostOffice postOffice;
    private final ForwardIntake intake;
    private final JournalBatcher home;

    GroupReRoute(NodeCalls calls, Membership membership, PostOffice postOffice, ForwardIntake intake, JournalBatcher home) {
        this.calls = calls;
        this.membership = membership;
        this.postOffice = postOffice;
        this.intake = intake;
        this.home = home;
    }

    /** One receipt and one shared subscription it matches. */
    private record Pair(Message m, String group) {
    }

    /** Routes the dead node's unfinished receipts to the shared subscriptions they match, once each. Runs on the home loop. */
    void reRoute(List<Message> unrouted) {
        List<Pair> pairs = new ArrayList<>();
        for (Message m : unrouted) {
            for (String group : postOffice.groupsMatching(m.topic())) {
                pairs.add(new Pair(m, group));
            }
        }
        if (pairs.isEmpty()) {
            return;
        }
        boolean[] taken = new boolean[pairs.size()];
        for (int i = 0; i < taken.length; i++) {
            taken[i] = intake.groupHas(pairs.get(i).m().origin(), pairs.get(i).m().originId(), pairs.get(i).group());
        }
        byte[] question = encode(pairs);
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        for (String node : membership.nodes()) {
            if (!node.equals(membership.nodeName())) {
                answers.add(ask(node, question, PROBE_ATTEMPTS).thenAccept(a -> {
                    synchronized (taken) {
                        for (int i = 0; i < taken.length && i < a.length; i++) {
                            taken[i] |= a[i] != 0;
                        }
                    }
                }));
            }
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> home.context().runOnContext(v -> {
            synchronized (taken) {
                for (int i = 0; i < taken.length; i++) {
                    if (!taken[i]) {
                        route(pairs.get(i));
                    } else if (MessageTrace.ON) {
                        MessageTrace.step("adoption: shared " + pairs.get(i).group() + " had it already", pairs.get(i).m());
                    }
                }
            }
        }));
    }

    /** The node's answer, or an empty one (nothing taken there) if it cannot answer: a member may then get it twice. */
    private CompletableFuture<byte[]> ask(String node, byte[] question, int attempts) {
        return calls.call(node, SERVICE, question, PROBE_TIMEOUT_SECONDS).handle((answer, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(answer);
            }
            if (attempts > 1 && membership.isMember(node)) {
                return ask(node, question, attempts - 1);
            }
            log.warn("node {} did not say whether members of shared subscriptions got a dead node's receipts ({}); routed to them anyway",
                    node, failure.toString());
            return CompletableFuture.completedFuture(new byte[0]);
        }).thenCompose(f -> f);
    }

    private void route(Pair p) {
        String node = postOffice.groupTurn(p.group());
        if (MessageTrace.ON) {
            MessageTrace.step("adoption: routed again to shared " + p.group() + " on " + (node == null ? "this node" : node), p.m());
        }
        if (node == null) {
            intake.reRoute(p.m(), false, List.of(p.group()));
        } else {
            home.forward(node, new Forward(p.m(), null, false, List.of(p.group())));
        }
    }

    @Override
    public CompletableFuture<byte[]> handle(String caller, byte[] request) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(request))) {
            byte[] answer = new byte[in.readInt()];
            for (int i = 0; i < answer.length; i++) {
                String origin = in.readUTF();
                long originId = in.readLong();
                answer[i] = (byte) (intake.groupHas(origin, originId, in.readUTF()) ? 1 : 0);
            }
            return CompletableFuture.completedFuture(answer);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static byte[] encode(List<Pair> pairs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * pairs.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(pairs.size());
            for (Pair p : pairs) {
                out.writeUTF(p.m().origin());
                out.writeLong(p.m().originId());
                out.writeUTF(p.group());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
