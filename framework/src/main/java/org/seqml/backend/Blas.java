package org.seqml.backend;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products on preallocated arrays, straight into OpenBLAS on the CPU backend:
 * {@code C = alpha op(A) op(B) + beta C}. ND4J's own gemm copies when an operand is a view (a
 * time step of a sequence) and costs tens of microseconds per call in bookkeeping; the recurrent
 * loop calls this hundreds of times per batch, so it goes to {@code cblas_?gemm} directly with
 * the arrays' own memory. On other backends it falls back to ND4J's gemm.
 *
 * <pre>{@code
 * Blas.gemm(recurrentKernel, false, h, true, 1.0, z, 1.0);   // z += U h^T ... as laid out by the caller
 * }</pre>
 * Arrays are row-major 2-D with unit column stride: whole matrices, time steps of a C-ordered
 * sequence, or column blocks of a matrix (their row stride is passed as the leading dimension).
 */
public final class Blas {
    private static final boolean CPU = Switches.nativeCpu();
    private static final int ROW_MAJOR = openblas.CblasRowMajor;
    private static final boolean ONEDNN_GEMM = Switches.ONEDNN_GEMM;
    private static final long ONEDNN_GEMM_FROM = Switches.ONEDNN_GEMM_FROM;

    private Blas() {
    }

