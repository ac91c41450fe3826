package org.seqml.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Flatten;
import org.seqml.layers.Layer;
import org.seqml.layers.Masking;
import org.seqml.layers.RepeatVector;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.attention.AdditiveAttention;
import org.seqml.layers.attention.Attention;
import org.seqml.layers.merging.Add;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.layers.recurrent.RNN;
import org.seqml.layers.recurrent.SimpleRNN;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras layer configs ({@code class_name} + {@code config}) to seqml layers, reading every option
 * that changes what the layer computes from the file, never assuming a default of another Keras
 * version: {@code recurrent_activation}, {@code reset_after}, and what {@code hard_sigmoid} means
 * ({@code clip(0.2x + 0.5, 0, 1)} up to Keras 2, {@code relu6(x + 3) / 6} in Keras 3). Options
 * that only matter for training from scratch (initializers, regularizers, constraints) are read
 * past; unknown keys are logged and ignored; an unsupported layer or option value fails, naming it
 * and the file.
 */
final class KerasLayers {
    private static final Logger LOG = LoggerFactory.getLogger(KerasLayers.class);

    /** Keys every layer may carry that do not change its outputs. */
    private static final Set<String> PASSIVE = Set.of("name", "trainable", "dtype", "batch_input_shape", "batch_shape",
        "input_shape", "input_dtype", "input_length", "implementation", "unroll", "kernel_initializer",
        "recurrent_initializer", "bias_initializer", "embeddings_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "embeddings_regularizer",
        "kernel_constraint", "recurrent_constraint", "bias_constraint", "embeddings_constraint", "seed",
        "data_format", "autocast", "module", "registered_name", "build_config");

    private final String file;
    private final int kerasMajor;

    KerasLayers(String file, String kerasVersion) {
        this.file = file;
        this.kerasMajor = kerasVersion == null || kerasVersion.isEmpty() ? 2
            : Integer.parseInt(kerasVersion.replaceAll("^(\\d+).*", "$1"));
    }

    /** The seqml layer for one Keras layer config, named as in the file. */
    Layer layer(String cls, JsonNode c) {
        Layer layer = switch (cls) {
            case "Dense" -> known(cls, c, "units", "activation", "use_bias")
                .and(new Dense(c.get("units").asInt()).activation(activation(cls, c, "activation", "linear"))
                    .useBias(c.path("use_bias").asBoolean(true)));
            case "Embedding" -> known(cls, c, "input_dim", "output_dim", "mask_zero")
                .and(new Embedding(c.get("input_dim").asInt(), c.get("output_dim").asInt())
                    .maskZero(c.path("mask_zero").asBoolean(false)));
            case "Dropout" -> {
                known(cls, c, "rate", "noise_shape");
                if (!c.path("noise_shape").isMissingNode() && !c.path("noise_shape").isNull()) {
                    throw unsupported(cls, c, "noise_shape " + c.get("noise_shape"));
                }
                yield new Dropout(c.get("rate").asDouble());
            }
            case "Activation" -> known(cls, c, "activation")
                .and(new org.seqml.layers.Activation(activation(cls, c, "activation", "linear")));
            case "Masking" -> known(cls, c, "mask_value").and(new Masking(c.path("mask_value").asDouble(0.0)));
            case "RepeatVector" -> known(cls, c, "n").and(new RepeatVector(c.get("n").asInt()));
            case "Flatten" -> known(cls, c).and(new Flatten());
            case "TimeDistributed" -> known(cls, c, "layer")
                .and(new TimeDistributed(inner(c.get("layer"))));
            case "Bidirectional" -> {
                known(cls, c, "layer", "merge_mode", "backward_layer");
                JsonNode mode = c.get("merge_mode");
                MergeMode merge = MergeMode.of(mode == null || mode.isNull() ? null : mode.asText());
                RNN<?> forward = recurrent(c.get("layer"));
                yield c.hasNonNull("backward_layer")
                    ? new Bidirectional(forward, recurrent(c.get("backward_layer")), merge)
                    : new Bidirectional(forward, merge);
            }
            case "LSTM", "GRU", "SimpleRNN" -> recurrent(cls, c);
            case "Attention", "AdditiveAttention" -> {
                known(cls, c, "use_scale", "score_mode", "causal", "dropout", "return_attention_scores");
                if (!c.path("score_mode").asText("dot").equals("dot")) {
                    throw unsupported(cls, c, "score_mode " + c.get("score_mode"));
                }
                if (c.path("dropout").asDouble(0) > 0) {
                    LOG.warn("{}: {} '{}': attention dropout {} is not imported (it only acts in training)", file, cls,
                        c.path("name").asText(), c.get("dropout"));
                }
                boolean scale = c.path("use_scale").asBoolean(cls.equals("AdditiveAttention"));
                boolean causal = c.path("causal").asBoolean(false);
                boolean scores = c.path("return_attention_scores").asBoolean(false);
                yield cls.equals("Attention") ? new Attention().useScale(scale).causal(causal).returnAttentionScores(scores)
                    : new AdditiveAttention().useScale(scale).causal(causal).returnAttentionScores(scores);
            }
            case "Concatenate" -> known(cls, c, "axis").and(new Concatenate(c.path("axis").asInt(-1)));
            case "Add" -> known(cls, c).and(new Add());
            case "GlobalAveragePooling1D", "GlobalMaxPooling1D" -> {
                known(cls, c, "keepdims");
                if (c.path("data_format").asText("channels_last").equals("channels_first")) {
                    throw unsupported(cls, c, "data_format channels_first");
                }
                boolean keep = c.path("keepdims").asBoolean(false);
                yield cls.equals("GlobalMaxPooling1D") ? new GlobalMaxPooling1D().keepdims(keep)
                    : new GlobalAveragePooling1D().keepdims(keep);
            }
            default -> throw new KerasImportException(file + ": layer '" + c.path("name").asText() + "' is a Keras "
                + cls + ", which seqml cannot import yet");
        };
        String name = c.path("name").asText("");
        return name.isEmpty() ? layer : layer.named(name);
    }

