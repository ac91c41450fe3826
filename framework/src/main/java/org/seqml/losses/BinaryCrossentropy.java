package org.seqml.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy for 0/1 labels, Keras's {@code BinaryCrossentropy}, averaged over the last
 * axis:
 * <pre>
 * probabilities: p = clip(yPred, 1e-7, 1 - 1e-7);  l = -mean(y log p + (1 - y) log(1 - p))
 * fromLogits:    l = mean(max(x, 0) - x y + log(1 + exp(-|x|)))       (x = yPred)
 * </pre>
 *
 * <pre>{@code
 * model.compile(new Adam(), new BinaryCrossentropy(), "accuracy");
 * }</pre>
 */
public final class BinaryCrossentropy extends Loss {
    static final double EPSILON = 1e-7;
    private final boolean fromLogits;

    public BinaryCrossentropy() {
        this(false);
    }

    private BinaryCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    /** A copy that reads yPred as logits (no sigmoid on the output). */
    public BinaryCrossentropy fromLogits(boolean value) {
        return new BinaryCrossentropy(value);
    }

    public boolean isFromLogits() {
        return fromLogits;
    }

    @Override
    public String kerasName() {
        return "binary_crossentropy";
    }

    @Override
    protected String labelHint(INDArray yTrue, INDArray yPred) {
        return "Binary cross-entropy takes one 0/1 label per output unit; for integer class labels use"
            + " sparse_categorical_crossentropy with a softmax output.";
    }

    @Override
    protected INDArray elementLoss(INDArray y, INDArray yPred) {
        int last = yPred.rank() - 1;
        if (fromLogits) {
            INDArray x = yPred;
            INDArray softplus = Transforms.log(Transforms.exp(Transforms.abs(x, true).negi(), false).addi(1.0), false);
            return Transforms.relu(x, true).subi(x.mul(y)).addi(softplus).mean(last);
        }
        INDArray p = clip(yPred);
        INDArray pos = Transforms.log(p, true).muli(y);
        INDArray neg = Transforms.log(p.rsub(1.0), false).muli(y.rsub(1.0));
        return pos.addi(neg).negi().mean(last);
    }

    @Override
    protected INDArray elementGradient(INDArray y, INDArray yPred) {
        double width = yPred.size(-1);
        if (fromLogits) {
            return Transforms.sigmoid(yPred, true).subi(y).divi(width);
        }
        INDArray p = clip(yPred);
        // -(y / p - (1 - y) / (1 - p)), zero where the clip is active
        INDArray g = y.div(p).subi(y.rsub(1.0).divi(p.rsub(1.0))).negi();
        INDArray inside = yPred.gt(EPSILON).castTo(g.dataType()).muli(yPred.lt(1 - EPSILON).castTo(g.dataType()));
        return g.muli(inside).divi(width);
    }

    /** Probabilities clipped to [1e-7, 1 - 1e-7], as Keras clips them before a log (a copy). */
    static INDArray clip(INDArray p) {
        return Transforms.min(Transforms.max(p, EPSILON, true), 1 - EPSILON, false);
    }
}
