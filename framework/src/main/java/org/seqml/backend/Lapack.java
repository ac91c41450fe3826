package org.seqml.backend;

import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Qr;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reduced QR decomposition through the LAPACK inside the OpenBLAS that ND4J already loads
 * ({@code dgeqrf} + {@code dorgqr}). ND4J's {@code qr} op took 13.5 s for an LSTM(256) recurrent
 * kernel's (1024, 256) matrix, so building a model with one took seconds per layer; LAPACK takes
 * milliseconds. ND4J's op stays the plain path (other backends), which {@code LapackTest} compares
 * with.
 * <pre>{@code
 * INDArray[] qr = Lapack.qr(a);   // {Q (m, n), diag(R) (n)} for a (m, n), m >= n, float64
 * }</pre>
 */
public final class Lapack {
    private static final boolean CPU = Switches.nativeCpu();

    private Lapack() {
    }

    /** Q (m, n) and the diagonal of R (n) of a float64 (m, n) matrix with m >= n. */
    public static INDArray[] qr(INDArray a) {
        if (!CPU) {
            return plain(a);
        }
        int m = (int) a.size(0);
        int n = (int) a.size(1);
        double[] data = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] tau = new double[n];
        check(openblas.LAPACKE_dgeqrf(openblas.LAPACK_ROW_MAJOR, m, n, data, n, tau), "dgeqrf");
        double[] diag = new double[n];
        for (int i = 0; i < n; i++) {
            diag[i] = data[i * n + i];   // R's diagonal, before dorgqr overwrites it with Q
        }
        check(openblas.LAPACKE_dorgqr(openblas.LAPACK_ROW_MAJOR, m, n, n, data, n, tau), "dorgqr");
        return new INDArray[] {Nd4j.create(data, new long[] {m, n}, 'c'), Nd4j.create(diag, new long[] {n}, 'c')};
    }

    /** ND4J's qr op: the reference, and the path on other backends. */
    static INDArray[] plain(INDArray a) {
        INDArray[] qr = Nd4j.exec(new Qr(a.castTo(DataType.DOUBLE)));
        return new INDArray[] {qr[0], Nd4j.diag(qr[1]).reshape(a.size(1))};
    }

    private static void check(int info, String routine) {
        if (info != 0) {
            throw new IllegalStateException("LAPACK " + routine + " failed with info " + info);
        }
    }
}
