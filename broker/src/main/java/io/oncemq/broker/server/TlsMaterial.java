package io.oncemq.broker.server;

import io.oncemq.broker.ConfigException;
import io.oncemq.broker.Listeners;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's certificate chain and key and the client CA, read from their PEM files once at start and
 * checked there, so that a bad file stops start-up with one message naming its key, not a failed handshake later.
 */
public final class TlsMaterial {

    private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    private final Buffer cert;
    private final Buffer key;
    private final Buffer clientCa;
    private final Listeners listeners;

    private TlsMaterial(Buffer cert, Buffer key, Buffer clientCa, Listeners listeners) {
        this.cert = cert;
        this.key = key;
        this.clientCa = clientCa;
        this.listeners = listeners;
    }

    /** Reads and checks the files; null when no TLS listener is configured. */
    public static TlsMaterial load(Listeners listeners) {
        if (!listeners.tls()) {
            return null;
        }
        String certText = read("tls-cert", listeners.tlsCert());
        List<X509Certificate> chain = certificates("tls-cert", listeners.tlsCert(), certText);
        String algorithm = chain.get(0).getPublicKey().getAlgorithm();
        if (!algorithm.equals("RSA") && !algorithm.equals("EC")) {
            throw new ConfigException("key 'tls-cert': the certificate in " + listeners.tlsCert() + " has a key of type "
                    + algorithm + ": expected an RSA or EC key");
        }
        String keyText = read("tls-key", listeners.tlsKey());
        PrivateKey key = privateKey(listeners.tlsKey(), keyText, algorithm);
        if (!matches(key, chain.get(0))) {
            throw new ConfigException("key 'tls-key': the private key in " + listeners.tlsKey()
                    + " does not belong to the certificate in 'tls-cert' " + listeners.tlsCert() + ": expected the key of "
                    + chain.get(0).getSubjectX500Principal().getName());
        }
        X509Certificate leaf = chain.get(0);
        Date now = new Date();
        if (now.after(leaf.getNotAfter()) || now.before(leaf.getNotBefore())) {
            log.warn("tls-cert {}: certificate {} is valid only from {} to {}: clients will refuse it",
                    listeners.tlsCert(), leaf.getSubjectX500Principal().getName(), leaf.getNotBefore(), leaf.getNotAfter());
        }
        String caText = null;
        if (listeners.tlsClientCa() != null) {
            caText = read("tls-client-ca", listeners.tlsClientCa());
            certificates("tls-client-ca", listeners.tlsClientCa(), caText);
        }
        log.info("TLS certificate {} (valid until {}), client certificates {}", leaf.getSubjectX500Principal().getName(),
                leaf.getNotAfter().toInstant(), listeners.tlsClientAuth().name().toLowerCase(java.util.Locale.ROOT));
        return new TlsMaterial(Buffer.buffer(certText), Buffer.buffer(keyText),
                caText == null ? null : Buffer.buffer(caText), listeners);
    }

    /** Makes the listener speak TLS with this material. */
    void apply(MqttServerOptions options) {
        options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertValue(cert).setKeyValue(key));
        if (clientCa != null) {
            options.setTrustOptions(new PemTrustOptions().addCertValue(clientCa)).setClientAuth(listeners.tlsClientAuth());
        }
    }

    private static String read(String configKey, Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1); // any byte reads: PEM blocks are ASCII, comments may not be
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("key '" + configKey + "': cannot read " + file + " (" + e + "): expected a readable PEM file");
        }
    }

    private static List<X509Certificate> certificates(String configKey, Path file, String text) {
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new ConfigException("key '" + configKey + "': " + file + " holds no '-----BEGIN CERTIFICATE-----' block:"
                    + " expected PEM certificates");
        }
        try {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)))
                    .stream().map(c -> (X509Certificate) c).toList();
            if (certs.isEmpty()) {
                throw new CertificateException("no certificate");
            }
            return certs;
        } catch (CertificateException e) {
            throw new ConfigException("key '" + configKey + "': " + file + " is not a valid PEM certificate (" + e.getMessage()
                    + "): expected PEM certificates");
        }
    }

    private static PrivateKey privateKey(Path file, String text, String algorithm) {
        Matcher m = PEM.matcher(text);
        if (!m.find()) {
            throw new ConfigException("key 'tls-key': " + file + " holds no PEM block: expected '-----BEGIN PRIVATE KEY-----' (PKCS#8)");
        }
        String type = m.group(1);
        if (!type.equals("PRIVATE KEY")) {
            throw new ConfigException("key 'tls-key': " + file + " holds a '" + type + "' block: expected an unencrypted PKCS#8"
                    + " '-----BEGIN PRIVATE KEY-----' (convert with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("key 'tls-key': " + file + " is not a valid " + algorithm + " PKCS#8 private key ("
                    + e.getMessage() + "): expected the key of the certificate in 'tls-cert'");
        }
    }

    /** Signs with the key and verifies with the certificate. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] probe = "oncemq".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
