package org.seqml.losses;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Blas;
import org.seqml.backend.OneDnnSoftmax;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Categorical cross-entropy for integer class labels, Keras's
 * {@code SparseCategoricalCrossentropy}: labels {@code (batch, ...)} (or {@code (batch, ..., 1)})
 * hold class ids in {@code [0, classes)} for predictions {@code (batch, ..., classes)}.
 * <pre>
 * probabilities: q_t = yPred_t / sum(yPred);  l = -log clip(q_t, 1e-7, 1 - 1e-7)
 *                dl/dyPred_j = (1 - [j = t] / q_t) / sum(yPred)      (0 where the clip is active)
 * fromLogits:    l = logsumexp(x) - x_t;        dl/dx = softmax(x) - onehot(t)
 * </pre>
 * With {@code labelSmoothing(e)} (as Keras's CategoricalCrossentropy's {@code label_smoothing},
 * on class ids) the target is {@code y = (1 - e) onehot(t) + e / K} over the K classes:
 * <pre>
 * l = -(1 - e) log q_t - (e / K) sum_j log q_j      (from logits: logsumexp(x) - (1 - e) x_t - e mean(x))
 * dl/dx = softmax(x) - (1 - e) onehot(t) - e / K
 * </pre>
 * Only the true class's entry is read and written per row (gather and scatter), so a 5000-way
 * output costs a few passes over the predictions, not a one-hot copy of the labels.
 *
 * <pre>{@code
 * model.compile(new Adam(), new SparseCategoricalCrossentropy().fromLogits(true), "accuracy");
 * }</pre>
 */
public final class SparseCategoricalCrossentropy extends CategoricalCrossentropy {
    private final double labelSmoothing;

    public SparseCategoricalCrossentropy() {
        this(false, 0);
    }

