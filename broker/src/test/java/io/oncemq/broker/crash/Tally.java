package io.oncemq.broker.crash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

/** What a subscriber received of numbered streams: a count per publisher and number, and waits on it with a timeout. */
class Tally {

    /** Which publisher's stream a message belongs to, and its number there. */
    record Numbered(int publisher, int number) {

        /** A payload {@code number}: the only publisher. */
        static Numbered number(String payload) {
            return new Numbered(0, Integer.parseInt(payload));
        }

        /** A payload {@code publisher:number}. */
        static Numbered publisherColonNumber(String payload) {
            int colon = payload.indexOf(':');
            return new Numbered(Integer.parseInt(payload.substring(0, colon)), Integer.parseInt(payload.substring(colon + 1)));
        }
    }

    private final AtomicIntegerArray[] counts;
    private final Function<String, Numbered> numbering;
    volatile int received;

    /** Counts numbers 1..n of each of {@code publishers} streams, reading payloads with {@code numbering}. */
    Tally(int publishers, int n, Function<String, Numbered> numbering) {
        this.counts = new AtomicIntegerArray[publishers];
        for (int p = 0; p < publishers; p++) {
            counts[p] = new AtomicIntegerArray(n + 1);
        }
        this.numbering = numbering;
    }

    /** A message arrived (on the client's thread). */
    void count(byte[] payload) {
        Numbered m = numbering.apply(new String(payload, StandardCharsets.UTF_8));
        counts[m.publisher()].incrementAndGet(m.number());
        synchronized (this) {
            received++;
            notifyAll();
        }
    }

    synchronized boolean awaitReceived(int atLeast, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (received < atLeast) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Waits until number {@code number} of {@code publisher}'s stream arrived, or the timeout passes; returns whether it did. */
    synchronized boolean awaitNumber(int publisher, int number, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (counts[publisher].get(number) == 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** How many of numbers 1..expected[p] of each publisher p never arrived. */
    int missing(int[] expected) {
        int m = 0;
        for (int p = 0; p < counts.length; p++) {
            for (int i = 1; i <= expected[p]; i++) {
                m += counts[p].get(i) == 0 ? 1 : 0;
            }
        }
        return m;
    }

    /** How many arrivals were repeats of a number already received. */
    int duplicated() {
        int d = 0;
        for (AtomicIntegerArray c : counts) {
            for (int i = 1; i < c.length(); i++) {
                d += Math.max(0, c.get(i) - 1);
            }
        }
        return d;
    }

    /** Waits until none of numbers 1..expected[p] is missing, or the timeout passes. */
    boolean awaitComplete(int[] expected, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (missing(expected) > 0) {
            int seen = received;
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            awaitReceived(seen + 1, Math.min(left, 1000));
        }
        return true;
    }

    /** The first of numbers 1..expected of {@code publisher} that never arrived, for a failure message. */
    List<Integer> firstMissing(int publisher, int expected, int max) {
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= expected && out.size() < max; i++) {
            if (counts[publisher].get(i) == 0) {
                out.add(i);
            }
        }
        return out;
    }

    /** The first numbers of {@code publisher} received more than once, for a failure message. */
    List<Integer> firstDuplicated(int publisher, int max) {
        List<Integer> out = new ArrayList<>();
        AtomicIntegerArray c = counts[publisher];
        for (int i = 1; i < c.length() && out.size() < max; i++) {
            if (c.get(i) > 1) {
                out.add(i);
            }
        }
        return out;
    }
}
