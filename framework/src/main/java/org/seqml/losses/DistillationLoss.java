package org.seqml.losses;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Knowledge distillation's objective (Hinton, Vinyals and Dean 2015; Keras's {@code Distiller}
 * example): the student's hard-label loss plus the KL divergence between the teacher's and the
 * student's outputs softened by a temperature T, scaled by T² so that its gradients keep their
 * size as T changes:
 * <pre>
 * u_s, u_t  = the outputs as logits: log(clip(p)) for softmax probabilities, logit(clip(p)) for
 *             sigmoid ones, the outputs themselves when the hard loss is fromLogits
 * q_s, q_t  = softmax(u / T) over the last axis (sigmoid(u / T) per unit for binary_crossentropy)
 * l         = alpha * hard(y, p_s) + (1 - alpha) * T² * KL(q_t || q_s)
 * dl/du_s   = (1 - alpha) * T * (q_s - q_t)  (+ the hard loss's gradient)
 * </pre>
 * The labels carry both: the hard labels, then the teacher's outputs, joined on the last axis
 * ({@link org.seqml.training.Distiller} joins them); metrics see the hard labels alone
 * ({@link #metricLabels}). A sample whose hard labels are all {@link #UNLABELED} belongs to a
 * transfer set (inputs without labels, Hinton et al.'s "transfer set"): its hard term is left out
 * (alpha * hard counts as 0 there) and it trains on the teacher's outputs alone; metrics compare
 * it with the teacher's decisions.
 */
public final class DistillationLoss extends Loss {
    /** The hard label of a transfer sample, which has none (PyTorch's {@code ignore_index} in spirit). */
    public static final double UNLABELED = -1;

    private Loss hard;
    private double alpha;
    private double temperature;

    private DistillationLoss() {   // for model files
    }

    /** {@code alpha}: the weight of the hard-label loss, in [0, 1]; {@code temperature} > 0. */
    public DistillationLoss(Loss hard, double alpha, double temperature) {
        if (hard == null || hard instanceof DistillationLoss) {
            throw new IllegalArgumentException("DistillationLoss: the hard-label loss must be an ordinary loss, got "
                + hard);
        }
        checkOptions(alpha, temperature);
        this.hard = hard;
        this.alpha = alpha;
        this.temperature = temperature;
    }

    /** Throws unless alpha is in [0, 1] and the temperature positive and finite. */
    public static void checkOptions(double alpha, double temperature) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("DistillationLoss: alpha weighs the hard-label loss and must be in"
                + " [0, 1], got " + alpha);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("DistillationLoss: the temperature must be positive and finite, got "
                + temperature + " (1 leaves the outputs as they are; Hinton et al. use 2-20)");
        }
    }

    public Loss hardLoss() {
        return hard;
    }

    public double alpha() {
        return alpha;
    }

    public double temperature() {
        return temperature;
    }

    @Override
    public String kerasName() {
        return "distillation";
    }

    private boolean binary() {
        return hard instanceof BinaryCrossentropy;
    }

    private boolean fromLogits() {
        return hard instanceof BinaryCrossentropy b ? b.isFromLogits()
            : hard instanceof CategoricalCrossentropy c && c.isFromLogits();
    }

    /** The joined labels, checked: the hard labels, then one teacher output per student output. */
    @Override
    protected INDArray prepareLabels(INDArray yTrue, INDArray yPred) {
        long width = yPred.size(-1);
        long hardWidth = yTrue.size(-1) - width;
        if (yTrue.rank() != yPred.rank() || hardWidth < 1
            || !Arrays.equals(Arrays.copyOf(yTrue.shape(), yTrue.rank() - 1), Arrays.copyOf(yPred.shape(), yPred.rank() - 1))) {
            throw new IllegalArgumentException("distillation: labels have shape " + Arrays.toString(yTrue.shape())
                + " but the student's output has shape " + Arrays.toString(yPred.shape()) + "; the labels are the hard"
                + " labels and the teacher's outputs joined on the last axis (" + width + " columns). Distiller.fit"
                + " joins them: train through it, or evaluate the student alone after compiling it again.");
        }
        return yTrue.dataType() == yPred.dataType() ? yTrue : yTrue.castTo(yPred.dataType());
    }

    /** The hard labels of joined labels: what metrics compare the student's outputs with. */
    @Override
    public INDArray metricLabels(INDArray yTrue, INDArray yPred) {
        long hardWidth = yTrue.size(-1) - yPred.size(-1);
        if (hardWidth < 1 || yTrue.rank() != yPred.rank()) {
            return yTrue;
        }
        INDArray hardLabels = part(yTrue, 0, hardWidth);
        INDArray labeled = labeled(hardLabels);
        if (labeled.minNumber().doubleValue() == 1) {
            return hardLabels;
        }
        // transfer samples: the teacher's decisions, in the hard labels' form
        INDArray decisions = decisions(teacher(yTrue, yPred), hardWidth).castTo(hardLabels.dataType());
        INDArray keep = labeled.reshape(appendOne(labeled.shape())).castTo(hardLabels.dataType());
        return hardLabels.mul(keep.broadcast(hardLabels.shape()))
            .addi(decisions.muli(keep.rsub(1.0).broadcast(decisions.shape())));
    }

    /**
     * The teacher's outputs as hard labels: per unit 0/1 for a sigmoid (or its logit above 0),
     * the class id for sparse labels, the class's one-hot row otherwise.
     */
    private INDArray decisions(INDArray teacher, long hardWidth) {
        if (binary()) {
            return teacher.gt(fromLogits() ? 0.0 : 0.5).castTo(teacher.dataType());
        }
        int last = teacher.rank() - 1;
        INDArray ids = teacher.argMax(last);
        if (hardWidth == 1) {
            return ids.reshape(appendOne(ids.shape())).castTo(teacher.dataType());
        }
        INDArray oneHot = teacher.like();
        INDArray flatIds = ids.reshape(ids.length());
        INDArray rows = oneHot.reshape(ids.length(), teacher.size(-1));
        for (long r = 0; r < ids.length(); r++) {
            rows.putScalar(r, flatIds.getLong(r), 1);
        }
        return rows.reshape(teacher.shape());
    }

    /** 1 where a sample (or step) has hard labels, 0 where all its hard columns are {@link #UNLABELED}; in the element loss's shape. */
    private static INDArray labeled(INDArray hardLabels) {
        int last = hardLabels.rank() - 1;
        return hardLabels.neq(UNLABELED).castTo(hardLabels.dataType()).max(last);
    }

    private static long[] appendOne(long[] shape) {
        long[] out = Arrays.copyOf(shape, shape.length + 1);
        out[shape.length] = 1;
        return out;
    }

    private static INDArray part(INDArray a, long from, long to) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        for (int i = 0; i < index.length - 1; i++) {
            index[i] = NDArrayIndex.all();
        }
        index[index.length - 1] = NDArrayIndex.interval(from, to);
        return a.get(index).dup('c');
    }

    /** The hard labels, a transfer sample's replaced by zeros (any valid label: its term is left out), and where they are real. */
    private INDArray[] hardLabels(INDArray labels, INDArray yPred) {
        INDArray h = part(labels, 0, labels.size(-1) - yPred.size(-1));
        INDArray labeled = labeled(h);
        if (labeled.minNumber().doubleValue() == 1) {
            return new INDArray[] {hard.prepareLabels(h, yPred), null};
        }
        INDArray real = h.neq(UNLABELED).castTo(h.dataType());
        return new INDArray[] {hard.prepareLabels(h.muli(real), yPred), labeled};
    }

    private INDArray teacher(INDArray labels, INDArray yPred) {
        return part(labels, labels.size(-1) - yPred.size(-1), labels.size(-1));
    }

    /** The outputs as logits (see the class comment). */
    private INDArray logits(INDArray out) {
        if (fromLogits()) {
            return out;
        }
        INDArray p = BinaryCrossentropy.clip(out);
        return binary() ? Transforms.log(p, true).subi(Transforms.log(p.rsub(1.0), false)) : Transforms.log(p, false);
    }

    /** q = softmax(u / T) over the last axis, or sigmoid(u / T) per unit. */
    private INDArray soften(INDArray u) {
        INDArray scaled = u.div(temperature);
        return binary() ? Transforms.sigmoid(scaled, false) : Transforms.exp(CategoricalCrossentropy.logSoftmax(scaled), false);
    }

    /** T² KL(a || q) per sample (mean over units for binary outputs, as binary cross-entropy). */
    private INDArray scaledKl(INDArray a, INDArray q) {
        int last = q.rank() - 1;
        double eps = BinaryCrossentropy.EPSILON;
        INDArray ac = Transforms.max(a, eps, true);
        INDArray qc = Transforms.max(q, eps, true);
        INDArray kl = a.mul(Transforms.log(ac.div(qc), false));
        if (binary()) {
            INDArray na = Transforms.max(a.rsub(1.0), eps, false);
            INDArray nq = Transforms.max(q.rsub(1.0), eps, false);
            kl.addi(a.rsub(1.0).muli(Transforms.log(na.divi(nq), false)));
            return kl.mean(last).muli(temperature * temperature);
        }
        return kl.sum(last).muli(temperature * temperature);
    }

    @Override
    protected INDArray elementLoss(INDArray labels, INDArray yPred) {
        INDArray soft = scaledKl(soften(logits(teacher(labels, yPred))), soften(logits(yPred)));
        INDArray[] h = hardLabels(labels, yPred);
        INDArray hardLoss = hard.elementLoss(h[0], yPred).muli(alpha);
        if (h[1] != null) {
            hardLoss.muli(h[1].castTo(hardLoss.dataType()));
        }
        return hardLoss.addi(soft.muli(1 - alpha));
    }

    @Override
    protected INDArray elementGradient(INDArray labels, INDArray yPred) {
        INDArray a = soften(logits(teacher(labels, yPred)));
        INDArray q = soften(logits(yPred));
        INDArray g = q.subi(a).muli(temperature * (1 - alpha));   // d(T² KL)/du, per unit
        if (binary()) {
            g.divi(yPred.size(-1));   // the mean over units
        }
        if (!fromLogits()) {
            // du/dp: 1/p for log(p), 1/(p (1 - p)) for logit(p), at the clipped p
            INDArray p = BinaryCrossentropy.clip(yPred);
            g.divi(binary() ? p.mul(p.rsub(1.0)) : p);
        }
        INDArray[] h = hardLabels(labels, yPred);
        INDArray hardGradient = hard.elementGradient(h[0], yPred).muli(alpha);
        if (h[1] != null) {
            INDArray keep = h[1].castTo(hardGradient.dataType()).reshape(appendOne(h[1].shape()));
            hardGradient.muli(keep.broadcast(hardGradient.shape()));
        }
        return g.addi(hardGradient);
    }
}
