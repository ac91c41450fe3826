package org.seqml.layers.recurrent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.backend.ArrayOps;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the sequence and merges the
 * two, Keras's {@code Bidirectional}:
 * <pre>
 * f = forward(x);   b = backward(x) (goBackwards flipped; its sequence flipped back to input order)
 * y = merge(f, b)   concat [f, b] | sum f + b | mul f b | ave (f + b) / 2 | none: [f, b]
 * </pre>
 * With {@code returnSequences} both directions output zeros at masked steps, as Keras forces.
 * Weights: the forward layer's, then the backward layer's. With {@code returnState} the outputs
 * are [y, forward states..., backward states...]; initial states are taken in the same order.
 *
 * <pre>{@code
 * SymbolicTensor h = new Bidirectional(new LSTM(64).returnSequences(true)).apply(embedded);
 * SymbolicTensor s = new Bidirectional(new GRU(32), MergeMode.SUM).apply(embedded);
 * }</pre>
 */
public final class Bidirectional extends Layer {

    /** The options: the two directions and the merge. */
    public record Config(RNN<?> forwardLayer, RNN<?> backwardLayer, MergeMode mergeMode) {
        public Config {
            if (forwardLayer.options().goBackwards() == backwardLayer.options().goBackwards()) {
                throw new IllegalArgumentException("Bidirectional: the backward layer must have the opposite goBackwards"
                    + " of the forward layer.");
            }
            if (forwardLayer.options().returnSequences() != backwardLayer.options().returnSequences()
                || forwardLayer.options().returnState() != backwardLayer.options().returnState()
                || forwardLayer.units() != backwardLayer.units() && mergeMode != MergeMode.CONCAT
                && mergeMode != MergeMode.NONE) {
                throw new IllegalArgumentException("Bidirectional: the two layers must agree on returnSequences,"
                    + " returnState and (unless concatenated) units.");
            }
        }
    }

    private final Config config;

    /** Both directions of {@code layer}, concatenated. */
    public Bidirectional(RNN<?> layer) {
        this(layer, MergeMode.CONCAT);
    }

    public Bidirectional(RNN<?> layer, MergeMode mergeMode) {
        this(layer, layer.goBackwards(!layer.options().goBackwards()).seed(layer.options().seed() + 1), mergeMode);
    }

    /** An explicit backward layer (Keras's {@code backward_layer}). */
    public Bidirectional(RNN<?> layer, RNN<?> backwardLayer, MergeMode mergeMode) {
        boolean zero = layer.options().returnSequences();
        RNN<?> f = layer.zeroOutputForMask(zero);
        RNN<?> b = backwardLayer.zeroOutputForMask(zero);
        this.config = new Config(f.named("forward_" + layer.name()), b.named("backward_" + backwardLayer.name()),
            mergeMode);
    }

