package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;

/**
 * The F-beta score per class, averaged, Keras's {@code FBetaScore} ({@code F1Score} with beta 1):
 * <pre>
 * p_c = tp_c / (tp_c + fp_c);   r_c = tp_c / (tp_c + fn_c)
 * F_c = (1 + beta^2) p_c r_c / (beta^2 p_c + r_c)        (0 where undefined)
 * micro: F from the summed counts;  macro: mean of F_c;  weighted: mean of F_c weighted by each
 * class's number of true samples
 * </pre>
 * Labels are one-hot (or multi-label) {@code (batch, classes)}; a prediction is the argmax class
 * when {@code threshold} is null, else every class above it.
 *
 * <pre>{@code
 * model.compile(new Adam(), new CategoricalCrossentropy(), "accuracy");   // plus, for F1:
 * new FBetaScore("f1_score", FBetaScore.Average.MACRO, 1.0, null)
 * }</pre>
 */
public class FBetaScore extends Metric {

    /** How the per-class scores combine. */
    public enum Average { MICRO, MACRO, WEIGHTED }

    private final Average average;
    private final double beta;
    private final Double threshold;
    private final Confusion counts = new Confusion();

    public FBetaScore(String name, Average average, double beta, Double threshold) {
        super(name);
        if (beta <= 0) {
            throw new IllegalArgumentException("FBetaScore: beta must be positive, got " + beta);
        }
        this.average = average;
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        long classes = yPred.size(-1);
        INDArray p = rows(yPred, classes);
        INDArray predicted;
        if (threshold == null && classes > 1) {
            predicted = Ops.oneHot(p.argMax(1), (int) classes, p.dataType());
        } else {
            predicted = p.gt(threshold == null ? 0.5 : threshold).castTo(p.dataType());
        }
        counts.add(predicted, rows(yTrue.castTo(p.dataType()), classes), rowWeights(yPred, sampleWeight, mask));
    }

    @Override
    public double result() {
        if (counts.empty()) {
            return 0.0;
        }
        INDArray tp = counts.tp();
        INDArray fp = counts.fp();
        INDArray fn = counts.fn();
        if (average == Average.MICRO) {
            return score(tp.sumNumber().doubleValue(), fp.sumNumber().doubleValue(), fn.sumNumber().doubleValue());
        }
        INDArray precision = Confusion.safeDivide(tp, tp.add(fp));
        INDArray recall = Confusion.safeDivide(tp, tp.add(fn));
        double b2 = beta * beta;
        INDArray f = Confusion.safeDivide(precision.mul(recall).muli(1 + b2), precision.mul(b2).addi(recall));
        if (average == Average.MACRO) {
            return f.meanNumber().doubleValue();
        }
        INDArray support = tp.add(fn);
        double total = support.sumNumber().doubleValue();
        return total == 0 ? 0.0 : f.mul(support).sumNumber().doubleValue() / total;
    }

    private double score(double tp, double fp, double fn) {
        double p = tp + fp == 0 ? 0 : tp / (tp + fp);
        double r = tp + fn == 0 ? 0 : tp / (tp + fn);
        double b2 = beta * beta;
        return p + r == 0 ? 0.0 : (1 + b2) * p * r / (b2 * p + r);
    }

    @Override
    public void reset() {
        counts.reset();
    }
}
