package org.seqml.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.seqml.activations.Activation;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Flatten;
import org.seqml.layers.InputLayer;
import org.seqml.layers.Layer;
import org.seqml.layers.Masking;
import org.seqml.layers.RepeatVector;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.attention.AdditiveAttention;
import org.seqml.layers.attention.Attention;
import org.seqml.layers.attention.AttentionLSTM;
import org.seqml.layers.merging.Add;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.pooling.GlobalPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.layers.recurrent.RNN;
import org.seqml.layers.recurrent.SimpleRNN;
import org.seqml.text.TextVectorization;

/**
 * Every layer seqml saves, loads, imports from Keras and exports to Keras, in one table: a new
 * layer is one entry here. Native files ({@link ModelFile}) store a layer's config record
 * generically and find its class here by name; Keras import ({@code KerasH5}) reads a Keras
 * {@code class_name} + {@code config} through the entry's reader; Keras export
 * ({@code KerasExport}) writes the config through its writer. A layer without a reader or writer
 * (AttentionLSTM: Keras has no such layer) fails there with its name.
 * <pre>{@code
 * LayerRegistry.type("LSTM");                 // LSTM.class
 * LayerRegistry.fromKeras("LSTM", config);    // an LSTM with the file's options
 * LayerRegistry.toKeras(lstm, out);           // "LSTM", out filled with Keras 3's keys
 * }</pre>
 */
public final class LayerRegistry {
    /** One Keras layer config being read: typed access, and a log of the keys no reader read. */
    public interface KerasIn {
        /** Logs the config keys other than these (and those that never change outputs); returns this. */
        KerasIn known(String... keys);

        /** The integer at {@code key}; fails naming the key where missing. */
        int integer(String key);

        int integer(String key, int fallback);

        double real(String key, double fallback);

        boolean bool(String key, boolean fallback);

        /** The text at {@code key}; {@code fallback} where missing, and null for a JSON null. */
        String text(String key, String fallback);

        boolean has(String key);

        /** A Keras activation name, with hard_sigmoid as the file's Keras version defines it. */
        Activation activation(String key, String fallback);

        /** The layer of a nested {class_name, config} (TimeDistributed's, Bidirectional's). */
        Layer layer(String key);

        /** An error naming the file, the layer and what it has that seqml does not support. */
        RuntimeException unsupported(String what);

        /** Logs that an option acting only in training was not imported. */
        void trainingOnly(String what);
    }

    /** The Keras 3 config being written. */
    public interface KerasOut {
        /** The config object Keras reads. */
        ObjectNode config();

        /** A Keras 3 activation name for this layer's activation; fails for those Keras lacks. */
        String activation(Activation a);

        /** A nested {class_name, config} (TimeDistributed's, Bidirectional's). */
        ObjectNode layer(Layer layer);

        /** An error naming the layer and what Keras 3 cannot express. */
        RuntimeException inexpressible(String what);
    }

    @FunctionalInterface
    private interface Reader {
        Layer read(KerasIn in);
    }

    @FunctionalInterface
    private interface Writer<L extends Layer> {
        void write(L layer, KerasOut out);
    }

    private record Entry<L extends Layer>(String name, Class<L> type, Reader reader, Writer<L> writer) {
        void write(Layer layer, KerasOut out) {
            writer.write(type.cast(layer), out);
        }
    }

    private static final Map<String, Entry<?>> BY_NAME = new LinkedHashMap<>();

