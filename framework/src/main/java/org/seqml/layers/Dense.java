package org.seqml.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.backend.Blas;
import org.seqml.backend.CallScope;
import org.seqml.backend.Int8Matmul;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;

/**
 * A fully connected layer, Keras's {@code Dense}:
 * <pre>
 * y = activation(x kernel + bias)          kernel (inputDim, units), bias (units)
 * </pre>
 * On input of rank 3 or more it applies to the last axis, so {@code (batch, time, features)}
 * becomes {@code (batch, time, units)}: the same weights at every time step. A mask passes through.
 *
 * <pre>{@code
 * SymbolicTensor h = new Dense(64).activation("relu").apply(x);
 * SymbolicTensor p = new Dense(10).activation("softmax").apply(h);
 * }</pre>
 */
public final class Dense extends Layer implements SoftmaxOutput {

    /** The options, with Keras's defaults. */
    public record Config(int units, Activation activation, boolean useBias, Initializer kernelInitializer,
                         Initializer biasInitializer) {
        public Config {
            if (units <= 0) {
                throw new IllegalArgumentException("Dense: units must be positive, got " + units);
            }
        }
    }

    private final Config config;
    private Parameter kernel;
    private Parameter bias;
    /** The int8 kernel and the input's scale (0: measured per call) once quantized. */
    private volatile Int8 int8;

    private record Int8(Int8Matmul kernel, INDArray inputScale) {
    }

    public Dense(int units) {
        this(new Config(units, Activations.LINEAR, true, new GlorotUniform(), Constant.ZEROS));
    }

