package org.seqml.backend;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's fused {@code lstmLayer} op: a whole LSTM sequence in one native call, forward only. Its
 * gate order and weight layout are Keras's (i, f, c, o; kernel (in, 4U), recurrent kernel
 * (U, 4U), bias (4U)), so the layer's own weights go in unchanged. seqml uses it for inference on
 * small batches, where the per-step calls of its own loop dominate (batch-1 latency); the loop
 * stays the reference that tests compare it with, and the only path for training (ND4J's
 * {@code lstmLayer_bp} costs 5.6x the forward).
 */
public final class FusedLstm {
    private FusedLstm() {
    }

    /**
     * Runs the sequence {@code x} (batch, time, features) from states {@code h0}, {@code c0}
     * (batch, units; null for zeros) with sigmoid gates and tanh cell and output activations.
     * Returns {h sequence (batch, time, units) or null, last h, last c}.
     */
    public static INDArray[] forward(INDArray x, INDArray kernel, INDArray recurrentKernel, INDArray bias, INDArray h0,
                                     INDArray c0, boolean returnSequence) {
        // ND4J M2.1's LSTMLayer(INDArray...) constructor files its inputs as outputs, so the op is
        // assembled by hand: inputs x, Wx, Wr, [b], [hI], [cI]; integer args data format NTS (1),
        // direction forward (0), gate sigmoid (2), cell tanh (0), output tanh (0)
        java.util.List<INDArray> inputs = new java.util.ArrayList<>(java.util.List.of(x, kernel, recurrentKernel));
        for (INDArray optional : new INDArray[] {bias, h0, c0}) {
            if (optional != null) {
                inputs.add(optional);
            }
        }
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("lstmLayer")
            .addInputs(inputs.toArray(INDArray[]::new));
        op.addIntegerArguments(1, 0, 2, 0, 0).addFloatingPointArguments(0.0)
            .addBooleanArguments(bias != null, false, h0 != null, c0 != null, false, returnSequence, true, true);
        INDArray[] out = Nd4j.exec(op.build());
        return returnSequence ? out : new INDArray[] {null, out[0], out[1]};
    }
}
