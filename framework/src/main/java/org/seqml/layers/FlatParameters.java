package org.seqml.layers;

import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A model's weights (or their gradients) laid end to end in one float32 (n,) array, each
 * flattened row-major, in the order of the list: how weights and gradients travel to and from
 * other machines ({@code Model.getFlatWeights}, {@code Model.computeGradients}).
 */
public final class FlatParameters {
    private FlatParameters() {
    }

    /** The values of all the parameters together. */
    public static long size(List<Parameter> parameters) {
        return parameters.stream().mapToLong(p -> p.value().length()).sum();
    }

    /** One array of {@code part} of each parameter (its value, its gradient); zeros where it gives null. */
    public static INDArray gather(List<Parameter> parameters, Function<Parameter, INDArray> part) {
        INDArray flat = Nd4j.create(DataType.FLOAT, size(parameters));
        long at = 0;
        for (Parameter p : parameters) {
            long n = p.value().length();
            INDArray a = part.apply(p);
            if (a != null) {
                flat.get(NDArrayIndex.interval(at, at + n)).assign(a.reshape(new long[] {n}));
            }
            at += n;
        }
        return flat;
    }

    /** Writes each parameter's run of {@code flat} into {@code target} of it, in its shape and type. */
    public static void scatter(INDArray flat, List<Parameter> parameters, Function<Parameter, INDArray> target) {
        long at = 0;
        for (Parameter p : parameters) {
            long n = p.value().length();
            INDArray to = target.apply(p);
            to.assign(flat.get(NDArrayIndex.interval(at, at + n)).reshape(to.shape()).castTo(to.dataType()));
            at += n;
        }
    }
}
