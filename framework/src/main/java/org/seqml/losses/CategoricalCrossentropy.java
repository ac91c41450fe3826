package org.seqml.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Cross-entropy for one-hot (or soft) labels over the last axis, Keras's
 * {@code CategoricalCrossentropy}:
 * <pre>
 * probabilities: q = clip(yPred / sum(yPred), 1e-7, 1 - 1e-7);   l = -sum(y log q)
 * fromLogits:    l = -sum(y log softmax(x))                        (x = yPred)
 * </pre>
 * Keras renormalizes probabilities before the log; so does this.
 *
 * <pre>{@code
 * model.compile(new Adam(), new CategoricalCrossentropy(), "accuracy");
 * }</pre>
 */
public class CategoricalCrossentropy extends Loss {
    private final boolean fromLogits;

    public CategoricalCrossentropy() {
        this(false);
    }

    CategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    /** A copy that reads yPred as logits (no softmax on the output). */
    public CategoricalCrossentropy fromLogits(boolean value) {
        return new CategoricalCrossentropy(value);
    }

    public boolean isFromLogits() {
        return fromLogits;
    }

    @Override
    public String kerasName() {
        return "categorical_crossentropy";
    }

    @Override
    protected String labelHint(INDArray yTrue, INDArray yPred) {
        return "Categorical cross-entropy takes one-hot labels with one column per class; for integer class"
            + " labels use sparse_categorical_crossentropy.";
    }

    /**
     * Softmax and cross-entropy fused, for an output layer that has already computed its
     * softmax: the loss and dLoss/dlogits ({@code softmax - y}, weighted) from the layer's
     * {@code logits} and {@code probabilities = softmax(logits)}. With {@code reuseProbabilities}
     * the gradient may be written into {@code probabilities} (when nothing reads them later).
     * This one recomputes from the logits; {@link SparseCategoricalCrossentropy} reuses the softmax.
     */
    public Result evaluateSoftmax(INDArray yTrue, INDArray logits, INDArray probabilities, INDArray sampleWeight,
                                  INDArray mask, boolean reuseProbabilities) {
        return fromLogits(true).evaluate(yTrue, logits, sampleWeight, mask, true);
    }

    @Override
    protected INDArray elementLoss(INDArray y, INDArray yPred) {
        int last = yPred.rank() - 1;
        if (fromLogits) {
            INDArray logSoftmax = logSoftmax(yPred);
            return logSoftmax.muli(y).sum(last).negi();
        }
        INDArray q = normalized(yPred);
        return Transforms.log(BinaryCrossentropy.clip(q), false).muli(y).sum(last).negi();
    }

    @Override
    protected INDArray elementGradient(INDArray y, INDArray yPred) {
        int last = yPred.rank() - 1;
        if (fromLogits) {
            // softmax(x) * sum(y) - y
            INDArray softmax = Transforms.exp(logSoftmax(yPred), false);
            return softmax.muli(y.sum(true, last).broadcast(y.shape())).subi(y);
        }
        INDArray s = yPred.sum(true, last).broadcast(yPred.shape());
        INDArray q = yPred.div(s);
        INDArray inside = q.gt(BinaryCrossentropy.EPSILON).castTo(q.dataType())
            .muli(q.lt(1 - BinaryCrossentropy.EPSILON).castTo(q.dataType()));
        INDArray dq = y.div(BinaryCrossentropy.clip(q)).negi().muli(inside);
        // through q = p / sum(p): dp_j = (dq_j - sum_i dq_i q_i) / S
        INDArray dot = dq.mul(q).sum(true, last).broadcast(yPred.shape());
        return dq.subi(dot).divi(s);
    }

    private static INDArray normalized(INDArray p) {
        return p.div(p.sum(true, p.rank() - 1).broadcast(p.shape()));
    }

    /** x - logsumexp(x) over the last axis, computed stably. */
    static INDArray logSoftmax(INDArray x) {
        int last = x.rank() - 1;
        INDArray shifted = x.sub(x.max(true, last).broadcast(x.shape()));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, last), false);
        return shifted.subi(lse.broadcast(x.shape()));
    }
}
