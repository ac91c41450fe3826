package org.seqml.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.models.Graph;

/**
 * The numerical gradient check every layer passes: in float64, the analytic gradient from
 * {@code backward} against central differences
 * <pre>
 * dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps),   eps = 1e-6
 * L = sum_k sum_i y_k[i] R_k[i],   R_k[i] = sin(0.37 i + 0.1 + k)
 * </pre>
 * (the same projection the oracles use), for every weight element and every float input element
 * (a seeded sample of at most {@code maxPerArray} of them for large arrays).
 *
 * <pre>{@code
 * Backend.setFloatX(DataType.DOUBLE);  // in @BeforeAll, via DoublePrecision
 * GradientCheck.of(new Dense(3).activation("tanh"), Arrays.random(2, 4)).check();
 * }</pre>
 */
public final class GradientCheck {
    private static final double EPS = 1e-6;
    private static final double TOLERANCE = 1e-5;

    private final Supplier<Double> lossFn;
    private final Runnable backwardFn;
    private final List<Parameter> parameters;
    private final INDArray[] inputs;
    private final Supplier<INDArray[]> inputGrads;
    private int maxPerArray = 60;

    private GradientCheck(Supplier<Double> lossFn, Runnable backwardFn, List<Parameter> parameters, INDArray[] inputs,
                          Supplier<INDArray[]> inputGrads) {
        this.lossFn = lossFn;
        this.backwardFn = backwardFn;
        this.parameters = parameters;
        this.inputs = inputs;
        this.inputGrads = inputGrads;
    }

    /**
     * A check of a layer whose training-mode call draws random masks: {@code restart} runs before
     * every call so each sees the same masks.
     */
    public static GradientCheck of(Layer layer, INDArray[] inputs, INDArray[] masks, Runnable restart) {
        requireDouble(inputs);
        restart.run();
        layer.call(inputs, masks, true);
        INDArray[][] lastInputGrads = new INDArray[1][];
        Supplier<Double> loss = () -> {
            restart.run();
            return project(layer.call(inputs, masks, true).outputs());
        };
        Runnable backward = () -> {
            restart.run();
            Forward f = layer.call(inputs, masks, true);
            layer.weights().forEach(Parameter::zeroGrad);
            lastInputGrads[0] = layer.backward(f, projections(f.outputs()));
        };
        return new GradientCheck(loss, backward, layer.weights(), inputs, () -> lastInputGrads[0]);
    }

    /** A check of one layer called on these inputs (no masks, inference mode). */
    public static GradientCheck of(Layer layer, INDArray... inputs) {
        return of(layer, inputs, new INDArray[inputs.length], false);
    }

    /** A check of one layer called on these inputs and masks. */
    public static GradientCheck of(Layer layer, INDArray[] inputs, INDArray[] masks, boolean training) {
        requireDouble(inputs);
        layer.call(inputs, masks, training);   // builds in float64
        INDArray[][] lastInputGrads = new INDArray[1][];
        Supplier<Double> loss = () -> project(layer.call(inputs, masks, training).outputs());
        Runnable backward = () -> {
            Forward f = layer.call(inputs, masks, training);
            layer.weights().forEach(Parameter::zeroGrad);
            lastInputGrads[0] = layer.backward(f, projections(f.outputs()));
        };
        return new GradientCheck(loss, backward, layer.weights(), inputs, () -> lastInputGrads[0]);
    }

    /** A check of a whole graph (shared layers, merges, fan-out) on these inputs. */
    public static GradientCheck of(Graph graph, INDArray... inputs) {
        requireDouble(inputs);
        Supplier<Double> loss = () -> project(graph.forward(inputs, false).outputs());
        Runnable backward = () -> {
            Graph.Run run = graph.forward(inputs, false);
            graph.parameters().forEach(Parameter::zeroGrad);
            graph.backward(run, projections(run.outputs()));
        };
        return new GradientCheck(loss, backward, graph.parameters(), new INDArray[0], () -> new INDArray[0]);
    }

    /** Checks at most this many elements of each array (a seeded sample). */
    public GradientCheck maxPerArray(int n) {
        this.maxPerArray = n;
        return this;
    }

    /** Runs the check; fails with the worst element's analytic and numeric values. */
    public void check() {
        backwardFn.run();
        INDArray[] dx = inputGrads.get();
        int checked = 0;
        for (Parameter p : parameters) {
            checked += compare("weight '" + p.name() + "'", p.value(), p.grad().dup());
        }
        for (int i = 0; i < inputs.length; i++) {
            if (dx != null && i < dx.length && dx[i] != null) {
                checked += compare("input " + i, inputs[i], dx[i]);
            }
        }
        assertTrue(checked > 0, "the gradient check compared nothing");
    }

    private int compare(String what, INDArray array, INDArray analytic) {
        long n = array.length();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(n);
        int count = (int) Math.min(n, maxPerArray);
        INDArray flat = array.reshape(n);
        INDArray grad = analytic.dup('c').reshape(n);
        for (int k = 0; k < count; k++) {
            long i = count == n ? k : rnd.nextLong(n);
            double original = flat.getDouble(i);
            flat.putScalar(i, original + EPS);
            double plus = lossFn.get();
            flat.putScalar(i, original - EPS);
            double minus = lossFn.get();
            flat.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS);
            double a = grad.getDouble(i);
            double scale = Math.max(Math.max(Math.abs(a), Math.abs(numeric)), 1e-3);
            assertTrue(Math.abs(a - numeric) / scale < TOLERANCE, () -> what + " element " + i + ": analytic " + a
                + " vs numeric " + numeric);
        }
        return count;
    }

    private static double project(INDArray[] outputs) {
        double sum = 0;
        INDArray[] r = projections(outputs);
        for (int k = 0; k < outputs.length; k++) {
            sum += outputs[k].mul(r[k]).sumNumber().doubleValue();
        }
        return sum;
    }

    /** R_k with the shape of output k: sin(0.37 i + 0.1 + k) over the flat C-order index. */
    public static INDArray[] projections(INDArray[] outputs) {
        List<INDArray> out = new ArrayList<>();
        for (int k = 0; k < outputs.length; k++) {
            INDArray y = outputs[k];
            INDArray index = Nd4j.linspace(0, y.length() - 1, y.length(), DataType.DOUBLE);
            INDArray r = org.nd4j.linalg.ops.transforms.Transforms.sin(index.muli(0.37).addi(0.1 + k), false);
            out.add(r.reshape('c', y.shape()).castTo(y.dataType()));
        }
        return out.toArray(INDArray[]::new);
    }

    private static void requireDouble(INDArray[] inputs) {
        for (INDArray x : inputs) {
            if (x != null && x.dataType().isFPType() && x.dataType() != DataType.DOUBLE) {
                throw new IllegalArgumentException("gradient checks run in float64; got an input of " + x.dataType());
            }
        }
    }
}
