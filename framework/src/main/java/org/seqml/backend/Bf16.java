package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bfloat16 for the mixed-precision kernels: whether this CPU computes it natively, and the
 * conversions between seqml's float32 arrays and the bfloat16 buffers oneDNN's primitives read
 * and write. bfloat16 is float32 with the mantissa cut to 8 bits (7 stored): converting rounds to
 * nearest even, a relative error of at most {@code 2^-9}.
 *
 * <p>The conversions are oneDNN reorders over the arrays as flat vectors (the element order of a
 * dense array is the same in both types), made once per length and thread and run on oneDNN's
 * threads, with the CPU's own conversion instruction where it has one. Call them inside
 * {@link OneDnn#run}.
 */
final class Bf16 {
    private static final Logger LOG = LoggerFactory.getLogger(Bf16.class);
    private static volatile Boolean supported;

    /** Each thread's conversions by length and direction: a primitive and its two memory objects. */
    private static final ThreadLocal<Map<Long, Conversion>> CONVERSIONS = ThreadLocal.withInitial(() -> OneDnn.lru(32));

    private Bf16() {
    }

    /**
     * Whether oneDNN runs bfloat16 natively here (AVX512-BF16 or AMX). Where it does not, the
     * mixed-precision policy computes in float32 and says so once in the log: oneDNN's emulation
     * on older AVX-512 CPUs was slower than float32, and CPUs without AVX-512 have no bf16 kernels.
     */
    static boolean supported() {
        Boolean s = supported;
        if (s == null) {
            synchronized (Bf16.class) {
                s = supported;
                if (s == null) {
                    s = Switches.BF16 && OneDnn.available()
                        && (dnnl.dnnl_get_effective_cpu_isa() & dnnl.dnnl_cpu_isa_avx512_core_bf16)
                        == dnnl.dnnl_cpu_isa_avx512_core_bf16;
                    if (!s) {
                        LOG.info(Switches.BF16 ? "mixed_bfloat16: this CPU (or backend) has no native bfloat16"
                            + " kernels; computing in float32" : "mixed_bfloat16: computing in float32"
                            + " (-Dseqml.bf16=false)");
                    }
                    supported = s;
                }
            }
        }
        return s;
    }

    /** A bfloat16 copy of the dense float32 array {@code a}, in the call's scope. */
    static INDArray lower(INDArray a) {
        INDArray low = CallScope.uninitialized(DataType.BFLOAT16, a.shape());
        convert(a, low, true);
        return low;
    }

    /** Writes the bfloat16 array {@code low} into the dense float32 array {@code out} of the same length. */
    static void raise(INDArray low, INDArray out) {
        convert(low, out, false);
    }

    private static void convert(INDArray from, INDArray to, boolean lowering) {
        long n = from.length();
        if (to.length() != n) {
            throw new IllegalArgumentException("bf16 conversion: " + n + " elements into " + to.length());
        }
        Conversion c = CONVERSIONS.get().computeIfAbsent(lowering ? n : -n, k -> new Conversion(n, lowering));
        c.source.set_data_handle(from.data().addressPointer());
        c.target.set_data_handle(to.data().addressPointer());
        OneDnn.execute(c.reorder, c.scratchpad, c.args);
    }

    /** One length's conversion in one direction, with its memory objects (pointed at each call's arrays). */
    private static final class Conversion {
        final reorder reorder;
        final memory.desc scratchpad;
        final memory source;
        final memory target;
        final IntMemoryMap args = new IntMemoryMap();

        Conversion(long n, boolean lowering) {
            memory.desc f32 = new memory.desc(new long[] {n}, memory.data_type.f32, memory.format_tag.a);
            memory.desc bf16 = new memory.desc(new long[] {n}, memory.data_type.bf16, memory.format_tag.a);
            memory.desc from = lowering ? f32 : bf16;
            memory.desc to = lowering ? bf16 : f32;
            reorder.primitive_desc pd = new reorder.primitive_desc(OneDnn.cpu(), from, OneDnn.cpu(), to, OneDnn.attr(),
                false);
            reorder = new reorder(pd);
            scratchpad = pd.scratchpad_desc();
            source = new memory(from, OneDnn.cpu(), null);
            target = new memory(to, OneDnn.cpu(), null);
            args.put(dnnl.DNNL_ARG_FROM, source);
            args.put(dnnl.DNNL_ARG_TO, target);
        }
    }
}
