package org.seqml.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.models.Model;

/**
 * Weights-only files, Keras's {@code save_weights} and {@code load_weights}: the model file's
 * zip layout ({@link ModelFile}) holding each layer's weights by layer name, with shapes, and no
 * architecture; loading sets the weights of a model built in code.
 */
public final class WeightsFile {
    private WeightsFile() {
    }

    /** Writes only the weights (by layer name, with shapes), atomically: Keras's save_weights. */
    public static void save(Model model, Path path) throws IOException {
        AtomicFile.write(path, Long.MAX_VALUE, zip -> {
            ObjectNode root = ModelFile.JSON.createObjectNode();
            root.put("format", ModelFile.FORMAT + "-weights");
            root.put("version", ModelFile.VERSION);
            List<byte[]> arrays = new ArrayList<>();
            ArrayNode weights = root.putArray("weights");
            for (Layer l : model.layers()) {
                for (Parameter p : l.weights()) {
                    weights.add(ArrayCodec.write(p.value(), arrays).put("layer", l.name()).put("name", p.name()));
                }
            }
            ModelFile.writeEntries(zip, root, arrays);
        });
    }

    /**
     * Sets {@code model}'s weights from a file of {@link #save}: layers matched by name, or,
     * when the names do not all match with fitting shapes but the layers with weights are as many
     * and fit in order, by order; weights within a layer by order. Nothing is set unless all fit.
     */
    public static void load(Model model, Path path) throws IOException {
        Map<String, byte[]> entries = ModelFile.entries(path);
        JsonNode root = ModelFile.parse(path, entries, ModelFile.FORMAT + "-weights");
        Map<String, List<INDArray>> byLayer = new java.util.LinkedHashMap<>();
        for (JsonNode w : root.get("weights")) {
            byLayer.computeIfAbsent(w.path("layer").asText(), k -> new ArrayList<>()).add(ArrayCodec.read(w, entries));
        }
        List<Layer> weighted = model.layers().stream().filter(l -> !l.weights().isEmpty()).toList();
        List<List<INDArray>> byName = weighted.stream().map(l -> byLayer.get(l.name())).toList();
        String mismatch = mismatch(weighted, byName);
        if (mismatch != null) {
            // names come from a counter when a layer first needs one, so the same model built
            // again (another JVM, another order of calls) may number its layers otherwise: then
            // the layers are matched in order, as Keras's load_weights does (topologically)
            List<List<INDArray>> inOrder = new ArrayList<>(byLayer.values());
            if (inOrder.size() != weighted.size() || mismatch(weighted, inOrder) != null) {
                throw new ModelFileException(path + mismatch + " (the file has layers " + byLayer.keySet() + ").");
            }
            byName = inOrder;
        }
        for (int k = 0; k < weighted.size(); k++) {   // only once every layer has been checked: never half-loaded
            weighted.get(k).setWeights(byName.get(k));
        }
    }

    /** Why these values do not fit these layers (": ..."), or null when they all do. */
    private static String mismatch(List<Layer> layers, List<List<INDArray>> values) {
        for (int k = 0; k < layers.size(); k++) {
            Layer l = layers.get(k);
            List<INDArray> v = values.get(k);
            if (v == null) {
                return " has no weights for layer '" + l.name() + "'";
            }
            if (v.size() != l.weights().size()) {
                return ": layer '" + l.name() + "' has " + l.weights().size() + " weights, the file " + v.size();
            }
            for (int i = 0; i < v.size(); i++) {
                if (!java.util.Arrays.equals(v.get(i).shape(), l.weights().get(i).value().shape())) {
                    return ": weights of layer '" + l.name() + "' do not fit its shapes ("
                        + java.util.Arrays.toString(l.weights().get(i).value().shape()) + " against the file's "
                        + java.util.Arrays.toString(v.get(i).shape()) + ")";
                }
            }
        }
        return null;
    }
}
