package org.seqml.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.models.Model;
import org.seqml.testing.OracleCase;

/**
 * Keras 3 {@code .keras} files, written here in Keras 3's documented layout from the oracle cases
 * (config.json with an InputLayer and the case's layers, metadata.json, model.weights.h5 with each
 * layer's variables under layers/[snake_case class]/.../vars/i), load and give the oracles'
 * outputs: LSTM, GRU in both forms, SimpleRNN, Bidirectional, Embedding + LSTM, Dense.
 */
class KerasArchiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static List<OracleCase> cases() {
        // one output, no initial-state inputs: what a Sequential model holds
        return java.util.stream.Stream.concat(OracleCase.all("torch").stream(), OracleCase.all("tfjs").stream())
            .filter(c -> c.expected.get("outputs").size() == 1 && !c.spec.has("initial_state"))
            .toList();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void aKeras3FileOfTheCaseGivesTheOraclesOutputs(OracleCase c) throws Exception {
        // the Keras 2 definition of hard_sigmoid belongs to a Keras 2 .keras file (2.13-2.15)
        boolean keras2 = c.spec.toString().contains("hard_sigmoid");
        Path file = write(c, keras2 ? "2.15.0" : "3.3.3");
        Model model = KerasArchive.load(file);
        INDArray y = model.predict(c.x(DataType.FLOAT));
        INDArray expected = OracleCase.array(c.expected.get("outputs").get(0), DataType.FLOAT);
        assertArrayEquals(expected.shape(), y.shape());
        double worst = Transforms.abs(expected.sub(y), false).maxNumber().doubleValue();
        assertTrue(worst <= 1e-5, c + ": max difference " + worst);
    }

    @Test
    void snakeCaseFollowsKeras() {
        assertEquals("simple_rnn", KerasArchive.snakeCase("SimpleRNN"));
        assertEquals("global_max_pooling1d", KerasArchive.snakeCase("GlobalMaxPooling1D"));
        assertEquals("input_layer", KerasArchive.snakeCase("InputLayer"));
        assertEquals("lstm", KerasArchive.snakeCase("LSTM"));
    }

    /** The case as a .keras zip, laid out as Keras 3's saving_lib writes it. */
    private Path write(OracleCase c, String version) throws Exception {
        ObjectNode config = JSON.createObjectNode();
        config.put("class_name", "Sequential");
        ObjectNode inner = config.putObject("config");
        inner.put("name", "sequential");
        ArrayNode layers = inner.putArray("layers");
        ObjectNode input = layers.addObject();
        input.put("class_name", "InputLayer");
        ArrayNode shape = input.putObject("config").putArray("batch_shape");
        shape.addNull();
        c.spec.get("input").get("shape").forEach(d -> shape.add(d.asLong()));
        Map<String, Integer> used = new HashMap<>();
        Path h5 = dir.resolve("model.weights.h5");
        Iterator<JsonNode> weights = c.spec.get("weights").iterator();
        Model reference = c.model(DataType.FLOAT);   // only to count each layer's weights
        try (WritableHdfFile out = HdfFile.write(h5)) {
            WritableGroup root = out.putGroup("layers");
            int index = 1;   // reference.layers() starts with its InputLayer
            for (JsonNode l : c.spec.get("layers")) {
                ObjectNode copy = layers.addObject();
                copy.put("class_name", l.get("class_name").asText());
                copy.set("config", l.get("config").deepCopy());
                String cls = KerasArchive.snakeCase(l.get("class_name").asText());
                int n = used.merge(cls, 1, Integer::sum) - 1;
                WritableGroup g = root.putGroup(n == 0 ? cls : cls + "_" + n);
                int count = reference.layers().get(index++).weights().size();
                switch (l.get("class_name").asText()) {
                    case "Bidirectional" -> {
                        put(g.putGroup("forward_layer").putGroup("cell").putGroup("vars"), weights, count / 2);
                        put(g.putGroup("backward_layer").putGroup("cell").putGroup("vars"), weights, count / 2);
                    }
                    case "LSTM", "GRU", "SimpleRNN" -> put(g.putGroup("cell").putGroup("vars"), weights, count);
                    default -> put(g.putGroup("vars"), weights, count);
                }
            }
        }
        Path file = dir.resolve(c.name + ".keras");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "config.json", JSON.writeValueAsBytes(config));
            entry(zip, "metadata.json", JSON.writeValueAsBytes(Map.of("keras_version", version)));
            entry(zip, "model.weights.h5", Files.readAllBytes(h5));
        }
        return file;
    }

    private static void put(WritableGroup vars, Iterator<JsonNode> weights, int count) {
        for (int i = 0; i < count; i++) {
            INDArray w = OracleCase.array(weights.next(), DataType.FLOAT);
            Object data = w.rank() == 1 ? w.toFloatVector() : w.toFloatMatrix();
            vars.putDataset(String.valueOf(i), data);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws Exception {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}
