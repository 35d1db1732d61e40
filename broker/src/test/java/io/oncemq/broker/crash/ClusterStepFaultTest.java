package io.oncemq.broker.crash;

import io.oncemq.broker.FreePorts;
import io.oncemq.broker.fault.FaultPoint;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fault at each step of both QoS 2 handshakes ({@link FaultPoint}) in a 3-node cluster of node JVMs, while a
 * kept-session QoS 2 publisher streams numbers to a kept-session QoS 2 subscriber on another node. The
 * publisher's three steps halt n1, the subscriber's three halt n3: the node is started armed for the step
 * ({@code -Doncemq.fault=STEP:N}), the client whose packets reach the step is moved to it (a normal takeover),
 * and the node halts itself there as SIGKILL would. The client fails over to the node that adopts the dead
 * node's copy (n1's buddy is n2, n3's is n1) and resumes there; the halted node restarts from its journal,
 * armed for its next step, and once the subscriber has caught up the client moves back. In the end the
 * subscriber has every number the publisher handed over exactly once, and so has a shared subscription with a
 * member on n1 and one on n2 (each number to one of them: the dead publisher's node may have forwarded a
 * receipt to a member's node before it halted, or not; its adopter must route it to the group only if not).
 *
 * <p>Arming a node the client fails over to would halt it while the first is still down: a double failure,
 * which the cluster does not survive yet (docs/cluster-design.md); hence one node per side.
 */
class ClusterStepFaultTest {

    private static final int NODES = 3;
    private static final String TOPIC = "stepfault/q2";
    private static final String GROUP = "$share/sf/" + TOPIC;

    /**
     * A step, the node armed for it and the client's order of nodes when it moves there: the armed node, then
     * the one that adopts its copy. {@code publisher}: the publisher's packets reach it, else the subscriber's.
     */
    private record Step(FaultPoint point, boolean publisher, int... order) {
        int node() {
            return order[0];
        }
    }

    private static final List<Step> STEPS = List.of(
            new Step(FaultPoint.RECEIPT_JOURNALED, true, 0, 1, 2),
            new Step(FaultPoint.BEFORE_PUBREC, true, 0, 1, 2),
            new Step(FaultPoint.PUBREL_ARRIVED, true, 0, 1, 2),
            new Step(FaultPoint.FORWARD_SENT, false, 2, 0, 1),
            new Step(FaultPoint.BEFORE_PUBREL, false, 2, 0, 1),
            new Step(FaultPoint.PUBCOMP_ARRIVED, false, 2, 0, 1));

    @TempDir
    Path folder;
    @RegisterExtension
    final Closeables closeables = new Closeables();

    @Test
    // in the default suite (the pom passes stepfault=true); -Dstepfault=false leaves it out
    @EnabledIfSystemProperty(named = "oncemq.stepfault", matches = "true")
    void haltingAtEachHandshakeStepNeitherLosesNorDuplicatesQos2() throws Exception {
        int cap = 200_000; // the publisher stops after the last step, long before this
        long seed = Long.getLong("oncemq.stepfault.seed", new Random().nextLong()); // to repeat a run's halting counts
        Random random = new Random(seed);
        int[] nth = new int[STEPS.size()];
        for (int i = 0; i < nth.length; i++) {
            nth[i] = 1 + random.nextInt(40); // how many times the step passes before the halt
        }
        List<BrokerProcess> nodes = startCluster(nth);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);

        Link subLink = link(nodes, 1, "stepfault-sub"); // n2 until its steps begin
        CrashTest.Subscriber sub = new CrashTest.Subscriber(subLink, cap);
        subLink.connect(deadline);
        subLink.client().subscribe(TOPIC, 2).waitForCompletion(10_000);
        // a shared subscription with a member on n1 and one on n2: the group, not each member, gets every number once
        // (none on n3: its deliveries would reach the subscriber's steps there while n1 is down, a double failure)
        Link memberA = link(nodes, 1, "stepfault-share-a");
        Link memberB = link(nodes, 0, "stepfault-share-b");
        CrashTest.Subscriber group = new CrashTest.Subscriber(memberA, cap);
        memberB.onMessage(m -> group.count(m.getPayload()));
        for (Link member : List.of(memberA, memberB)) {
            member.connect(deadline);
            member.client().subscribe(GROUP, 2).waitForCompletion(10_000);
        }
        Link pubLink = link(nodes, 0, "stepfault-pub"); // n1, then n2
        pubLink.connect(deadline);
        sub.awaitRouteFrom(pubLink, TOPIC, deadline);
        group.awaitRouteFrom(pubLink, TOPIC, deadline);
        CrashTest.Publisher pub = new CrashTest.Publisher(pubLink, TOPIC, 2, cap);
        Thread t = new Thread(pub, "publisher");
        t.start();

        int kills = 0;
        String stuck = null;
        for (int i = 0; i < STEPS.size() && stuck == null; i++) {
            Step step = STEPS.get(i);
            BrokerProcess node = nodes.get(step.node());
            Link client = step.publisher() ? pubLink : subLink;
            // a takeover by the armed node; again if the client landed elsewhere (in 2 of about 25 runs a CONNECT to
            // a node that had just restarted went unanswered for 10 s and the client fell back to the next node)
            for (int move = 0; move < 5 && client.connectedPort() != node.port() && node.running(); move++) {
                if (move > 0) {
                    // what each node logged of this client's connects and claims, to find why the first move failed
                    System.out.printf("step fault test: %s: client on port %d, moved to n%d again; its connects and claims:%n%s",
                            step.point(), client.connectedPort(), step.node() + 1, BrokerProcess.logLinesMatching(nodes,
                                    client.client().getClientId() + ": (CONNECT|claim|was served|session |taking)|Admission"));
                }
                client.moveTo(deadline, step.order());
            }
            boolean halted = node.awaitExit(90_000) != null;
            if (!halted) {
                nodes.forEach(BrokerProcess::dumpThreads);
            }
            assertTrue(halted, () -> step.point() + " not reached on n" + (step.node() + 1) + " in 90 s; publisher: "
                    + pub.failure + "\n" + tails(nodes));
            kills++;
            assertFalse(node.logLines(FaultPoint.LOG_PREFIX + step.point()).isEmpty(),
                    () -> "n" + (step.node() + 1) + " ended without halting at " + step.point() + ":\n" + node.tail());
            Step next = i + 1 < STEPS.size() ? STEPS.get(i + 1) : null;
            node.start(next != null && next.node() == step.node() ? armed(next.point(), nth[i + 1]) : List.of());
            // before the next step the subscriber catches up: every copy is current again by then
            int caughtUp = pub.handedOver;
            sub.expectUpTo(caughtUp);
            group.expectUpTo(caughtUp);
            if (!sub.awaitComplete(90_000) || !group.awaitComplete(30_000)) {
                nodes.forEach(BrokerProcess::dumpThreads);
                stuck = "after " + step.point() + " the subscribers did not catch up to " + caughtUp + " (missing "
                        + sub.firstMissing(10) + ", shared " + group.firstMissing(10) + "); publisher: " + pub.failure;
            }
        }
        pub.stop();
        t.join(TimeUnit.MINUTES.toMillis(3));
        if (pub.failure != null) {
            nodes.forEach(BrokerProcess::dumpThreads);
        }
        assertEquals(null, pub.failure, () -> "publisher: " + pub.failure + "\n" + tails(nodes));
        int messages = pub.handedOver;
        sub.expectUpTo(messages);
        group.expectUpTo(messages);
        boolean complete = sub.awaitComplete(stuck == null ? 90_000 : 10_000) & group.awaitComplete(stuck == null ? 30_000 : 10_000);
        System.out.printf("cluster step fault test: steps %d, kills %d, messages %d, lost %d, duplicated %d; shared subscription: lost %d,"
                + " duplicated %d (seed %d)%n", STEPS.size(), kills, messages, sub.missing(), sub.duplicated(), group.missing(),
                group.duplicated(), seed);
        String why = stuck;
        assertEquals(null, why, () -> why + "\n" + tails(nodes));
        assertEquals(STEPS.size(), kills, "one halt per step");
        assertEquals(0, sub.duplicated() + group.duplicated(), () -> "QoS 2 duplicates " + sub.firstDuplicated(20) + ", shared "
                + group.firstDuplicated(20) + "\n" + tails(nodes));
        assertTrue(complete, () -> "QoS 2 lost " + sub.missing() + " " + sub.firstMissing(20) + ", shared " + group.missing() + " "
                + group.firstMissing(20) + "\n" + tails(nodes));
    }

    private static List<String> armed(FaultPoint point, int nth) {
        return List.of("-D" + FaultPoint.PROPERTY + "=" + point + ":" + nth);
    }

    /** n1 armed for the publisher's first step, n3 for the subscriber's; n2 never. */
    private List<BrokerProcess> startCluster(int[] nth) throws Exception {
        int[] ports = new int[NODES];
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            ports[i] = FreePorts.next();
            members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports[i]);
        }
        String name = "stepfault-" + Long.toHexString(System.nanoTime());
        // a subscriber away during a failover must not meet the default queue bound (10,000): a drop there is
        // the configured policy, not a loss this test looks for
        Path config = Files.writeString(folder.resolve("oncemq.yaml"), "max-queued: 1000000\n");
        List<BrokerProcess> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(closeables.add(new BrokerProcess(folder.resolve("n" + (i + 1))).withArgs("--config", config.toString(), "--node", "n" + (i + 1),
                    "--cluster-port", String.valueOf(ports[i]), "--members", members.toString(), "--cluster-name", name)));
        }
        nodes.get(0).start(armed(STEPS.get(0).point(), nth[0]));
        nodes.get(1).start();
        nodes.get(2).start(armed(STEPS.get(3).point(), nth[3]));
        return nodes;
    }

    /** What each node logged about faults, hand-overs, adoptions and forwards, every start, for a failure message. */
    private static String tails(List<BrokerProcess> nodes) {
        return BrokerProcess.logLinesMatching(nodes, "FaultPoint|Takeover|Adoption|ForwardSender|JournalBatcher|ERROR");
    }

    private Link link(List<BrokerProcess> nodes, int preferred, String clientId) throws MqttException {
        return closeables.add(new Link(nodes, preferred, clientId, CrashTest.WINDOW));
    }
}
