package io.oncemq.broker.auth;

/**
 * What one connected client may read, write and subscribe to. Its grants are worked out once per version of
 * the ACL rules and kept, so the check per message is a walk over a few filters; a reload makes them stale.
 */
public final class TopicAccess {

    /** No acl-file, or a session with no login since the node restored it: nothing is checked. */
    public static final TopicAccess UNRESTRICTED = new TopicAccess(null, null, null);

    private final AccessControl control;
    private final String user;
    private final String clientId;
    /** Immutable; racing threads may each work out the same grants, which is harmless. */
    private volatile Grants grants;

    TopicAccess(AccessControl control, String user, String clientId) {
        this.control = control;
        this.user = user;
        this.clientId = clientId;
    }

    public boolean mayRead(String topic) {
        return control == null || current().mayRead(topic);
    }

    public boolean mayWrite(String topic) {
        return control == null || current().mayWrite(topic);
    }

    /** Whether the subscription filter (without any {@code $share/group/}) may be subscribed. */
    public boolean maySubscribe(String filter) {
        return control == null || current().maySubscribe(filter);
    }

    private Grants current() {
        AccessRules rules = control.rules();
        Grants g = grants;
        if (g == null || g.rules() != rules) {
            g = rules.grants(user, clientId);
            grants = g;
        }
        return g;
    }
}
