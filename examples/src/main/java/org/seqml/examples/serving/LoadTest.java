package org.seqml.examples.serving;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.seqml.examples.spam.SpamClassifier;

/**
 * A bounded load test of {@link SpamService} on this machine: 1, 4 and 16 concurrent clients each
 * send the held-out mails of the spam split, one mail per request, for a fixed time (and at most
 * a fixed number of requests), after a warm-up of a few seconds; reports throughput and p50/p99
 * latency per level. Then it sends
 * malformed requests, expects a 4xx for each, and checks that the service still answers.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.serving.LoadTest \
 *     -Dexec.args="--model target/spam --seconds 10 --threads 8"
 * </pre>
 * It starts the service itself on a free port of 127.0.0.1; {@code --url http://127.0.0.1:8080}
 * targets a running one instead (loopback addresses only).
 */
public final class LoadTest {
    private static final int[] CLIENTS = {1, 4, 16};
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One concurrency level's figures. */
    public record Level(int clients, int requests, int errors, double perSecond, double p50Ms, double p99Ms) {
    }

    private LoadTest() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(SpamService.option(args, "--model", "target/spam"));
        double seconds = Double.parseDouble(SpamService.option(args, "--seconds", "10"));
        double warmup = Double.parseDouble(SpamService.option(args, "--warmup", "5"));
        int maxRequests = Integer.parseInt(SpamService.option(args, "--max-requests", "20000"));
        int threads = Integer.parseInt(SpamService.option(args, "--threads", "8"));
        String url = SpamService.option(args, "--url", null);
        List<String> mails = heldOutMails();
        SpamService service = null;
        if (url == null) {
            if (!Files.exists(dir.resolve("spam-classifier.seqml"))) {
                System.out.println("no saved model in " + dir + "; run the spam example first (README's first command)");
                System.exit(2);
            }
            service = SpamService.load(dir, 0, threads);
            url = "http://127.0.0.1:" + service.port();
            System.out.println("service with " + threads + " worker threads on " + url);
        }
        try {
            URI base = loopback(url);
            // the JIT compiles a call's Java side only after thousands of calls: warm up first
            run(base, mails, 4, warmup, maxRequests);
            System.out.println("clients  requests  errors  requests/s  p50 ms  p99 ms");
            for (int clients : CLIENTS) {
                Level l = run(base, mails, clients, seconds, maxRequests);
                System.out.printf(Locale.ROOT, "%7d  %8d  %6d  %10.1f  %6.1f  %6.1f%n", l.clients(), l.requests(),
                    l.errors(), l.perSecond(), l.p50Ms(), l.p99Ms());
            }
            badRequests(base);
        } finally {
            if (service != null) {
                service.close();
            }
        }
        System.exit(0);
    }

    /** The test mails of the spam example's split (the model never trained on them). */
    static List<String> heldOutMails() {
        List<SpamClassifier.Mail> train = new ArrayList<>();
        List<SpamClassifier.Mail> test = new ArrayList<>();
        SpamClassifier.split(SpamClassifier.load(), SpamClassifier.Options.defaults().seed(), train, test);
        return test.stream().map(SpamClassifier.Mail::text).toList();
    }

    /** {@code url} as a URI, refused unless its host is a loopback address: this test sends traffic nowhere else. */
    static URI loopback(String url) throws IOException {
        URI uri = URI.create(url);
        if (uri.getHost() == null || !InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("LoadTest targets this machine only (127.0.0.1, localhost, [::1]); got "
                + url);
        }
        return uri;
    }

    /** {@code clients} threads send one mail per request until {@code seconds} or {@code maxRequests} are reached. */
    public static Level run(URI base, List<String> mails, int clients, double seconds, int maxRequests)
        throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI predict = base.resolve("/predict");
        send(http, predict, mails.get(0));   // warm-up
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                int k;
                while (System.nanoTime() < end && (k = sent.getAndIncrement()) < maxRequests) {
                    long t0 = System.nanoTime();
                    if (send(http, predict, mails.get(k % mails.size())) != 200) {
                        errors.incrementAndGet();
                    }
                    latencies.add(System.nanoTime() - t0);
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Level(clients, sorted.length, errors.get(), sorted.length / elapsed, percentile(sorted, 0.50),
            percentile(sorted, 0.99));
    }

    private static int send(HttpClient http, URI predict, String text) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("text", text).toString();
        HttpRequest request = HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** Malformed requests each get a 4xx with a message, and a good request afterwards still gets 200. */
    static void badRequests(URI base) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        URI predict = base.resolve("/predict");
        List<HttpRequest> bad = List.of(
            HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofString("not json")).build(),
            HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofString("{\"txt\": \"hello\"}")).build(),
            HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofString("{\"text\": 42}")).build(),
            HttpRequest.newBuilder(predict).GET().build(),
            HttpRequest.newBuilder(predict).POST(HttpRequest.BodyPublishers.ofByteArray(
                new byte[SpamService.MAX_BODY_BYTES + 1])).build());
        List<String> names = List.of("not JSON", "no text", "text not a string", "GET", "body over 1 MB");
        for (int i = 0; i < bad.size(); i++) {
            HttpResponse<String> answer = http.send(bad.get(i), HttpResponse.BodyHandlers.ofString());
            System.out.printf(Locale.ROOT, "bad request (%s) -> %d %s%n", names.get(i), answer.statusCode(),
                answer.body());
            if (answer.statusCode() < 400 || answer.statusCode() >= 500) {
                throw new IllegalStateException("expected a 4xx, got " + answer.statusCode());
            }
        }
        int after = send(http, predict, "Dear friend, you have won a prize. Click here to claim it now!");
        System.out.println("a good request after them -> " + after);
        if (after != 200) {
            throw new IllegalStateException("the service stopped serving after bad requests");
        }
    }
}
