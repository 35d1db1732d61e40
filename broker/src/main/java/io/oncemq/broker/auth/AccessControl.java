package io.oncemq.broker.auth;

import io.oncemq.broker.Config;
import io.oncemq.broker.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The node's logins and topic permissions: the password file and ACL file in force (both re-read by
 * {@link #reload}, on SIGHUP), the anonymous-access policy, and the counters of what was refused.
 */
public final class AccessControl {

    private static final Logger log = LoggerFactory.getLogger(AccessControl.class);
    /** Password checks at once: PBKDF2 is slow on purpose, and a CONNECT flood must not take every core. */
    private static final int CHECK_THREADS = 2;

    private final Path passwordPath;
    private final Path aclPath;
    /** null: not configured; then anonymous clients are welcome from loopback addresses only (as Mosquitto 2.0). */
    private final Boolean allowAnonymous;
    private final AccessCounters counters = new AccessCounters();
    private volatile PasswordFile passwords;
    private volatile PasswordHash decoy;
    private volatile AccessRules rules;
    private WorkerExecutor checks;

    private AccessControl(Config config) {
        this.passwordPath = config.passwordFile();
        this.aclPath = config.aclFile();
        this.allowAnonymous = config.allowAnonymous();
    }

    /** Reads the configured files; a missing, unreadable or malformed one is a {@link ConfigException} naming its key. */
    public static AccessControl load(Config config) {
        AccessControl control = new AccessControl(config);
        control.install(control.readPasswords(), control.readRules());
        if (control.passwordPath == null && control.allowAnonymous == null) {
            log.warn("no password-file and no allow-anonymous: anonymous clients are accepted from loopback addresses only");
        }
        return control;
    }

    /** Password checks run on a small worker pool of this Vert.x instance from now on. */
    public void start(Vertx vertx) {
        checks = vertx.createSharedWorkerExecutor("oncemq-password-checks", CHECK_THREADS);
    }

    /**
     * Judges a CONNECT's credentials; completes on the caller's context. Without a password file user names
     * are not checked, so every client counts as anonymous (and ACL user sections do not apply to it).
     */
    public Future<Login> login(String user, String password, SocketAddress remote) {
        PasswordFile file = passwords;
        if (file == null || user == null) {
            return Future.succeededFuture(anonymousAllowed(remote) ? Login.ANONYMOUS : Login.NOT_AUTHORIZED);
        }
        if (password == null) {
            return Future.succeededFuture(new Login(Login.Outcome.BAD_CREDENTIALS, user));
        }
        PasswordHash slow = decoy;
        return checks.executeBlocking(() -> new Login(file.verify(user, password, slow) ? Login.Outcome.ACCEPTED : Login.Outcome.BAD_CREDENTIALS, user), false);
    }

    /**
     * A TLS client whose certificate the handshake verified logs in as its certificate's CN, with no password
     * check ({@code tls-use-cn-as-username}, as Mosquitto's use_identity_as_username); a certificate without a CN is refused.
     */
    public Login certified(String commonName) {
        return commonName == null ? Login.NOT_AUTHORIZED : new Login(Login.Outcome.ACCEPTED, commonName);
    }

    /** Counts a refused login (the caller sends the CONNACK). */
    public void refused() {
        counters.failedLogin();
    }

    private boolean anonymousAllowed(SocketAddress remote) {
        if (allowAnonymous != null) {
            return allowAnonymous;
        }
        return passwordPath == null && isLoopback(remote);
    }

    private static boolean isLoopback(SocketAddress remote) {
        String host = remote == null ? null : remote.hostAddress();
        if (host == null) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress(); // a literal address: no name lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** What a logged-in client may do with topics; {@code user} null for an anonymous client. */
    public TopicAccess access(String user, String clientId) {
        return aclPath == null ? TopicAccess.UNRESTRICTED : new TopicAccess(this, user, clientId);
    }

    /**
     * Reads both files again; connections stay open and are held to the new rules from their next packet.
     * A bad file keeps all the old rules, with one ERROR line. Returns whether the new files are in force.
     */
    public synchronized boolean reload() {
        try {
            PasswordFile p = readPasswords();
            AccessRules r = readRules();
            install(p, r);
            log.info("reloaded access files: {} users in password-file, {} rules in acl-file",
                    p == null ? "no" : p.size(), r == null ? "no" : r.size());
            return true;
        } catch (ConfigException e) {
            log.error("reload refused, the earlier files stay in force: {}", e.getMessage());
            return false;
        }
    }

    AccessRules rules() {
        return rules;
    }

    public AccessCounters counters() {
        return counters;
    }

    private PasswordFile readPasswords() {
        return passwordPath == null ? null : PasswordFile.read(passwordPath);
    }

    private AccessRules readRules() {
        return aclPath == null ? null : AccessRules.read(aclPath);
    }

    private void install(PasswordFile p, AccessRules r) {
        PasswordHash slowest = p == null ? null : p.slowest();
        if (p != null) {
            decoy = slowest != null ? slowest // an empty file: unknown users still cost one full check
                    : PasswordHash.parse(PasswordHash.create("decoy", PasswordHash.DEFAULT_ITERATIONS, new SecureRandom()));
        }
        passwords = p;
        rules = r;
    }
}
