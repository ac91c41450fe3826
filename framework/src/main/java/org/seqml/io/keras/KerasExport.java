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
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Flatten;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.seqml.layers.Masking;
import org.seqml.layers.RepeatVector;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.attention.ScoreAttention;
import org.seqml.layers.merging.Add;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.RNN;
import org.seqml.layers.recurrent.SimpleRNN;
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

    /** One layer's {class_name, config} as Keras 3 writes it. */
    private static ObjectNode layer(Layer layer) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("module", "keras.layers");
        ObjectNode c = JSON.createObjectNode();
        c.put("name", layer.name());
        c.put("trainable", true);
        String cls;
        if (layer instanceof InputLayer in) {
            cls = "InputLayer";
            ArrayNode shape = c.putArray("batch_shape");
            for (long d : in.shape().dims()) {
                if (d < 0) {
                    shape.addNull();
                } else {
                    shape.add(d);
                }
            }
        } else if (layer instanceof Dense d) {
            cls = "Dense";
            c.put("units", d.config().units());
            c.put("activation", activation(layer, d.config().activation()));
            c.put("use_bias", d.config().useBias());
        } else if (layer instanceof Embedding e) {
            cls = "Embedding";
            c.put("input_dim", e.config().inputDim());
            c.put("output_dim", e.config().outputDim());
            c.put("mask_zero", e.config().maskZero());
        } else if (layer instanceof Dropout d) {
            cls = "Dropout";
            c.put("rate", d.config().rate());
        } else if (layer instanceof org.seqml.layers.Activation a) {
            cls = "Activation";
            c.put("activation", activation(layer, a.config().activation()));
        } else if (layer instanceof Masking m) {
            cls = "Masking";
            c.put("mask_value", m.config().maskValue());
        } else if (layer instanceof RepeatVector r) {
            cls = "RepeatVector";
            c.put("n", r.config().n());
        } else if (layer instanceof Flatten) {
            cls = "Flatten";
        } else if (layer instanceof TimeDistributed t) {
            cls = "TimeDistributed";
            c.set("layer", layer(t.config().layer()));
        } else if (layer instanceof Bidirectional b) {
            cls = "Bidirectional";
            c.set("layer", layer(b.config().forwardLayer()));
            c.set("backward_layer", layer(b.config().backwardLayer()));
            String mode = b.config().mergeMode().name().toLowerCase(java.util.Locale.ROOT);
            if (mode.equals("none")) {
                c.putNull("merge_mode");
            } else {
                c.put("merge_mode", mode);
            }
        } else if (layer instanceof RNN<?> r) {
            cls = recurrent(r, c);
        } else if (layer instanceof ScoreAttention a) {
            cls = layer.getClass().getSimpleName();
            c.put("use_scale", a.options().useScale());
            if (layer instanceof org.seqml.layers.attention.Attention) {
                c.put("score_mode", "dot");
            }
        } else if (layer instanceof Concatenate k) {
            cls = "Concatenate";
            c.put("axis", k.config().axis());
        } else if (layer instanceof Add) {
            cls = "Add";
        } else if (layer instanceof GlobalPooling1D p) {
            cls = layer.getClass().getSimpleName();
            c.put("keepdims", p.config().keepdims());
            c.put("data_format", "channels_last");
        } else {
            throw new KerasImportException("cannot export layer '" + layer.name() + "' ("
                + layer.getClass().getSimpleName() + ") to Keras");
        }
        spec.put("class_name", cls);
        spec.set("config", c);
        return spec;
    }

    private static String recurrent(RNN<?> r, ObjectNode c) {
        String cls;
        if (r instanceof LSTM l) {
            if (l.config().peephole()) {
                throw new KerasImportException("cannot export layer '" + r.name() + "': Keras 3 has no peephole LSTM");
            }
            cls = "LSTM";
            c.put("units", l.config().units());
            c.put("activation", activation(r, l.config().activation()));
            c.put("recurrent_activation", activation(r, l.config().recurrentActivation()));
            c.put("use_bias", l.config().useBias());
            c.put("unit_forget_bias", l.config().unitForgetBias());
        } else if (r instanceof GRU g) {
            cls = "GRU";
            c.put("units", g.config().units());
            c.put("activation", activation(r, g.config().activation()));
            c.put("recurrent_activation", activation(r, g.config().recurrentActivation()));
            c.put("use_bias", g.config().useBias());
            c.put("reset_after", g.config().resetAfter());
        } else if (r instanceof SimpleRNN s) {
            cls = "SimpleRNN";
            c.put("units", s.config().units());
            c.put("activation", activation(r, s.config().activation()));
            c.put("use_bias", s.config().useBias());
        } else {
            throw new KerasImportException("cannot export layer '" + r.name() + "' (" + r.getClass().getSimpleName()
                + ") to Keras");
        }
        RNN.Options o = r.options();
        c.put("return_sequences", o.returnSequences());
        c.put("return_state", o.returnState());
        c.put("go_backwards", o.goBackwards());
        c.put("stateful", o.stateful());
        c.put("dropout", o.dropout());
        c.put("recurrent_dropout", o.recurrentDropout());
        c.put("zero_output_for_mask", o.zeroOutputForMask());
        return cls;
    }

    /** A Keras 3 activation name; Keras 2's hard_sigmoid and custom activations have none. */
    private static String activation(Layer layer, Activation a) {
        if (a == Activations.HARD_SIGMOID_KERAS2 || !(a instanceof Activations known)) {
            throw new KerasImportException("cannot export layer '" + layer.name() + "': activation " + a
                + " has no Keras 3 name");
        }
        return known.name().toLowerCase(java.util.Locale.ROOT);
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
