package org.seqml.layers.attention;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.Shape;
import org.seqml.initializers.GlorotUniform;
import org.seqml.layers.Parameter;

/**
 * Additive (Bahdanau) attention, Keras's {@code AdditiveAttention} (useScale on by default):
 * <pre>
 * s[b, i, j] = sum_d scale_d tanh(q[b, i, d] + k[b, j, d])      scale (dim), 1 without useScale
 * </pre>
 * then masking, softmax and the weighted sum of the values as in {@link ScoreAttention}.
 *
 * <pre>{@code
 * SymbolicTensor context = new AdditiveAttention().apply(new Dense(64).apply(decoderStates), encoderStates);
 * }</pre>
 */
public final class AdditiveAttention extends ScoreAttention {
    private Parameter scale;

    public AdditiveAttention() {
        this(new Options(true, false, false));
    }

    public AdditiveAttention(Options options) {
        super(options);
    }

    public AdditiveAttention useScale(boolean value) {
        return sameName(new AdditiveAttention(with(options(), "useScale", value)));
    }

    public AdditiveAttention causal(boolean value) {
        return sameName(new AdditiveAttention(with(options(), "causal", value)));
    }

    public AdditiveAttention returnAttentionScores(boolean value) {
        return sameName(new AdditiveAttention(with(options(), "returnAttentionScores", value)));
    }

    /** The options record: what a saved model stores. */
    public Options config() {
        return options();
    }

    @Override
    protected void buildWeights(List<Shape> shapes) {
        requireKnownLast(shapes.get(0));
        if (options().useScale()) {
            scale = addWeight("scale", new long[] {shapes.get(0).last()}, new GlorotUniform());
        }
    }

    private record Cache(INDArray tanh) implements ScoreCache {
    }

    /** tanh(q_i + k_j) for every pair: (batch, Tq, Tv, dim). */
    @Override
    protected INDArray score(INDArray q, INDArray k, ScoreCache[] cache) {
        long b = q.size(0);
        long tq = q.size(1);
        long tv = k.size(1);
        long d = q.size(2);
        long[] pairs = {b, tq, tv, d};
        INDArray t = q.reshape(b, tq, 1, d).broadcast(pairs).add(k.reshape(b, 1, tv, d).broadcast(pairs));
        Transforms.tanh(t, false);
        cache[0] = new Cache(t);
        INDArray weighted = scale == null ? t : t.mul(scale.value().reshape(1, 1, 1, d).broadcast(pairs));
        return weighted.sum(3);
    }

    @Override
    protected INDArray[] scoreBackward(INDArray q, INDArray k, INDArray dScores, ScoreCache cacheObject) {
        INDArray t = ((Cache) cacheObject).tanh();
        long[] pairs = t.shape();
        INDArray ds = dScores.reshape(pairs[0], pairs[1], pairs[2], 1).broadcast(pairs);
        if (scale != null) {
            accumulate(scale, ds.mul(t).sum(0, 1, 2));
        }
        // d/d(q + k) = ds * scale * (1 - t^2)
        INDArray g = t.mul(t).rsubi(1.0).muli(ds);
        if (scale != null) {
            g.muli(scale.value().reshape(1, 1, 1, pairs[3]).broadcast(pairs));
        }
        return new INDArray[] {g.sum(2), g.sum(1)};
    }
}
