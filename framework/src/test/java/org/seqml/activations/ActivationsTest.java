package org.seqml.activations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.testing.DoublePrecision;

/** Values against Keras's definitions; derivatives are checked numerically in SimpleLayersTest. */
@ExtendWith(DoublePrecision.class)
class ActivationsTest {
    private static final INDArray X = Nd4j.create(new double[] {-4, -1, 0, 0.5, 3.5});

    private static void assertValues(Activation a, double... expected) {
        INDArray y = a.apply(X);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y.getDouble(i), 1e-7, a.kerasName() + " at " + X.getDouble(i));
        }
    }

    @Test
    void hardSigmoidHasBothKerasDefinitions() {
        // Keras 3: relu6(x + 3) / 6
        assertValues(Activations.HARD_SIGMOID, 0, 2.0 / 6, 0.5, 3.5 / 6, 1);
        // Keras 2: clip(0.2 x + 0.5, 0, 1)
        assertValues(Activations.HARD_SIGMOID_KERAS2, 0, 0.3, 0.5, 0.6, 1);
    }

    @Test
    void smoothActivationsMatchTheirFormulas() {
        double[] sig = new double[5];
        double[] gelu = new double[5];
        double[] swish = new double[5];
        double[] erfAt = {-0.9999366575163338, -0.6826894921370859, 0, 0.3829249225480262, 0.9995347418419289};   // erf(x / sqrt 2)
        for (int i = 0; i < 5; i++) {
            double x = X.getDouble(i);
            sig[i] = 1 / (1 + Math.exp(-x));
            gelu[i] = 0.5 * x * (1 + erfAt[i]);
            swish[i] = x * sig[i];
        }
        assertValues(Activations.SIGMOID, sig);
        assertValues(Activations.GELU, gelu);
        assertValues(Activations.SWISH, swish);
        assertValues(Activations.RELU, 0, 0, 0, 0.5, 3.5);
    }

    @Test
    void softmaxNormalizesTheLastAxis() {
        INDArray y = Activations.SOFTMAX.apply(Nd4j.create(new double[][][] {{{1, 2, 3}, {0, 0, 0}}}));
        assertEquals(1.0, y.getDouble(0, 0, 0) + y.getDouble(0, 0, 1) + y.getDouble(0, 0, 2), 1e-12);
        assertEquals(1.0 / 3, y.getDouble(0, 1, 1), 1e-12);
        assertEquals(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), y.getDouble(0, 0, 0), 1e-12);
    }

    @Test
    void namesResolveCaseInsensitively() {
        assertSame(Activations.TANH, Activation.get("tanh"));
        assertSame(Activations.SILU, Activation.get("SiLU"));
        assertSame(Activations.LINEAR, Activation.get(null));
        assertThrows(IllegalArgumentException.class, () -> Activation.get("sigmoidal"));
    }
}