    public Dense(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    public Dense activation(String name) {
        return activation(Activation.get(name));
    }

    public Dense activation(Activation activation) {
        return sameName(new Dense(with(config, "activation", activation)));
    }

    public Dense useBias(boolean useBias) {
        return sameName(new Dense(with(config, "useBias", useBias)));
    }

    public Dense kernelInitializer(Initializer initializer) {
        return sameName(new Dense(with(config, "kernelInitializer", initializer)));
    }

    public Dense kernelInitializer(String name) {
        return kernelInitializer(Initializer.get(name));
    }

    public Dense biasInitializer(Initializer initializer) {
        return sameName(new Dense(with(config, "biasInitializer", initializer)));
    }

    @Override
    protected void checkInputShape(Shape shape) {
        if (shape.rank() < 2) {
            throw new IllegalArgumentException(describe() + ": expected input of rank 2 or more (batch, ..., features),"
                + " got shape " + shape + ". Add a feature axis, e.g. reshape (batch,) to (batch, 1).");
        }
        requireKnownLast(shape);
    }

    @Override
    protected void build(Shape inputShape) {
        kernel = addWeight("kernel", new long[] {inputShape.last(), config.units()}, config.kernelInitializer());
        if (config.useBias()) {
            bias = addWeight("bias", new long[] {config.units()}, config.biasInitializer());
        }
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return inputShape.with(-1, config.units());
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray x2 = flat(x, kernel.value().size(0));
        Int8 q = int8;
        INDArray z;
        if (q != null) {
            if (training) {
                throw new IllegalStateException(describe() + " is quantized to int8 and runs inference only: train"
                    + " the float model, then quantize it.");
            }
            z = CallScope.uninitialized(DataType.FLOAT, x2.size(0), config.units());
            float inputScale = q.inputScale().getFloat(0);
            q.kernel().multiply(x2, inputScale > 0 ? 1 / inputScale : 0, z, false);
        } else {
            // written whole by the product (beta 0): no zero fill of W4's 25 MB logits first, and the
            // last step's memory when it freed an array of this size
            z = CallScope.uninitialized(kernel.value().dataType(), x2.size(0), config.units());
            Blas.gemm(x2, false, kernel.value(), false, 1.0, z, 0.0, dtypePolicy().bfloat16());
        }
        if (bias != null) {
            z.addiRowVector(bias.value());
        }
        INDArray y = config.activation() == Activations.LINEAR ? z : config.activation().apply(z);
        return single(inputs, masks, unflat(y, x), firstMask(masks), training, x2, z, y);
    }

    /**
     * Quantizes this built layer to int8 in place, as Keras 3's {@code Dense.quantize("int8")}: its
     * weights become {@code kernel} (int8), {@code bias} (float32), {@code kernel_scale} (one per
     * output unit) and {@code input_scale}, frozen, and every later call multiplies in int8
     * ({@link Int8Matmul}), for inference only.
     * <pre>
     * kernel_scale_n = 127 / max_k |W[k, n]|,   kernel = round(W * kernel_scale)
     * input_scale    = 1 / inputRange  (static: inputs beyond the range saturate),
     *                  or 0 for inputRange 0: each call scales by its own largest |x| (dynamic)
     * y = activation((round(x * 127 input_scale) kernel) / (127 input_scale kernel_scale) + bias)
     * </pre>
     */
    public void quantize(double inputRange) {
        requireBuilt();
        if (int8 != null) {
            throw new IllegalStateException(describe() + " is quantized already.");
        }
        if (!(inputRange >= 0) || Double.isInfinite(inputRange)) {
            throw new IllegalArgumentException(describe() + ": inputRange must be positive and finite (0: measured"
                + " per call), got " + inputRange + ".");
        }
        Int8Matmul q = Int8Matmul.quantize(kernel.value());
        INDArray scale = Nd4j.createFromArray(new float[] {inputRange > 0 ? (float) (1 / inputRange) : 0f});
        java.util.List<Parameter> replacement = new java.util.ArrayList<>();
        replacement.add(new Parameter("kernel", q.values()));
        if (bias != null) {
            replacement.add(new Parameter("bias", bias.value().castTo(DataType.FLOAT)));
        }
        replacement.add(new Parameter("kernel_scale", q.scales()));
        replacement.add(new Parameter("input_scale", scale));
        replaceWeights(replacement);
        kernel = weights().get(0);
        bias = bias == null ? null : weights().get(1);
        int8 = new Int8(q, scale);
    }

    /** Whether the kernel is int8 ({@link #quantize}). */
    public boolean quantized() {
        return int8 != null;
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        if (int8 != null) {
            throw new IllegalStateException(describe() + " is quantized to int8 and has no backward.");
        }
        INDArray z = forward.saved(1);
        INDArray y = forward.saved(2);
        INDArray dy = flat(outputGradient(forward, outputGradients), config.units());
        return backwardFromFlat(forward, config.activation().backward(z, y, dy));
    }

    @Override
    public boolean softmaxOutput() {
        return config.activation() == Activations.SOFTMAX;
    }

    @Override
    public INDArray preActivation(Forward forward) {
        return unflat(forward.saved(1), forward.input());
    }

    @Override
    public INDArray[] backwardFromPreActivation(Forward forward, INDArray preActivationGradient) {
        return backwardFromFlat(forward, flat(preActivationGradient, config.units()));
    }

    /** The weight and input gradients from dLoss/dz, z = x kernel + bias as a matrix. */
    private INDArray[] backwardFromFlat(Forward forward, INDArray dz) {
        INDArray x2 = forward.saved(0);
        if (kernel.trainable()) {
            // kernel.grad += x2^T dz, written in place: no temporary for the product
            Blas.gemm(x2, true, dz, false, 1.0, kernel.grad(), 1.0, dtypePolicy().bfloat16());
        }
        if (bias != null && bias.trainable()) {
            Blas.addColumnSums(dz, bias.grad());
        }
        INDArray dx = CallScope.uninitialized(dz.dataType(), dz.size(0), kernel.value().size(0));
        Blas.gemm(dz, false, kernel.value(), true, 1.0, dx, 0.0, dtypePolicy().bfloat16());
        return new INDArray[] {unflat(dx, forward.input())};
    }

    /** (batch, ..., n) as a matrix (batch * ..., n). */
    private static INDArray flat(INDArray a, long n) {
        return a.rank() == 2 ? a : a.reshape('c', a.length() / n, n);
    }

    /** A matrix back to the leading dimensions of {@code like}. */
    private static INDArray unflat(INDArray m, INDArray like) {
        if (like.rank() == 2) {
            return m;
        }
        long[] shape = like.shape().clone();
        shape[shape.length - 1] = m.size(1);
        // not a view: the input gradient handed back this way can serve the next step (CallScope)
        return CallScope.reshape(m, shape);
    }
}
