package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.backend.Backend;
import org.seqml.layers.Forward;
import org.seqml.testing.DoublePrecision;

/**
 * ND4J's fused lstmLayer (LSTM inference where oneDNN declines: here float64) against the loop,
 * the reference path; the calls it cannot take stay on the loop, and a backward through one of its
 * calls is the loop's.
 */
@ExtendWith(DoublePrecision.class)
class FusedLstmTest {

    private static void same(LSTM lstm, INDArray... inputs) {
        INDArray[] masks = new INDArray[inputs.length];
        Forward fused = lstm.call(inputs, masks, false);
        assertTrue(RNN.ranFused(fused) && !RNN.ranOnOneDnn(fused), "ND4J's op ran");
        Forward plain = lstm.loop(inputs, masks, false);
        assertEquals(plain.outputs().length, fused.outputs().length);
        for (int k = 0; k < plain.outputs().length; k++) {
            assertTrue(plain.outputs()[k].equalsWithEps(fused.outputs()[k], 1e-10), "output " + k);
        }
        INDArray[] r = org.seqml.testing.GradientCheck.projections(fused.outputs());
        lstm.weights().forEach(org.seqml.layers.Parameter::zeroGrad);
        INDArray dxFused = lstm.backward(fused, r)[0];
        lstm.weights().forEach(org.seqml.layers.Parameter::zeroGrad);
        INDArray dxPlain = lstm.backward(plain, r)[0];
        assertTrue(dxPlain.equalsWithEps(dxFused, 1e-10), "its backward is the loop's");
    }

    private static INDArray x(long batch) {
        return Nd4j.rand(DataType.DOUBLE, batch, 7, 5).subi(0.5);
    }

    @Test
    void fusedInferenceEqualsTheLoop() {
        RandomSeed.set(3);
        INDArray x = x(3);
        same(new LSTM(4), x);
        same(new LSTM(4).returnSequences(true), x);
        same(new LSTM(4).returnSequences(true).returnState(true), x);
        same(new LSTM(4).useBias(false), x);
        same(new LSTM(4).returnState(true), x, Nd4j.rand(DataType.DOUBLE, 3, 4), Nd4j.rand(DataType.DOUBLE, 3, 4));
    }

    @Test
    void callsTheFusedOpLacksStayOnTheLoop() {
        INDArray x = x(2);
        assertFalse(ranFused(new LSTM(3).goBackwards(true), x, null, false));
        assertFalse(ranFused(new LSTM(3).recurrentActivation("hard_sigmoid"), x, null, false));
        assertFalse(ranFused(new LSTM(3), x(65), null, false), "large batches run faster on the loop");
        assertFalse(ranFused(new LSTM(3), x, Nd4j.create(new double[][] {{1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1, 1}}),
            false), "a padded step");
        assertFalse(ranFused(new LSTM(3), x, null, true), "training");
        assertTrue(ranFused(new LSTM(3), x, Nd4j.ones(DataType.DOUBLE, 2, 7), false), "a mask of all ones");
        assertFalse(Backend.withoutFusedKernels(() -> ranFused(new LSTM(3), x, null, false)), "declined on this thread");
    }

    private static boolean ranFused(LSTM lstm, INDArray x, INDArray mask, boolean training) {
        return RNN.ranFused(lstm.call(new INDArray[] {x}, new INDArray[] {mask}, training));
    }
}