    static {
        add("InputLayer", InputLayer.class, null, (l, out) -> {
            var shape = out.config().putArray("batch_shape");
            for (long d : l.shape().dims()) {
                if (d < 0) {
                    shape.addNull();
                } else {
                    shape.add(d);
                }
            }
        });
        add("Dense", Dense.class,
            in -> new Dense(in.known("units", "activation", "use_bias").integer("units"))
                .activation(in.activation("activation", "linear")).useBias(in.bool("use_bias", true)),
            (l, out) -> out.config().put("units", l.config().units())
                .put("activation", out.activation(l.config().activation())).put("use_bias", l.config().useBias()));
        add("Embedding", Embedding.class,
            in -> new Embedding(in.known("input_dim", "output_dim", "mask_zero").integer("input_dim"),
                in.integer("output_dim")).maskZero(in.bool("mask_zero", false)),
            (l, out) -> out.config().put("input_dim", l.config().inputDim()).put("output_dim", l.config().outputDim())
                .put("mask_zero", l.config().maskZero()));
        add("Dropout", Dropout.class, in -> {
            if (in.known("rate", "noise_shape").text("noise_shape", null) != null) {
                throw in.unsupported("a noise_shape");
            }
            return new Dropout(in.real("rate", 0));
        }, (l, out) -> out.config().put("rate", l.config().rate()));
        add("Activation", org.seqml.layers.Activation.class,
            in -> new org.seqml.layers.Activation(in.known("activation").activation("activation", "linear")),
            (l, out) -> out.config().put("activation", out.activation(l.config().activation())));
        add("Masking", Masking.class, in -> new Masking(in.known("mask_value").real("mask_value", 0.0)),
            (l, out) -> out.config().put("mask_value", l.config().maskValue()));
        add("RepeatVector", RepeatVector.class, in -> new RepeatVector(in.known("n").integer("n")),
            (l, out) -> out.config().put("n", l.config().n()));
        add("Flatten", Flatten.class, in -> new Flatten(), (l, out) -> { });
        add("TimeDistributed", TimeDistributed.class, in -> new TimeDistributed(in.known("layer").layer("layer")),
            (l, out) -> out.config().set("layer", out.layer(l.config().layer())));
        add("Bidirectional", Bidirectional.class, LayerRegistry::readBidirectional, (l, out) -> {
            out.config().set("layer", out.layer(l.config().forwardLayer()));
            out.config().set("backward_layer", out.layer(l.config().backwardLayer()));
            MergeMode mode = l.config().mergeMode();
            if (mode == MergeMode.NONE) {
                out.config().putNull("merge_mode");
            } else {
                out.config().put("merge_mode", mode.name().toLowerCase(Locale.ROOT));
            }
        });
        add("LSTM", LSTM.class, in -> readRecurrent(in, new LSTM(in.integer("units"))
            .recurrentActivation(in.activation("recurrent_activation", "sigmoid"))
            .unitForgetBias(in.bool("unit_forget_bias", true))), (l, out) -> {
                if (l.config().peephole()) {
                    throw out.inexpressible("a peephole LSTM (Keras 3 has none)");
                }
                out.config().put("units", l.config().units()).put("activation", out.activation(l.config().activation()))
                    .put("recurrent_activation", out.activation(l.config().recurrentActivation()))
                    .put("use_bias", l.config().useBias()).put("unit_forget_bias", l.config().unitForgetBias());
                writeRecurrent(l, out);
            });
        add("GRU", GRU.class, in -> readRecurrent(in, new GRU(in.integer("units"))
            .recurrentActivation(in.activation("recurrent_activation", "sigmoid"))
            // Keras before 2.2.3 had no reset_after: its GRU is the reset-before form
            .resetAfter(in.bool("reset_after", false))), (l, out) -> {
                out.config().put("units", l.config().units()).put("activation", out.activation(l.config().activation()))
                    .put("recurrent_activation", out.activation(l.config().recurrentActivation()))
                    .put("use_bias", l.config().useBias()).put("reset_after", l.config().resetAfter());
                writeRecurrent(l, out);
            });
        add("SimpleRNN", SimpleRNN.class, in -> readRecurrent(in, new SimpleRNN(in.integer("units"))), (l, out) -> {
            out.config().put("units", l.config().units()).put("activation", out.activation(l.config().activation()))
                .put("use_bias", l.config().useBias());
            writeRecurrent(l, out);
        });
        add("Attention", Attention.class, in -> readAttention(in, false), (l, out) -> {
            out.config().put("use_scale", l.options().useScale()).put("score_mode", "dot");
        });
        add("AdditiveAttention", AdditiveAttention.class, in -> readAttention(in, true),
            (l, out) -> out.config().put("use_scale", l.options().useScale()));
        add("AttentionLSTM", AttentionLSTM.class, null, null);
        add("TextVectorization", TextVectorization.class, null, (l, out) -> {
            throw out.inexpressible("a vocabulary, which Keras keeps in an asset file that this export does not write;"
                + " export a model that starts at the ids, and save the vocabulary with saveVocabulary");
        });
        add("BytePairTokenizer", org.seqml.text.BytePairTokenizer.class, null, (l, out) -> {
            throw out.inexpressible("merges and a vocabulary, which KerasNLP keeps in asset files that this export does"
                + " not write; export a model that starts at the ids");
        });
        add("Concatenate", Concatenate.class, in -> new Concatenate(in.known("axis").integer("axis", -1)),
            (l, out) -> out.config().put("axis", l.config().axis()));
        add("Add", Add.class, in -> new Add(), (l, out) -> { });
        add("GlobalAveragePooling1D", GlobalAveragePooling1D.class,
            in -> readPooling(in, false), LayerRegistry::writePooling);
        add("GlobalMaxPooling1D", GlobalMaxPooling1D.class,
            in -> readPooling(in, true), LayerRegistry::writePooling);
    }

