package io.oncemq.broker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects log events with a stack trace (an exception nobody handled) while a test runs. */
final class LogWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    LogWatch() {
        setContext(root.getLoggerContext());
        start();
        root.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN) && e.getThrowableProxy() != null) {
            problems.add(e.getLoggerName() + ": " + e.getFormattedMessage() + " / " + e.getThrowableProxy().getClassName()
                    + ": " + e.getThrowableProxy().getMessage());
        }
    }

    List<String> problems() {
        return problems;
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
