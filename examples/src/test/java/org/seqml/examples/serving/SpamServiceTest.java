package org.seqml.examples.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seqml.examples.spam.SpamClassifier;

/**
 * The service on 127.0.0.1 with a small spam model trained here: concurrent clients get the
 * model's own probabilities, bad requests get a 4xx with a message, and it keeps serving.
 */
class SpamServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static List<String> mails;

    @BeforeAll
    static void trainSmallModel() {
        SpamClassifier.run(new SpamClassifier.Options(1, 2000, 40, 300, 5, 0, dir));
        mails = LoadTest.heldOutMails().subList(0, 24);
    }

    @Test
    void concurrentClientsGetTheModelsOwnProbabilities() throws Exception {
        try (SpamService service = SpamService.load(dir, 0, 4)) {
            double[] expected = service.probabilities(mails);
            HttpClient http = HttpClient.newHttpClient();
            URI predict = URI.create("http://127.0.0.1:" + service.port() + "/predict");
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                List<Future<Double>> answers = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (String mail : mails) {
                        answers.add(clients.submit(() -> {
                            HttpResponse<String> r = post(http, predict, JSON.createObjectNode().put("text", mail).toString());
                            assertEquals(200, r.statusCode(), r.body());
                            return JSON.readTree(r.body()).get("spam_probability").asDouble();
                        }));
                    }
                }
                for (int k = 0; k < answers.size(); k++) {
                    assertEquals(expected[k % mails.size()], answers.get(k).get(), 1e-6, "mail " + k % mails.size());
                }
            } finally {
                clients.shutdown();
            }
            HttpResponse<String> several = post(http, predict, "{\"texts\": [" + JSON.writeValueAsString(mails.get(0))
                + ", " + JSON.writeValueAsString(mails.get(1)) + "]}");
            JsonNode all = JSON.readTree(several.body()).get("spam_probabilities");
            assertEquals(expected[0], all.get(0).asDouble(), 1e-6);
            assertEquals(expected[1], all.get(1).asDouble(), 1e-6);
        }
    }

    @Test
    void malformedRequestsGetA4xxWithAMessageAndTheServiceKeepsServing() throws Exception {
        try (SpamService service = SpamService.load(dir, 0, 2)) {
            HttpClient http = HttpClient.newHttpClient();
            URI predict = URI.create("http://127.0.0.1:" + service.port() + "/predict");
            String[][] cases = {
                {"not json", "not JSON"},
                {"[1, 2]", "JSON object"},
                {"{\"txt\": \"hello\"}", "exactly one of"},
                {"{\"text\": 42}", "must be a string"},
                {"{\"texts\": []}", "array of 1 to"},
                {"{\"texts\": [\"a\", 3]}", "item 1"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = post(http, predict, c[0]);
                assertEquals(400, r.statusCode(), c[0]);
                assertTrue(JSON.readTree(r.body()).get("error").asText().contains(c[1]), r.body());
            }
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(predict).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
            HttpResponse<String> big = http.send(HttpRequest.newBuilder(predict).POST(
                HttpRequest.BodyPublishers.ofByteArray(new byte[SpamService.MAX_BODY_BYTES + 1])).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(413, big.statusCode());
            LoadTest.badRequests(URI.create("http://127.0.0.1:" + service.port()));
            assertEquals(200, post(http, predict, "{\"text\": \"still here\"}").statusCode());
        }
    }

    @Test
    void theLoadTestMeasuresAndTargetsOnlyThisMachine() throws Exception {
        try (SpamService service = SpamService.load(dir, 0, 2)) {
            LoadTest.Level level = LoadTest.run(URI.create("http://127.0.0.1:" + service.port()), mails, 4, 0.5, 40);
            assertEquals(0, level.errors());
            assertTrue(level.requests() > 0 && level.requests() <= 40, "bounded: " + level.requests());
            assertTrue(level.p99Ms() >= level.p50Ms());
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> LoadTest.loopback("http://192.0.2.1:8080"));
        assertEquals("localhost", LoadTest.loopback("http://localhost:8080").getHost());
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
