package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Forward;

/** ND4J's fused lstmLayer (small-batch inference) against the loop, the reference path. */
class FusedLstmTest {

    private static void same(LSTM lstm, INDArray... inputs) {
        INDArray[] masks = new INDArray[inputs.length];
        Forward fused = lstm.call(inputs, masks, false);
        Forward plain = lstm.loop(inputs, masks, false);
        assertEquals(plain.outputs().length, fused.outputs().length);
        for (int k = 0; k < plain.outputs().length; k++) {
            assertTrue(plain.outputs()[k].equalsWithEps(fused.outputs()[k], 1e-6), "output " + k);
        }
    }

    @Test
    void fusedInferenceEqualsTheLoop() {
        RandomSeed.set(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 7, 5).subi(0.5);
        same(new LSTM(4), x);
        same(new LSTM(4).returnSequences(true), x);
        same(new LSTM(4).returnSequences(true).returnState(true), x);
        same(new LSTM(4).useBias(false), x);
        same(new LSTM(4).returnState(true), x, Nd4j.rand(DataType.FLOAT, 3, 4), Nd4j.rand(DataType.FLOAT, 3, 4));
    }

    @Test
    void optionsTheFusedOpLacksKeepTheLoop() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4, 3);
        assertEquals(null, new LSTM(3).goBackwards(true).fusedInference(new INDArray[] {x}, new INDArray[1]));
        assertEquals(null, new LSTM(3).recurrentActivation("hard_sigmoid").fusedInference(new INDArray[] {x},
            new INDArray[1]));
        assertEquals(null, new LSTM(3).fusedInference(new INDArray[] {Nd4j.rand(DataType.FLOAT, 65, 4, 3)},
            new INDArray[1]), "large batches run faster on the loop");
        assertEquals(null, new LSTM(3).fusedInference(new INDArray[] {x}, new INDArray[] {Nd4j.ones(2, 4)}));
    }
}
