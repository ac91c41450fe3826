package org.seqml.losses;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Categorical cross-entropy for integer class labels, Keras's
 * {@code SparseCategoricalCrossentropy}: labels {@code (batch, ...)} (or {@code (batch, ..., 1)})
 * hold class ids in {@code [0, classes)} for predictions {@code (batch, ..., classes)}.
 * <pre>
 * l = -log q[y]     (q as in {@link CategoricalCrossentropy})
 * </pre>
 *
 * <pre>{@code
 * model.compile(new Adam(), new SparseCategoricalCrossentropy().fromLogits(true), "accuracy");
 * }</pre>
 */
public final class SparseCategoricalCrossentropy extends CategoricalCrossentropy {

    public SparseCategoricalCrossentropy() {
        super(false);
    }

    private SparseCategoricalCrossentropy(boolean fromLogits) {
        super(fromLogits);
    }

    @Override
    public SparseCategoricalCrossentropy fromLogits(boolean value) {
        return new SparseCategoricalCrossentropy(value);
    }

    @Override
    public String kerasName() {
        return "sparse_categorical_crossentropy";
    }

    /** Integer labels become one-hot rows, checked against the number of classes. */
    @Override
    protected INDArray prepareLabels(INDArray yTrue, INDArray yPred) {
        long[] expected = Arrays.copyOf(yPred.shape(), yPred.rank() - 1);
        INDArray ids = yTrue;
        if (ids.rank() == yPred.rank() && ids.size(-1) == 1) {
            ids = ids.reshape(expected);
        }
        if (!Arrays.equals(ids.shape(), expected)) {
            throw new IllegalArgumentException(kerasName() + ": labels have shape " + Arrays.toString(yTrue.shape())
                + " but predictions have shape " + Arrays.toString(yPred.shape()) + "; expected integer labels of shape "
                + Arrays.toString(expected) + ". " + (yTrue.rank() == yPred.rank()
                ? "These look one-hot: use categorical_crossentropy, or pass the class ids." : ""));
        }
        long classes = yPred.size(-1);
        double max = ids.maxNumber().doubleValue();
        double min = ids.minNumber().doubleValue();
        if (min < 0 || max >= classes) {
            throw new IllegalArgumentException(kerasName() + ": labels must be class ids in [0, " + classes
                + "), got values from " + min + " to " + max + ". The output layer needs one unit per class.");
        }
        return Nd4j.exec(new OneHot(ids.castTo(org.nd4j.linalg.api.buffer.DataType.INT64), (int) classes, -1, 1.0, 0.0,
            yPred.dataType()))[0];
    }
}
