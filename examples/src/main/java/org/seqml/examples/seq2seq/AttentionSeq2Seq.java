package org.seqml.examples.seq2seq;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.data.StreamDataset;
import org.seqml.decoding.BeamSearch;
import org.seqml.decoding.DecoderStep;
import org.seqml.decoding.GreedyDecoder;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.attention.Attention;
import org.seqml.layers.attention.AttentionLSTM;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;

/**
 * The encoder-decoder with attention that the grapheme-to-phoneme and translation examples
 * share: a bidirectional LSTM reads the source, an LSTM decoder started from its final states
 * writes the target, attending to the source (Luong dot-product attention) at every step.
 * <pre>
 * encoder:  source -> Embedding(maskZero) [-> Bidirectional(LSTM(u), returnSequences)] x (layers - 1)
 *           -> Bidirectional(LSTM(u), returnSequences, returnState)
 *           -> memory (T, 2u), h = [h_fwd, h_bwd], c = [c_fwd, c_bwd]
 * decoder:  previous tokens -> Embedding(maskZero) -> LSTM(2u, initialState = [h, c]) -> s_t
 *           ctx_t = Attention(s_t, memory);  p_t = softmax(W tanh(V [s_t, ctx_t]))
 * or, with input feeding:
 *           previous tokens -> Embedding(maskZero) -> AttentionLSTM(2u, memory, [h, c, a_0 = h]) -> a_t
 *           p_t = softmax(W a_t)
 * </pre>
 * With a dropout rate, both embeddings and [s_t, ctx_t] (or a_t) pass through {@code Dropout} in
 * training (the decoding models share those layers, where dropout does nothing).
 * {@link #training} reads (source, START + target) and is taught (target + END), teacher forced;
 * {@link #encoder} and {@link #step} share its layers for decoding, one token at a time.
 *
 * <pre>{@code
 * AttentionSeq2Seq s2s = new AttentionSeq2Seq(sourceIds, targetIds, 64, 128);
 * s2s.training().compile(new Adam(), "sparse_categorical_crossentropy");
 * s2s.training().fit(AttentionSeq2Seq.examples(sources, targets, START, END, true)
 *     .groupByWindow(AttentionSeq2Seq::lengths, 64), new FitOptions().epochs(10));
 * List<int[]> out = s2s.greedy(testSources, START, END, 30);
 * }</pre>
 */
public final class AttentionSeq2Seq {
    private final Embedding targetEmbedding;
    /** The decoder LSTM and the attention after it, or null with input feeding. */
    private final LSTM decoder;
    private final Attention attention = new Attention();
    private final Dense combine;
    /** The input-feeding decoder, or null. */
    private final AttentionLSTM feedingDecoder;
    private final Dense output;
    private final Dropout targetDropout;
    private final Dropout combineDropout;
    private final int decoderUnits;
    private final Model training;
    private final Model encoder;
    private Model step;

    /** {@code units} per encoder direction (the decoder has twice as many); no dropout. */
    public AttentionSeq2Seq(int sourceIds, int targetIds, int embedding, int units) {
        this(sourceIds, targetIds, embedding, units, 0);
    }

    /** As above, with {@code dropout} the rate of the Dropout layers (0: none). */
    public AttentionSeq2Seq(int sourceIds, int targetIds, int embedding, int units, double dropout) {
        this(sourceIds, targetIds, embedding, units, dropout, 1);
    }

    /**
     * As above, with {@code encoderLayers} stacked bidirectional LSTMs in the encoder (each lower
     * one returns its sequences to the next, through Dropout when there is a rate); the top one's
     * outputs are the memory and its final states start the decoder.
     */
    public AttentionSeq2Seq(int sourceIds, int targetIds, int embedding, int units, double dropout,
                            int encoderLayers) {
        this(sourceIds, targetIds, embedding, units, dropout, encoderLayers, false);
    }

