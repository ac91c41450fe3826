package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code out = sqrt(x) + c} element by element, the denominator of Adam's and RMSprop's steps, in
 * two vectorized oneDNN passes ({@code eltwise_sqrt}, then {@code eltwise_linear} in place; the
 * linear step as a post-op of the first made oneDNN 2.5's reference kernel write nothing) instead of ND4J's
 * {@code sqrt}, which runs one element at a time: on 1.28M floats 5.1 ms for ND4J's sqrt against
 * 0.1-0.3 ms for a multiply or an add, and ND4J's fused {@code adam_updater} (7.2 ms) was slow for
 * the same reason. Other types, backends and layouts take ND4J's sqrt and an add, the plain path
 * that {@code OneDnnEltwiseTest} compares this with.
 *
 * <pre>{@code
 * OneDnnEltwise.sqrtPlus(v, 1e-7, scratch);   // scratch = sqrt(v) + 1e-7
 * }</pre>
 */
public final class OneDnnEltwise {
    private static final int CACHED_SHAPES = 32;
    private static final Map<Key, Prim> CACHE = OneDnn.lru(CACHED_SHAPES);

    private record Key(long length, float add) {
    }

    private record Prim(eltwise_forward sqrt, eltwise_forward plus, memory src, memory dst, IntMemoryMap args,
                        IntMemoryMap inPlace) {
    }

    private OneDnnEltwise() {
    }

    /**
     * {@code out = sqrt(x) + c} for arrays of the same length, {@code out} may be {@code x}. On
     * oneDNN when both are float32 vectors or dense arrays in c order, else by ND4J.
     */
    public static void sqrtPlus(INDArray x, double c, INDArray out) {
        if (x.length() != out.length()) {
            throw new IllegalArgumentException("sqrtPlus: " + x.length() + " elements into " + out.length());
        }
        if (!onOneDnn(x) || !onOneDnn(out)) {
            Nd4j.exec(new Sqrt(x, out));
            out.addi(c);
            return;
        }
        Prim p = prim(new Key(x.length(), (float) c));
        synchronized (p) {
            p.src().set_data_handle(Blas.floats(x));
            p.dst().set_data_handle(Blas.floats(out));
            OneDnn.run(() -> {
                stream s = OneDnn.stream();
                p.sqrt().execute(s, p.args());
                p.plus().execute(s, p.inPlace());
                s._wait();
            });
        }
    }

    /** Float32 elements one after another in memory (a dense array, or a run of a vector). */
    private static boolean onOneDnn(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.length() > 0 && a.ordering() == 'c' && a.elementWiseStride() == 1
            && (a.isVector() || OneDnn.bindable(a)) && OneDnn.available();
    }

    private static synchronized Prim prim(Key key) {
        return CACHE.computeIfAbsent(key, k -> {
            memory.desc d = OneDnn.desc(memory.format_tag.a, k.length());
            eltwise_forward sqrt = new eltwise_forward(new eltwise_forward.primitive_desc(
                new eltwise_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.eltwise_sqrt, d, 0f, 0f),
                OneDnn.cpu()));
            eltwise_forward plus = new eltwise_forward(new eltwise_forward.primitive_desc(
                new eltwise_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.eltwise_linear, d, 1f, k.add()),
                OneDnn.cpu()));
            memory src = new memory(d, OneDnn.cpu(), null);
            memory dst = new memory(d, OneDnn.cpu(), null);
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC, src);
            args.put(dnnl.DNNL_ARG_DST, dst);
            IntMemoryMap inPlace = new IntMemoryMap();
            inPlace.put(dnnl.DNNL_ARG_SRC, dst);
            inPlace.put(dnnl.DNNL_ARG_DST, dst);
            return new Prim(sqrt, plus, src, dst, args, inPlace);
        });
    }
}
