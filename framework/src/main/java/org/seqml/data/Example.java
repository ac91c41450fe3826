package org.seqml.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One sample of a {@link Dataset} before batching: one array per input (a sequence of its own
 * length: token ids {@code (time)} or features {@code (time, features)}) and one per output.
 * Serializable (ND4J arrays are), so a cluster can ship examples to its workers.
 *
 * @param x the sample's inputs, without a batch dimension
 * @param y the sample's labels, without a batch dimension
 */
public record Example(INDArray[] x, INDArray[] y) implements java.io.Serializable {

    /** The length of the first input: what bucketing sorts by. */
    public long length() {
        return x[0].rank() == 0 ? 1 : x[0].size(0);
    }
}
