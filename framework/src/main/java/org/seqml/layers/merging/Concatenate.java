package org.seqml.layers.merging;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.backend.ArrayOps;
import org.seqml.Shape;
import org.seqml.layers.Forward;

/**
 * Joins tensors along one axis (the last by default), Keras's {@code Concatenate}; every other
 * dimension must agree. The backward splits the gradient back into the inputs' pieces.
 *
 * <pre>{@code
 * SymbolicTensor both = new Concatenate().apply(left, right);   // (None, 8) + (None, 4) -> (None, 12)
 * }</pre>
 */
public final class Concatenate extends Merge {

    /** The option: the axis to join along (negative counts from the end; 0, the batch, is not allowed). */
    public record Config(int axis) {
    }

    private final Config config;

    public Concatenate() {
        this(-1);
    }

    public Concatenate(int axis) {
        this.config = new Config(axis);
    }

    public Config config() {
        return config;
    }

    private int axis(int rank) {
        return config.axis() < 0 ? rank + config.axis() : config.axis();
    }

    @Override
    protected void checkMergeShapes(List<Shape> shapes) {
        int rank = shapes.get(0).rank();
        int axis = axis(rank);
        if (axis <= 0 || axis >= rank) {
            throw new IllegalArgumentException(describe() + ": axis " + config.axis() + " is not a non-batch axis of"
                + " inputs of rank " + rank + ".");
        }
        for (Shape s : shapes) {
            for (int i = 1; i < rank; i++) {
                long a = s.get(i);
                long b = shapes.get(0).get(i);
                if (i != axis && a != Shape.UNKNOWN && b != Shape.UNKNOWN && a != b) {
                    throw new IllegalArgumentException(describe() + ": inputs must agree on every axis but " + axis
                        + ", got shapes " + shapes + ".");
                }
            }
        }
    }

    @Override
    protected Shape mergedShape(List<Shape> shapes) {
        int axis = axis(shapes.get(0).rank());
        long total = 0;
        for (Shape s : shapes) {
            total = total == Shape.UNKNOWN || !s.isKnown(axis) ? Shape.UNKNOWN : total + s.get(axis);
        }
        return shapes.get(0).with(axis, total);
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray y = ArrayOps.concat(axis(inputs[0].rank()), inputs);
        return merged(inputs, masks, y, training);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradient(forward, outputGradients);
        INDArray[] inputs = forward.inputs();
        int axis = axis(dy.rank());
        INDArray[] dx = new INDArray[inputs.length];
        long offset = 0;
        for (int k = 0; k < inputs.length; k++) {
            long width = inputs[k].size(axis);
            INDArrayIndex[] index = new INDArrayIndex[dy.rank()];
            for (int i = 0; i < index.length; i++) {
                index[i] = i == axis ? NDArrayIndex.interval(offset, offset + width) : NDArrayIndex.all();
            }
            dx[k] = dy.get(index);
            offset += width;
        }
        return dx;
    }
}
