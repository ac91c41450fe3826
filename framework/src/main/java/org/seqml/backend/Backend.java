package org.seqml.backend;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that knows which ND4J backend runs and how numbers are stored.
 *
 * <p>{@link #floatX()} is Keras's {@code keras.config.floatx()}: the type new weights and
 * computations use. It is float32 by default; gradient checks switch it to float64.
 *
 * <pre>{@code
 * Backend.setFloatX(DataType.DOUBLE);   // every layer built after this holds doubles
 * }</pre>
 */
public final class Backend {
    static {
        noBindingNotice();
        CpuTuning.apply();
    }

    /**
     * Without an SLF4J binding SLF4J drops every message, seqml's warnings too (CPU tuning not
     * applied, Keras options ignored); say so once on stderr, with the fix.
     */
    private static void noBindingNotice() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof org.slf4j.helpers.NOPLoggerFactory) {
            System.err.println("seqml: no SLF4J binding on the classpath, so seqml's warnings are not shown. Add one,"
                + " e.g. org.slf4j:slf4j-simple:1.7.36 (README, \"Logging\").");
        }
    }

    private Backend() {
    }

    /**
     * Makes sure the CPU tuning ran before ND4J loads; every seqml entry point (layers, models,
     * the random seed) calls it from its static initializer.
     */
    public static void init() {
        // the static initializer above does the work, once
    }

    /**
     * Sets how many cores oneDNN's calls of this JVM take together ({@code -Dseqml.onednnThreads},
     * by default the machine's): a Spark executor given 1 core of 16 must not run 16 threads (on two
     * 1-core executors a step took 2,164 ms with the machine's count, 646 with 1). Calls running now
     * keep theirs; later ones share the new count.
     */
    public static void setThreads(int threads) {
        OneDnn.setThreads(threads);
    }

    /** The cores oneDNN's calls of this JVM take together. */
    public static int threads() {
        return OneDnn.threads();
    }

    /** The floating-point type of new weights and of inputs converted for a model. */
    public static DataType floatX() {
        return Nd4j.defaultFloatingPointType();
    }

    /** Sets the floating-point type for weights built from now on (float32 or float64). */
    public static void setFloatX(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("floatX must be FLOAT or DOUBLE, got " + type);
        }
        Nd4j.setDefaultDataTypes(type, type);
    }

    /**
     * Runs {@code work} on this thread with every fused kernel declined (oneDNN's and ND4J's fused
     * recurrent ops, oneDNN's softmax and optimizer passes), so each call takes its plain
     * reference path (seqml's own recurrent loop, ND4J's softmax, the optimizers' plain rule): how
     * tests compare a fast path with its reference, scoped to the call and the thread, so other
     * threads keep their fast paths.
     * <pre>{@code
     * INDArray reference = Backend.withoutFusedKernels(() -> layer.call(x, masks, false).output());
     * }</pre>
     */
    public static <T> T withoutFusedKernels(java.util.function.Supplier<T> work) {
        return OneDnn.declined(work);
    }

    /**
     * Whether this machine computes bfloat16 natively (oneDNN on a CPU with AVX512-BF16 or AMX):
     * where it does not, layers under {@code mixed_bfloat16} compute in float32.
     */
    public static boolean nativeBfloat16() {
        return Bf16.supported();
    }

    /** The name of the ND4J backend in use, e.g. "CPU" or "CUDA". */
    public static String name() {
        return Nd4j.getBackend().getClass().getSimpleName().replace("Backend", "");
    }
}
