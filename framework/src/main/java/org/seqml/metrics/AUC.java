package org.seqml.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Area under the ROC curve, Keras's {@code AUC} (curve "ROC", summation "interpolation"): true
 * and false positive counts at {@code numThresholds} (200) thresholds spread over [0, 1] (plus
 * one just below 0 and one just above 1), then the trapezoid rule over (FPR, TPR). Every element
 * counts; mask and sample weights weigh them.
 *
 * <pre>{@code
 * model.compile(new Adam(), "binary_crossentropy", "auc");
 * }</pre>
 */
public final class AUC extends Metric {
    private static final double EPSILON = 1e-7;
    private final INDArray thresholds;
    private INDArray tp;
    private INDArray fp;
    private double positives;
    private double negatives;

    public AUC() {
        this(200);
    }

    public AUC(int numThresholds) {
        super("auc");
        if (numThresholds < 2) {
            throw new IllegalArgumentException("AUC: numThresholds must be > 1, got " + numThresholds);
        }
        double[] t = new double[numThresholds];
        t[0] = -EPSILON;
        for (int i = 1; i < numThresholds - 1; i++) {
            t[i] = i / (double) (numThresholds - 1);
        }
        t[numThresholds - 1] = 1 + EPSILON;
        thresholds = Nd4j.create(t).reshape(1, numThresholds);
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        INDArray p = yPred.castTo(DataType.DOUBLE).reshape(yPred.length(), 1);
        INDArray y = yTrue.castTo(DataType.DOUBLE).reshape(yPred.length(), 1);
        INDArray w = rowWeights(yPred, sampleWeight, mask);
        INDArray weight = w == null ? Nd4j.ones(DataType.DOUBLE, yPred.length(), 1)
            : w.castTo(DataType.DOUBLE).repeat(1, yPred.size(-1)).reshape(yPred.length(), 1);
        // above[i, k] = p_i > t_k; counts at every threshold in one product each
        INDArray above = p.broadcast(p.length(), thresholds.length()).gt(thresholds.broadcast(p.length(),
            thresholds.length())).castTo(DataType.DOUBLE);
        INDArray pos = y.mul(weight);
        INDArray neg = y.rsub(1.0).muli(weight);
        INDArray batchTp = pos.transpose().mmul(above);
        INDArray batchFp = neg.transpose().mmul(above);
        tp = tp == null ? batchTp : tp.addi(batchTp);
        fp = fp == null ? batchFp : fp.addi(batchFp);
        positives += pos.sumNumber().doubleValue();
        negatives += neg.sumNumber().doubleValue();
    }

    @Override
    public double result() {
        if (tp == null || positives == 0 || negatives == 0) {
            return 0.0;
        }
        INDArray tpr = tp.div(positives);
        INDArray fpr = fp.div(negatives);
        long n = tpr.length();
        INDArray left = fpr.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n - 1));
        INDArray right = fpr.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, n));
        INDArray tl = tpr.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n - 1));
        INDArray tr = tpr.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, n));
        return left.sub(right).muli(tl.add(tr)).muli(0.5).sumNumber().doubleValue();
    }

    @Override
    public void reset() {
        tp = null;
        fp = null;
        positives = 0;
        negatives = 0;
    }
}
