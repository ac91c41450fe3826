package org.seqml.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.backend.Blas;
import org.seqml.backend.CallScope;
import org.seqml.initializers.Initializer;
import org.seqml.initializers.RandomUniform;

/**
 * Turns token ids into dense vectors, Keras's {@code Embedding}:
 * <pre>
 * y[..., :] = embeddings[x[...], :]            embeddings (inputDim, outputDim)
 * mask      = x != 0                            when maskZero
 * </pre>
 * With {@code maskZero(true)} id 0 is padding: later layers (recurrent layers, pooling, losses)
 * skip those steps, and the vocabulary must leave id 0 for it.
 *
 * <pre>{@code
 * SymbolicTensor tokens = Input.of(Shape.UNKNOWN);
 * SymbolicTensor vectors = new Embedding(20000, 128).maskZero(true).apply(tokens);
 * }</pre>
 * Input: integer ids of any shape {@code (batch, ...)}, as an int or float array.
 * Output: {@code (batch, ..., outputDim)}.
 */
public final class Embedding extends Layer {

    /** The options, with Keras's defaults. */
    public record Config(int inputDim, int outputDim, Initializer embeddingsInitializer, boolean maskZero) {
        public Config {
            if (inputDim <= 0 || outputDim <= 0) {
                throw new IllegalArgumentException("Embedding: inputDim and outputDim must be positive, got "
                    + inputDim + " and " + outputDim);
            }
        }
    }

    private final Config config;
    private Parameter embeddings;

    /** {@code inputDim}: the vocabulary size (largest id + 1); {@code outputDim}: the vector size. */
    public Embedding(int inputDim, int outputDim) {
        this(new Config(inputDim, outputDim, new RandomUniform(), false));
    }

    public Embedding(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    public Embedding maskZero(boolean maskZero) {
        return sameName(new Embedding(with(config, "maskZero", maskZero)));
    }

    public Embedding embeddingsInitializer(Initializer initializer) {
        return sameName(new Embedding(with(config, "embeddingsInitializer", initializer)));
    }

    @Override
    protected void build(Shape inputShape) {
        embeddings = addWeight("embeddings", new long[] {config.inputDim(), config.outputDim()},
            config.embeddingsInitializer());
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        long[] in = inputShape.dims();
        long[] out = java.util.Arrays.copyOf(in, in.length + 1);
        out[in.length] = config.outputDim();
        return Shape.of(out);
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        // the ids once as Java longs: checked here, read by the lookup and again by backward
        long[] ids = ids(inputs[0]);
        checkIds(ids, inputs[0]);
        INDArray table = embeddings.value();
        INDArray rows = CallScope.uninitialized(table.dataType(), ids.length, config.outputDim());
        Blas.gatherRows(table, ids, rows);
        long[] shape = java.util.Arrays.copyOf(inputs[0].shape(), inputs[0].rank() + 1);
        shape[shape.length - 1] = config.outputDim();
        INDArray mask = config.maskZero() ? inputs[0].neq(0).castTo(embeddings.value().dataType()) : null;
        return new Forward(inputs, masks, new INDArray[] {rows.reshape('c', shape)}, new INDArray[] {mask},
            new INDArray[] {rows}, training, ids);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        if (embeddings.trainable() && outputGradients[0] != null) {
            long[] ids = forward.cache(long[].class);
            INDArray dy = outputGradients[0].reshape('c', ids.length, config.outputDim());
            // embeddings.grad[ids[k], :] += dy[k, :] in place (no vocabulary-sized temporary per
            // step), repeated ids adding up in order
            Blas.addRows(dy, ids, embeddings.grad());
        }
        return new INDArray[] {null};
    }

    /** The ids as longs; ids in a floating-point array must be whole numbers (Keras would cut 1.5 to 1 silently). */
    private long[] ids(INDArray raw) {
        INDArray flat = raw.reshape(raw.length());
        if (!raw.dataType().isFPType()) {
            return flat.castTo(DataType.INT64).toLongVector();
        }
        double[] values = flat.toDoubleVector();
        long[] ids = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            ids[i] = (long) values[i];
            if (ids[i] != values[i]) {
                throw new IllegalArgumentException(describe() + ": token ids must be whole numbers, got " + values[i]
                    + " (value " + i + " of the input of shape " + java.util.Arrays.toString(raw.shape()) + "). An"
                    + " Embedding reads token ids; real-valued features go to a Dense or recurrent layer instead.");
            }
        }
        return ids;
    }

    private void checkIds(long[] ids, INDArray raw) {
        if (ids.length == 0) {
            return;
        }
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        for (long id : ids) {
            max = Math.max(max, id);
            min = Math.min(min, id);
        }
        if (min < 0) {
            throw new IllegalArgumentException(describe() + ": token ids must not be negative (0 is padding), got ids"
                + " from " + min + " to " + max + " in input of shape " + java.util.Arrays.toString(raw.shape())
                + ". Map tokens to ids in [0, " + config.inputDim() + ").");
        }
        if (max >= config.inputDim()) {
            throw new IllegalArgumentException(describe() + ": token ids must be in [0, " + config.inputDim()
                + "), got ids from " + min + " to " + max + " in input of shape "
                + java.util.Arrays.toString(raw.shape()) + ". Raise inputDim to the vocabulary size (largest id + 1).");
        }
    }
}
