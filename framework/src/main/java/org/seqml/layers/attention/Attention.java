package org.seqml.layers.attention;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.initializers.Constant;
import org.seqml.layers.Parameter;

/**
 * Dot-product (Luong) attention, Keras's {@code Attention}:
 * <pre>
 * s[b, i, j] = scale * q[b, i] . k[b, j]       scale: a learned scalar (starts at 1) with useScale, else 1
 * </pre>
 * then masking, softmax and the weighted sum of the values as in {@link ScoreAttention}.
 *
 * <pre>{@code
 * SymbolicTensor context = new Attention().apply(decoderStates, encoderStates);
 * List<SymbolicTensor> withScores = new Attention().returnAttentionScores(true).applyAll(query, value);
 * }</pre>
 */
public final class Attention extends ScoreAttention {
    private Parameter scale;

    public Attention() {
        this(new Options(false, false, false));
    }

    public Attention(Options options) {
        super(options);
    }

    /** Options in Keras's names: a learned scale, a causal mask, and the weights as a second output. */
    public Attention useScale(boolean value) {
        return sameName(new Attention(with(options(), "useScale", value)));
    }

    public Attention causal(boolean value) {
        return sameName(new Attention(with(options(), "causal", value)));
    }

    public Attention returnAttentionScores(boolean value) {
        return sameName(new Attention(with(options(), "returnAttentionScores", value)));
    }

    /** The options record: what a saved model stores. */
    public Options config() {
        return options();
    }

    @Override
    protected void buildWeights(List<Shape> shapes) {
        if (options().useScale()) {
            scale = addWeight("scale", new long[] {1}, Constant.ONES);
        }
    }

    private record Cache(INDArray unscaled) implements ScoreCache {
    }

    @Override
    protected INDArray score(INDArray q, INDArray k, ScoreCache[] cache) {
        INDArray s = Nd4j.matmul(q, k, false, true, false);
        cache[0] = new Cache(scale == null ? null : s.dup());
        return scale == null ? s : s.muli(scale.value().getDouble(0));
    }

    @Override
    protected INDArray[] scoreBackward(INDArray q, INDArray k, INDArray dScores, ScoreCache cacheObject) {
        double factor = scale == null ? 1.0 : scale.value().getDouble(0);
        if (scale != null) {
            Cache cache = (Cache) cacheObject;
            accumulate(scale, Nd4j.scalar(scale.value().dataType(), dScores.mul(cache.unscaled()).sumNumber().doubleValue())
                .reshape(1));
        }
        INDArray dq = Nd4j.matmul(dScores, k).muli(factor);
        INDArray dk = Nd4j.matmul(dScores, q, true, false, false).muli(factor);
        return new INDArray[] {dq, dk};
    }
}