    private SparseCategoricalCrossentropy(boolean fromLogits, double labelSmoothing) {
        super(fromLogits);
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public SparseCategoricalCrossentropy fromLogits(boolean value) {
        return new SparseCategoricalCrossentropy(value, labelSmoothing);
    }

    /**
     * A copy whose targets are smoothed: {@code 1 - e} on the true class and {@code e / K} spread
     * over all K (Keras's {@code label_smoothing}); e in [0, 1).
     */
    public SparseCategoricalCrossentropy labelSmoothing(double e) {
        if (!(e >= 0 && e < 1)) {
            throw new IllegalArgumentException(kerasName() + ": labelSmoothing must be in [0, 1), got " + e);
        }
        return new SparseCategoricalCrossentropy(isFromLogits(), e);
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    @Override
    public String kerasName() {
        return "sparse_categorical_crossentropy";
    }

    /** Integer labels, checked against the number of classes, in the shape of yPred without its last axis. */
    @Override
    protected INDArray prepareLabels(INDArray yTrue, INDArray yPred) {
        long[] expected = Arrays.copyOf(yPred.shape(), yPred.rank() - 1);
        INDArray ids = yTrue;
        if (ids.rank() == yPred.rank() && ids.size(-1) == 1) {
            ids = ids.reshape(expected);
        }
        if (!Arrays.equals(ids.shape(), expected)) {
            throw new IllegalArgumentException(kerasName() + ": labels have shape " + Arrays.toString(yTrue.shape())
                + " but predictions have shape " + Arrays.toString(yPred.shape()) + "; expected integer labels of shape "
                + Arrays.toString(expected) + ". " + (yTrue.rank() == yPred.rank()
                ? "These look one-hot: use categorical_crossentropy, or pass the class ids." : ""));
        }
        long classes = yPred.size(-1);
        double max = ids.maxNumber().doubleValue();
        double min = ids.minNumber().doubleValue();
        if (min < 0 || max >= classes) {
            throw new IllegalArgumentException(kerasName() + ": labels must be class ids in [0, " + classes
                + "), got values from " + min + " to " + max + ". The output layer needs one unit per class.");
        }
        return ids;
    }

    /** Flat positions row * classes + id of each row's true class (one per row, so a loop over rows). */
    private static long[] flatIndex(INDArray ids, long classes) {
        long[] index = ids.reshape(ids.length()).castTo(DataType.INT64).toLongVector();
        for (int row = 0; row < index.length; row++) {
            index[row] += row * classes;
        }
        return index;
    }

    /**
     * Each row's true-class entry of {@code a} (rows, classes), read where it lies
     * ({@link Blas#valuesAt}: on W4's (1280, 5000) in microseconds, where ND4J's {@code gather} on
     * the flat array took 1.2 ms).
     */
    private static INDArray gatherTrue(INDArray a, long[] index) {
        return Nd4j.createFromArray(Blas.valuesAt(a, index)).castTo(a.dataType());
    }

    @Override
    protected INDArray elementLoss(INDArray ids, INDArray yPred) {
        long classes = yPred.size(-1);
        INDArray p = yPred.reshape('c', yPred.length() / classes, classes);
        long[] index = flatIndex(ids, classes);
        INDArray l;
        double e = labelSmoothing;
        if (isFromLogits() && OneDnnSoftmax.applies(p)) {
            l = gatherTrue(OneDnnSoftmax.softmax(p, true), index).negi();   // - log softmax at the true class
        } else if (isFromLogits()) {
            INDArray lse = logSumExp(p);
            l = lse.subi(gatherTrue(p, index));
        } else {
            INDArray sum = p.sum(1);
            INDArray q = gatherTrue(p, index).divi(sum);
            l = Transforms.log(BinaryCrossentropy.clip(q), false).negi();
            if (e > 0) {   // (1 - e)(-log q_t) - (e / K) sum_j log q_j
                INDArray all = BinaryCrossentropy.clip(p.divColumnVector(sum.reshape(p.size(0), 1)));
                l.muli(1 - e).subi(Transforms.log(all, false).sum(1).muli(e / classes));
            }
            return l.reshape(ids.shape());
        }
        if (e > 0) {
            l.addi(smoothing(p, index, e));
        }
        return l.reshape(ids.shape());
    }

    @Override
    protected INDArray elementGradient(INDArray ids, INDArray yPred) {
        if (isFromLogits()) {
            return elementLossAndGradient(ids, yPred)[1];
        }
        long classes = yPred.size(-1);
        INDArray p = yPred.reshape('c', yPred.length() / classes, classes);
        long[] index = flatIndex(ids, classes);
        INDArray sum = p.sum(1);
        INDArray q = gatherTrue(p, index).divi(sum);
        INDArray inside = q.gt(BinaryCrossentropy.EPSILON).castTo(p.dataType())
            .muli(q.lt(1 - BinaryCrossentropy.EPSILON).castTo(p.dataType()));
        INDArray rowValue = inside.div(sum);                                      // 1/S, or 0 where clipped
        INDArray g = Nd4j.createUninitialized(p.dataType(), p.shape());
        Ops.fillRows(g, rowValue);
        double e = labelSmoothing;
        INDArray update = inside.divi(gatherTrue(p, index)).negi().muli(1 - e);   // - (1 - e)/p_t at the true class
        if (e > 0) {   // - (e / K) / p_j everywhere (p_j kept off 0 as the clip keeps q_j)
            INDArray floor = sum.mul(BinaryCrossentropy.EPSILON).reshape(p.size(0), 1);
            INDArray kept = Transforms.max(p, 0.0, true).addColumnVector(floor);
            g.subi(Transforms.pow(kept, -1, false).muli(e / classes));
        }
        Blas.addAt(g, index, update.toDoubleVector());
        return g.reshape(yPred.shape());
    }

    /** From logits, the softmax is computed once and serves the loss and the gradient. */
    @Override
    protected INDArray[] elementLossAndGradient(INDArray ids, INDArray yPred) {
        if (!isFromLogits()) {
            return super.elementLossAndGradient(ids, yPred);
        }
        long classes = yPred.size(-1);
        INDArray x = yPred.reshape('c', yPred.length() / classes, classes);
        INDArray softmax = OneDnnSoftmax.applies(x) ? OneDnnSoftmax.softmax(x, false)
            : Transforms.exp(x.subColumnVector(logSumExp(x).reshape(x.size(0), 1)), false);
        INDArray[] lg = fromSoftmax(ids, x, softmax, labelSmoothing);
        return new INDArray[] {lg[0], lg[1].reshape(yPred.shape())};
    }

    @Override
    public Result evaluateSoftmax(INDArray yTrue, INDArray logits, INDArray probabilities, INDArray sampleWeight,
                                  INDArray mask, boolean reuseProbabilities) {
        INDArray ids = prepareLabels(yTrue, probabilities);
        long classes = logits.size(-1);
        INDArray x = logits.reshape('c', logits.length() / classes, classes);
        INDArray s = probabilities.reshape('c', probabilities.length() / classes, classes);
        INDArray[] lg = fromSoftmax(ids, x, reuseProbabilities ? s : s.dup('c'), labelSmoothing);
        return reduce(lg[0], lg[1].reshape(logits.shape()), sampleWeight, mask);
    }

    /**
     * The loss {@code -log s_t} and the gradient {@code s - onehot(t)}, written into {@code softmax}
     * ((rows, classes), c order). Where a true class's probability underflows, the loss comes
     * from the logits instead ({@code logsumexp(x) - x_t}), exactly as from_logits does.
     */
    private static INDArray[] fromSoftmax(INDArray ids, INDArray logits, INDArray softmax, double e) {
        long[] index = flatIndex(ids, softmax.size(1));
        INDArray q = gatherTrue(softmax, index);
        INDArray l = q.minNumber().doubleValue() > UNDERFLOW ? Transforms.log(q, false).negi()
            : logSumExp(logits).subi(gatherTrue(logits, index));
        if (e > 0) {   // the gradient's smoothed target below
            l.addi(smoothing(logits, index, e));
            softmax.subi(e / softmax.size(1));
        }
        double[] minusOne = new double[index.length];
        java.util.Arrays.fill(minusOne, -(1 - e));
        Blas.addAt(softmax, index, minusOne);
        return new INDArray[] {l.reshape(ids.shape()), softmax};
    }

    /**
     * What label smoothing adds to the loss from logits {@code x}: {@code -log s_t} becomes
     * {@code -log s_t + e (x_t - mean(x))}, one value per row.
     */
    private static INDArray smoothing(INDArray x, long[] index, double e) {
        return gatherTrue(x, index).subi(x.mean(1)).muli(e);
    }

    /** Below this a float's log loses digits: such rows take the loss from the logits. */
    private static final double UNDERFLOW = 1e-30;

    private static INDArray logSumExp(INDArray p) {
        INDArray max = p.max(1);
        INDArray shifted = p.subColumnVector(max.reshape(p.size(0), 1));
        return Transforms.log(Transforms.exp(shifted, false).sum(1), false).addi(max);
    }
}
