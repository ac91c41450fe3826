package org.seqml.backend;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A recurrent call's (batch, time) mask as the fused kernels see it: whether it masks anything,
 * whether it can be packed ({@link PackedBatch}: every entry 0 or 1), and where each row's valid
 * steps are. Each answer reads the mask's entries once, in one copy.
 */
final class PackedMask {
    private PackedMask() {
    }

    /** What a mask is to the kernels: all ones (as none), 0s and 1s (packable), or weighted (the loop's). */
    enum Kind { FULL, PADDED, WEIGHTED }

    /** The kind of a (batch, time) mask, from one read of its entries. */
    static Kind kind(INDArray mask) {
        boolean padded = false;
        for (float v : values(mask)) {
            if (v == 0f) {
                padded = true;
            } else if (v != 1f) {
                return Kind.WEIGHTED;
            }
        }
        return padded ? Kind.PADDED : Kind.FULL;
    }

    /**
     * A (batch, time) mask's entries, row-major, read in one copy (a masked call asks several
     * times: whether it is padded, whether it packs, where each row's steps are; ND4J's
     * reductions and casts cost tens of microseconds each).
     */
    private static float[] values(INDArray mask) {
        INDArray m = mask.dataType() == DataType.FLOAT && mask.offset() == 0 && OneDnn.rowMajor(mask) ? mask
            : mask.castTo(DataType.FLOAT).dup('c');
        float[] out = new float[Math.toIntExact(m.length())];
        m.data().asNioFloat().get(0, out);
        return out;
    }

    /** Each row's valid steps in processing order, or null for an entry neither 0 nor 1. */
    static int[][] validSteps(INDArray mask, boolean reverse) {
        int b = (int) mask.size(0);
        int t = (int) mask.size(1);
        float[] m = values(mask);
        int[][] out = new int[b][];
        int[] steps = new int[t];
        for (int r = 0; r < b; r++) {
            int n = 0;
            for (int p = 0; p < t; p++) {
                float v = m[r * t + (reverse ? t - 1 - p : p)];
                if (v == 1f) {
                    steps[n++] = p;
                } else if (v != 0f) {
                    return null;
                }
            }
            out[r] = java.util.Arrays.copyOf(steps, n);
        }
        return out;
    }
}
