package org.seqml.examples.compression;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.examples.benchmark.TunedPython;
import org.seqml.models.Model;

/**
 * The PyTorch peer of the compression table ({@code examples/bench/spam_peer.py}): the trained
 * float32 baseline's weights carried into PyTorch, which runs them in float32 and after
 * {@code torch.quantization.quantize_dynamic} (int8 LSTM and Linear weights, the embedding table
 * 8-bit per row), on the same test mails, timed the same way. Run when Debian's python3-torch is
 * installed; otherwise the table has no PyTorch rows.
 */
final class SpamPeer {
    private SpamPeer() {
    }

    /** The peer's rows (parameters as the baseline's), or none when PyTorch is not there or fails. */
    static List<Compression.Row> run(Model baseline, INDArray testIds, INDArray testLabels, int calls) {
        Path script = TunedPython.locate("examples/bench/spam_peer.py", "bench/spam_peer.py");
        if (script == null || !TunedPython.torchInstalled()) {
            System.out.println("(PyTorch peer not run: needs examples/bench/spam_peer.py and Debian's python3-torch:"
                + " apt-get install -y python3-torch libopenblas0-openmp)");
            return List.of();
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("spam-peer");
            List<INDArray> weights = baseline.getWeights();
            if (weights.size() != 11) {
                throw new IllegalStateException("the peer expects the spam classifier's 11 weights, got "
                    + weights.size());
            }
            for (int i = 0; i < weights.size(); i++) {
                Nd4j.writeAsNumpy(weights.get(i), dir.resolve("w" + i + ".npy").toFile());
            }
            Nd4j.writeAsNumpy(testIds, dir.resolve("ids.npy").toFile());
            Nd4j.writeAsNumpy(testLabels, dir.resolve("labels.npy").toFile());
            Nd4j.writeAsNumpy(baseline.predict(testIds, 64), dir.resolve("seqml.npy").toFile());
            List<Compression.Row> rows = new ArrayList<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : TunedPython.run(script, List.of(dir.toString(), "--calls", Integer.toString(calls)))) {
                if (!line.startsWith("RESULT ")) {
                    continue;
                }
                JsonNode r = json.readTree(line.substring("RESULT ".length()));
                System.out.printf(Locale.ROOT, "PyTorch %s: largest difference from seqml's float32 predictions %.2e%n",
                    r.get("model").asText(), r.get("max_diff_from_seqml").asDouble());
                rows.add(new Compression.Row(r.get("model").asText().equals("int8")
                    ? "PyTorch quantize_dynamic int8 (same weights)" : "PyTorch float32 (same weights)",
                    r.get("accuracy").asDouble(), 0, r.get("f1").asDouble(), 0, baseline.countParams(),
                    r.get("file_bytes").asLong(), r.get("latency_ms").asDouble(), r.get("samples_per_s").asDouble()));
            }
            return rows;
        } catch (IOException | RuntimeException e) {
            System.out.println("(PyTorch peer failed: " + e.getMessage() + ")");
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }
}
