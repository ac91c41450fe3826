package org.seqml.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;

@ExtendWith(DoublePrecision.class)
class LossesTest {

    private static INDArray probabilities(long... shape) {
        return Transforms.sigmoid(Arrays.random(shape).muli(2), false);
    }

    private static INDArray softmax(long... shape) {
        INDArray e = Transforms.exp(Arrays.random(shape).muli(2), false);
        return e.divi(e.sum(true, shape.length - 1).broadcast(shape));
    }

    private static INDArray oneHot(long rows, int classes) {
        INDArray y = Nd4j.zeros(rows, classes);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, (i * 7 + 1) % classes, 1.0);
        }
        return y;
    }

    /** The gradient of the reduced loss against central differences, with weights and a mask. */
    private static void checkGradient(Loss loss, INDArray y, Supplier<INDArray> pred, INDArray sw, INDArray mask) {
        INDArray p = pred.get();
        INDArray g = loss.evaluate(y, p, sw, mask, true).gradient();
        double eps = 1e-6;
        for (long i = 0; i < p.length(); i++) {
            INDArray flat = p.reshape(p.length());
            double v = flat.getDouble(i);
            flat.putScalar(i, v + eps);
            double plus = loss.compute(y, p, sw, mask);
            flat.putScalar(i, v - eps);
            double minus = loss.compute(y, p, sw, mask);
            flat.putScalar(i, v);
            double numeric = (plus - minus) / (2 * eps);
            double analytic = g.dup('c').reshape(g.length()).getDouble(i);
            assertEquals(numeric, analytic, 1e-6 + 1e-5 * Math.abs(numeric), loss + " element " + i);
        }
    }

    @Test
    void binaryCrossentropyMatchesItsDefinition() {
        INDArray y = Nd4j.create(new double[][] {{1}, {0}});
        INDArray p = Nd4j.create(new double[][] {{0.8}, {0.3}});
        double expected = -(Math.log(0.8) + Math.log(0.7)) / 2;
        assertEquals(expected, new BinaryCrossentropy().compute(y, p), 1e-12);
        INDArray logits = Nd4j.create(new double[][] {{Math.log(4)}, {Math.log(3.0 / 7)}});
        assertEquals(expected, new BinaryCrossentropy().fromLogits(true).compute(y, logits), 1e-12);
    }

    @Test
    void categoricalCrossentropyMatchesItsDefinitionAndRenormalizes() {
        INDArray y = Nd4j.create(new double[][] {{0, 1, 0}});
        assertEquals(-Math.log(0.5), new CategoricalCrossentropy().compute(y, Nd4j.create(new double[][] {{0.25, 0.5, 0.25}})), 1e-12);
        assertEquals(-Math.log(0.5), new CategoricalCrossentropy().compute(y, Nd4j.create(new double[][] {{0.5, 1, 0.5}})), 1e-12);
        INDArray logits = Nd4j.create(new double[][] {{1, 2, 3}});
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse - 2, new CategoricalCrossentropy().fromLogits(true).compute(y, logits), 1e-12);
        assertEquals(lse - 2, new SparseCategoricalCrossentropy().fromLogits(true).compute(Nd4j.create(new double[] {1}), logits), 1e-12);
    }

    @Test
    void sparseCrossentropyFromASoftmaxOnALargeFloatBatchMatchesItsDefinition() {
        // float32 and 70,000 entries: the true classes are read and written in place and the
        // gradient divided on oneDNN, the paths W4's training takes
        long rows = 70;
        int classes = 1000;
        INDArray logits = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows, classes).muli(3);
        INDArray ids = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows);
        for (int i = 0; i < rows; i++) {
            ids.putScalar(i, (i * 37 + 5) % classes);
        }
        INDArray x = logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray e = Transforms.exp(x.subColumnVector(x.max(1).reshape(rows, 1)), false);
        INDArray p = e.divColumnVector(e.sum(1).reshape(rows, 1));
        double expectedLoss = 0;
        INDArray expectedGradient = p.dup();
        for (int i = 0; i < rows; i++) {
            int t = ids.getInt(i);
            expectedLoss -= Math.log(p.getDouble(i, t)) / rows;
            expectedGradient.putScalar(i, t, p.getDouble(i, t) - 1);
        }
        expectedGradient.divi(rows);
        Loss.Result r = new SparseCategoricalCrossentropy().evaluateSoftmax(ids, logits,
            p.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), null, null, true);
        assertEquals(expectedLoss, r.value(), 1e-5 * expectedLoss);
        double diff = expectedGradient.sub(r.gradient().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
            .amaxNumber().doubleValue();
        assertTrue(diff < 1e-8, "largest gradient difference " + diff);
    }

    @Test
    void regressionLossesMatchTheirDefinitions() {
        INDArray y = Nd4j.create(new double[][] {{0, 0}});
        INDArray p = Nd4j.create(new double[][] {{0.5, -3}});
        assertEquals((0.25 + 9) / 2, new MeanSquaredError().compute(y, p), 1e-12);
        assertEquals((0.5 + 3) / 2, new MeanAbsoluteError().compute(y, p), 1e-12);
        assertEquals((0.125 + (3 - 0.5)) / 2, new Huber().compute(y, p), 1e-12);
    }

    @Test
    void gradientsMatchNumericalEstimate() {
        INDArray sw = Nd4j.create(new double[] {0.5, 2, 1, 1.5});
        INDArray yBin = Nd4j.create(new double[][] {{1, 0}, {0, 0}, {1, 1}, {0, 1}});
        for (boolean weighted : new boolean[] {false, true}) {
            INDArray w = weighted ? sw : null;
            checkGradient(new BinaryCrossentropy(), yBin, () -> probabilities(4, 2), w, null);
            checkGradient(new BinaryCrossentropy().fromLogits(true), yBin, () -> Arrays.random(4, 2), w, null);
            checkGradient(new CategoricalCrossentropy(), oneHot(4, 3), () -> softmax(4, 3), w, null);
            checkGradient(new CategoricalCrossentropy(), oneHot(4, 3), () -> probabilities(4, 3), w, null);
            checkGradient(new CategoricalCrossentropy().fromLogits(true), oneHot(4, 3), () -> Arrays.random(4, 3), w, null);
            checkGradient(new SparseCategoricalCrossentropy(), Nd4j.create(new double[] {0, 2, 1, 2}), () -> softmax(4, 3), w, null);
            checkGradient(new MeanSquaredError(), Arrays.random(4, 3), () -> Arrays.random(4, 3), w, null);
            checkGradient(new MeanAbsoluteError(), Arrays.random(4, 3), () -> Arrays.random(4, 3), w, null);
            checkGradient(new Huber(0.5), Arrays.random(4, 3), () -> Arrays.random(4, 3), w, null);
        }
    }

    @Test
    void maskExcludesPaddedStepsFromTheLossAndItsMean() {
        INDArray mask = Nd4j.create(new double[][] {{1, 1, 0}, {1, 0, 0}});
        INDArray y = Nd4j.create(new double[][] {{0, 2, 1}, {1, 0, 0}});
        INDArray p = softmax(2, 3, 3);
        Loss loss = new SparseCategoricalCrossentropy();
        INDArray l = loss.elementwise(y, p);
        double expected = (l.getDouble(0, 0) + l.getDouble(0, 1) + l.getDouble(1, 0)) / 3;
        assertEquals(expected, loss.compute(y, p, null, mask), 1e-12);
        INDArray g = loss.evaluate(y, p, null, mask, true).gradient();
        assertEquals(0.0, Transforms.abs(g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all()))
            .sumNumber().doubleValue(), 0.0);
        checkGradient(loss, y, () -> softmax(2, 3, 3), Nd4j.create(new double[] {2, 0.5}), mask);
        checkGradient(new MeanSquaredError(), Arrays.random(2, 3, 2), () -> Arrays.random(2, 3, 2), null, mask);
    }

    @Test
    void sampleWeightsScaleEachSamplesShare() {
        INDArray y = Nd4j.create(new double[][] {{0}, {0}});
        INDArray p = Nd4j.create(new double[][] {{1}, {2}});
        assertEquals((0.5 * 1 + 2 * 4) / 2, new MeanSquaredError().compute(y, p, Nd4j.create(new double[] {0.5, 2}), null), 1e-12);
    }

    @Test
    void labelsThatDoNotFitTheLossAreRejectedWithAHint() {
        INDArray p = softmax(4, 3);
        IllegalArgumentException oneHotToSparse = assertThrows(IllegalArgumentException.class,
            () -> new SparseCategoricalCrossentropy().compute(oneHot(4, 3), p));
        assertTrue(oneHotToSparse.getMessage().contains("use categorical_crossentropy"), oneHotToSparse.getMessage());
        IllegalArgumentException idsToDense = assertThrows(IllegalArgumentException.class,
            () -> new CategoricalCrossentropy().compute(Nd4j.create(new double[] {0, 1, 2, 1}), p));
        assertTrue(idsToDense.getMessage().contains("[4]") && idsToDense.getMessage().contains("[4, 3]")
            && idsToDense.getMessage().contains("sparse_categorical_crossentropy"), idsToDense.getMessage());
        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
            () -> new SparseCategoricalCrossentropy().compute(Nd4j.create(new double[] {0, 1, 3, 1}), p));
        assertTrue(outOfRange.getMessage().contains("[0, 3)"), outOfRange.getMessage());
    }

    @Test
    void namesResolveToKerasLosses() {
        assertTrue(Loss.get("mse") instanceof MeanSquaredError);
        assertTrue(Loss.get("sparse_categorical_crossentropy") instanceof SparseCategoricalCrossentropy);
        assertThrows(IllegalArgumentException.class, () -> Loss.get("nope"));
    }
}
