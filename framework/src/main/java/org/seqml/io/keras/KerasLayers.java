package org.seqml.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.io.LayerRegistry;
import org.seqml.layers.Layer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Keras layer configs ({@code class_name} + {@code config}) of one file into seqml layers
 * through {@link LayerRegistry}, every option that changes what a layer computes taken from the
 * file, never assumed from another Keras version's defaults: {@code recurrent_activation},
 * {@code reset_after}, and what {@code hard_sigmoid} means ({@code clip(0.2x + 0.5, 0, 1)} up to
 * Keras 2, {@code relu6(x + 3) / 6} in Keras 3). Options that only matter for training from
 * scratch (initializers, regularizers, constraints) are read past; unknown keys are logged and
 * ignored; an unsupported layer or option value fails, naming it and the file.
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

    /** Whether an option's value is the "off" of its kind: false, zero, null, an empty text, list or object. */
    static boolean off(JsonNode v) {
        return v == null || v.isNull() || v.isBoolean() && !v.asBoolean() || v.isNumber() && v.asDouble() == 0
            || v.isTextual() && v.asText().isEmpty() || v.isContainerNode() && v.isEmpty();
    }

    /** The seqml layer for one Keras layer config, named as in the file. */
    Layer layer(String cls, JsonNode c) {
        Layer layer = LayerRegistry.fromKeras(cls, new In(cls, c));
        if (layer == null) {
            throw new KerasImportException(file + ": layer '" + c.path("name").asText() + "' is a Keras " + cls
                + ", which seqml cannot import yet");
        }
        if (cls.equals("GRU") && !c.has("reset_after")) {
            LOG.info("{}: GRU '{}' has no reset_after; Keras before 2.2.3 meant false", file, c.path("name").asText());
        }
        if (!layer.wrapsLayers()) {   // a wrapper's layers carry their own
            layer = layer.dtype(policy(c.get("dtype"), c.path("name").asText()));
        }
        if (!c.path("trainable").asBoolean(true)) {
            layer.setTrainable(false);   // frozen in Keras (layer.trainable = False): fine-tuning leaves it
        }
        String name = c.path("name").asText("");
        return name.isEmpty() ? layer : layer.named(name);
    }

    /**
     * A layer's dtype policy from its config: Keras 2's {@code {"class_name": "Policy", "config":
     * {"name": ...}}}, Keras 3's {@code DTypePolicy}, or a plain type name. mixed_bfloat16 is kept;
     * everything else (float32, and mixed_float16, a GPU policy) computes in float32, whatever the
     * global policy, as the model was saved.
     */
    private org.seqml.mixedprecision.Policy policy(JsonNode dtype, String layerName) {
        String name = dtype == null ? "float32" : dtype.isTextual() ? dtype.asText()
            : dtype.path("config").path("name").asText("float32");
        if (name.equals("mixed_bfloat16")) {
            return org.seqml.mixedprecision.Policy.MIXED_BFLOAT16;
        }
        if (name.equals("mixed_float16")) {
            LOG.info("{}: layer '{}' was trained under mixed_float16, a GPU policy; it computes in float32 here"
                + " (or set layer.dtype(\"mixed_bfloat16\"))", file, layerName);
        }
        return org.seqml.mixedprecision.Policy.FLOAT32;
    }

    /** One layer config of this file. */
    private final class In implements LayerRegistry.KerasIn {
        private final String cls;
        private final JsonNode c;

        In(String cls, JsonNode c) {
            this.cls = cls;
            this.c = c;
        }

        @Override
        public LayerRegistry.KerasIn known(String... keys) {
            Set<String> mine = Set.of(keys);
            for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (mine.contains(key) || PASSIVE.contains(key)) {
                    continue;
                }
                if (off(c.get(key))) {
                    // false, 0, null or empty: Keras's default of an option that is off (time_major) leaves
                    // the model as seqml builds it
                    LOG.debug("{}: {} '{}': option '{}' = {} is off and not read", file, cls, c.path("name").asText(),
                        key, c.get(key));
                } else {
                    LOG.warn("{}: {} '{}': option '{}' = {} is not read by seqml and was ignored", file, cls,
                        c.path("name").asText(), key, c.get(key));
                }
            }
            return this;
        }

        @Override
        public int integer(String key) {
            if (!c.hasNonNull(key)) {
                throw new KerasImportException(file + ": " + cls + " '" + c.path("name").asText() + "' has no '" + key
                    + "'");
            }
            return c.get(key).asInt();
        }

        @Override
        public int integer(String key, int fallback) {
            return c.path(key).asInt(fallback);
        }

        @Override
        public double real(String key, double fallback) {
            return c.path(key).asDouble(fallback);
        }

        @Override
        public boolean bool(String key, boolean fallback) {
            return c.path(key).asBoolean(fallback);
        }

        @Override
        public String text(String key, String fallback) {
            JsonNode v = c.get(key);
            return v == null ? fallback : v.isNull() ? null : v.isTextual() ? v.asText() : v.toString();
        }

        @Override
        public boolean has(String key) {
            return c.hasNonNull(key);
        }

        @Override
        public Activation activation(String key, String fallback) {
            JsonNode node = c.get(key);
            String name = node == null || node.isNull() ? fallback : node.isTextual() ? node.asText()
                : node.path("config").path("name").asText(node.path("class_name").asText());
            if (name.equals("hard_sigmoid")) {
                return kerasMajor >= 3 ? Activations.HARD_SIGMOID : Activations.HARD_SIGMOID_KERAS2;
            }
            try {
                return Activation.get(name);
            } catch (IllegalArgumentException e) {
                throw unsupported(key + " '" + name + "'");
            }
        }

        @Override
        public Layer layer(String key) {
            JsonNode spec = c.get(key);
            return KerasLayers.this.layer(spec.get("class_name").asText(), spec.get("config"));
        }

        @Override
        public RuntimeException unsupported(String what) {
            return new KerasImportException(file + ": " + cls + " '" + c.path("name").asText() + "' has " + what
                + ", which seqml does not support");
        }

        @Override
        public void trainingOnly(String what) {
            LOG.warn("{}: {} '{}': {} is not imported (it only acts in training)", file, cls, c.path("name").asText(),
                what);
        }
    }
}
