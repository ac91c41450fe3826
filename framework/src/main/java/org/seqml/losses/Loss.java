package org.seqml.losses;

import static org.seqml.backend.OneDnnPasses.In.array;
import static org.seqml.backend.OneDnnPasses.In.scalar;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.OneDnnPasses;
import org.seqml.backend.OneDnnPasses.Op;

/**
 * A training objective: per-element values from labels and predictions, then Keras's
 * {@code sum_over_batch_size} reduction with sample weights and a mask:
 * <pre>
 * l[b, t]  = loss of one sample (or one time step), over the last axis
 * w[b, t]  = sampleWeight[b] * mask[b, t]           (each 1 when absent)
 * loss     = sum(l * w) / N,   N = sum(mask) with a mask, else the number of l's elements
 * </pre>
 * so padded time steps neither count in the loss nor in its mean. Subclasses give {@code l} and
 * its derivative; find one by Keras name with {@link #get}.
 *
 * <pre>{@code
 * model.compile(new Adam(), Loss.get("binary_crossentropy"), "accuracy");
 * model.compile(new Adam(), new CategoricalCrossentropy().fromLogits(true));
 * }</pre>
 */
public abstract class Loss {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }


    /** The loss and, when asked, dLoss/dyPred. */
    public record Result(double value, INDArray gradient) {
    }

    /** The Keras name, e.g. "binary_crossentropy". */
    public abstract String kerasName();

    /** l: the loss of each sample (or step), reduced over the last axis of yPred. */
    protected abstract INDArray elementLoss(INDArray yTrue, INDArray yPred);

    /** dl/dyPred with the same shape as yPred (per element of {@link #elementLoss}). */
    protected abstract INDArray elementGradient(INDArray yTrue, INDArray yPred);

    /**
     * Checks that the labels fit this loss and returns them in the shape the loss reads; the
     * default wants yPred's shape, accepting {@code (batch,)} labels for {@code (batch, 1)}.
     */
    protected INDArray prepareLabels(INDArray yTrue, INDArray yPred) {
        if (yTrue.rank() == yPred.rank() - 1 && yPred.size(-1) == 1) {
            yTrue = yTrue.reshape(yPred.shape());
        }
        if (!Arrays.equals(yTrue.shape(), yPred.shape())) {
            throw new IllegalArgumentException(kerasName() + ": labels have shape " + Arrays.toString(yTrue.shape())
                + " but predictions have shape " + Arrays.toString(yPred.shape()) + ". " + labelHint(yTrue, yPred));
        }
        return yTrue.dataType() == yPred.dataType() ? yTrue : yTrue.castTo(yPred.dataType());
    }

    /**
     * The labels that metrics compare with the predictions: the labels themselves, except for a
     * loss whose labels carry more than the truth ({@link DistillationLoss}: the teacher's outputs).
     */
    public INDArray metricLabels(INDArray yTrue, INDArray yPred) {
        return yTrue;
    }

    /** How to fix labels whose shape does not fit. */
    protected String labelHint(INDArray yTrue, INDArray yPred) {
        return "Give one label per prediction, in the shape of the model's output.";
    }

    /** The unreduced loss l (per sample, or per step), after the labels are checked. */
    public final INDArray elementwise(INDArray yTrue, INDArray yPred) {
        return elementLoss(prepareLabels(yTrue, yPred), yPred);
    }

    /** The reduced loss, without its gradient. */
    public final double compute(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        return evaluate(yTrue, yPred, sampleWeight, mask, false).value();
    }

    /** Shorthand: the loss with no weights and no mask. */
    public final double compute(INDArray yTrue, INDArray yPred) {
        return compute(yTrue, yPred, null, null);
    }

    /** The reduced loss and, when {@code withGradient}, dLoss/dyPred. */
    public final Result evaluate(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask,
                                 boolean withGradient) {
        INDArray labels = prepareLabels(yTrue, yPred);
        if (!withGradient) {
            return reduce(elementLoss(labels, yPred), null, sampleWeight, mask);
        }
        INDArray[] lossAndGradient = elementLossAndGradient(labels, yPred);
        return reduce(lossAndGradient[0], lossAndGradient[1], sampleWeight, mask);
    }

    /**
     * {@link #elementLoss} and {@link #elementGradient} together, for losses that share work
     * between them (a softmax computed once); separately by default.
     */
    protected INDArray[] elementLossAndGradient(INDArray labels, INDArray yPred) {
        return new INDArray[] {elementLoss(labels, yPred), elementGradient(labels, yPred)};
    }

    /**
     * What {@link #evaluate} divides the summed element losses by for this prediction: the
     * unmasked elements (steps) of the mask, else one per element of {@code l} (yPred less its last
     * axis). Sample weights scale elements but do not change the count, as Keras's
     * {@code sum_over_batch_size}.
     */
    public final double denominator(INDArray yPred, INDArray mask) {
        return mask != null ? Math.max(mask.sumNumber().doubleValue(), 1e-12) : yPred.length() / yPred.size(-1);
    }

    /**
     * The weighted mean of the element losses {@code l} (over the unmasked steps) and, when
     * {@code g} is given, g scaled in place to the gradient of that mean.
     */
    protected final Result reduce(INDArray l, INDArray g, INDArray sampleWeight, INDArray mask) {
        INDArray w = weights(l, sampleWeight, mask);
        double n = mask != null ? Math.max(mask.sumNumber().doubleValue(), 1e-12) : l.length();   // as denominator()
        double value = (w == null ? l.sumNumber().doubleValue() : l.mul(w).sumNumber().doubleValue()) / n;
        if (g == null) {
            return new Result(value, null);
        }
        if (w == null) {
            divide(g, n);
        } else {
            // one weight per row of the (rows, last axis) view: no broadcast copy of the gradient
            long last = g.size(-1);
            g.reshape('c', g.length() / last, last).muliColumnVector(w.div(n).reshape(w.length(), 1));
        }
        return new Result(value, g);
    }

    /** Gradients this large are divided on oneDNN's threads, smaller ones by ND4J's op (its call costs less). */
    private static final long LARGE = 1 << 16;
    private static final OneDnnPasses DIVIDE = OneDnnPasses.with(1, 1).pass(Op.DIV, array(0), scalar(0)).into(0).build();

    /**
     * g /= n in place: for W4's (1280, 5000) gradient one two-thread oneDNN pass instead of ND4J's
     * single-threaded op (1.4-1.9 ms); both divide each element by n, so the results are the same.
     */
    private static void divide(INDArray g, double n) {
        if (g.length() < LARGE || !DIVIDE.run(new INDArray[] {g}, new double[] {n})) {
            g.divi(n);
        }
    }

    /** sampleWeight * mask in l's shape, or null when both are absent. */
    private INDArray weights(INDArray l, INDArray sampleWeight, INDArray mask) {
        INDArray w = null;
        if (mask != null) {
            if (!Arrays.equals(mask.shape(), l.shape())) {
                throw new IllegalArgumentException(kerasName() + ": the output's mask has shape "
                    + Arrays.toString(mask.shape()) + " but the per-step loss has shape " + Arrays.toString(l.shape())
                    + ". A masked output needs one label per time step.");
            }
            w = mask.castTo(l.dataType());
        }
        if (sampleWeight != null) {
            INDArray sw = sampleWeight.castTo(l.dataType());
            if (sw.length() != l.size(0)) {
                throw new IllegalArgumentException(kerasName() + ": sampleWeight has " + sw.length()
                    + " values for a batch of " + l.size(0) + ". Give one weight per sample.");
            }
            INDArray swFull = l.rank() == 1 ? sw.reshape(l.shape())
                : sw.reshape(sw.length(), 1).broadcast(l.shape());
            // castTo returns the same array when the type already matches: never write into the mask
            w = w == null ? swFull.dup() : w.mul(swFull);
        }
        return w;
    }

    /** The loss with this Keras name (default options). */
    public static Loss get(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "binary_crossentropy", "bce" -> new BinaryCrossentropy();
            case "categorical_crossentropy", "cce" -> new CategoricalCrossentropy();
            case "sparse_categorical_crossentropy" -> new SparseCategoricalCrossentropy();
            case "mean_squared_error", "mse" -> new MeanSquaredError();
            case "mean_absolute_error", "mae" -> new MeanAbsoluteError();
            case "huber" -> new Huber();
            default -> throw new IllegalArgumentException("Unknown loss '" + name + "'. Known: binary_crossentropy,"
                + " categorical_crossentropy, sparse_categorical_crossentropy, mse, mae, huber.");
        };
    }

    @Override
    public String toString() {
        return kerasName();
    }
}
