package org.seqml.layers.merging;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * Base of the layers that combine several tensors into one (Keras's {@code Merge}): at least two
 * inputs of the same rank, and an output mask that keeps a step only where every input's mask
 * keeps it.
 */
public abstract class Merge extends Layer {

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        if (shapes.size() < 2) {
            throw new IllegalArgumentException(describe() + ": expected at least 2 inputs, got " + shapes.size()
                + ". Pass every tensor to merge: layer.apply(a, b).");
        }
        for (Shape s : shapes) {
            if (s.rank() != shapes.get(0).rank()) {
                throw new IllegalArgumentException(describe() + ": inputs must have the same rank, got shapes "
                    + shapes + ". Reshape the inputs to a common rank first.");
            }
        }
        checkMergeShapes(shapes);
    }

    /** Layer-specific checks on the input shapes. */
    protected abstract void checkMergeShapes(List<Shape> shapes);

    @Override
    public final List<Shape> outputShapes(List<Shape> inputShapes) {
        return List.of(mergedShape(inputShapes));
    }

    protected abstract Shape mergedShape(List<Shape> shapes);

    /** The output mask: the product (logical and) of the inputs' masks, or null when none has one. */
    protected static INDArray mergeMasks(INDArray[] masks) {
        INDArray out = null;
        for (INDArray m : masks) {
            if (m != null) {
                out = out == null ? m.dup() : out.muli(m);
            }
        }
        return out;
    }

    /** A Forward for a merge: several inputs, one output with the merged mask. */
    protected static Forward merged(INDArray[] inputs, INDArray[] masks, INDArray output, boolean training) {
        return new Forward(inputs, masks, new INDArray[] {output}, new INDArray[] {mergeMasks(masks)},
            new INDArray[0], training);
    }
}
