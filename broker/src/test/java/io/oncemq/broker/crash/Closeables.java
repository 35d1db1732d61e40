package io.oncemq.broker.crash;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes what a test started (node JVMs, clients), last first, after each test, also when it fails:
 * {@code @RegisterExtension final Closeables closeables = new Closeables();}
 */
final class Closeables implements AfterEachCallback {

    private final List<AutoCloseable> started = new ArrayList<>();

    /** Closes {@code c} after the test; returns it. */
    <T extends AutoCloseable> T add(T c) {
        started.add(c);
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }
}
