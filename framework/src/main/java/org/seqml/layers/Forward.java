package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one forward call of a layer produced: its outputs and their masks, and what its backward
 * needs. A layer keeps no per-call state in fields; a graph keeps one {@code Forward} per call,
 * which is what makes shared layers work.
 *
 * @param inputs      the inputs of the call
 * @param inputMasks  their masks ({@code null} entries where none)
 * @param outputs     the outputs
 * @param outputMasks the masks of the outputs ({@code null} entries where none)
 * @param saved       intermediate values the layer's backward reads (layer-specific)
 * @param training    whether the call was in training mode
 * @param cache       a layer-specific record of what its backward needs, for layers (recurrent
 *                    ones) that keep more than a few arrays; null otherwise
 */
public record Forward(INDArray[] inputs, INDArray[] inputMasks, INDArray[] outputs, INDArray[] outputMasks,
                      INDArray[] saved, boolean training, Object cache) {

    public Forward(INDArray[] inputs, INDArray[] inputMasks, INDArray[] outputs, INDArray[] outputMasks,
                   INDArray[] saved, boolean training) {
        this(inputs, inputMasks, outputs, outputMasks, saved, training, null);
    }

    /** The cache as the type its layer stored. */
    public <T> T cache(Class<T> type) {
        return type.cast(cache);
    }

    /** The first (usually only) output. */
    public INDArray output() {
        return outputs[0];
    }

    /** The first (usually only) input. */
    public INDArray input() {
        return inputs[0];
    }

    /** The mask of the first input, or null. */
    public INDArray inputMask() {
        return inputMasks.length == 0 ? null : inputMasks[0];
    }

    /** The mask of the first output, or null. */
    public INDArray outputMask() {
        return outputMasks.length == 0 ? null : outputMasks[0];
    }

    public INDArray saved(int i) {
        return saved[i];
    }
}
