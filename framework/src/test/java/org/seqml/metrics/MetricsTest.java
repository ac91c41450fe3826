package org.seqml.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.losses.BinaryCrossentropy;
import org.seqml.losses.CategoricalCrossentropy;
import org.seqml.losses.MeanSquaredError;
import org.seqml.losses.SparseCategoricalCrossentropy;

class MetricsTest {

    @Test
    void accuracyResolvesFromTheLossAsKerasDoes() {
        assertEquals(Accuracy.Kind.BINARY, ((Accuracy) Metric.get("accuracy", new BinaryCrossentropy())).kind());
        assertEquals(Accuracy.Kind.CATEGORICAL, ((Accuracy) Metric.get("accuracy", new CategoricalCrossentropy())).kind());
        assertEquals(Accuracy.Kind.SPARSE_CATEGORICAL,
            ((Accuracy) Metric.get("acc", new SparseCategoricalCrossentropy())).kind());
        assertEquals(Accuracy.Kind.AUTO, ((Accuracy) Metric.get("accuracy", new MeanSquaredError())).kind());
    }

    @Test
    void accuracyKindsCountHits() {
        Metric binary = Metric.get("accuracy", new BinaryCrossentropy());
        binary.update(Nd4j.create(new double[][] {{1}, {0}, {1}, {0}}), Nd4j.create(new double[][] {{0.9}, {0.2}, {0.4}, {0.7}}),
            null, null);
        assertEquals(0.5, binary.result(), 1e-12);
        Metric sparse = Metric.get("accuracy", new SparseCategoricalCrossentropy());
        INDArray p = Nd4j.create(new double[][] {{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}, {0.1, 0.1, 0.8}});
        sparse.update(Nd4j.create(new double[] {1, 1, 2}), p, null, null);
        assertEquals(2.0 / 3, sparse.result(), 1e-12);
        Metric categorical = Metric.get("accuracy", new CategoricalCrossentropy());
        categorical.update(Nd4j.create(new double[][] {{0, 1, 0}, {1, 0, 0}, {1, 0, 0}}), p, null, null);
        assertEquals(2.0 / 3, categorical.result(), 1e-12);
        categorical.reset();
        assertEquals(0.0, categorical.result());
    }

    @Test
    void maskAndSampleWeightsWeighEachHit() {
        Metric sparse = Metric.get("accuracy", new SparseCategoricalCrossentropy());
        // (batch 1, time 3, classes 2): hits at t0, miss at t1, t2 masked
        INDArray p = Nd4j.create(new double[] {0.9, 0.1, 0.9, 0.1, 0.1, 0.9}, new long[] {1, 3, 2});
        INDArray y = Nd4j.create(new double[][] {{0, 1, 0}});
        sparse.update(y, p, null, Nd4j.create(new double[][] {{1, 1, 0}}));
        assertEquals(0.5, sparse.result(), 1e-12);
        Metric weighted = Metric.get("binary_accuracy", null);
        weighted.update(Nd4j.create(new double[][] {{1}, {0}}), Nd4j.create(new double[][] {{0.9}, {0.9}}),
            Nd4j.create(new double[] {3, 1}), null);
        assertEquals(0.75, weighted.result(), 1e-12);
    }

    @Test
    void lossMetricsAverageThePerSampleLoss() {
        Metric mae = Metric.get("mae", null);
        mae.update(Nd4j.create(new double[][] {{0}, {0}}), Nd4j.create(new double[][] {{1}, {-3}}), null, null);
        assertEquals(2.0, mae.result(), 1e-12);
    }
}