    /**
     * As above; with {@code inputFeeding} the decoder is an {@link AttentionLSTM} (Luong's input
     * feeding: each step reads the previous step's attentional vector a_{t-1}, so it attends
     * knowing where it attended before), and its outputs a_t go to the softmax. a_0 is the
     * encoder's final h (it has the attentional vector's size).
     */
    public AttentionSeq2Seq(int sourceIds, int targetIds, int embedding, int units, double dropout,
                            int encoderLayers, boolean inputFeeding) {
        if (encoderLayers < 1) {
            throw new IllegalArgumentException("AttentionSeq2Seq: encoderLayers must be at least 1, got " + encoderLayers);
        }
        decoderUnits = 2 * units;
        targetDropout = dropoutOrNone(dropout);
        combineDropout = dropoutOrNone(dropout);
        targetEmbedding = new Embedding(targetIds, embedding).maskZero(true);
        decoder = inputFeeding ? null : new LSTM(decoderUnits).returnSequences(true).returnState(true);
        combine = inputFeeding ? null : new Dense(decoderUnits).activation("tanh");
        // one layer serves training and decoding, so it returns its states and weights in both
        feedingDecoder = inputFeeding
            ? new AttentionLSTM(decoderUnits).returnState(true).returnAttentionScores(true) : null;
        output = new Dense(targetIds).activation("softmax");
        SymbolicTensor source = Input.of("source", Shape.UNKNOWN);
        SymbolicTensor previous = Input.of("previous", Shape.UNKNOWN);
        SymbolicTensor read = drop(dropoutOrNone(dropout),
            new Embedding(sourceIds, embedding).maskZero(true).apply(source));
        for (int layer = 1; layer < encoderLayers; layer++) {
            read = drop(dropoutOrNone(dropout),
                new Bidirectional(new LSTM(units).returnSequences(true)).apply(read));
        }
        List<SymbolicTensor> encoded = new Bidirectional(new LSTM(units).returnSequences(true).returnState(true))
            .applyAll(read);
        SymbolicTensor h = new Concatenate().apply(encoded.get(1), encoded.get(3));
        SymbolicTensor c = new Concatenate().apply(encoded.get(2), encoded.get(4));
        SymbolicTensor embedded = drop(targetDropout, targetEmbedding.apply(previous));
        List<SymbolicTensor> states = inputFeeding ? List.of(h, c, h) : List.of(h, c);
        training = new Model(List.of(source, previous), List.of(decode(embedded, states, encoded.get(0), attention).get(0)));
        encoder = new Model(List.of(source), List.of(encoded.get(0), h, c));
    }

    /**
     * The decoder over embedded previous tokens from its states ([h, c], or [h, c, a] with input
     * feeding): [probabilities, the new states..., (scores)].
     */
    private List<SymbolicTensor> decode(SymbolicTensor embedded, List<SymbolicTensor> states, SymbolicTensor memory,
                                       Attention attend) {
        if (feedingDecoder != null) {
            List<SymbolicTensor> d = feedingDecoder.applyAll(embedded, memory, states.get(0), states.get(1),
                states.get(2));
            SymbolicTensor p = output.apply(drop(combineDropout, d.get(0)));
            return List.of(p, d.get(1), d.get(2), d.get(3), d.get(4));
        }
        List<SymbolicTensor> s = decoder.applyAll(embedded, states.get(0), states.get(1));
        List<SymbolicTensor> attended = attend.applyAll(s.get(0), memory);
        SymbolicTensor both = drop(combineDropout, new Concatenate().apply(s.get(0), attended.get(0)));
        List<SymbolicTensor> out = new ArrayList<>(List.of(output.apply(combine.apply(both)), s.get(1), s.get(2)));
        if (attended.size() > 1) {
            out.add(attended.get(1));
        }
        return out;
    }

    /** A Dropout layer of this rate, or null (no layer) for rate 0. */
    private static Dropout dropoutOrNone(double rate) {
        return rate > 0 ? new Dropout(rate) : null;
    }

    private static SymbolicTensor drop(Dropout dropout, SymbolicTensor x) {
        return dropout == null ? x : dropout.apply(x);
    }

    /** (source, START + target) -> next-token probabilities, for {@code fit}. */
    public Model training() {
        return training;
    }

    /** source -> [memory, h, c]. */
    public Model encoder() {
        return encoder;
    }

    /**
     * One decoder step on the trained layers: (last token (B, 1), the decoder states, memory) ->
     * (probabilities, the new decoder states, attention weights over the source). The dot-product
     * attention has no weights, so the copy that also returns its weights computes exactly what
     * training did; with input feeding, training's own AttentionLSTM returns them.
     */
    public Model step() {
        if (step == null) {
            List<SymbolicTensor> inputs = new ArrayList<>(List.of(Input.of("token", 1)));
            for (String state : List.of("h", "c", "a").subList(0, decoderStates())) {
                inputs.add(Input.of(state, decoderUnits));
            }
            SymbolicTensor memory = Input.of("memory", Shape.UNKNOWN, decoderUnits);
            List<SymbolicTensor> states = List.copyOf(inputs.subList(1, inputs.size()));
            inputs.add(memory);
            step = new Model(inputs, decode(drop(targetDropout, targetEmbedding.apply(inputs.get(0))), states, memory,
                new Attention().returnAttentionScores(true)));
        }
        return step;
    }

    /** How many state arrays the decoder carries: h and c, and a with input feeding. */
    private int decoderStates() {
        return feedingDecoder == null ? 2 : 3;
    }

    /**
     * The decoding states for a batch of equal-length sources: the decoder's [h, c] (the encoder's
     * final states) and, with input feeding, a_0 = h; then the memory.
     */
    public INDArray[] encode(INDArray sources) {
        INDArray[] e = encoder.predict(new INDArray[] {sources}, (int) sources.size(0));
        return feedingDecoder == null ? new INDArray[] {e[1], e[2], e[0]} : new INDArray[] {e[1], e[2], e[1], e[0]};
    }

