package org.seqml.layers.attention;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.CallScope;
import org.seqml.backend.Ops;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * What Keras's attention layers share: scores between each query step and each key step (the
 * subclass's), masked (padded value steps, and later steps with {@code causal}), a softmax over
 * the value steps, and the weighted sum of the values:
 * <pre>
 * s = score(q, k)                        (batch, Tq, Tv)
 * s[b, i, j] -= 1e9  where value step j is padding, or j > i when causal
 * w = softmax(s) over j;   out = w v     (batch, Tq, dv)
 * </pre>
 * Inputs: {@code [query, value]} or {@code [query, value, key]} (key defaults to value). Outputs:
 * {@code out}, and {@code w} too with {@code returnAttentionScores}. The query's mask passes on.
 */
public abstract class ScoreAttention extends Layer {
    private static final double MASKED = -1e9;

    /** The options shared by the attention layers. */
    public record Options(boolean useScale, boolean causal, boolean returnAttentionScores) {
    }

    private final Options options;

    protected ScoreAttention(Options options) {
        this.options = options;
    }

    public final Options options() {
        return options;
    }

    /** What the subclass's score keeps for its backward. */
    protected interface ScoreCache {
    }

    /** The raw scores (batch, Tq, Tv) of queries against keys, and what their backward needs. */
    protected abstract INDArray score(INDArray q, INDArray k, ScoreCache[] cache);

    /** dLoss/dq and dLoss/dk from dLoss/dscores, accumulating the score's weight gradients. */
    protected abstract INDArray[] scoreBackward(INDArray q, INDArray k, INDArray dScores, ScoreCache cache);

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() < 2 || shapes.size() > 3) {
            throw new IllegalArgumentException(describe() + ": expected [query, value] or [query, value, key], got "
                + shapes.size() + " input(s).");
        }
        for (Shape s : shapes) {
            requireRank(s, 3, "(batch, time, features)", "Attention reads sequences.");
        }
        Shape q = shapes.get(0);
        Shape k = shapes.get(shapes.size() - 1);
        Shape v = shapes.get(1);
        if (q.isKnown(2) && k.isKnown(2) && q.get(2) != k.get(2)) {
            throw new IllegalArgumentException(describe() + ": query and key need the same feature size, got " + q
                + " and " + k + ".");
        }
        if (k != v && v.isKnown(1) && k.isKnown(1) && v.get(1) != k.get(1)) {
            throw new IllegalArgumentException(describe() + ": value and key need the same number of steps, got " + v
                + " and " + k + ".");
        }
    }

    @Override
    public List<Shape> outputShapes(List<Shape> in) {
        Shape q = in.get(0);
        Shape v = in.get(1);
        List<Shape> out = new ArrayList<>();
        out.add(Shape.of(q.get(0), q.get(1), v.get(2)));
        if (options.returnAttentionScores()) {
            out.add(Shape.of(q.get(0), q.get(1), v.get(1)));
        }
        return out;
    }

    /** What backward needs. */
    private record Call(INDArray weights, ScoreCache cache) {
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray q = inputs[0];
        INDArray v = inputs[1];
        INDArray k = inputs.length > 2 ? inputs[2] : v;
        ScoreCache[] cache = new ScoreCache[1];
        INDArray s = score(q, k, cache);
        INDArray valueMask = masks.length > 1 ? masks[1] : null;
        if (valueMask != null) {
            INDArray m = valueMask.castTo(s.dataType()).reshape(s.size(0), 1, s.size(2)).broadcast(s.shape());
            s.addi(m.rsub(1.0).muli(MASKED));
        }
        if (options.causal()) {
            // j > i is the future: the strictly upper triangle of each (Tq, Tv) matrix
            INDArray rows = Nd4j.linspace(s.dataType(), 0, s.size(1), 1).reshape(s.size(1), 1).repeat(1, s.size(2));
            INDArray cols = Nd4j.linspace(s.dataType(), 0, s.size(2), 1).reshape(1, s.size(2)).repeat(0, s.size(1));
            INDArray future = cols.gt(rows).castTo(s.dataType());
            s.addi(future.muli(MASKED).reshape(1, s.size(1), s.size(2)).broadcast(s.shape()));
        }
        INDArray w = CallScope.uninitialized(s.dataType(), s.shape());
        Ops.softmax(s, w, 2);
        INDArray out = Nd4j.matmul(w, v);
        INDArray[] outs = options.returnAttentionScores() ? new INDArray[] {out, w} : new INDArray[] {out};
        INDArray[] outMasks = new INDArray[outs.length];
        outMasks[0] = masks.length > 0 ? masks[0] : null;
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, new Call(w, cache[0]));
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        Call call = forward.cache(Call.class);
        INDArray[] inputs = forward.inputs();
        INDArray q = inputs[0];
        INDArray v = inputs[1];
        INDArray k = inputs.length > 2 ? inputs[2] : v;
        INDArray w = call.weights();
        INDArray dOut = outputGradient(forward, outputGradients);
        INDArray dw = Nd4j.matmul(dOut, v, false, true, false);
        if (outputGradients.length > 1 && outputGradients[1] != null) {
            dw.addi(outputGradients[1]);
        }
        INDArray dv = Nd4j.matmul(w, dOut, true, false, false);
        // softmax: ds = w (dw - sum_j dw w)
        INDArray dot = dw.mul(w).sum(true, 2).broadcast(w.shape());
        INDArray ds = dw.subi(dot).muli(w);
        INDArray[] dqk = scoreBackward(q, k, ds, call.cache());
        if (inputs.length > 2) {
            return new INDArray[] {dqk[0], dv, dqk[1]};
        }
        return new INDArray[] {dqk[0], dv.addi(dqk[1])};
    }
}
