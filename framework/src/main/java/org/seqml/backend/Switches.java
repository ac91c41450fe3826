package org.seqml.backend;

/**
 * Every switch of the backend, read once, here: the system properties that turn a fast path off
 * or tune it. Nothing else in seqml reads a {@code seqml.*} property of the backend.
 * <ul>
 * <li>{@code -Dseqml.portable=true}: behave as on a non-CPU ND4J backend (CUDA): no oneDNN, no
 * direct BLAS or LAPACK calls, no CPU tuning (environment, denormal flushing), so the code a
 * {@code -Pcuda} user runs is what runs; the test suite runs the oracle and gradient tests under
 * it too.</li>
 * <li>{@code -Dseqml.onednn=false}: no oneDNN kernels (recurrent sequences, softmax, products,
 * optimizer passes); {@code -Dseqml.onednnThreads=n}: the OpenMP threads all oneDNN calls share
 * (default: every available core).</li>
 * <li>{@code -Dseqml.onednnGemm=false}, {@code -Dseqml.onednnGemmFrom=n}: float products of at
 * least n multiply-adds (default 2^24) on oneDNN's sgemm, the rest on OpenBLAS.</li>
 * <li>{@code -Dseqml.fusedUpdates=false}: optimizers update on ND4J's plain ops.</li>
 * <li>{@code -Dseqml.arrayPool=false}: a training step's large arrays are not reused.</li>
 * <li>{@code -Dseqml.flushDenormals=false}: keep IEEE denormals while seqml computes.</li>
 * <li>{@code -Dseqml.packedRnn=false}: padded batches run the recurrent loop instead of oneDNN's
 * kernels on packed rows; {@code -Dseqml.packChunk=n}: the packed rows' chunk of steps (32);
 * {@code -Dseqml.packMerge=n}: a chunk joins the one before when that adds at most n lane-steps (512).</li>
 * <li>{@code -Dseqml.fusedLstmMaxBatch=n}: LSTM inference batches up to n (64) take ND4J's fused
 * {@code lstmLayer} op where oneDNN declines; 0 turns it off.</li>
 * <li>{@code -Dseqml.nativeGcAllowanceMb=n}, {@code -Dseqml.mallocTrim=false}: {@link NativeMemory}.</li>
 * <li>{@code -Dseqml.openblasCoretype}, {@code -Dseqml.threads}, {@code -Dseqml.ompSpinCount}: the
 * environment {@link CpuTuning} sets before ND4J loads.</li>
 * </ul>
 * This class reads properties only, never ND4J, so {@link CpuTuning} may read it before ND4J loads.
 */
public final class Switches {
    static final boolean PORTABLE = Boolean.getBoolean("seqml.portable");
    static final boolean ONEDNN = !PORTABLE && flag("seqml.onednn", true);
    static final int ONEDNN_THREADS = Math.max(1, Integer.getInteger("seqml.onednnThreads",
        Runtime.getRuntime().availableProcessors()));
    static final boolean ONEDNN_GEMM = flag("seqml.onednnGemm", true);
    static final long ONEDNN_GEMM_FROM = Long.getLong("seqml.onednnGemmFrom", 1L << 24);
    /** Whether mixed_bfloat16 may compute in bfloat16 at all; false: in float32, as on a CPU without it. */
    static final boolean BF16 = flag("seqml.bf16", true);
    /** The least multiply-adds a mixed-precision product runs in bfloat16 ({@link Blas}). */
    static final long BF16_GEMM_FROM = Long.getLong("seqml.bf16GemmFrom", 1L << 20);
    static final boolean FUSED_UPDATES = flag("seqml.fusedUpdates", true);
    static final boolean ARRAY_POOL = flag("seqml.arrayPool", true);
    static final boolean FLUSH_DENORMALS = !PORTABLE && flag("seqml.flushDenormals", true);
    static final boolean PACKED_RNN = flag("seqml.packedRnn", true);
    static final int PACK_CHUNK = Math.max(1, Integer.getInteger("seqml.packChunk", 32));
    static final long PACK_MERGE = Math.max(0, Long.getLong("seqml.packMerge", 512));
    static final int FUSED_LSTM_MAX_BATCH = Integer.getInteger("seqml.fusedLstmMaxBatch", 64);
    static final long NATIVE_GC_ALLOWANCE_BYTES = Long.getLong("seqml.nativeGcAllowanceMb", 256) << 20;
    static final boolean MALLOC_TRIM = flag("seqml.mallocTrim", true);
    static final String OPENBLAS_CORETYPE = System.getProperty("seqml.openblasCoretype", "auto");
    static final String THREADS = System.getProperty("seqml.threads", "1");
    static final String OMP_SPIN_COUNT = System.getProperty("seqml.ompSpinCount", CpuTuning.DEFAULT_SPIN_COUNT);

    private Switches() {
    }

    /** Whether the backend behaves as on a non-CPU backend ({@code -Dseqml.portable=true}). */
    public static boolean portable() {
        return PORTABLE;
    }

    /** Whether optimizers may run their rule on the fused passes ({@code -Dseqml.fusedUpdates}). */
    public static boolean fusedUpdates() {
        return FUSED_UPDATES && !PORTABLE;
    }

    /** Whether ND4J runs on its CPU backend and direct BLAS/LAPACK calls are allowed. */
    static boolean nativeCpu() {
        return !PORTABLE && org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName().startsWith("CpuBackend");
    }

    private static boolean flag(String name, boolean fallback) {
        return Boolean.parseBoolean(System.getProperty(name, Boolean.toString(fallback)));
    }
}
