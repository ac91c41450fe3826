package org.seqml.examples.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.examples.spam.SpamClassifier;
import org.seqml.models.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spam classifier as an HTTP JSON service: raw e-mail text in, spam probability out, many
 * requests at once on one shared model ({@code predict} is safe from many threads).
 *
 * <pre>
 * POST /predict   {"text": "Cheap meds, click here"}            -> {"spam_probability": 0.97}
 *                 {"texts": ["first mail", "second mail"]}      -> {"spam_probabilities": [0.01, 0.99]}
 * GET  /health                                                  -> {"status": "ok"}
 * </pre>
 * A malformed request (not JSON, no {@code text}, a body over 1 MB, another method) gets a 4xx with
 * {@code {"error": "..."}} saying what was wrong; the service keeps serving.
 *
 * <p>It runs on the JDK's own {@code com.sun.net.httpserver} with a fixed pool of worker threads:
 * one JSON endpoint needs no framework, and the JDK's server adds no dependency (Jetty or Javalin
 * would bring a dozen jars for the same two routes).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.serving.SpamService \
 *     -Dexec.args="--model target/spam --port 8080 --threads 8"
 * curl -s localhost:8080/predict -d '{"text": "You have WON a free prize, click now"}'
 * </pre>
 * Without a saved model in {@code --model}, it trains one first with the spam example.
 */
public final class SpamService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpamService.class);
    static final int MAX_BODY_BYTES = 1 << 20;
    static final int MAX_TEXTS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Model model;
    private final HttpServer server;
    private final ExecutorService workers;

    /**
     * Serves {@code model} (a TextVectorization first, so raw text in, one sigmoid out) on
     * 127.0.0.1:port (0: any free port) with {@code threads} workers.
     */
    public SpamService(Model model, int port, int threads) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("SpamService: threads must be at least 1, got " + threads);
        }
        model.vectorize(List.of("a first text"));   // fails here, not per request, when the model takes no text
        this.model = model;
        // the JDK's server writes a response's headers and body apart; with Nagle's algorithm on,
        // the body then waits for the client's delayed ACK: 48 ms per request at one client (the
        // model took 3). Read once, when the first server is made; a value the caller set stays.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        this.workers = Executors.newFixedThreadPool(threads);
        server.setExecutor(workers);
        server.createContext("/predict", this::predict);
        server.createContext("/health", exchange -> {
            exchange.getRequestBody().readAllBytes();
            reply(exchange, 200, JSON.createObjectNode().put("status", "ok"));
        });
        server.start();
    }

    /** Loads the model the spam example saved in {@code dir} (its vocabulary is in it). */
    public static SpamService load(Path dir, int port, int threads) throws IOException {
        return new SpamService(Model.load(dir.resolve("spam-classifier.seqml")), port, threads);
    }

    /** The port the service listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The spam probability of each text, as the service computes it. */
    public double[] probabilities(List<String> texts) {
        INDArray p = model.predict(texts, 64);
        return p.reshape(p.length()).toDoubleVector();
    }

    private void predict(HttpExchange exchange) throws IOException {
        try {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                reply(exchange, 405, error("use POST with a JSON body {\"text\": \"...\"}"));
                return;
            }
            byte[] body = readBody(exchange.getRequestBody());
            if (body == null) {
                reply(exchange, 413, error("the body is over " + MAX_BODY_BYTES + " bytes; send one mail of at most"
                    + " that size"));
                return;
            }
            Request request = parse(body);
            if (request.problem() != null) {
                reply(exchange, 400, error(request.problem()));
                return;
            }
            double[] p = probabilities(request.texts());
            ObjectNode answer = JSON.createObjectNode();
            if (request.single()) {
                answer.put("spam_probability", p[0]);
            } else {
                ArrayNode all = answer.putArray("spam_probabilities");
                for (double v : p) {
                    all.add(v);
                }
            }
            reply(exchange, 200, answer);
        } catch (RuntimeException e) {
            LOG.error("request failed", e);
            reply(exchange, 500, error("the model failed on this request: " + e.getMessage()));
        }
    }

    /** The texts of a request, whether it had one or several, or what is wrong with it. */
    record Request(List<String> texts, boolean single, String problem) {
        static Request bad(String problem) {
            return new Request(List.of(), false, problem);
        }
    }

    static Request parse(byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return Request.bad("the body is not JSON (" + e.getOriginalMessage() + "); send {\"text\": \"...\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (json == null || !json.isObject()) {
            return Request.bad("expected a JSON object {\"text\": \"...\"} or {\"texts\": [\"...\", ...]}");
        }
        JsonNode text = json.get("text");
        JsonNode texts = json.get("texts");
        if ((text == null) == (texts == null)) {
            return Request.bad("give exactly one of \"text\" (a string) and \"texts\" (an array of strings)");
        }
        if (text != null) {
            return text.isTextual() ? new Request(List.of(text.asText()), true, null)
                : Request.bad("\"text\" must be a string, got " + text.getNodeType().toString().toLowerCase());
        }
        if (!texts.isArray() || texts.isEmpty() || texts.size() > MAX_TEXTS) {
            return Request.bad("\"texts\" must be an array of 1 to " + MAX_TEXTS + " strings");
        }
        List<String> all = new ArrayList<>();
        for (JsonNode t : texts) {
            if (!t.isTextual()) {
                return Request.bad("\"texts\" must hold strings only; item " + all.size() + " is "
                    + t.getNodeType().toString().toLowerCase());
            }
            all.add(t.asText());
        }
        return new Request(all, false, null);
    }

    /** The body, or null when it is larger than {@link #MAX_BODY_BYTES}. */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            in.transferTo(OutputStream.nullOutputStream());
            return null;
        }
        return body;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting requests, lets those in flight finish (up to a second), and stops the workers. */
    @Override
    public void close() {
        server.stop(1);
        workers.shutdown();
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(option(args, "--model", "target/spam"));
        int port = Integer.parseInt(option(args, "--port", "8080"));
        int threads = Integer.parseInt(option(args, "--threads", "8"));
        int length = Integer.parseInt(option(args, "--length", "200"));
        if (!Files.exists(dir.resolve("spam-classifier.seqml"))) {
            System.out.println("no saved model in " + dir + ": training one with the spam example first");
            SpamClassifier.Options d = SpamClassifier.Options.defaults();
            SpamClassifier.run(new SpamClassifier.Options(d.epochs(), d.maxTokens(), length, d.limit(), d.seed(),
                d.verbose(), dir));
        }
        SpamService service = load(dir, port, threads);
        System.out.println("serving " + dir + " on http://127.0.0.1:" + service.port() + "/predict with " + threads
            + " threads; Ctrl-C stops");
        Runtime.getRuntime().addShutdownHook(new Thread(service::close));
    }

    static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
