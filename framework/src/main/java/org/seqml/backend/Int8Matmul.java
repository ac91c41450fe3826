package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
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
    private static final int QUANTIZED = -43;
    private static final int ROW_SCALES = -44;
    private static final int QUANTIZE = -45;
    /** Calls with at most this many inputs or outputs quantize and finish in Java. */
    private static final long SMALL = 1 << 16;

    private final INDArray values;
    private final INDArray scales;
    private final long rows;
    private final long columns;
    private final Map<Key, Primitive> cache = OneDnn.lru(16);
    private final java.util.List<memory> packedWeights = new java.util.ArrayList<>();

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
        if (!OneDnn.available() || OneDnn.declinedHere()) {
            float[] v = floats(x);
            float[] scales = rowScales(v, transposed, (int) m, (int) rows, range);
            INDArray product = CallScope.uninitialized(DataType.FLOAT, m, columns);
            reference(quantize(v, transposed, (int) m, (int) rows, scales), scales, (int) m, product);
            into(y, product, transposed, accumulate);
            return;
        }
        INDArray in = x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT);
        // one scale for every row: oneDNN scales the columns, straight into y; else a dense product first
        boolean direct = range > 0 && !transposed && OneDnn.bindable(y);
        INDArray product = direct ? y : CallScope.uninitialized(DataType.FLOAT, m, columns);
        if (m * Math.max(rows, columns) <= SMALL) {
            // a loop's step: each native call costs tens of microseconds here, Java's loops a few
            float[] v = floats(in);
            float[] scales = rowScales(v, transposed, (int) m, (int) rows, range);
            RowInput q = rowInput((int) (m * rows));
            quantize(v, transposed, (int) m, (int) rows, scales, q.values);
            quantizedProduct(q, m, range, direct && accumulate, product);
            if (!direct) {
                epilogue(product, range > 0 ? null : scales, y, transposed, accumulate);
            }
            return;
        }
        // ND4J gives a dimension of size 1 any stride: read it as row-major
        long s1 = rows == 1 ? 1 : transposed ? in.stride(0) : in.stride(1);
        long s0 = m == 1 ? rows * s1 : transposed ? in.stride(1) : in.stride(0);
        Primitive p = primitive(new Key(m, s0, s1, direct && accumulate, (float) Math.max(range, 0)));
        INDArray rowScales = range > 0 ? p.rowScales : dynamicScales(in, transposed, m);
        oneDnn(p, in, CallScope.uninitialized(DataType.INT8, m, rows), rowScales, product);
        if (!direct) {
            if (range <= 0) {
                product.muliColumnVector(rowScales.rdiv(1).reshape(m, 1));
            }
            into(y, product, transposed, accumulate);
        }
    }

    /**
     * {@code y (M, N) = x W} for {@code x} (M, K) row-major in a Java array, with the calibrated
     * range {@code range > 0}: a recurrent loop's step whose state lives in Java (float32 y, dense).
     */
    void multiplyRows(float[] x, int m, double range, INDArray y) {
        if (range <= 0 || x.length != m * rows || y.dataType() != DataType.FLOAT || !OneDnn.bindable(y)
            || y.length() != (long) m * columns) {
            throw new IllegalArgumentException("multiplyRows: a range > 0, x of " + m + " x " + rows
                + " and a dense float32 y of " + m + " x " + columns + "; got range " + range + ", " + x.length
                + " values and " + y.dataType() + " " + java.util.Arrays.toString(y.shape()) + ".");
        }
        RowInput q = rowInput(m * (int) rows);
        quantize(x, false, m, (int) rows, rowScales(x, false, m, (int) rows, range), q.values);
        quantizedProduct(q, m, range, false, y);
    }

    /**
     * A thread's quantized input for the small products (a loop's steps), grown as asked and
     * reused: a new native buffer and pointer every step cost as much as the product.
     */
    private static final class RowInput {
        byte[] values = new byte[0];
        INDArray buffer;
        BytePointer at;
    }

    private static final ThreadLocal<RowInput> ROW_INPUT = ThreadLocal.withInitial(RowInput::new);

    /** This thread's quantized input, at least {@code n} values long. */
    private static RowInput rowInput(int n) {
        RowInput in = ROW_INPUT.get();
        if (in.values.length < n) {
            in.values = new byte[n];
            in.buffer = Nd4j.createUninitialized(DataType.INT8, n);
            in.at = new BytePointer(in.buffer.data().addressPointer());
        }
        return in;
    }

    /** The product of the int8 inputs in {@code q} (M, K) row-major on oneDNN, into {@code product} (M, N). */
    private void quantizedProduct(RowInput q, long m, double range, boolean accumulate, INDArray product) {
        q.at.put(q.values, 0, (int) (m * rows));
        Primitive p = primitive(new Key(m, 0, 0, accumulate, (float) Math.max(range, 0)));
        oneDnn(p, null, q.buffer, null, product);
    }

    /**
     * y = product (or y += product), product's rows divided by their dynamic scales, y in any
     * layout ((N, M) when transposed), in Java over y's span.
     */
    private void epilogue(INDArray product, float[] rowScales, INDArray y, boolean transposed, boolean accumulate) {
        int m = (int) product.size(0);
        int n = (int) columns;
        float[] out = new float[m * n];
        new FloatPointer(product.data().addressPointer()).get(out);
        long r = transposed ? y.stride(1) : y.stride(0);   // y's stride along product's rows, then columns
        long c = transposed ? y.stride(0) : y.stride(1);
        r = m == 1 ? 0 : r;
        c = n == 1 ? 0 : c;
        int span = (int) ((m - 1) * r + (n - 1) * c + 1);
        FloatPointer target = new FloatPointer(y.data().addressPointer()).position(y.offset() - y.data().offset());
        float[] values = new float[span];
        if (accumulate) {
            target.get(values);
        }
        for (int i = 0; i < m; i++) {
            float inverse = rowScales == null ? 1f : 1f / rowScales[i];
            for (int j = 0; j < n; j++) {
                int at = (int) (i * r + j * c);
                values[at] = (accumulate ? values[at] : 0f) + out[i * n + j] * inverse;
            }
        }
        if (accumulate || span == m * n) {
            target.put(values);
        } else {   // y's elements lie apart: write them alone, not the gaps between
            INDArray result = Nd4j.createFromArray(out).reshape('c', m, n);
            into(y, rowScales == null ? result : result.muliColumnVector(Nd4j.createFromArray(rowScales)
                .rdivi(1).reshape(m, 1)), transposed, false);
        }
    }

    /** 127 over each row's largest |x| (1 for an all-zero row). */
    private static INDArray dynamicScales(INDArray x, boolean transposed, long m) {
        float[] peak = x.amax(transposed ? 0 : 1).toFloatVector();
        for (int r = 0; r < peak.length; r++) {
            peak[r] = peak[r] == 0 ? 1f : 127f / peak[r];
        }
        return Nd4j.createFromArray(peak);
    }

    private static void into(INDArray y, INDArray product, boolean transposed, boolean accumulate) {
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

    /** s_m of each row: 127 / range, or 127 over the row's own largest |x| (a sample's, whatever its batch). */
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

    /**
     * Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest
     * integer, even on ties, as {@code Math.rint} does, in float arithmetic that vectorizes.
     */
    private static final float ROUND = 12582912f;

    /** x_q, row-major (M, K) whatever x's layout: to the nearest (even on ties), saturated as oneDNN's. */
    private static byte[] quantize(float[] v, boolean transposed, int m, int k, float[] scales) {
        return quantize(v, transposed, m, k, scales, new byte[v.length]);
    }

    /** As above, into {@code q} (at least M * K long). */
    private static byte[] quantize(float[] v, boolean transposed, int m, int k, float[] scales, byte[] q) {
        for (int row = 0; row < m; row++) {
            float s = scales[row];
            for (int p = 0; p < k; p++) {
                float r = Math.max(-128f, Math.min(127f, v[transposed ? p * m + row : row * k + p] * s));
                q[row * k + p] = (byte) ((r + ROUND) - ROUND);
            }
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

    /**
     * A primitive pair per shape: the input's layout as (M, K) strides (0: quantized in Java), whether
     * it adds into y, and the static range (0: dynamic).
     */
    private record Key(long m, long stride0, long stride1, boolean accumulate, float range) {
    }

    /**
     * {@code product (M, N) = (x_q W_q) * outputScales} (or {@code +=}) on oneDNN's int8 inner
     * product (VNNI brgemm; matmul's int8 ran a generic gemm 20 to 30 times slower); first, for a
     * float x, a reorder quantizes it by its row scales into {@code quantized} (reading any layout).
     */
    private void oneDnn(Primitive p, INDArray x, INDArray quantized, INDArray rowScales, INDArray product) {
        OneDnn.run(() -> {
            OneDnnRnn.Args args = p.args.get().use(false);
            if (x != null) {
                IntMemoryMap q = args.map(QUANTIZE);
                q.put(dnnl.DNNL_ARG_FROM, at(args.wrap(SOURCE, p.source, x), x));
                q.put(dnnl.DNNL_ARG_TO, args.wrap(QUANTIZED, p.quantized, quantized));
                q.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, args.wrap(ROW_SCALES, p.rowScalesD, rowScales));
                OneDnn.execute(p.quantize, p.noScratchpad, q);
            }
            IntMemoryMap map = args.map;
            map.put(dnnl.DNNL_ARG_SRC, args.wrap(QUANTIZED, p.quantized, quantized));
            map.put(dnnl.DNNL_ARG_WEIGHTS, p.weights);
            map.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, args.wrap(OUTPUT_SCALES, p.outputScalesD, p.outputScales));
            map.put(dnnl.DNNL_ARG_DST, args.wrap(TARGET, p.target, product));
            OneDnn.execute(p.product, p.scratchpad, map);
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
        final long m;
        /** Static: 127 / range for every row; and 1 / (s_m s_n) per column (dynamic: 1 / s_n). */
        final INDArray rowScales;
        final INDArray outputScales;
        final memory.desc noScratchpad = new memory.desc();
        final reorder quantize;
        final inner_product_forward product;
        final memory.desc scratchpad;
        final memory.desc source;
        final memory.desc quantized;
        final memory.desc rowScalesD;
        final memory.desc target;
        final memory.desc outputScalesD;
        final memory weights;
        final ThreadLocal<OneDnnRnn.Args> args = ThreadLocal.withInitial(OneDnnRnn.Args::new);

        Primitive(Key key) {
            m = key.m();
            float range = key.range();
            rowScales = range > 0 ? Nd4j.valueArrayOf(new long[] {m}, 127 / range, DataType.FLOAT) : null;
            outputScales = scales.rdiv(range > 0 ? range / 127 : 1f);
            float runtime = (float) dnnl.DNNL_RUNTIME_F32_VAL;
            // a small call quantizes in Java (stride 0): no reorder
            source = key.stride1() == 0 ? null : new memory.desc(new long[] {m, rows}, memory.data_type.f32,
                new long[] {key.stride0(), key.stride1()});
            quantized = new memory.desc(new long[] {m, rows}, memory.data_type.s8, memory.format_tag.nc);
            rowScalesD = new memory.desc(new long[] {m}, memory.data_type.f32, memory.format_tag.a);
            primitive_attr byRow = OneDnn.attr();
            byRow.set_output_scales(1, new float[] {runtime});
            quantize = source == null ? null : new reorder(new reorder.primitive_desc(OneDnn.cpu(), source,
                OneDnn.cpu(), quantized, byRow, false));
            target = new memory.desc(new long[] {m, columns}, memory.data_type.f32, memory.format_tag.nc);
            outputScalesD = new memory.desc(new long[] {columns}, memory.data_type.f32, memory.format_tag.a);
            primitive_attr attr = OneDnn.attr();
            attr.set_output_scales(1 << 1, new float[] {runtime});
            if (key.accumulate()) {
                post_ops sum = new post_ops();
                sum.append_sum(1.0f, memory.data_type.undef);
                attr.set_post_ops(sum);
            }
            memory.desc any = new memory.desc(new long[] {columns, rows}, memory.data_type.s8, memory.format_tag.any);
            inner_product_forward.primitive_desc pd = new inner_product_forward.primitive_desc(
                new inner_product_forward.desc(dnnl.prop_kind.forward_inference, quantized, any, target), attr,
                OneDnn.cpu(), false);
            product = new inner_product_forward(pd);
            scratchpad = pd.scratchpad_desc();
            weights = packed(pd.weights_desc());
        }
    }

    /**
     * The weights in a primitive's layout, reordered once from (K, N) and shared by every primitive
     * that asks for the same layout.
     */
    private synchronized memory packed(memory.desc layout) {
        for (memory m : packedWeights) {
            if (m.get_desc().equals(layout)) {
                return m;
            }
        }
        // (K, N) row-major is the inner product's (N, K) in "io" order
        memory.desc plain = new memory.desc(new long[] {columns, rows}, memory.data_type.s8, memory.format_tag.io);
        memory to = OneDnn.reorderOnce(plain, values.data().addressPointer(), layout, new primitive_attr());
        packedWeights.add(to);
        return to;
    }
}
