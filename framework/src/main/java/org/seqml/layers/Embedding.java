package org.seqml.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.backend.Blas;
import org.seqml.backend.CallScope;
import org.seqml.backend.Int8Rows;
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
    private volatile INDArray[] quantized;   // {int8 table, scale per row} once quantized

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
        INDArray[] int8 = quantized;
        INDArray rows = CallScope.uninitialized(int8 != null ? DataType.FLOAT : table.dataType(), ids.length,
            config.outputDim());
        if (int8 != null) {
            Int8Rows.gather(int8[0], int8[1], ids, rows);
        } else {
            Blas.gatherRows(table, ids, rows);
        }
        long[] shape = java.util.Arrays.copyOf(inputs[0].shape(), inputs[0].rank() + 1);
        shape[shape.length - 1] = config.outputDim();
        INDArray mask = config.maskZero() ? inputs[0].neq(0).castTo(rows.dataType()) : null;
        return new Forward(inputs, masks, new INDArray[] {rows.reshape('c', shape)}, new INDArray[] {mask},
            new INDArray[] {rows}, training, ids);
    }

    /**
     * Quantizes the table to int8 in place, a scale per row, as Keras 3's
     * {@code Embedding.quantize("int8")}: its weights become {@code embeddings} (int8) and
     * {@code embeddings_scale} (one per row), frozen; a lookup gives the rows back in float32.
     * <pre>
     * embeddings_scale_r = 127 / max |E[r, :]|, rounded down to a power of 2^(1/16)
     * embeddings = round(E * embeddings_scale),   row r = embeddings[r] / embeddings_scale_r
     * </pre>
     * The rounding (the row's largest weight maps to 122-127 rather than 127) lets a model file
     * store each scale in a byte: a 20,000-word table's scales take 11 KB there instead of 69.
     */
    public void quantize() {
        if (!isBuilt()) {
            throw new IllegalStateException(describe() + " is not built yet: call the model once (or build it) first.");
        }
        if (quantized != null) {
            throw new IllegalStateException(describe() + " is quantized already.");
        }
        INDArray[] q = Int8Rows.quantize(embeddings.value());
        replaceWeights(java.util.List.of(new Parameter("embeddings", q[0]), new Parameter("embeddings_scale", q[1])));
        quantized = q;
        embeddings = weights().get(0);
    }

    /** The largest |weight| of the table (of the float table it stands for, once int8). */
    public double largestWeight() {
        INDArray[] q = quantized;
        return q == null ? embeddings.value().amaxNumber().doubleValue() : 127.0 / q[1].minNumber().doubleValue();
    }

    /** Whether the table is int8 ({@link #quantize}). */
    public boolean quantized() {
        return quantized != null;
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
