package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A product of float activations with int8 weights, {@code y = x W}, computed in int8:
 * <pre>
 * W_q[k, n] = rint(W[k, n] s_n)            s_n = 127 / max_k |W[k, n]|   (a scale per output column)
 * x_q[m, k] = clamp(rint(x[m, k] s_m), ±127)  s_m = 127 / range          (static: a calibrated range;
 *                                                                          dynamic: max_k |x[m, k]|, each
 *                                                                          sample its own, as Keras 3)
 * y[m, n]   = (Σ_k x_q[m, k] W_q[k, n]) / (s_m s_n)
 * </pre>
 * Each product is off by at most {@code K (0.5/s_x · max|W_n| + 0.5/s_n · range + 0.25/(s_x s_n))}
 * from the float one (a rounding error of half a step in each factor), less the saturation of inputs
 * beyond a static range. The sums run on oneDNN's int8 matmul (s8 × s8 into int32, then scaled to
 * float32: VNNI on CPUs that have it) when oneDNN is available, else in Java's int arithmetic
 * (the reference the tests compare against); both quantize the activations the same way. The
 * weights never return to float32.
 *
 * <pre>{@code
 * Int8Matmul w = Int8Matmul.quantize(kernel);        // (K, N) float32 -> int8 and N scales
 * w.multiply(x, 0, y, false);                         // y (M, N) = x (M, K) W, x quantized per call
 * }</pre>
 * Safe to call from any thread; the primitives made for each shape are shared.
 */
public final class Int8Matmul {
    private static final int OUTPUT_SCALES = -40;
    private static final int SOURCE = -41;
    private static final int TARGET = -42;

    private final INDArray values;
    private final INDArray scales;
    private final long rows;
    private final long columns;
    private final Map<Key, Primitive> cache = OneDnn.lru(16);

    private Int8Matmul(INDArray values, INDArray scales) {
        if (values.rank() != 2 || values.dataType() != DataType.INT8 || values.ordering() != 'c'
            || values.offset() != 0 || values.data().length() != values.length()) {
            throw new IllegalArgumentException("int8 weights are a dense 2-D INT8 array (inputs, outputs); got "
                + values.dataType() + " " + java.util.Arrays.toString(values.shape()) + ".");
        }
        if (scales.dataType() != DataType.FLOAT || scales.length() != values.size(1)) {
            throw new IllegalArgumentException("int8 weights of " + values.size(1) + " columns need as many float32"
                + " scales; got " + scales.length() + " " + scales.dataType() + ".");
        }
        // the arrays themselves, not copies: a loaded model assigns the file's values into them
        this.values = values;
        this.scales = scales;
        this.rows = values.size(0);
        this.columns = values.size(1);
    }

