package org.seqml.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Backend;
import org.seqml.layers.Layer;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.RNN;
import org.seqml.models.Model;

/**
 * Loads a Keras 3 {@code .keras} file: a zip of {@code config.json} (the model's config),
 * {@code metadata.json} ({@code keras_version}) and {@code model.weights.h5}. Keras 3 stores
 * weights by structure, not by layer name: the model's layers, in order, each under the snake_case
 * of its class ({@code lstm}, {@code lstm_1} for the second LSTM, {@code simple_rnn}, ...), a
 * recurrent layer's weights under its {@code cell}, a Bidirectional's under
 * {@code forward_layer/cell} and {@code backward_layer/cell}, a TimeDistributed's under
 * {@code layer}, and the values in {@code vars/0, vars/1, ...} in {@code get_weights()} order.
 * <pre>{@code
 * Model model = KerasArchive.load(Path.of("model.keras"));
 * }</pre>
 */
public final class KerasArchive {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasArchive() {
    }

    public static Model load(Path file) {
        Backend.init();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            JsonNode config = JSON.readTree(entry(zip, "config.json", file));
            JsonNode metadata = JSON.readTree(entry(zip, "metadata.json", file));
            Model model = KerasH5.build(config, file, metadata.path("keras_version").asText("3"));
            try (HdfFile h5 = HdfFile.fromBytes(entry(zip, "model.weights.h5", file))) {
                loadWeights(h5, model, file);
            }
            return model;
        } catch (IOException e) {
            throw new KerasImportException(file + ": not a readable .keras file: " + e.getMessage(), e);
        }
    }

    private static byte[] entry(ZipFile zip, String name, Path file) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new KerasImportException(file + ": no " + name + " inside: not a Keras 3 .keras file");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static void loadWeights(HdfFile h5, Model model, Path file) {
        for (Map.Entry<Layer, String> e : groups(model.layers()).entrySet()) {
            Layer layer = e.getKey();
            if (layer.weights().isEmpty()) {
                continue;
            }
            List<String> labels = new ArrayList<>();
            List<INDArray> values = new ArrayList<>();
            for (String vars : varGroups(layer, e.getValue())) {
                List<INDArray> found = vars(h5, vars, file, layer);
                for (int i = 0; i < found.size(); i++) {
                    labels.add(vars + "/" + i);
                }
                values.addAll(found);
            }
            KerasH5.assign(layer, labels, values, file);
        }
    }

    /**
     * Each layer's group in the weights file, {@code layers/<snake_case class>} with {@code _1},
     * {@code _2}, ... for later layers of the same class, in the model's layer order (Keras 3's
     * saving_lib names them so).
     */
    static Map<Layer, String> groups(List<Layer> layers) {
        Map<String, Integer> used = new HashMap<>();
        Map<Layer, String> out = new LinkedHashMap<>();
        for (Layer layer : layers) {
            String name = snakeCase(layer.getClass().getSimpleName());
            int n = used.merge(name, 1, Integer::sum) - 1;
            out.put(layer, "layers/" + (n == 0 ? name : name + "_" + n));
        }
        return out;
    }

    /** Where Keras 3 keeps a layer's variables, in the order seqml lists its weights. */
    static List<String> varGroups(Layer layer, String path) {
        if (layer instanceof Bidirectional) {
            return List.of(path + "/forward_layer/cell/vars", path + "/backward_layer/cell/vars");
        }
        if (layer instanceof RNN<?>) {
            return List.of(path + "/cell/vars");
        }
        if (layer instanceof TimeDistributed) {
            return List.of(path + "/layer/vars");
        }
        return List.of(path + "/vars");
    }

    private static List<INDArray> vars(HdfFile h5, String path, Path file, Layer layer) {
        Node node = h5.getByPath(path);
        if (!(node instanceof Group group)) {
            throw new KerasImportException(file + ": no weights at " + path + " for layer '" + layer.name() + "'");
        }
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; group.getChildren().containsKey(String.valueOf(i)); i++) {
            out.add(KerasH5.array((Dataset) group.getChild(String.valueOf(i))));
        }
        return out;
    }

    /** Keras's naming.to_snake_case: "SimpleRNN" -> "simple_rnn", "GlobalMaxPooling1D" -> "global_max_pooling1d". */
    static String snakeCase(String name) {
        String s = name.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }
}
