package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code C = op(A) op(B) + beta C} (beta 0 or 1) in mixed precision: A and B rounded to bfloat16,
 * the products summed in float32 into the float32 C, by oneDNN's matmul primitive (AVX512-BF16's
 * dot-product instruction). {@link Blas#gemm} sends the large products of a layer under the
 * {@code mixed_bfloat16} policy here.
 *
 * <p>A and B are converted whole, in their own layout, and a transposed operand is described to
 * oneDNN by its strides, so no transposed copy is made. Primitives are made once per shape and
 * kept; the memory objects are made per call (a large product's call is milliseconds).
 */
final class Bf16Matmul {
    private static final Map<Key, Made> MADE = OneDnn.lru(64);

    private record Key(long m, long n, long k, boolean transA, boolean transB, boolean accumulate) {
    }

    private record Made(matmul primitive, memory.desc scratchpad, memory.desc a, memory.desc b, memory.desc c) {
    }

    private Bf16Matmul() {
    }

    /**
     * Runs the product when bfloat16 runs natively here and the arrays are dense float32
     * (row-major); false, with nothing written, otherwise. {@code a} is (m, k), or (k, m) with
     * {@code transA}; {@code b} (k, n), or (n, k) with {@code transB}; {@code c} (m, n).
     */
    static boolean gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, boolean accumulate) {
        if (!Bf16.supported() || !OneDnn.bindable(a) || !OneDnn.bindable(b) || !OneDnn.bindable(c)) {
            return false;
        }
        long m = c.size(0);
        long n = c.size(1);
        long k = transA ? a.size(0) : a.size(1);
        Made made;
        Key key = new Key(m, n, k, transA, transB, accumulate);
        synchronized (MADE) {
            made = MADE.computeIfAbsent(key, Bf16Matmul::make);
        }
        OneDnn.run(() -> {
            INDArray a16 = Bf16.lower(a);
            INDArray b16 = Bf16.lower(b);
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC, new memory(made.a(), OneDnn.cpu(), a16.data().addressPointer()));
            args.put(dnnl.DNNL_ARG_WEIGHTS, new memory(made.b(), OneDnn.cpu(), b16.data().addressPointer()));
            args.put(dnnl.DNNL_ARG_DST, new memory(made.c(), OneDnn.cpu(), c.data().addressPointer()));
            OneDnn.execute(made.primitive(), made.scratchpad(), args);
        });
        return true;
    }

    private static Made make(Key key) {
        long m = key.m();
        long n = key.n();
        long k = key.k();
        // a transposed operand is the stored matrix read down its columns
        memory.desc a = new memory.desc(new long[] {m, k}, memory.data_type.bf16,
            key.transA() ? new long[] {1, m} : new long[] {k, 1});
        memory.desc b = new memory.desc(new long[] {k, n}, memory.data_type.bf16,
            key.transB() ? new long[] {1, k} : new long[] {n, 1});
        memory.desc c = new memory.desc(new long[] {m, n}, memory.data_type.f32, new long[] {n, 1});
        primitive_attr attr = OneDnn.attr();
        if (key.accumulate()) {
            post_ops sum = new post_ops();
            sum.append_sum(1.0f, memory.data_type.undef);
            attr.set_post_ops(sum);
        }
        matmul.primitive_desc pd = new matmul.primitive_desc(new matmul.desc(a, b, c), attr, OneDnn.cpu());
        return new Made(new matmul(pd), pd.scratchpad_desc(), a, b, c);
    }
}
