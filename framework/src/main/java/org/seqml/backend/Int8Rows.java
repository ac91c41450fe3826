package org.seqml.backend;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tables of int8 rows, each with its own scale: an embedding quantized as Keras 3's
 * {@code Embedding.quantize("int8")} does, looked up a row at a time; the scale is rounded down
 * to a power of 2^(1/16), so that a model file stores it in one byte ({@link #gridScale}: the
 * scales of a 20,000-row table take 11 KB there instead of 69) and the row's largest weight still
 * maps to 122-127.
 * <pre>
 * scale_r = 2^(floor(16 log2(127 / max |E[r, :]|)) / 16)    q[r, :] = round(E[r, :] scale_r)    row r = q[r, :] / scale_r
 * |row r - E[r, :]| <= 0.5 / scale_r <= 2^(1/16) max |E[r, :]| / 254
 * </pre>
 */
public final class Int8Rows {
    private Int8Rows() {
    }

    /** {quantized (rows, cols) int8, scales (rows) float32} of a float table; an all-zero row gets scale 1. */
    public static INDArray[] quantize(INDArray table) {
        INDArray t = table.castTo(DataType.FLOAT);
        float[] peak = org.nd4j.linalg.ops.transforms.Transforms.abs(t, true).max(1).toFloatVector();
        float[] scales = new float[peak.length];
        for (int r = 0; r < peak.length; r++) {
            scales[r] = peak[r] == 0 ? 1f : gridScale(127f / peak[r]);
        }
        INDArray s = Nd4j.createFromArray(scales);
        INDArray q = org.nd4j.linalg.ops.transforms.Transforms.round(t.mulColumnVector(s.reshape(scales.length, 1)),
            false).castTo(DataType.INT8);
        return new INDArray[] {q, s};
    }

    /** The largest 2^(k/16) (k an integer), as float32, not above {@code scale} (> 0). */
    public static float gridScale(float scale) {
        int k = (int) Math.floor(16 * Math.log(scale) / Math.log(2));
        float g = gridValue(k);
        while (g > scale) {
            g = gridValue(--k);
        }
        while (gridValue(k + 1) <= scale) {
            g = gridValue(++k);
        }
        return g;
    }

    /** 2^(k/16) rounded to float32, the same on every JVM (StrictMath). */
    public static float gridValue(int k) {
        return (float) StrictMath.pow(2, k / 16.0);
    }

    /** out[k, :] = q[ids[k], :] / scales[ids[k]]: the rows looked up, back in float32 (only those). */
    public static void gather(INDArray q, INDArray scales, long[] ids, INDArray out) {
        int cols = (int) q.size(1);
        if (q.dataType() != DataType.INT8 || q.offset() != 0 || q.ordering() != 'c' || out.dataType() != DataType.FLOAT
            || !OneDnn.bindable(out) || out.length() != (long) ids.length * cols) {
            throw new IllegalArgumentException("Int8Rows.gather: a dense int8 table and a dense float32 output of"
                + " (ids, cols)");
        }
        ByteBuffer table = q.data().asNio();
        FloatBuffer o = out.data().asNioFloat();
        INDArray s = scales.dataType() == DataType.FLOAT && scales.offset() == 0 && OneDnn.rowMajor(scales) ? scales
            : scales.castTo(DataType.FLOAT).dup('c');
        FloatBuffer scale = s.data().asNioFloat();
        // a row at a time through Java arrays, where C2 converts and scales in vector registers
        byte[] row = new byte[cols];
        float[] values = new float[cols];
        for (int k = 0; k < ids.length; k++) {
            int id = (int) ids[k];
            table.get(id * cols, row, 0, cols);
            float inverse = 1f / scale.get(id);
            for (int c = 0; c < cols; c++) {
                values[c] = row[c] * inverse;
            }
            o.put(k * cols, values, 0, cols);
        }
    }
}
