package io.oncemq.broker.server;

import io.vertx.mqtt.MqttEndpoint;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/** The verified client certificate of a TLS connection, for {@code tls-use-cn-as-username}. */
final class PeerCertificate {

    private PeerCertificate() {
    }

    /** The subject CN of the client's certificate; null without a TLS session, a certificate or a CN. */
    static String commonName(MqttEndpoint endpoint) {
        SSLSession session = endpoint.sslSession();
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return null;
            }
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return null;
        }
    }
}
