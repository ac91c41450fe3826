package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.OneDnnRnn;
import org.seqml.layers.Parameter;

/**
 * A cell that oneDNN can run whole ({@link OneDnnRnn}): {@link LSTM} and {@link GRU}. The loop in
 * {@link RNN} hands a call to oneDNN when the cell says it can ({@link #oneDnnCell} not null) and
 * the call has no mask and no recurrent dropout; its own loop stays the reference path.
 */
interface OneDnnCell {

    /** The cell as oneDNN computes it, or null for options oneDNN lacks (other activations, peepholes). */
    OneDnnRnn.Cell oneDnnCell();

    Parameter recurrentKernel();

    /** The bias in oneDNN's (rows, units) layout, or null when the layer has none. */
    INDArray oneDnnBias();

    /** Adds oneDNN's bias gradient, (rows, units), to the layer's bias gradient. */
    void addOneDnnBiasGradient(INDArray dBias);
}
