package org.seqml.layers.recurrent;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Int8Matmul;
import org.seqml.layers.Parameter;

/**
 * The int8 form of the recurrent cells oneDNN has no int8 kernel for (the default GRU, SimpleRNN,
 * LSTM with peepholes or other activations): the loop's input and recurrent products in int8
 * ({@link Int8Matmul}, a scale per gate column each), its gate math in float32. The state enters
 * the recurrent product with range 1 when the cell's output is tanh-bounded, else each sample's
 * own |h|max.
 */
record LoopInt8(Int8Matmul kernel, Int8Matmul recurrent, INDArray inputScale, boolean boundedState) {

    /** The int8 form of a layer's float weights, for inputs within {@code inputRange}. */
    static LoopInt8 quantize(INDArray inputKernel, INDArray recurrentKernel, double inputRange, boolean boundedState) {
        return new LoopInt8(Int8Matmul.quantize(inputKernel), Int8Matmul.quantize(recurrentKernel),
            Nd4j.createFromArray(new float[] {(float) (1 / inputRange)}), boundedState);
    }

    /**
     * The layer's weights in this form: kernel, recurrent_kernel (int8), bias, kernel_scale,
     * recurrent_kernel_scale, input_scale, then the cell's other float weights (peepholes) as they are.
     */
    List<Parameter> weights(List<Parameter> before, Parameter bias) {
        List<Parameter> weights = new ArrayList<>();
        weights.add(new Parameter("kernel", kernel.values()));
        weights.add(new Parameter("recurrent_kernel", recurrent.values()));
        if (bias != null) {
            weights.add(new Parameter("bias", bias.value().castTo(DataType.FLOAT)));
        }
        weights.add(new Parameter("kernel_scale", kernel.scales()));
        weights.add(new Parameter("recurrent_kernel_scale", recurrent.scales()));
        weights.add(new Parameter("input_scale", inputScale));
        for (Parameter p : before) {
            if (!List.of("kernel", "recurrent_kernel", "bias").contains(p.name())) {
                weights.add(p);
            }
        }
        return weights;
    }

    /** xz = x W, (T*B, in) by (in, G*U). */
    void inputProduct(INDArray x2, INDArray xz) {
        kernel.multiply(x2, 1 / inputScale.getDouble(0), xz, false);
    }

    /** z (+)= U^T h, feature-major (G*U, B). */
    void recurrentProduct(INDArray h, INDArray z, boolean accumulate) {
        recurrent.multiplyTransposed(h, boundedState ? 1 : 0, z, accumulate);
    }
}