    private Layer inner(JsonNode spec) {
        return layer(spec.get("class_name").asText(), spec.get("config"));
    }

    private RNN<?> recurrent(JsonNode spec) {
        Layer l = inner(spec);
        if (!(l instanceof RNN<?> r)) {
            throw new KerasImportException(file + ": Bidirectional wraps a " + spec.get("class_name").asText()
                + ", not a recurrent layer");
        }
        return r;
    }

    private RNN<?> recurrent(String cls, JsonNode c) {
        known(cls, c, "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after",
            "return_sequences", "return_state", "go_backwards", "stateful", "dropout", "recurrent_dropout",
            "zero_output_for_mask");
        int units = c.get("units").asInt();
        RNN<?> layer = switch (cls) {
            case "LSTM" -> new LSTM(units).recurrentActivation(activation(cls, c, "recurrent_activation", "sigmoid"))
                .unitForgetBias(c.path("unit_forget_bias").asBoolean(true));
            case "GRU" -> {
                if (!c.has("reset_after")) {
                    // Keras before 2.2.3 had no reset_after: its GRU is the reset-before form
                    LOG.info("{}: GRU '{}' has no reset_after; Keras before 2.2.3 meant false", file, c.path("name").asText());
                }
                yield new GRU(units).recurrentActivation(activation(cls, c, "recurrent_activation", "sigmoid"))
                    .resetAfter(c.path("reset_after").asBoolean(false));
            }
            default -> new SimpleRNN(units);
        };
        return layer.activation(activation(cls, c, "activation", "tanh"))
            .useBias(c.path("use_bias").asBoolean(true))
            .returnSequences(c.path("return_sequences").asBoolean(false))
            .returnState(c.path("return_state").asBoolean(false))
            .goBackwards(c.path("go_backwards").asBoolean(false))
            .stateful(c.path("stateful").asBoolean(false))
            .dropout(c.path("dropout").asDouble(0))
            .recurrentDropout(c.path("recurrent_dropout").asDouble(0))
            .zeroOutputForMask(c.path("zero_output_for_mask").asBoolean(false));
    }

    /** A Keras activation name, with hard_sigmoid as the file's Keras version defines it. */
    private Activation activation(String cls, JsonNode c, String key, String fallback) {
        JsonNode node = c.get(key);
        String name = node == null || node.isNull() ? fallback : node.isTextual() ? node.asText()
            : node.path("config").path("name").asText(node.path("class_name").asText());
        if (name.equals("hard_sigmoid")) {
            return kerasMajor >= 3 ? Activations.HARD_SIGMOID : Activations.HARD_SIGMOID_KERAS2;
        }
        try {
            return Activation.get(name);
        } catch (IllegalArgumentException e) {
            throw unsupported(cls, c, key + " '" + name + "'");
        }
    }

    private KerasImportException unsupported(String cls, JsonNode c, String what) {
        return new KerasImportException(file + ": " + cls + " '" + c.path("name").asText() + "' has " + what
            + ", which seqml does not support");
    }

    /** Logs the config keys this mapping does not read (they are ignored, not failed on). */
    private Known known(String cls, JsonNode c, String... handled) {
        Set<String> mine = Set.of(handled);
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!mine.contains(key) && !PASSIVE.contains(key)) {
                LOG.warn("{}: {} '{}': option '{}' = {} is not read by seqml and was ignored", file, cls,
                    c.path("name").asText(), key, c.get(key));
            }
        }
        return new Known();
    }

    /** Lets a switch arm check the keys and then yield its layer in one expression. */
    private static final class Known {
        <L extends Layer> L and(L layer) {
            return layer;
        }
    }
}
