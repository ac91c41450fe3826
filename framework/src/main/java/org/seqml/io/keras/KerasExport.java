package org.seqml.io.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.io.LayerRegistry;
import org.seqml.layers.Layer;
import org.seqml.layers.attention.ScoreAttention;
import org.seqml.models.Graph;
import org.seqml.models.Model;
import org.seqml.models.Node;
import org.seqml.models.SymbolicTensor;

/**
 * Writes a seqml model as a Keras 3 {@code .keras} file ({@link KerasArchive}'s layout): the
 * model as a functional config, and its weights by structure. Options Keras 3 cannot express
 * (peephole LSTMs, Keras 2's hard_sigmoid, custom activations, layers Keras lacks) fail with the
 * layer's name rather than writing a model that computes something else. The file is written to a
 * temporary file first and moved into place.
 * <pre>{@code
 * KerasExport.save(model, Path.of("model.keras"));
 * }</pre>
 */
public final class KerasExport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The Keras version whose format and activation definitions the file follows. */
    static final String KERAS_VERSION = "3.3.3";

    private KerasExport() {
    }

    public static void save(Model model, Path file) throws IOException {
        Graph graph = model.graph();
        Map<Layer, List<Node>> calls = new HashMap<>();
        for (Node n : graph.nodes()) {
            calls.computeIfAbsent(n.layer(), k -> new ArrayList<>()).add(n);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("module", "keras");
        root.put("class_name", "Functional");
        root.put("registered_name", "Functional");
        ObjectNode config = root.putObject("config");
        config.put("name", model.name());
        ArrayNode layers = config.putArray("layers");
        for (Layer layer : graph.layers()) {
            ObjectNode spec = layer(layer);
            spec.put("name", layer.name());
            ArrayNode inbound = spec.putArray("inbound_nodes");
            for (Node n : calls.getOrDefault(layer, List.of())) {
                ObjectNode node = inbound.addObject();
                ArrayNode args = node.putArray("args");
                ArrayNode target = n.inputs().size() > 1 ? args.addArray() : args;
                for (SymbolicTensor t : n.inputs()) {
                    tensor(target.addObject(), t, calls);
                }
                ObjectNode kwargs = node.putObject("kwargs");
                if (layer instanceof ScoreAttention a) {
                    // call arguments in Keras, layer options in seqml
                    kwargs.put("use_causal_mask", a.options().causal());
                    kwargs.put("return_attention_scores", a.options().returnAttentionScores());
                }
            }
            layers.add(spec);
        }
        refs(config.putArray("input_layers"), graph.inputs(), calls);
        refs(config.putArray("output_layers"), graph.outputs(), calls);

        Path dir = file.toAbsolutePath().getParent();
        Path h5 = Files.createTempFile(dir, ".weights", ".h5");
        Path tmp = Files.createTempFile(dir, ".export", ".keras");
        try {
            writeWeights(h5, graph.layers());
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
                entry(zip, "metadata.json", JSON.writeValueAsBytes(Map.of("keras_version", KERAS_VERSION,
                    "producer", "seqml")));
                entry(zip, "config.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                entry(zip, "model.weights.h5", Files.readAllBytes(h5));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(h5);
            Files.deleteIfExists(tmp);
        }
    }

    private static void tensor(ObjectNode out, SymbolicTensor t, Map<Layer, List<Node>> calls) {
        out.put("class_name", "__keras_tensor__");
        ArrayNode history = out.putObject("config").putArray("keras_history");
        history.add(t.node().layer().name());
        history.add(nodeIndex(t, calls));
        history.add(t.index());
    }

    private static int nodeIndex(SymbolicTensor t, Map<Layer, List<Node>> calls) {
        List<Node> nodes = calls.get(t.node().layer());
        return nodes == null ? 0 : Math.max(0, nodes.indexOf(t.node()));
    }

    private static void refs(ArrayNode out, List<SymbolicTensor> tensors, Map<Layer, List<Node>> calls) {
        for (SymbolicTensor t : tensors) {
            ArrayNode ref = out.addArray();
            ref.add(t.node().layer().name());
            ref.add(nodeIndex(t, calls));
            ref.add(t.index());
        }
    }

    /** One layer's {class_name, config} as Keras 3 writes it (the keys: {@link LayerRegistry}). */
    private static ObjectNode layer(Layer layer) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("module", "keras.layers");
        ObjectNode c = JSON.createObjectNode();
        c.put("name", layer.name());
        c.put("trainable", layer.trainable());
        if (layer.dtypePolicy().bfloat16() && !layer.wrapsLayers()) {   // Keras 3's DTypePolicy, as it writes one
            ObjectNode policy = c.putObject("dtype");
            policy.put("module", "keras");
            policy.put("class_name", "DTypePolicy");
            policy.putObject("config").put("name", layer.dtypePolicy().name());
            policy.putNull("registered_name");
        }
        String cls = LayerRegistry.toKeras(layer, new Out(layer, c));
        if (cls == null) {
            throw new KerasImportException("cannot export layer '" + layer.name() + "' ("
                + layer.getClass().getSimpleName() + ") to Keras: Keras has no such layer");
        }
        spec.put("class_name", cls);
        spec.set("config", c);
        return spec;
    }

    /** The config of one exported layer. */
    private record Out(Layer layer, ObjectNode config) implements LayerRegistry.KerasOut {
        /** A Keras 3 activation name; Keras 2's hard_sigmoid and custom activations have none. */
        @Override
        public String activation(Activation a) {
            if (a == Activations.HARD_SIGMOID_KERAS2 || !(a instanceof Activations known)) {
                throw inexpressible("activation " + a + ", which has no Keras 3 name");
            }
            return known.name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public ObjectNode layer(Layer inner) {
            return KerasExport.layer(inner);
        }

        @Override
        public RuntimeException inexpressible(String what) {
            return new KerasImportException("cannot export layer '" + layer.name() + "': it has " + what);
        }
    }

    /** Each layer's weights under layers/[snake_case class]/.../vars/i, as KerasArchive reads them. */
    private static void writeWeights(Path h5, List<Layer> layers) {
        try (WritableHdfFile out = HdfFile.write(h5)) {
            for (Map.Entry<Layer, String> e : KerasArchive.groups(layers).entrySet()) {
                Layer layer = e.getKey();
                if (layer.weights().isEmpty()) {
                    // Keras reads a missing group as no variables; and jhdf 0.9.4 writes a file it
                    // cannot read back when an empty group sits beside groups holding datasets
                    continue;
                }
                List<INDArray> values = layer.weights().stream().map(p -> p.value()).toList();
                if (layer instanceof org.seqml.layers.attention.Attention) {
                    // Keras's Attention scale is a scalar, shape (); seqml's has shape (1)
                    values = values.stream().map(v -> v.reshape()).toList();
                }
                // where KerasArchive reads them: the weights split evenly over the layer's groups
                // (a Bidirectional's forward then backward cell)
                List<String> vars = KerasArchive.varGroups(layer, e.getValue());
                int each = values.size() / vars.size();
                for (int k = 0; k < vars.size(); k++) {
                    put(group(out, vars.get(k)), values.subList(k * each, (k + 1) * each));
                }
            }
        }
    }

    /** The group at this slash-separated path, made where missing. */
    private static WritableGroup group(WritableGroup root, String path) {
        WritableGroup g = root;
        for (String part : path.split("/")) {
            g = g.getChild(part) instanceof WritableGroup existing ? existing : g.putGroup(part);
        }
        return g;
    }

    private static void put(WritableGroup vars, List<INDArray> values) {
        for (int i = 0; i < values.size(); i++) {
            INDArray v = values.get(i).castTo(DataType.FLOAT);
            Object data = switch (v.rank()) {
                case 0 -> v.getFloat(0);
                case 1 -> v.toFloatVector();
                case 2 -> v.toFloatMatrix();
                default -> throw new KerasImportException("cannot export a weight of rank " + v.rank());
            };
            vars.putDataset(String.valueOf(i), data);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}