    /**
     * As {@link #gemm(INDArray, boolean, INDArray, boolean, double, INDArray, double)}, in mixed
     * precision when {@code bf16} (a layer under {@code mixed_bfloat16}): a product of at least
     * {@code -Dseqml.bf16GemmFrom} (2^20) multiply-adds runs on {@link Bf16Matmul}, A and B rounded
     * to bfloat16, summed in float32; smaller ones (where converting costs more than it saves),
     * and any the kernel cannot take, in float32.
     */
    public static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, double alpha, INDArray c,
                            double beta, boolean bf16) {
        if (bf16 && CPU && alpha == 1 && (beta == 0 || beta == 1)
            && c.size(0) * c.size(1) * (transA ? a.size(0) : a.size(1)) >= Switches.BF16_GEMM_FROM) {
            checkShapes(a, transA, b, transB, c);
            if (Bf16Matmul.gemm(a, transA, b, transB, c, beta == 1)) {
                return;
            }
        }
        gemm(a, transA, b, transB, alpha, c, beta);   // which checks the shapes itself
    }

    private static void checkShapes(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c) {
        long m = transA ? a.size(1) : a.size(0);
        long k = transA ? a.size(0) : a.size(1);
        long n = transB ? b.size(0) : b.size(1);
        if ((transB ? b.size(1) : b.size(0)) != k || c.size(0) != m || c.size(1) != n) {
            throw new IllegalArgumentException("gemm: shapes do not agree: " + java.util.Arrays.toString(a.shape())
                + (transA ? "^T" : "") + " x " + java.util.Arrays.toString(b.shape()) + (transB ? "^T" : "") + " -> "
                + java.util.Arrays.toString(c.shape()));
        }
    }

    /**
     * C = alpha op(A) op(B) + beta C, where op transposes when asked. With beta 0, C is only
     * written (as in BLAS), so it may be an uninitialized array. Float products of at least
     * 2^24 multiply-adds go to oneDNN's sgemm on the OpenMP threads that oneDNN's recurrent
     * primitives use, the rest to OpenBLAS: OpenBLAS's own worker threads competed for the two
     * cores with OpenMP's spinning ones, and W4's step (three (1280 x 256 x 5000) products between
     * oneDNN's LSTMs) ran at a mean of 156-170 ms against 171-174 ms with every product on
     * OpenBLAS ({@code -Dseqml.onednnGemm=false}; {@code -Dseqml.onednnGemmFrom=n} moves the size).
     */
    public static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, double alpha, INDArray c,
                            double beta) {
        long m = transA ? a.size(1) : a.size(0);
        long k = transA ? a.size(0) : a.size(1);
        long n = transB ? b.size(0) : b.size(1);
        checkShapes(a, transA, b, transB, c);
        if (!CPU || !contiguous(a) || !contiguous(b) || !contiguous(c) || a.dataType() != c.dataType()
            || b.dataType() != c.dataType()) {
            INDArray product = (transA ? a.transpose() : a).mmul(transB ? b.transpose() : b);
            if (beta == 0) {
                c.assign(product.muli(alpha));   // as BLAS: C is not read, so it may hold anything
            } else {
                c.muli(beta).addi(product.muli(alpha));
            }
            return;
        }
        int ta = transA ? openblas.CblasTrans : openblas.CblasNoTrans;
        int tb = transB ? openblas.CblasTrans : openblas.CblasNoTrans;
        int lda = (int) a.stride(0);
        int ldb = (int) b.stride(0);
        int ldc = (int) c.stride(0);
        if (c.dataType() == DataType.FLOAT && ONEDNN_GEMM && m * n * k >= ONEDNN_GEMM_FROM
            && OneDnn.sgemm(transA, transB, m, n, k, (float) alpha, floats(a), lda, floats(b), ldb, (float) beta, floats(c), ldc)) {
            return;
        }
        if (c.dataType() == DataType.FLOAT) {
            openblas.cblas_sgemm(ROW_MAJOR, ta, tb, (int) m, (int) n, (int) k, (float) alpha, floats(a), lda, floats(b),
                ldb, (float) beta, floats(c), ldc);
        } else if (c.dataType() == DataType.DOUBLE) {
            openblas.cblas_dgemm(ROW_MAJOR, ta, tb, (int) m, (int) n, (int) k, alpha, doubles(a), lda, doubles(b), ldb,
                beta, doubles(c), ldc);
        } else {
            throw new IllegalArgumentException("gemm needs float or double arrays, got " + c.dataType());
        }
    }

    /**
     * {@code into += 1^T rows}: the column sums of a (r, n) matrix added into an n-vector (a bias
     * gradient), as one matrix-vector product ({@code ?gemv}, A transposed) written in place. On
     * W4's (1280, 5000) output gradient 0.8-1.6 ms, against 8-12 ms for the same product as a
     * one-row {@code sgemm} (OpenBLAS does not turn it into a gemv) and 8.3-8.6 ms for ND4J's
     * column sum and an add. Other backends and layouts take the product through {@link #gemm}.
     */
    public static void addColumnSums(INDArray rows, INDArray into) {
        long r = rows.size(0);
        long n = rows.size(1);
        DataType type = into.dataType();
        if (CPU && contiguous(rows) && rows.dataType() == type && into.length() == n && into.elementWiseStride() > 0
            && (type == DataType.FLOAT || type == DataType.DOUBLE)) {
            INDArray ones = Nd4j.ones(type, r);
            int inc = into.elementWiseStride();
            if (type == DataType.FLOAT) {
                openblas.cblas_sgemv(ROW_MAJOR, openblas.CblasTrans, (int) r, (int) n, 1f, floats(rows),
                    (int) rows.stride(0), floats(ones), 1, 1f, floats(into), inc);
            } else {
                openblas.cblas_dgemv(ROW_MAJOR, openblas.CblasTrans, (int) r, (int) n, 1.0, doubles(rows),
                    (int) rows.stride(0), doubles(ones), 1, 1.0, doubles(into), inc);
            }
            return;
        }
        INDArray ones = Nd4j.ones(rows.dataType(), 1, r);
        gemm(ones, false, rows, false, 1.0, into.reshape(1, n), 1.0);
    }

    /**
     * {@code into[k, :] = table[ids[k], :]} for every k: an embedding's lookup, one bulk copy per
     * row between direct byte buffers over the arrays' own memory (Java's intrinsic copy, no JNI
     * call per row): on W1's 12,800 rows of (20000, 128) with cold caches 1.3-2.3 ms against
     * 1.9-3.7 ms for one {@code cblas_scopy} per row and 2.7-3.0 ms (warm) for ND4J's
     * {@code gather}. Other backends and layouts go to {@code gather}.
     */
    public static void gatherRows(INDArray table, long[] ids, INDArray into) {
        check("gatherRows", table, ids, into, false);
        if (ids.length == 0) {
            return;
        }
        if (!rowWise(table, into) || !copyRows(table, ids, into)) {
            into.assign(Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(table, Nd4j.createFromArray(ids), 0))[0]);
        }
    }

    /**
     * {@code into[ids[k], :] += rows[k, :]} for every k, repeated ids adding up in order: an
     * embedding's gradient. One {@code cblas_?axpy} per row on the arrays' own memory: on W1's
     * 12,800 rows of 128 into (20000, 128) 0.9-1.1 ms against 10.9-13.2 ms for ND4J's
     * {@code scatter_add}, and deterministic. Other backends and layouts go to {@code scatter_add}.
     */
    public static void addRows(INDArray rows, long[] ids, INDArray into) {
        check("addRows", rows, ids, into, true);
        if (ids.length == 0) {
            return;
        }
        if (!rowWise(rows, into)) {
            // the op adds repeated ids from several threads at once unless locked
            Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("scatter_add")
                .addInputs(into, Nd4j.createFromArray(ids), rows).addOutputs(into).callInplace(true)
                .addBooleanArguments(true).build());
            return;
        }
        int n = (int) into.size(1);
        long ldf = rows.stride(0);
        long ldi = into.stride(0);
        boolean single = into.dataType() == DataType.FLOAT;
        // one level-1 call per row, the two pointers moved rather than made anew
        org.bytedeco.javacpp.Pointer x = single ? floats(rows) : doubles(rows);
        org.bytedeco.javacpp.Pointer y = single ? floats(into) : doubles(into);
        long x0 = x.position();
        long y0 = y.position();
        for (int k = 0; k < ids.length; k++) {
            x.position(x0 + k * ldf);
            y.position(y0 + ids[k] * ldi);
            if (single) {
                openblas.cblas_saxpy(n, 1f, (FloatPointer) x, 1, (FloatPointer) y, 1);
            } else {
                openblas.cblas_daxpy(n, 1.0, (DoublePointer) x, 1, (DoublePointer) y, 1);
            }
        }
    }

    /**
     * {@code a.flat[positions[i]]} for every i, of a dense array in c order: a cross-entropy's
     * probability of each row's true class. Read through a byte buffer over the array's memory:
     * W4's 1280 positions of (1280, 5000) in microseconds, where ND4J's {@code gather} on the flat
     * array took 1.2 ms. Other types, layouts and backends go to {@code gather}.
     */
    public static double[] valuesAt(INDArray a, long[] positions) {
        checkPositions("valuesAt", a, positions);
        java.nio.ByteBuffer buf = elementBytes(a);
        if (buf == null) {
            return Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(a.reshape('c', new long[] {a.length()}),
                Nd4j.createFromArray(positions), 0))[0].castTo(DataType.DOUBLE).toDoubleVector();
        }
        int bytes = a.dataType().width();
        int base = (int) (start(a) * bytes);
        double[] out = new double[positions.length];
        for (int i = 0; i < positions.length; i++) {
            int at = base + (int) positions[i] * bytes;
            out[i] = bytes == 4 ? buf.getFloat(at) : buf.getDouble(at);
        }
        return out;
    }

    /**
     * {@code a.flat[positions[i]] += updates[i]} for every i, in order (repeated positions add up),
     * on a dense array in c order: a cross-entropy's {@code -1} at each row's true class, through a
     * byte buffer over the array's memory (W4's 1280 positions in microseconds, where ND4J's
     * {@code scatter_add} took 1.3-2.3 ms). Other types, layouts and backends go to
     * {@code scatter_add}.
     */
    public static void addAt(INDArray a, long[] positions, double[] updates) {
        if (positions.length != updates.length) {
            throw new IllegalArgumentException("addAt: " + positions.length + " positions, " + updates.length + " values");
        }
        checkPositions("addAt", a, positions);
        java.nio.ByteBuffer buf = elementBytes(a);
        if (buf == null) {
            // a flat c-order copy (reshaping other layouts copies anyway), added into, then put back
            INDArray flat = a.dup('c').reshape(a.length());
            Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("scatter_add")
                .addInputs(flat, Nd4j.createFromArray(positions), Nd4j.createFromArray(updates).castTo(a.dataType()))
                .addOutputs(flat).callInplace(true).build());
            a.assign(flat.reshape('c', a.shape()));
            return;
        }
        int bytes = a.dataType().width();
        int base = (int) (start(a) * bytes);
        for (int i = 0; i < positions.length; i++) {
            int at = base + (int) positions[i] * bytes;
            if (bytes == 4) {
                buf.putFloat(at, (float) (buf.getFloat(at) + updates[i]));
            } else {
                buf.putDouble(at, buf.getDouble(at) + updates[i]);
            }
        }
    }

    private static void checkPositions(String what, INDArray a, long[] positions) {
        for (long p : positions) {
            if (p < 0 || p >= a.length()) {
                throw new IllegalArgumentException(what + ": position " + p + " outside [0, " + a.length() + ")");
            }
        }
    }

    /**
     * The bytes of a dense float or double CPU array in c order, from its buffer's start, in the
     * machine's byte order; null when it is not one or is past 2 GB (int offsets).
     */
    private static java.nio.ByteBuffer elementBytes(INDArray a) {
        long end = (start(a) + a.length()) * a.dataType().width();
        if (!CPU || (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) || a.ordering() != 'c'
            || !org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a) || end > Integer.MAX_VALUE) {
            return null;
        }
        return bytesOf(a, end).order(java.nio.ByteOrder.nativeOrder());
    }

    /**
     * Checks shapes and ids before native code writes where they point: {@code from} rows are
     * indexed by {@code ids} when copying, {@code into} rows when adding.
     */
    private static void check(String what, INDArray from, long[] ids, INDArray into, boolean add) {
        INDArray indexed = add ? into : from;
        INDArray sequential = add ? from : into;
        if (from.rank() != 2 || into.rank() != 2 || sequential.size(0) != ids.length || from.size(1) != into.size(1)) {
            throw new IllegalArgumentException(what + ": " + ids.length + " ids, rows of shape "
                + java.util.Arrays.toString(from.shape()) + " to " + java.util.Arrays.toString(into.shape()));
        }
        for (long id : ids) {
            if (id < 0 || id >= indexed.size(0)) {
                throw new IllegalArgumentException(what + ": row id " + id + " outside [0, " + indexed.size(0) + ")");
            }
        }
    }

    /** Whether both are float or double CPU matrices of rows with unit column stride, of one type. */
    private static boolean rowWise(INDArray from, INDArray into) {
        return CPU && contiguous(from) && contiguous(into) && from.dataType() == into.dataType()
            && (into.dataType() == DataType.FLOAT || into.dataType() == DataType.DOUBLE);
    }

    /** into[k] = from[ids[k]] by byte-buffer bulk copies; false when a buffer is past 2 GB (int offsets). */
    private static boolean copyRows(INDArray from, long[] ids, INDArray into) {
        int bytes = into.dataType().width();
        long fromEnd = (start(from) + from.size(0) * from.stride(0)) * bytes;
        long intoEnd = (start(into) + into.size(0) * into.stride(0)) * bytes;
        if (Math.max(fromEnd, intoEnd) > Integer.MAX_VALUE) {
            return false;
        }
        java.nio.ByteBuffer src = bytesOf(from, fromEnd);
        java.nio.ByteBuffer dst = bytesOf(into, intoEnd);
        int row = (int) into.size(1) * bytes;
        int fromStart = (int) (start(from) * bytes);
        int fromStride = (int) (from.stride(0) * bytes);
        int intoStart = (int) (start(into) * bytes);
        int intoStride = (int) (into.stride(0) * bytes);
        for (int k = 0; k < ids.length; k++) {
            dst.put(intoStart + k * intoStride, src, fromStart + (int) ids[k] * fromStride, row);
        }
        return true;
    }

    /** The array's buffer from its own start (data().addressPointer()) as bytes, {@code end} long. */
    private static java.nio.ByteBuffer bytesOf(INDArray a, long end) {
        return new org.bytedeco.javacpp.BytePointer(a.data().addressPointer()).position(0).capacity(end).asByteBuffer();
    }

    /** Row-major with unit column stride: a whole matrix, a run of its rows, or a block of its columns. */
    private static boolean contiguous(INDArray a) {
        return a.rank() == 2 && a.stride(1) == 1 && a.stride(0) >= a.size(1);
    }

    /** The array's first element: a view's buffer may already start at the view (data().offset()). */
    private static long start(INDArray a) {
        return a.offset() - a.data().offset();
    }

    private static FloatPointer floats(INDArray a) {
        return new FloatPointer(a.data().addressPointer()).position(start(a));
    }

    private static DoublePointer doubles(INDArray a) {
        return new DoublePointer(a.data().addressPointer()).position(start(a));
    }
}