    private LayerRegistry() {
    }

    private static <L extends Layer> void add(String name, Class<L> type, Reader reader, Writer<L> writer) {
        BY_NAME.put(name, new Entry<>(name, type, reader, writer));
    }

    /** The layer class saved under this name; null when none. */
    public static Class<? extends Layer> type(String name) {
        Entry<?> e = BY_NAME.get(name);
        return e == null ? null : e.type();
    }

    /** The name a layer is saved under (its class's); null for a class not in the table (a user's own layer). */
    public static String name(Layer layer) {
        Entry<?> e = BY_NAME.get(layer.getClass().getSimpleName());
        return e != null && e.type() == layer.getClass() ? e.name() : null;
    }

    /** Every name in the table. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The seqml layer for a Keras config of this class; null when seqml cannot import the class. */
    public static Layer fromKeras(String kerasClass, KerasIn in) {
        Entry<?> e = BY_NAME.get(kerasClass);
        return e == null || e.reader() == null ? null : e.reader().read(in);
    }

    /** Writes the layer's Keras 3 config into {@code out}; returns its Keras class, or null when Keras has none. */
    public static String toKeras(Layer layer, KerasOut out) {
        String name = name(layer);
        Entry<?> e = name == null ? null : BY_NAME.get(name);
        if (e == null || e.writer() == null) {
            return null;
        }
        e.write(layer, out);
        return name;
    }

    // ---- shared by several entries ------------------------------------------------------------

    private static RNN<?> readRecurrent(KerasIn in, RNN<?> cell) {
        in.known("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after",
            "return_sequences", "return_state", "go_backwards", "stateful", "dropout", "recurrent_dropout",
            "zero_output_for_mask");
        return cell.activation(in.activation("activation", "tanh"))
            .useBias(in.bool("use_bias", true))
            .returnSequences(in.bool("return_sequences", false))
            .returnState(in.bool("return_state", false))
            .goBackwards(in.bool("go_backwards", false))
            .stateful(in.bool("stateful", false))
            .dropout(in.real("dropout", 0))
            .recurrentDropout(in.real("recurrent_dropout", 0))
            .zeroOutputForMask(in.bool("zero_output_for_mask", false));
    }

    private static void writeRecurrent(RNN<?> r, KerasOut out) {
        RNN.Options o = r.options();
        out.config().put("return_sequences", o.returnSequences()).put("return_state", o.returnState())
            .put("go_backwards", o.goBackwards()).put("stateful", o.stateful()).put("dropout", o.dropout())
            .put("recurrent_dropout", o.recurrentDropout()).put("zero_output_for_mask", o.zeroOutputForMask());
    }

    private static Bidirectional readBidirectional(KerasIn in) {
        in.known("layer", "merge_mode", "backward_layer");
        MergeMode merge = MergeMode.of(in.text("merge_mode", "concat"));
        RNN<?> forward = recurrent(in, "layer");
        return in.has("backward_layer") ? new Bidirectional(forward, recurrent(in, "backward_layer"), merge)
            : new Bidirectional(forward, merge);
    }

    private static RNN<?> recurrent(KerasIn in, String key) {
        if (!(in.layer(key) instanceof RNN<?> r)) {
            throw in.unsupported("a " + key + " that is not a recurrent layer");
        }
        return r;
    }

    private static Layer readAttention(KerasIn in, boolean additive) {
        in.known("use_scale", "score_mode", "causal", "dropout", "return_attention_scores");
        if (!in.text("score_mode", "dot").equals("dot")) {
            throw in.unsupported("score_mode " + in.text("score_mode", "dot"));
        }
        if (in.real("dropout", 0) > 0) {
            in.trainingOnly("attention dropout " + in.real("dropout", 0));
        }
        boolean scale = in.bool("use_scale", additive);
        boolean causal = in.bool("causal", false);
        boolean scores = in.bool("return_attention_scores", false);
        return additive ? new AdditiveAttention().useScale(scale).causal(causal).returnAttentionScores(scores)
            : new Attention().useScale(scale).causal(causal).returnAttentionScores(scores);
    }

    private static Layer readPooling(KerasIn in, boolean max) {
        in.known("keepdims");
        if ("channels_first".equals(in.text("data_format", "channels_last"))) {
            throw in.unsupported("data_format channels_first");
        }
        boolean keep = in.bool("keepdims", false);
        return max ? new GlobalMaxPooling1D().keepdims(keep) : new GlobalAveragePooling1D().keepdims(keep);
    }

    private static void writePooling(GlobalPooling1D layer, KerasOut out) {
        out.config().put("keepdims", layer.config().keepdims()).put("data_format", "channels_last");
    }
}
