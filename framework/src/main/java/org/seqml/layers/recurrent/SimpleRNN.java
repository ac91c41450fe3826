package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.activations.Activation;
import org.seqml.activations.Activations;
import org.seqml.backend.Blas;
import org.seqml.initializers.Constant;
import org.seqml.initializers.GlorotUniform;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.Orthogonal;
import org.seqml.layers.Parameter;

/**
 * The plain (Elman) recurrent layer, Keras's {@code SimpleRNN}:
 * <pre>
 * h_t = σ(x_t W + h_{t-1} U + b)            W (in, U), U (U, U), b (U); σ = activation (tanh)
 * </pre>
 *
 * <pre>{@code
 * SymbolicTensor h = new SimpleRNN(50).apply(series);
 * }</pre>
 * Loop options (masks, goBackwards, returnState, stateful, dropout, ...) are {@link RNN}'s.
 */
public final class SimpleRNN extends RNN<SimpleRNN> {

    /** The cell's options, with Keras's defaults. */
    public record Config(int units, Activation activation, boolean useBias, Initializer kernelInitializer,
                         Initializer recurrentInitializer, Initializer biasInitializer) {
        public Config {
            if (units <= 0) {
                throw new IllegalArgumentException("SimpleRNN: units must be positive, got " + units);
            }
        }
    }

    private final Config config;
    private Parameter kernel;
    private Parameter recurrentKernel;
    private Parameter bias;

    public SimpleRNN(int units) {
        this(new Config(units, Activations.TANH, true, new GlorotUniform(), new Orthogonal(), Constant.ZEROS),
            Options.defaults());
    }

    public SimpleRNN(Config config, Options options) {
        super(options);
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected SimpleRNN withOptions(Options newOptions) {
        return new SimpleRNN(config, newOptions);
    }

    @Override
    protected SimpleRNN withCellOption(String option, Object value) {
        return sameName(new SimpleRNN(with(config, option, value), options()));
    }

    @Override
    public int units() {
        return config.units();
    }

    @Override
    protected int stateCount() {
        return 1;
    }

    @Override
    protected int gateCount() {
        return 1;
    }

    @Override
    protected void buildCell(long inputDim) {
        int u = config.units();
        kernel = addWeight("kernel", new long[] {inputDim, u}, config.kernelInitializer());
        recurrentKernel = addWeight("recurrent_kernel", new long[] {u, u}, config.recurrentInitializer());
        if (config.useBias()) {
            bias = addWeight("bias", new long[] {u}, config.biasInitializer());
        }
    }

    @Override
    public Parameter recurrentKernel() {
        return recurrentKernel;
    }

    @Override
    protected Parameter biasParameter() {
        return bias;
    }

    @Override
    protected void rebindWeights() {
        kernel = weight("kernel");
        recurrentKernel = weight("recurrent_kernel");
        bias = weight("bias");
    }

    /** The step's recurrent products are whole-kernel ones. */
    @Override
    protected boolean int8Loop() {
        return true;
    }

    @Override
    protected Parameter kernel() {
        return kernel;
    }

    @Override
    protected INDArray inputBias() {
        return bias == null ? null : bias.value();
    }

    /** Nothing beyond the pre-activations the loop keeps. */
    @Override
    protected Object newCache(long time, long batch, DataType type, INDArray[] inputs, INDArray[] masks) {
        return null;
    }

    @Override
    protected void step(int s, INDArray z, INDArray hRec, INDArray[] prev, INDArray[] next, Object cache) {
        recurrentProduct(hRec, z, true);                                    // z += U^T h_{t-1}
        config.activation().applyTo(z, next[0]);
    }

    @Override
    protected void stepBackward(int s, INDArray z, INDArray[] dNext, INDArray[] prev, INDArray[] newStates,
                                INDArray dz, INDArray[] dPrev, INDArray recMask, Object cache) {
        config.activation().backwardTo(z, newStates[0], dNext[0], dz);
        Blas.gemm(recurrentKernel.value(), false, dz, false, 1.0, dPrev[0], 0.0);
        if (recMask != null) {
            dPrev[0].muli(recMask);
        }
    }

    @Override
    protected void weightGradients(INDArray hRec, INDArray dZ, Object cache) {
        sameForAllGates(recurrentKernel, bias, hRec, dZ);
    }
}