    /** Quantizes a float (inputs, outputs) matrix, a scale per output column (an all-zero column gets 1). */
    public static Int8Matmul quantize(INDArray w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("quantize takes a 2-D (inputs, outputs) matrix; got shape "
                + java.util.Arrays.toString(w.shape()) + ".");
        }
        INDArray f = w.castTo(DataType.FLOAT);
        float[] peak = Transforms.abs(f, true).max(0).toFloatVector();
        for (int c = 0; c < peak.length; c++) {
            peak[c] = peak[c] == 0 ? 1f : 127f / peak[c];
        }
        INDArray s = Nd4j.createFromArray(peak);
        return new Int8Matmul(Transforms.round(f.mulRowVector(s), false).castTo(DataType.INT8).dup('c'), s);
    }

    /**
     * Weights quantized before: int8 values (inputs, outputs) and a float32 scale per output, used
     * as they are (not copied), so that values assigned into them later (a file's) are the ones used.
     */
    public static Int8Matmul of(INDArray values, INDArray scales) {
        return new Int8Matmul(values, scales);
    }

    /** The int8 weights, (inputs, outputs). */
    public INDArray values() {
        return values;
    }

    /** The scale of each output column: {@code W_q = rint(W s)}. */
    public INDArray scales() {
        return scales;
    }

    public long inputs() {
        return rows;
    }

    public long outputs() {
        return columns;
    }

    /**
     * {@code y (M, N) = x (M, K) W}, or {@code y += x W} with {@code accumulate}. {@code range > 0}
     * is the calibrated largest |x| (larger values saturate); otherwise each row uses its own.
     */
    public void multiply(INDArray x, double range, INDArray y, boolean accumulate) {
        run(x, false, range, y, accumulate);
    }

    /**
     * The same product in feature-major layout, as a recurrent loop keeps its steps:
     * {@code y (N, M) = (x^T W)^T} for {@code x (K, M)}.
     */
    public void multiplyTransposed(INDArray x, double range, INDArray y, boolean accumulate) {
        run(x, true, range, y, accumulate);
    }

    private void run(INDArray x, boolean transposed, double range, INDArray y, boolean accumulate) {
        int k = transposed ? 0 : 1;
        long m = x.size(1 - k);
        if (x.rank() != 2 || x.size(k) != rows) {
            throw new IllegalArgumentException("int8 product: the input must be " + (transposed ? "(" + rows
                + ", batch)" : "(batch, " + rows + ")") + "; got " + java.util.Arrays.toString(x.shape()) + ".");
        }
        long[] expected = transposed ? new long[] {columns, m} : new long[] {m, columns};
        if (!java.util.Arrays.equals(y.shape(), expected) || y.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("int8 product: the output must be float32 "
                + java.util.Arrays.toString(expected) + "; got " + y.dataType() + " "
                + java.util.Arrays.toString(y.shape()) + ".");
        }
        float[] v = floats(x);
        float[] scales = rowScales(v, transposed, (int) m, (int) rows, range);
        byte[] q = quantize(v, transposed, (int) m, (int) rows, scales);
        boolean oneDnn = OneDnn.available() && !OneDnn.declinedHere();
        if (range > 0 && oneDnn) {   // one scale for every row: oneDNN scales each column, into y itself
            oneDnn(q, scales[0], (int) m, y, transposed, accumulate);
            return;
        }
        INDArray product = CallScope.uninitialized(DataType.FLOAT, m, columns);
        if (oneDnn) {
            oneDnn(q, 1, (int) m, product, false, false);
            product.muliColumnVector(Nd4j.createFromArray(scales).rdivi(1).reshape(m, 1));
        } else {
            reference(q, scales, (int) m, product);
        }
        INDArray result = transposed ? product.transpose() : product;
        if (accumulate) {
            y.addi(result);
        } else {
            y.assign(result);
        }
    }

    private static float[] floats(INDArray x) {
        INDArray f = x.dataType() == DataType.FLOAT && OneDnn.rowMajor(x) ? x : x.castTo(DataType.FLOAT).dup('c');
        float[] v = new float[(int) f.length()];
        new FloatPointer(f.data().addressPointer()).position(f.offset() - f.data().offset()).get(v);
        return v;
    }

    /** s_x of each row: 127 / range, or 127 over the row's own largest |x| (a sample's, whatever its batch). */
    private static float[] rowScales(float[] v, boolean transposed, int m, int k, double range) {
        float[] scales = new float[m];
        if (range > 0) {
            java.util.Arrays.fill(scales, (float) (127 / range));
            return scales;
        }
        for (int i = 0; i < v.length; i++) {
            int row = transposed ? i % m : i / k;
            scales[row] = Math.max(scales[row], Math.abs(v[i]));
        }
        for (int r = 0; r < m; r++) {
            scales[r] = scales[r] == 0 ? 1f : 127f / scales[r];
        }
        return scales;
    }

    /** x_q, row-major (M, K) whatever x's layout. */
    private static byte[] quantize(float[] v, boolean transposed, int m, int k, float[] scales) {
        byte[] q = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            int row = transposed ? i % m : i / k;
            float r = (float) Math.rint(v[i] * scales[row]);
            q[transposed ? row * k + i / m : i] = (byte) Math.max(-127, Math.min(127, r));
        }
        return q;
    }

    /** The sums in Java's int arithmetic, into a dense (M, N) product. */
    private void reference(byte[] q, float[] rowScales, int m, INDArray product) {
        int k = (int) rows;
        int n = (int) columns;
        byte[] weights = new byte[k * n];
        new BytePointer(values.data().addressPointer()).get(weights);
        float[] columnScales = scales.toFloatVector();
        float[] out = new float[m * n];
        int[] sums = new int[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(sums, 0);
            for (int p = 0; p < k; p++) {
                int a = q[i * k + p];
                if (a != 0) {
                    for (int j = 0, w = p * n; j < n; j++, w++) {
                        sums[j] += a * weights[w];
                    }
                }
            }
            for (int j = 0; j < n; j++) {
                out[i * n + j] = sums[j] / (rowScales[i] * columnScales[j]);
            }
        }
        product.assign(Nd4j.createFromArray(out).reshape('c', m, n));
    }

    private record Key(long m, boolean transposed, long stride0, long stride1, boolean accumulate) {
    }

    /** y = (x_q W_q) / (scale s_n) (or y += ...) on oneDNN's int8 matmul. */
    private void oneDnn(byte[] q, float scale, int m, INDArray y, boolean transposed, boolean accumulate) {
        // ND4J gives a dimension of size 1 any stride, (1, 1) for a (1, N) row; oneDNN reads it
        long s1 = y.size(1) == 1 ? y.size(0) * y.stride(0) : y.stride(1);
        long s0 = y.size(0) == 1 ? y.size(1) * s1 : y.stride(0);
        Key key = new Key(m, transposed, s0, s1, accumulate);
        Primitive p = primitive(key);
        float[] columnScales = scales.toFloatVector();
        float[] out = new float[(int) columns];
        for (int j = 0; j < out.length; j++) {
            out[j] = 1 / (scale * columnScales[j]);
        }
        INDArray source = CallScope.uninitialized(DataType.INT8, m, rows);
        new BytePointer(source.data().addressPointer()).put(q);
        INDArray outputScales = CallScope.uninitialized(DataType.FLOAT, columns);
        new FloatPointer(outputScales.data().addressPointer()).put(out);
        OneDnn.run(() -> {
            OneDnnRnn.Args args = p.args.get().use(false);
            IntMemoryMap map = args.map;
            map.put(dnnl.DNNL_ARG_SRC, args.wrap(SOURCE, p.source, source));
            map.put(dnnl.DNNL_ARG_WEIGHTS, p.weights);
            map.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, args.wrap(OUTPUT_SCALES, p.outputScales, outputScales));
            map.put(dnnl.DNNL_ARG_DST, at(args.wrap(TARGET, p.target, y), y));
            OneDnn.execute(p.primitive, p.scratchpad, map);
        });
    }

    /** The memory pointed at the array's first element: a view's buffer may already start at the view. */
    private static memory at(memory m, INDArray a) {
        m.set_data_handle(new BytePointer(a.data().addressPointer()).position((a.offset() - a.data().offset()) * 4));
        return m;
    }

    private synchronized Primitive primitive(Key key) {
        return cache.computeIfAbsent(key, Primitive::new);
    }

    private final class Primitive {
        final matmul primitive;
        final memory.desc scratchpad;
        final memory.desc source;
        final memory.desc target;
        final memory.desc outputScales;
        final memory weights;
        final ThreadLocal<OneDnnRnn.Args> args = ThreadLocal.withInitial(OneDnnRnn.Args::new);

        Primitive(Key key) {
            long m = key.m();
            source = new memory.desc(new long[] {m, rows}, memory.data_type.s8, memory.format_tag.ab);
            long[] strides = key.transposed() ? new long[] {key.stride1(), key.stride0()}
                : new long[] {key.stride0(), key.stride1()};
            target = new memory.desc(new long[] {m, columns}, memory.data_type.f32, strides);
            outputScales = new memory.desc(new long[] {columns}, memory.data_type.f32, memory.format_tag.a);
            memory.desc weightsD = new memory.desc(new long[] {rows, columns}, memory.data_type.s8,
                memory.format_tag.ab);
            primitive_attr attr = OneDnn.attr();
            attr.set_output_scales(1 << 1, new float[] {(float) dnnl.DNNL_RUNTIME_F32_VAL});
            if (key.accumulate()) {
                post_ops sum = new post_ops();
                sum.append_sum(1.0f, memory.data_type.undef);
                attr.set_post_ops(sum);
            }
            matmul.primitive_desc pd = new matmul.primitive_desc(new matmul.desc(source, weightsD, target), attr,
                OneDnn.cpu(), false);
            primitive = new matmul(pd);
            scratchpad = pd.scratchpad_desc();
            weights = new memory(weightsD, OneDnn.cpu(), values.data().addressPointer());
        }
    }
}