    /**
     * Greedy outputs for every source, in the sources' order, decoded in batches of up to 256
     * sources of one length (so no batch is padded).
     */
    public List<int[]> greedy(List<int[]> sources, int start, int end, int maxLength) {
        return byLength(sources, 256, states -> GreedyDecoder.decode(decoderStep(), states, start, end, maxLength));
    }

    /**
     * Each source's best output by beam search, in the sources' order; the sources are searched
     * in batches of up to 64 of one length (each live beam a row of one decoder call).
     */
    public List<int[]> beam(List<int[]> sources, BeamSearch search, int start, int end, int maxLength) {
        return byLength(sources, 64, states -> search.decodeAll(decoderStep(), states, start, end, maxLength).stream()
            .map(best -> best.get(0).tokens()).toList());
    }

    /** Decodes the sources in batches of one length, from their encoded states; outputs in the sources' order. */
    private List<int[]> byLength(List<int[]> sources, int batch, Function<INDArray[], List<int[]>> decode) {
        Map<Integer, List<Integer>> byLength = IntStream.range(0, sources.size()).boxed()
            .collect(Collectors.groupingBy(i -> sources.get(i).length, TreeMap::new, Collectors.toList()));
        List<int[]> out = new ArrayList<>(Collections.nCopies(sources.size(), null));
        for (List<Integer> group : byLength.values()) {
            for (int from = 0; from < group.size(); from += batch) {
                List<Integer> rows = group.subList(from, Math.min(group.size(), from + batch));
                List<int[]> decoded = decode.apply(encode(batchOf(rows.stream().map(sources::get).toArray(int[][]::new))));
                for (int k = 0; k < rows.size(); k++) {
                    out.set(rows.get(k), decoded.get(k));
                }
            }
        }
        return out;
    }

    /** Token ids of equal-length sources as the (batch, time) float array the models read. */
    public static INDArray batchOf(int[]... sources) {
        return Nd4j.createFromArray(sources).castTo(DataType.FLOAT);
    }

    /** The step as greedy decoding and beam search drive it; the states are {@link #encode}'s. */
    public DecoderStep decoderStep() {
        return (tokens, states) -> {
            Next out = next(tokens, states);
            return new DecoderStep.Result(out.probabilities(), out.states());
        };
    }

    /**
     * One decoding step's outputs.
     *
     * @param probabilities next-token probabilities (B, V)
     * @param states        the states for the following step (the memory passed through)
     * @param attention     the attention weights over the source (B, T)
     */
    public record Next(INDArray probabilities, INDArray[] states, INDArray attention) {
    }

    /** One decoding step from the last tokens (B) and the states of {@link #encode} or an earlier step. */
    public Next next(INDArray tokens, INDArray[] states) {
        int n = decoderStates();
        INDArray[] in = new INDArray[n + 2];
        in[0] = tokens.reshape(tokens.length(), 1);
        System.arraycopy(states, 0, in, 1, n + 1);
        INDArray[] out = step().predict(in, (int) tokens.length());
        INDArray[] next = new INDArray[n + 1];
        System.arraycopy(out, 1, next, 0, n);
        next[n] = states[n];
        INDArray p = out[0];
        INDArray a = out[n + 1];
        return new Next(p.reshape(p.size(0), p.size(2)), next, a.reshape(a.size(0), a.size(2)));
    }

    /**
     * One example per pair: inputs (source, START + target), label (target + END); shuffled anew
     * each epoch (seeded by the trainer) when asked. The pairs stay as Java arrays and become ND4J
     * arrays only as batches are drawn ({@code Dataset.fromIndexed}): held as ND4J arrays, G2P's
     * 109k pairs made each collection the trainer asks for take ~0.8 s instead of ~0.2 s.
     */
    public static StreamDataset examples(List<int[]> sources, List<int[]> targets, int start, int end,
                                         boolean shuffle) {
        List<float[][]> all = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            int[] t = targets.get(i);
            float[] previous = new float[t.length + 1];
            float[] next = new float[t.length + 1];
            previous[0] = start;
            for (int k = 0; k < t.length; k++) {
                previous[k + 1] = t[k];
                next[k] = t[k];
            }
            next[t.length] = end;
            float[] s = new float[sources.get(i).length];
            for (int k = 0; k < s.length; k++) {
                s[k] = sources.get(i)[k];
            }
            all.add(new float[][] {s, previous, next});
        }
        StreamDataset data = Dataset.fromIndexed(all.size(), i -> new Example(
            new INDArray[] {Nd4j.createFromArray(all.get(i)[0]), Nd4j.createFromArray(all.get(i)[1])},
            new INDArray[] {Nd4j.createFromArray(all.get(i)[2])}));
        return shuffle ? data.shuffle(all.size()) : data;
    }

    /** The grouping key: source and target lengths, so a batch needs no padding. */
    public static long lengths(Example e) {
        return e.x()[0].length() * 1000 + e.x()[1].length();
    }
}
