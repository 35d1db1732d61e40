package io.oncemq.broker;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Plain HTTP requests to a node's HTTP listener on 127.0.0.1, and the Prometheus text read back as numbers. */
final class HttpProbe {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpProbe() {
    }

    static HttpResponse<String> get(int port, String path, String... headers) throws IOException, InterruptedException {
        return send(port, path, "GET", headers);
    }

    static HttpResponse<String> post(int port, String path, String... headers) throws IOException, InterruptedException {
        return send(port, path, "POST", headers);
    }

    private static HttpResponse<String> send(int port, String path, String method, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every sample of a Prometheus text exposition by its name with labels, e.g. {@code oncemq_messages_in_total{node="local",qos="2"}}. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    /** The metrics of the node on this HTTP port, scraped now. */
    static Map<String, Double> scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = get(port, "/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + r.statusCode() + ": " + r.body());
        }
        return samples(r.body());
    }
}
