package org.seqml.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Each metric against values computed by hand. */
class MoreMetricsTest {
    // 6 binary predictions: labels and scores; at 0.5: tp = 2 (0.9, 0.6), fp = 1 (0.7), fn = 1 (0.2)
    private static final INDArray Y = Nd4j.create(new double[][] {{1}, {1}, {0}, {1}, {0}, {0}});
    private static final INDArray P = Nd4j.create(new double[][] {{0.9}, {0.6}, {0.7}, {0.2}, {0.1}, {0.4}});

    @Test
    void precisionAndRecallCountThresholdedElements() {
        Metric precision = Metric.get("precision", null);
        Metric recall = Metric.get("recall", null);
        precision.update(Y, P, null, null);
        recall.update(Y, P, null, null);
        assertEquals(2.0 / 3, precision.result(), 1e-12);
        assertEquals(2.0 / 3, recall.result(), 1e-12);
        // weights: sample 2 (a false positive) weighs 3 -> precision 2 / 5
        Metric weighted = new Precision();
        weighted.update(Y, P, Nd4j.create(new double[] {1, 1, 3, 1, 1, 1}), null);
        assertEquals(0.4, weighted.result(), 1e-12);
    }

    @Test
    void aucIsTheAreaUnderTheRocCurve() {
        // positives 0.9, 0.6, 0.2; negatives 0.7, 0.1, 0.4: 6 of 9 pairs ranked right -> 2/3
        Metric auc = Metric.get("auc", null);
        auc.update(Y, P, null, null);
        assertEquals(6.0 / 9, auc.result(), 1e-3);
        AUC perfect = new AUC();
        perfect.update(Y, Nd4j.create(new double[][] {{0.9}, {0.8}, {0.1}, {0.7}, {0.2}, {0.3}}), null, null);
        assertEquals(1.0, perfect.result(), 1e-9);
    }

    @Test
    void fBetaAveragesPerClassScores() {
        // 3 classes; argmax predictions: [0, 1, 1, 2]; truth [0, 1, 2, 2]
        INDArray y = Nd4j.create(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}});
        INDArray p = Nd4j.create(new double[][] {{.8, .1, .1}, {.1, .8, .1}, {.1, .6, .3}, {.1, .2, .7}});
        // class 0: p=1 r=1 F=1; class 1: p=1/2 r=1 F=2/3; class 2: p=1 r=1/2 F=2/3
        FBetaScore macro = new FBetaScore("f1", FBetaScore.Average.MACRO, 1.0, null);
        macro.update(y, p, null, null);
        assertEquals((1 + 2.0 / 3 + 2.0 / 3) / 3, macro.result(), 1e-12);
        FBetaScore weighted = new FBetaScore("f1", FBetaScore.Average.WEIGHTED, 1.0, null);
        weighted.update(y, p, null, null);
        assertEquals((1 + 2.0 / 3 + 2 * 2.0 / 3) / 4, weighted.result(), 1e-12);
        FBetaScore micro = new FBetaScore("f1", FBetaScore.Average.MICRO, 1.0, null);
        micro.update(y, p, null, null);
        assertEquals(0.75, micro.result(), 1e-12);
        FBetaScore f2 = new FBetaScore("f2", FBetaScore.Average.MACRO, 2.0, null);
        f2.update(y, p, null, null);
        double f2c1 = 5 * 0.5 * 1 / (4 * 0.5 + 1);
        double f2c2 = 5 * 1 * 0.5 / (4 * 1 + 0.5);
        assertEquals((1 + f2c1 + f2c2) / 3, f2.result(), 1e-12);
    }

    @Test
    void topKCountsTheTrueClassAmongTheBest() {
        INDArray p = Nd4j.create(new double[][] {{.5, .3, .2}, {.5, .3, .2}, {.5, .3, .2}});
        TopKCategoricalAccuracy top2 = new TopKCategoricalAccuracy(2, true);
        top2.update(Nd4j.create(new double[] {0, 1, 2}), p, null, null);
        assertEquals(2.0 / 3, top2.result(), 1e-12);
        Metric dense = Metric.get("top_k_categorical_accuracy", null);
        dense.update(Nd4j.create(new double[][] {{0, 0, 1}}), p.getRow(0).reshape(1, 3), null, null);
        assertEquals(1.0, dense.result(), 1e-12, "k = 5 covers all 3 classes");
    }

    @Test
    void rmseAndPerplexity() {
        Metric rmse = Metric.get("rmse", null);
        rmse.update(Nd4j.create(new double[][] {{0}, {0}}), Nd4j.create(new double[][] {{3}, {4}}), null, null);
        assertEquals(Math.sqrt(12.5), rmse.result(), 1e-12);
        // probabilities of the true tokens 0.5 and 0.25; token 0 is padding and left out
        Perplexity perplexity = new Perplexity(false, 0);
        INDArray p = Nd4j.create(new double[] {0.5, 0.5, 0, 0.75, 0, 0.25, 0.3, 0.3, 0.4}, new long[] {1, 3, 3});
        perplexity.update(Nd4j.create(new double[][] {{1, 2, 0}}), p, null, null);
        assertEquals(Math.exp((-Math.log(0.5) - Math.log(0.25)) / 2), perplexity.result(), 1e-6);
    }

    @Test
    void sequenceMetricsSkipMaskedSteps() {
        // (1, 3, 1): the masked third step is a wrong prediction that must not count
        INDArray y = Nd4j.create(new double[] {1, 0, 1}, new long[] {1, 3, 1});
        INDArray p = Nd4j.create(new double[] {0.9, 0.2, 0.1}, new long[] {1, 3, 1});
        Metric recall = new Recall();
        recall.update(y, p, null, Nd4j.create(new double[][] {{1, 1, 0}}));
        assertEquals(1.0, recall.result(), 1e-12);
    }
}
