package io.oncemq.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls between two real Hazelcast members: answered by the service, and never by a life they were not made for. */
class NodeCallsTest {

    private final List<Membership> started = new ArrayList<>();

    @AfterEach
    void leave() {
        started.forEach(Membership::close);
    }

    @Test
    void aCallIsAnsweredByTheLifeOfTheNodeItWasMadeForOnly() throws Exception {
        int p1 = FreePort.next();
        int p2 = FreePort.next();
        List<String> members = List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2);
        String cluster = "calls-" + Long.toHexString(System.nanoTime());
        Membership a = Membership.join(new ClusterOptions("a", cluster, "127.0.0.1", p1, members));
        started.add(a);
        Membership b = Membership.join(new ClusterOptions("b", cluster, "127.0.0.1", p2, members));
        started.add(b);
        NodeCalls.open(b, "b/1").serve("echo", (caller, request) ->
                CompletableFuture.completedFuture((caller + ":" + new String(request, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        NodeCalls fromA = NodeCalls.open(a, "a/1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!a.isMember("b")) {
            assertTrue(System.nanoTime() < deadline, "b joined a's view");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        byte[] answer = fromA.call("b", "echo", "hi".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("a/1:hi", new String(answer, StandardCharsets.UTF_8));

        // as Hazelcast's resend of a call whose connection broke would reach a node restarted at the same address
        NodeCall meantForAnotherLife = new NodeCall("echo", UUID.randomUUID().toString(), "a/1", new byte[0], 10);
        ExecutionException e = assertThrows(ExecutionException.class, () -> a.hazelcast().getExecutorService(NodeCalls.EXECUTOR + "echo")
                .submitToMember(meantForAnotherLife, a.member("b")).get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getCause()).contains("earlier life"), () -> "refused as meant for another life: " + e.getCause());
    }
}
