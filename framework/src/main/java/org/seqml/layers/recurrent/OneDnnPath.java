package org.seqml.layers.recurrent;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.ArrayOps;
import org.seqml.backend.OneDnnRnn;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;

/**
 * A recurrent layer's whole-sequence fast path: the call goes to oneDNN's RNN primitive
 * ({@link OneDnnRnn}) forward and backward, with the layer's options applied around it as the loop
 * applies them. Input dropout draws the loop's mask from the same per-call seed before oneDNN
 * sees the input; initial states come from the inputs or a stateful layer's carried states;
 * {@code goBackwards} runs the primitive right to left and returns the outputs in processing order,
 * as Keras does. The loop in {@link RNN} stays the reference that {@code OneDnnPathTest} compares
 * this with.
 */
final class OneDnnPath {
    private final RNN<?> layer;
    private final OneDnnCell cell;
    private final OneDnnRnn rnn;

    /** A forward computed by oneDNN; dropMask: the input dropout's keep mask (B, F), or null. */
    record Call(OneDnnRnn.Call call, INDArray dropMask) {
    }

    OneDnnPath(RNN<?> layer, OneDnnRnn.Cell cell) {
        this.layer = layer;
        this.cell = (OneDnnCell) layer;
        this.rnn = new OneDnnRnn(cell, layer.units());
    }

    /**
     * oneDNN's cell for this call, or null to run the loop: float32, no step masked (no mask, or
     * one of all ones: a batch without padding, as length bucketing makes), no recurrent dropout
     * (input dropout is applied to the input before oneDNN, as the loop does).
     */
    static OneDnnRnn.Cell cellFor(RNN<?> layer, INDArray[] masks, boolean training) {
        if (!(layer instanceof OneDnnCell c) || layer.kernel().value().dataType() != DataType.FLOAT
            || (masks.length > 0 && masks[0] != null && masks[0].minNumber().doubleValue() == 0)
            || (training && layer.options().recurrentDropout() > 0)) {
            return null;
        }
        OneDnnRnn.Cell cell = c.oneDnnCell();
        return cell != null && OneDnnRnn.available() ? cell : null;
    }

    Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        RNN.Options options = layer.options();
        INDArray x = inputs[0].castTo(DataType.FLOAT);
        long b = x.size(0);
        INDArray dropMask = null;
        if (training && options.dropout() > 0) {
            // the loop's draw, from the same per-call seed: both paths drop the same inputs
            layer.startRandomCall();
            dropMask = layer.keepMask(b, x.size(2), options.dropout(), DataType.FLOAT);
            x = x.mul(dropMask.reshape(b, 1, x.size(2)).broadcast(x.shape()));
        }
        boolean twoStates = layer.stateCount() == 2;
        INDArray h0 = layer.initialState(inputs, 0, b);
        INDArray c0 = twoStates ? layer.initialState(inputs, 1, b) : null;
        OneDnnRnn.Call call = rnn.forward(x, layer.kernel().value(), cell.recurrentKernel().value(), cell.oneDnnBias(),
            h0 == null ? null : h0.castTo(DataType.FLOAT), c0 == null ? null : c0.castTo(DataType.FLOAT),
            options.goBackwards(), training, !options.returnSequences());
        INDArray[] finals = twoStates ? new INDArray[] {call.h(), call.c()} : new INDArray[] {call.h()};
        INDArray[] outs = new INDArray[1 + (options.returnState() ? finals.length : 0)];
        // oneDNN keeps a reversed run's outputs aligned with the input steps; Keras returns them
        // in processing order
        outs[0] = !options.returnSequences() ? call.h() : options.goBackwards() ? reverseSteps(call.y()) : call.y();
        System.arraycopy(finals, 0, outs, 1, outs.length - 1);
        if (options.stateful()) {
            layer.carry(finals);
        }
        INDArray[] outMasks = new INDArray[outs.length];
        outMasks[0] = options.returnSequences() && masks.length > 0 ? masks[0] : null;   // as the loop's
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, new Call(call, dropMask));
    }

    INDArray[] backward(Call fast, INDArray[] outputGradients) {
        RNN.Options options = layer.options();
        INDArray g0 = outputGradients[0] == null ? null : outputGradients[0].castTo(DataType.FLOAT);
        INDArray dy = null;
        INDArray dh = null;
        if (options.returnSequences()) {
            dy = g0 == null || !options.goBackwards() ? g0 : reverseSteps(g0);
        } else {
            dh = g0;
        }
        INDArray dc = null;
        if (options.returnState()) {
            INDArray gh = outputGradients.length > 1 ? outputGradients[1] : null;
            if (gh != null) {
                dh = dh == null ? gh.castTo(DataType.FLOAT) : dh.add(gh.castTo(DataType.FLOAT));
            }
            dc = outputGradients.length > 2 && outputGradients[2] != null ? outputGradients[2].castTo(DataType.FLOAT)
                : null;
        }
        Parameter kernel = layer.kernel();
        Parameter recurrent = cell.recurrentKernel();
        INDArray bias = cell.oneDnnBias();
        INDArray dBias = bias == null ? null : Nd4j.zeros(DataType.FLOAT, bias.shape());
        OneDnnRnn.Gradients g = rnn.backward(fast.call(), kernel.value(), recurrent.value(), bias, dy, dh, dc,
            kernel.trainable() ? kernel.grad() : null, recurrent.trainable() ? recurrent.grad() : null, dBias);
        if (dBias != null) {
            cell.addOneDnnBiasGradient(dBias);
        }
        int extra = layer.inputShapes().size() - 1;   // initial states given as inputs get their gradients
        INDArray[] grads = new INDArray[1 + extra];
        INDArray keep = fast.dropMask();
        grads[0] = keep == null ? g.dx()
            : g.dx().muli(keep.reshape(keep.size(0), 1, keep.size(1)).broadcast(g.dx().shape()));
        for (int k = 0; k < extra; k++) {
            grads[1 + k] = k == 0 ? g.dh0() : g.dc0();
        }
        return grads;
    }

    /**
     * The arrays this call made that nothing reads once the training step is over: the per-step
     * outputs (unless borrowed from the layer's buffers) and the reversed copy a
     * {@code goBackwards} layer returns.
     */
    INDArray[] stepArrays(Forward forward, Call fast) {
        List<INDArray> made = new ArrayList<>(2);
        if (fast.call().callerOwnsY()) {
            made.add(fast.call().y());
        }
        if (layer.options().returnSequences() && forward.output() != fast.call().y()) {
            made.add(forward.output());
        }
        return made.toArray(new INDArray[0]);
    }

    /** Hands the call's pooled workspace back (see {@link OneDnnRnn#release}). */
    void release(Call fast) {
        rnn.release(fast.call());
    }

    /** (B, T, U) with its steps in the opposite order. */
    private static INDArray reverseSteps(INDArray a) {
        return ArrayOps.reverse(a, 1);
    }
}
