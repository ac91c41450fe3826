package org.seqml.layers.merging;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Forward;

/**
 * Adds tensors of the same shape element-wise, Keras's {@code Add}: {@code y = x_1 + ... + x_n};
 * each input's gradient is the output's.
 *
 * <pre>{@code
 * SymbolicTensor residual = new Add().apply(x, new Dense(64).apply(x));
 * }</pre>
 */
public final class Add extends Merge {

    @Override
    protected void checkMergeShapes(List<Shape> shapes) {
        for (Shape s : shapes) {
            for (int axis = 1; axis < s.rank(); axis++) {
                long a = s.get(axis);
                long b = shapes.get(0).get(axis);
                if (a != Shape.UNKNOWN && b != Shape.UNKNOWN && a != b) {
                    throw new IllegalArgumentException(describe() + ": inputs must have the same shape, got "
                        + shapes + ". Project them to one size first, e.g. with a Dense layer.");
                }
            }
        }
    }

    @Override
    protected Shape mergedShape(List<Shape> shapes) {
        long[] dims = shapes.get(0).dims();
        for (Shape s : shapes) {
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] == Shape.UNKNOWN) {
                    dims[i] = s.get(i);
                }
            }
        }
        return Shape.of(dims);
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray y = inputs[0].dup();
        for (int i = 1; i < inputs.length; i++) {
            if (!Arrays.equals(inputs[i].shape(), y.shape())) {
                throw new IllegalArgumentException(describe() + ": inputs must have the same shape, got "
                    + Arrays.toString(y.shape()) + " and " + Arrays.toString(inputs[i].shape()) + ".");
            }
            y.addi(inputs[i]);
        }
        return merged(inputs, masks, y, training);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradient(forward, outputGradients);
        INDArray[] dx = new INDArray[forward.inputs().length];
        Arrays.fill(dx, dy);
        return dx;
    }
}
