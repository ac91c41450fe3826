package org.seqml.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.testing.Arrays;

/**
 * Sparse cross-entropy with label smoothing equals categorical cross-entropy on the smoothed
 * one-hot targets {@code (1 - e) onehot + e / K}, Keras's definition: loss and gradient, from
 * probabilities, from logits and through the fused softmax output.
 */
class LabelSmoothingTest {
    private static final double E = 0.1;
    private static final INDArray IDS = Nd4j.createFromArray(new float[] {0, 3, 2, 4, 1, 3});
    private static final int K = 5;

    private static INDArray smoothed() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, IDS.length(), K).addi(E / K);
        for (int i = 0; i < IDS.length(); i++) {
            y.putScalar(i, IDS.getInt(i), 1 - E + E / K);
        }
        return y;
    }

    @Test
    void fromLogitsItIsCrossEntropyOnSmoothedTargets() {
        INDArray x = Arrays.random(6, K).muli(3);
        Loss.Result sparse = new SparseCategoricalCrossentropy().fromLogits(true).labelSmoothing(E)
            .evaluate(IDS, x, null, null, true);
        Loss.Result dense = new CategoricalCrossentropy().fromLogits(true).evaluate(smoothed(), x, null, null, true);
        assertEquals(dense.value(), sparse.value(), 1e-5);
        assertTrue(dense.gradient().equalsWithEps(sparse.gradient(), 1e-6));
        assertEquals(dense.value(), new SparseCategoricalCrossentropy().fromLogits(true).labelSmoothing(E)
            .compute(IDS, x), 1e-5, "the loss alone");
    }

    @Test
    void fromProbabilitiesItIsCrossEntropyOnSmoothedTargets() {
        INDArray p = Transforms.softmax(Arrays.random(6, K).muli(2), true);
        Loss.Result sparse = new SparseCategoricalCrossentropy().labelSmoothing(E).evaluate(IDS, p, null, null, true);
        Loss.Result dense = new CategoricalCrossentropy().evaluate(smoothed(), p, null, null, true);
        assertEquals(dense.value(), sparse.value(), 1e-5);
        assertTrue(dense.gradient().equalsWithEps(sparse.gradient(), 1e-5), dense.gradient() + "\n" + sparse.gradient());
        assertEquals(dense.value(), new SparseCategoricalCrossentropy().labelSmoothing(E).compute(IDS, p), 1e-5);
    }

    @Test
    void theFusedSoftmaxOutputGivesTheSame() {
        INDArray x = Arrays.random(6, K).muli(3);
        INDArray s = Transforms.softmax(x, true);
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy().labelSmoothing(E);
        Loss.Result fused = loss.evaluateSoftmax(IDS, x, s, null, null, false);
        Loss.Result plain = loss.fromLogits(true).evaluate(IDS, x, null, null, true);
        assertEquals(plain.value(), fused.value(), 1e-5);
        assertTrue(plain.gradient().equalsWithEps(fused.gradient(), 1e-6));
        assertThrows(IllegalArgumentException.class, () -> loss.labelSmoothing(1.0));
        assertEquals(0.1, loss.fromLogits(true).labelSmoothing(), 0);
    }
}
