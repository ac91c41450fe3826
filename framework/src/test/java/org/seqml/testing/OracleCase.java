package org.seqml.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.layers.recurrent.RNN;
import org.seqml.layers.recurrent.SimpleRNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;

/**
 * One case of {@code ../shared/oracles/cases.json} (see its README) and what an oracle computed
 * for it: the model built from the case's Keras layer configs with its weights, the input, and
 * the expected outputs, loss and gradients.
 */
public final class OracleCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, JsonNode> cases;

    public final String name;
    public final JsonNode spec;
    public final JsonNode expected;

    private OracleCase(String name, JsonNode spec, JsonNode expected) {
        this.name = name;
        this.spec = spec;
        this.expected = expected;
    }

    @Override
    public String toString() {
        return name;
    }

    /** The oracles directory: ../shared/oracles from the repository root (or a module below it). */
    public static Path directory() {
        for (Path p : new Path[] {Path.of("../shared/oracles"), Path.of("../../shared/oracles")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("../shared/oracles not found from " + Path.of("").toAbsolutePath()
            + "; the oracle tests need the shared folder beside the repository.");
    }

    /** Every case an oracle ({@code "tfjs"} or {@code "torch"}) computed. */
    public static List<OracleCase> all(String oracle) {
        try {
            if (cases == null) {
                cases = new HashMap<>();
                for (JsonNode c : JSON.readTree(directory().resolve("cases.json").toFile()).get("cases")) {
                    cases.put(c.get("name").asText(), c);
                }
            }
            List<OracleCase> out = new ArrayList<>();
            JsonNode results = JSON.readTree(directory().resolve("expected_" + oracle + ".json").toFile()).get("results");
            for (JsonNode r : results) {
                JsonNode spec = cases.get(r.get("name").asText());
                JsonNode only = spec.get("oracles");
                boolean applies = only == null || only.isNull() || only.toString().contains("\"" + oracle + "\"");
                if (applies) {
                    out.add(new OracleCase(r.get("name").asText(), spec, r));
                }
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static INDArray array(JsonNode node, DataType type) {
        JsonNode shape = node.get("shape");
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong();
        }
        JsonNode data = node.get("data");
        double[] values = new double[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i).asDouble();
        }
        return Nd4j.create(values, dims, 'c').castTo(type);
    }

    public INDArray x(DataType type) {
        return array(spec.get("x"), type);
    }

    public List<INDArray> initialState(DataType type) {
        List<INDArray> out = new ArrayList<>();
        JsonNode s = spec.get("initial_state");
        if (s != null && !s.isNull()) {
            for (JsonNode a : s) {
                out.add(array(a, type));
            }
        }
        return out;
    }

    /** The model of the case with its weights set. */
    public Model model(DataType type) {
        JsonNode input = spec.get("input");
        JsonNode shape = input.get("shape");
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong();
        }
        SymbolicTensor x = Input.of(dims);
        List<SymbolicTensor> inputs = new ArrayList<>(List.of(x));
        List<SymbolicTensor> states = new ArrayList<>();
        for (INDArray s : initialState(type)) {
            SymbolicTensor st = Input.of(s.size(1));
            states.add(st);
            inputs.add(st);
        }
        List<SymbolicTensor> outs = List.of(x);
        for (JsonNode l : spec.get("layers")) {
            Layer layer = layer(l.get("class_name").asText(), l.get("config"));
            List<SymbolicTensor> args = new ArrayList<>(outs.subList(0, 1));
            if (layer instanceof RNN<?> && !states.isEmpty()) {
                args.addAll(states);
            }
            outs = layer.applyAll(args.toArray(SymbolicTensor[]::new));
        }
        Model model = new Model(inputs, outs);
        List<INDArray> weights = new ArrayList<>();
        for (JsonNode w : spec.get("weights")) {
            weights.add(array(w, type));
        }
        model.setWeights(weights);
        return model;
    }

    private static Layer layer(String cls, JsonNode c) {
        return switch (cls) {
            case "Embedding" -> new Embedding(c.get("input_dim").asInt(), c.get("output_dim").asInt())
                .maskZero(c.path("mask_zero").asBoolean(false));
            case "Dense" -> new Dense(c.get("units").asInt()).activation(c.path("activation").asText("linear"))
                .useBias(c.path("use_bias").asBoolean(true));
            case "Bidirectional" -> {
                JsonNode inner = c.get("layer");
                JsonNode mode = c.get("merge_mode");
                yield new Bidirectional(recurrent(inner.get("class_name").asText(), inner.get("config")),
                    MergeMode.of(mode == null || mode.isNull() ? null : mode.asText()));
            }
            default -> recurrent(cls, c);
        };
    }

    /** Keras 2-era cases: "hard_sigmoid" means clip(0.2x + 0.5, 0, 1) (see the oracles' README). */
    private static Activation activation(JsonNode c, String key, String fallback) {
        String name = c.path(key).asText(fallback);
        return name.equals("hard_sigmoid") ? Activations.HARD_SIGMOID_KERAS2 : Activation.get(name);
    }

    private static RNN<?> recurrent(String cls, JsonNode c) {
        int units = c.get("units").asInt();
        RNN<?> layer = switch (cls) {
            case "LSTM" -> new LSTM(units).activation(activation(c, "activation", "tanh"))
                .recurrentActivation(activation(c, "recurrent_activation", "sigmoid"))
                .useBias(c.path("use_bias").asBoolean(true));
            case "GRU" -> new GRU(units).activation(c.path("activation").asText("tanh"))
                .recurrentActivation(activation(c, "recurrent_activation", "sigmoid"))
                .useBias(c.path("use_bias").asBoolean(true)).resetAfter(c.path("reset_after").asBoolean(true));
            case "SimpleRNN" -> new SimpleRNN(units).activation(activation(c, "activation", "tanh"))
                .useBias(c.path("use_bias").asBoolean(true));
            default -> throw new IllegalArgumentException("no mapping for " + cls);
        };
        return layer.returnSequences(c.path("return_sequences").asBoolean(false))
            .returnState(c.path("return_state").asBoolean(false))
            .goBackwards(c.path("go_backwards").asBoolean(false));
    }

}
