package io.oncemq.broker.auth;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/** How a CONNECT's credentials were judged: accepted (as {@code user}, null if anonymous), or refused and why. */
public record Login(Outcome outcome, String user) {

    /** A refused CONNACK goes out this long after the CONNECT, to slow down password guessing. */
    public static final long REFUSAL_DELAY_MILLIS = 1000;

    public enum Outcome { ACCEPTED, BAD_CREDENTIALS, NOT_AUTHORIZED }

    static final Login ANONYMOUS = new Login(Outcome.ACCEPTED, null);
    static final Login NOT_AUTHORIZED = new Login(Outcome.NOT_AUTHORIZED, null);

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }

    /** The CONNACK code of a refusal: 0x86 / 0x87 at 5.0, 4 / 5 at 3.1.1. */
    public MqttConnectReturnCode refusal(boolean v5) {
        if (outcome == Outcome.BAD_CREDENTIALS) {
            return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
        }
        return v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5 : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
    }

    /** For the log line and the 5.0 Reason String. */
    public String reason() {
        return outcome == Outcome.BAD_CREDENTIALS ? "bad user name or password" : "anonymous access is not allowed";
    }
}
