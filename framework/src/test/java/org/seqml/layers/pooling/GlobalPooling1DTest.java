package org.seqml.layers.pooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.models.Input;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class GlobalPooling1DTest {
    private static final INDArray X = Nd4j.create(new double[] {1, 10, 2, 20, 9, 90, 4, 40}, new long[] {1, 4, 2});
    private static final INDArray MASK = Nd4j.create(new double[][] {{1, 1, 0, 1}});

    @Test
    void averageCountsOnlyKeptSteps() {
        INDArray y = new GlobalAveragePooling1D().call(new INDArray[] {X}, new INDArray[] {MASK}, false).output();
        assertEquals(Nd4j.create(new double[][] {{7.0 / 3, 70.0 / 3}}), y);
        assertEquals(Nd4j.create(new double[][] {{4, 40}}), new GlobalAveragePooling1D().call(X));
    }

    @Test
    void maxIgnoresMaskedSteps() {
        INDArray y = new GlobalMaxPooling1D().call(new INDArray[] {X}, new INDArray[] {MASK}, false).output();
        assertEquals(Nd4j.create(new double[][] {{4, 40}}), y);
        assertEquals(Nd4j.create(new double[][] {{9, 90}}), new GlobalMaxPooling1D().call(X));
    }

    @Test
    void honourTheLayerContractAndKeepdims() {
        LayerContract.check(new GlobalAveragePooling1D(), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
        LayerContract.check(new GlobalMaxPooling1D(), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
        assertEquals(Shape.of(-1, 1, 3), new GlobalMaxPooling1D().keepdims(true).apply(Input.of(5, 3)).shape());
        assertEquals(Shape.of(-1, 1, 3), new GlobalAveragePooling1D().keepdims(true).apply(Input.of(5, 3)).shape());
        LayerContract.check(new GlobalAveragePooling1D().keepdims(true), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
    }

    /**
     * float32 input takes the one-pass path (backend TimePooling); float64 the ND4J route. Both give
     * the same pooled values and input gradients, for every mask: partial, none, all masked, ties;
     * in training and in inference passes.
     */
    @Test
    void theFloat32PathMatchesTheReferenceRoute() {
        INDArray x = Arrays.random(4, 9, 5).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        x.putScalar(new long[] {3, 2, 1}, 0.9);
        x.putScalar(new long[] {3, 6, 1}, 0.9);   // a tie: the first valid step wins on both paths
        INDArray mask = Nd4j.create(new double[][] {{1, 1, 0, 1, 0, 0, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1},
            {0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0, 1, 1, 0}});
        INDArray dy = Arrays.random(4, 5).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        for (org.seqml.layers.Layer layer : new org.seqml.layers.Layer[] {new GlobalAveragePooling1D(),
            new GlobalMaxPooling1D()}) {
            for (INDArray m : new INDArray[] {mask, null}) {
                org.seqml.layers.Forward ref = layer.call(new INDArray[] {x}, new INDArray[] {m}, true);
                INDArray refDx = layer.backward(ref, new INDArray[] {dy})[0];
                INDArray x32 = x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
                org.seqml.layers.Forward fast = layer.call(new INDArray[] {x32}, new INDArray[] {m}, true);
                INDArray fastDx = layer.backward(fast, new INDArray[] {dy.castTo(x32.dataType())})[0];
                String what = layer + (m == null ? " unmasked" : " masked");
                assertEquals(0, ref.output().sub(fast.output().castTo(x.dataType())).amaxNumber().doubleValue(), 1e-6,
                    what + " output");
                assertEquals(0, refDx.sub(fastDx.castTo(x.dataType())).amaxNumber().doubleValue(), 1e-6,
                    what + " gradient");
                // an inference pass skips the max's winners; a backward after it finds them then
                org.seqml.layers.Forward inference = layer.call(new INDArray[] {x32}, new INDArray[] {m}, false);
                assertEquals(fast.output(), inference.output(), what + " inference output");
                assertEquals(fastDx, layer.backward(inference, new INDArray[] {dy.castTo(x32.dataType())})[0],
                    what + " gradient after an inference pass");
            }
        }
    }

    @Test
    void gradientsMatchNumericalEstimateWithAndWithoutMask() {
        INDArray mask = Nd4j.create(new double[][] {{1, 1, 0, 1, 0}, {1, 1, 1, 1, 1}});
        GradientCheck.of(new GlobalAveragePooling1D(), Arrays.random(2, 5, 3)).check();
        GradientCheck.of(new GlobalAveragePooling1D(), new INDArray[] {Arrays.random(2, 5, 3)}, new INDArray[] {mask},
            false).check();
        GradientCheck.of(new GlobalMaxPooling1D(), Arrays.random(2, 5, 3)).check();
        GradientCheck.of(new GlobalMaxPooling1D(), new INDArray[] {Arrays.random(2, 5, 3)}, new INDArray[] {mask},
            false).check();
        GradientCheck.of(new GlobalMaxPooling1D().keepdims(true), Arrays.random(2, 5, 3)).check();
    }

    @Test
    void rejectsNonSequenceInputNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new GlobalAveragePooling1D().named("pool").apply(Input.of(4)));
        assertTrue(e.getMessage().contains("GlobalAveragePooling1D 'pool'") && e.getMessage().contains("rank 3"));
    }
}