    /** From a complete config, names kept (as a saved model restores it). */
    public Bidirectional(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected java.util.List<Layer> innerLayers() {
        return java.util.List.of(config.forwardLayer(), config.backwardLayer());
    }

    private RNN<?> fwd() {
        return config.forwardLayer();
    }

    private RNN<?> bwd() {
        return config.backwardLayer();
    }

    private int states() {
        return fwd().options().returnState() ? fwd().stateCount() : 0;
    }

    @Override
    protected void checkInputShapes(List<Shape> shapes) {
        int extra = shapes.size() - 1;
        if (extra != 0 && extra != 2 * fwd().stateCount()) {
            throw new IllegalArgumentException(describe() + ": expected " + 2 * fwd().stateCount() + " initial states"
                + " (forward then backward), got " + extra + ".");
        }
        requireRank(shapes.get(0), 3, "(batch, time, features)", "Add an Embedding for token ids, or reshape the input.");
    }

    @Override
    protected void buildWeights(List<Shape> shapes) {
        fwd().build(half(shapes, 0));
        bwd().build(half(shapes, 1));
        adoptWeights(fwd());
        adoptWeights(bwd());
    }

    /**
     * Quantizes both directions to int8 in place for inputs within {@code inputRange} (see
     * {@link RNN#quantize}).
     */
    public final void quantize(double inputRange) {
        fwd().quantize(inputRange);
        bwd().quantize(inputRange);
        List<org.seqml.layers.Parameter> both = new ArrayList<>(fwd().weights());
        both.addAll(bwd().weights());
        replaceWeights(both);
    }

    /** Whether both directions hold int8 weights. */
    public final boolean quantized() {
        return fwd().quantized() && bwd().quantized();
    }

    /** The input plus direction d's initial states. */
    private <T> List<T> half(List<T> all, int d) {
        List<T> out = new ArrayList<>();
        out.add(all.get(0));
        int n = (all.size() - 1) / 2;
        for (int k = 0; k < n; k++) {
            out.add(all.get(1 + d * n + k));
        }
        return out;
    }

    @Override
    public List<Shape> outputShapes(List<Shape> in) {
        List<Shape> f = fwd().outputShapes(half(in, 0));
        List<Shape> b = bwd().outputShapes(half(in, 1));
        List<Shape> out = new ArrayList<>();
        if (config.mergeMode() == MergeMode.NONE) {
            out.add(f.get(0));
            out.add(b.get(0));
        } else {
            long width = config.mergeMode() == MergeMode.CONCAT ? f.get(0).last() + b.get(0).last() : f.get(0).last();
            out.add(f.get(0).with(-1, width));
        }
        out.addAll(f.subList(1, f.size()));
        out.addAll(b.subList(1, b.size()));
        return out;
    }

    /** What backward needs: both directions' calls and their (input-order) outputs. */
    private record Both(Forward f, Forward b, INDArray yf, INDArray yb) {
    }

    /** The two directions' forwards of a forward of this layer (tests check which path each ran). */
    static Forward[] directions(Forward forward) {
        Both both = forward.cache(Both.class);
        return new Forward[] {both.f(), both.b()};
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        List<INDArray> in = Arrays.asList(inputs);
        INDArray mask = masks.length > 0 ? masks[0] : null;
        Forward f = fwd().call(half(in, 0).toArray(INDArray[]::new), maskFor(mask, in), training);
        Forward b = bwd().call(half(in, 1).toArray(INDArray[]::new), maskFor(mask, in), training);
        INDArray yf = f.output();
        INDArray yb = fwd().options().returnSequences() ? flip(b.output()) : b.output();
        List<INDArray> outs = new ArrayList<>();
        switch (config.mergeMode()) {
            case CONCAT -> outs.add(ArrayOps.concat(yf.rank() - 1, yf, yb));
            case SUM -> outs.add(yf.add(yb));
            case MUL -> outs.add(yf.mul(yb));
            case AVE -> outs.add(yf.add(yb).muli(0.5));
            case NONE -> {
                outs.add(yf);
                outs.add(yb);
            }
        }
        outs.addAll(Arrays.asList(f.outputs()).subList(1, f.outputs().length));
        outs.addAll(Arrays.asList(b.outputs()).subList(1, b.outputs().length));
        INDArray[] outMasks = new INDArray[outs.size()];
        if (fwd().options().returnSequences()) {
            outMasks[0] = mask;
            if (config.mergeMode() == MergeMode.NONE) {
                outMasks[1] = mask;
            }
        }
        return new Forward(inputs, masks, outs.toArray(INDArray[]::new), outMasks, new INDArray[0], training,
            new Both(f, b, yf, yb));
    }

    private static INDArray[] maskFor(INDArray mask, List<INDArray> in) {
        INDArray[] m = new INDArray[1 + (in.size() - 1) / 2];
        m[0] = mask;
        return m;
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        Both both = forward.cache(Both.class);
        int merged = config.mergeMode() == MergeMode.NONE ? 2 : 1;
        INDArray dyf;
        INDArray dyb;
        INDArray d = outputGradients[0] != null ? outputGradients[0] : Nd4j.zerosLike(forward.output());
        switch (config.mergeMode()) {
            case CONCAT -> {
                long u = both.yf().size(-1);
                int last = d.rank() - 1;
                dyf = d.get(range(d.rank(), last, 0, u));
                dyb = d.get(range(d.rank(), last, u, d.size(last)));
            }
            case SUM -> {
                dyf = d;
                dyb = d;
            }
            case MUL -> {
                dyf = d.mul(both.yb());
                dyb = d.mul(both.yf());
            }
            case AVE -> {
                dyf = d.mul(0.5);
                dyb = dyf;
            }
            default -> {
                dyf = d;
                dyb = outputGradients[1] != null ? outputGradients[1] : Nd4j.zerosLike(both.yb());
            }
        }
        if (fwd().options().returnSequences()) {
            dyb = flip(dyb.dup('c'));
        }
        int s = states();
        INDArray[] gf = new INDArray[1 + s];
        INDArray[] gb = new INDArray[1 + s];
        gf[0] = dyf;
        gb[0] = dyb;
        for (int k = 0; k < s; k++) {
            gf[1 + k] = outputGradients[merged + k];
            gb[1 + k] = outputGradients[merged + s + k];
        }
        INDArray[] dxf = fwd().backward(both.f(), gf);
        INDArray[] dxb = bwd().backward(both.b(), gb);
        INDArray[] dx = new INDArray[forward.inputs().length];
        // into the forward direction's gradient, this call's own: a new (B, T, F) array cost W3 a
        // tenth of its step in the allocator's zero fill
        dx[0] = dxf[0].addi(dxb[0]);
        for (int k = 1; k < dxf.length; k++) {
            dx[k] = dxf[k];
            dx[dxf.length - 1 + k] = dxb[k];
        }
        return dx;
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] range(int rank, int axis, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex[] index = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            index[i] = i == axis ? NDArrayIndex.interval(from, to) : NDArrayIndex.all();
        }
        return index;
    }

    /** (B, T, U) reversed in time. */
    private static INDArray flip(INDArray seq) {
        return ArrayOps.reverse(seq, 1);
    }
}
