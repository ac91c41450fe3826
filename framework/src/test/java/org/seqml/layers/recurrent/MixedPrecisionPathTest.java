package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;
import org.seqml.layers.Parameter;
import org.seqml.mixedprecision.Policy;
import org.seqml.testing.Arrays;
import org.seqml.testing.GradientCheck;

/**
 * Under {@code mixed_bfloat16} the recurrent layers' fused kernels compute in bfloat16 and stay
 * within bfloat16's precision of float32: outputs, states, the input gradient and every weight
 * gradient. The bound comes from the 8-bit mantissa: each input and weight is rounded by at most
 * {@code 2^-9} of itself as it enters, so a sum of products moves by at most {@code 2 * 2^-9} of
 * the sum of its terms' magnitudes; the recurrence and the backward's chains carry that error on
 * without growing it much when the weights are of a trained layer's size. The check is
 * {@code |bf16 - f32| <= 2^-5 * max|f32|}: 16 times one rounding (the worst seen, a bias
 * gradient summed over 240 steps and rows, is 2^-6.5), far below what a wrong gate order, a lost
 * bias row or a buffer read in the wrong type give (errors of the order of the values). It also
 * checks that the results differ at all: a float32 kernel would pass the bound.
 */
class MixedPrecisionPathTest {
    @BeforeAll
    static void needsBf16() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.seqml.backend.Switches.portable(),
            "-Dseqml.portable=true turns oneDNN off");
        org.junit.jupiter.api.Assumptions.assumeTrue(org.seqml.backend.Backend.nativeBfloat16(),
            "no native bfloat16 on this CPU: the policy runs float32");
    }

    private static final INDArray X = Arrays.random(8, 30, 16);

    @Test
    void lstmInBfloat16StaysWithinBfloat16OfFloat32() {
        for (boolean backwards : new boolean[] {false, true}) {
            close(new LSTM(32).returnSequences(true).returnState(true).goBackwards(backwards), X);
        }
        close(new LSTM(32), X);
    }

    @Test
    void gruInBothFormsStaysWithinBfloat16OfFloat32() {
        for (boolean resetAfter : new boolean[] {true, false}) {
            close(new GRU(32).resetAfter(resetAfter).returnSequences(true).returnState(true), X);
            close(new GRU(32).resetAfter(resetAfter).goBackwards(true), X);
        }
    }

    @Test
    void bidirectionalFollowsItsPolicyInBothDirections() {
        close(new Bidirectional(new LSTM(32).returnSequences(true)), X);
    }

    private static void close(Layer layer, INDArray... inputs) {
        layer.call(inputs, new INDArray[inputs.length], false);
        layer.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape()).muli(0.3)));
        Result f32 = run(layer.dtype(Policy.FLOAT32), inputs);
        Result bf16 = run(layer.dtype(Policy.MIXED_BFLOAT16), inputs);
        layer.dtype(Policy.FLOAT32);
        for (int i = 0; i < f32.outputs.length; i++) {
            check(f32.outputs[i], bf16.outputs[i], layer.describe() + " output " + i);
        }
        check(f32.dx, bf16.dx, layer.describe() + " input gradient");
        for (int i = 0; i < f32.grads.size(); i++) {
            check(f32.grads.get(i), bf16.grads.get(i), layer.describe() + " " + layer.weights().get(i).name());
        }
    }

    private record Result(INDArray[] outputs, INDArray dx, List<INDArray> grads) {
    }

    private static Result run(Layer layer, INDArray[] inputs) {
        Forward f = layer.call(inputs, new INDArray[inputs.length], true);
        INDArray[] r = GradientCheck.projections(f.outputs());
        layer.weights().forEach(Parameter::zeroGrad);
        INDArray dx = layer.backward(f, r)[0];
        INDArray[] outs = new INDArray[f.outputs().length];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = f.outputs()[i].dup();
        }
        return new Result(outs, dx.dup(), layer.weights().stream().map(p -> p.grad().dup()).toList());
    }

    private static void check(INDArray f32, INDArray bf16, String what) {
        double scale = f32.amaxNumber().doubleValue();
        double diff = f32.sub(bf16).amaxNumber().doubleValue();
        System.out.printf("%-50s max|f32| %.4g  max diff %.4g  ratio %.4g  2^%.1f%n", what, scale, diff, diff / scale,
            Math.log(diff / scale) / Math.log(2));
        assertTrue(diff > 0, what + ": bfloat16 gave exactly float32's result: the bfloat16 kernel did not run");
        assertTrue(diff <= Math.scalb(1.0, -5) * scale, what + ": |bf16 - f32| = " + diff + " over 2^-5 * " + scale);
    }
}
