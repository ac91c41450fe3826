package org.seqml.layers.recurrent;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.backend.ArrayOps;
import org.seqml.backend.Blas;
import org.seqml.backend.CallScope;
import org.seqml.layers.Forward;

/**
 * {@link RNN}'s time loop, forward and backward, on the cell its layer supplies: the reference
 * path of every recurrent layer, and the one that runs what no fused kernel takes (masked steps,
 * recurrent dropout, float64, attention cells). Per-step arrays are feature-major
 * {@code (features, batch)}; see {@link RNN} for the equations.
 */
final class TimeLoop {
    private final RNN<?> cell;

    TimeLoop(RNN<?> cell) {
        this.cell = cell;
    }

    /** What the loop keeps for backward; per-step arrays are (T, features, B). */
    record Run(INDArray x2, INDArray dropMask, INDArray recMask, INDArray mask, INDArray z, INDArray[] states,
               INDArray[] fresh, INDArray hRec, INDArray out, long time, long batch, Object cache) {
    }

    Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        RNN.Options options = cell.options();
        INDArray x = inputs[0];
        long b = x.size(0);
        long t = x.size(1);
        long f = x.size(2);
        DataType type = cell.computeType();
        INDArray xt = timeMajor(x.castTo(type), CallScope.uninitialized(type, t, b, f));
        if (training && (options.dropout() > 0 || options.recurrentDropout() > 0)) {
            cell.startRandomCall();
        }
        INDArray dropMask = null;
        if (training && options.dropout() > 0) {
            dropMask = cell.keepMask(b, f, options.dropout(), type);
            xt.muli(dropMask.reshape(1, b, f).broadcast(t, b, f));
        }
        INDArray x2 = xt.reshape('c', t * b, f);
        long width = (long) cell.gateCount() * cell.units();
        INDArray xz = CallScope.uninitialized(type, t * b, width);
        cell.inputProduct(x2, xz);
        if (cell.inputBias() != null) {
            xz.addiRowVector(cell.inputBias());
        }
        // (T*B, G*U) -> (T, G*U, B): each step's projection becomes one contiguous block
        INDArray z = CallScope.uninitialized(type, t, width, b).assign(xz.reshape('c', t, b, width).permute(0, 2, 1));
        INDArray mask = masks.length > 0 && masks[0] != null ? timeMajorMask(masks[0], type) : null;
        INDArray recMask = training && options.recurrentDropout() > 0
            ? cell.keepMask(b, cell.units(), options.recurrentDropout(), type).transpose().dup('c') : null;

        INDArray[] states = new INDArray[cell.stateCount()];
        INDArray[] fresh = new INDArray[cell.stateCount()];
        for (int k = 0; k < states.length; k++) {
            states[k] = CallScope.uninitialized(type, t + 1, cell.stateSize(k), b);
            INDArray initial = cell.initialState(inputs, k, b);
            if (initial != null) {
                states[k].slice(0).assign(initial.castTo(type).transpose());
            } else {
                states[k].slice(0).assign(0);
            }
            fresh[k] = mask == null ? null : CallScope.uninitialized(type, t, cell.stateSize(k), b);
        }
        INDArray hRec = recMask == null ? null : CallScope.uninitialized(type, t, cell.units(), b);
        INDArray out = mask == null ? null : CallScope.uninitialized(type, t, cell.stateSize(cell.outputState()), b);
        Object cache = cell.newCache(t, b, type, inputs, masks);
        for (int s = 0; s < t; s++) {
            INDArray[] prev = slices(states, s);
            INDArray[] next = slices(states, s + 1);
            INDArray h = prev[0];
            if (recMask != null) {
                h = CallScope.step(hRec, s);
                prev[0].mul(recMask, h);
            }
            cell.step(s, CallScope.step(z, s), h, prev, next, cache);
            if (mask != null) {
                applyMask(s, mask.getRow(s), prev, next, fresh, out);
            }
        }
        return finish(inputs, masks, training, new Run(x2, dropMask, recMask, mask, z, states, fresh,
            hRec, out, t, b, cache));
    }

    private Forward finish(INDArray[] inputs, INDArray[] masks, boolean training, Run run) {
        RNN.Options options = cell.options();
        long t = run.time();
        int o = cell.outputState();
        INDArray y;
        if (options.returnSequences()) {
            INDArray outputs = run.out() != null ? run.out()
                : run.states()[o].get(NDArrayIndex.interval(1, t + 1), NDArrayIndex.all(), NDArrayIndex.all());
            y = outputs.permute(2, 0, 1).dup('c');   // (T, U, B) -> (B, T, U)
        } else {
            y = (run.out() != null ? run.out().slice(t - 1) : run.states()[o].slice(t)).transpose().dup('c');
        }
        INDArray[] extra = cell.extraSequences(run.cache());
        int states = options.returnState() ? cell.stateCount() : 0;
        INDArray[] outs = new INDArray[1 + states + extra.length];
        INDArray[] outMasks = new INDArray[outs.length];
        INDArray sequenceMask = masks.length > 0 ? masks[0] : null;
        outs[0] = y;
        outMasks[0] = options.returnSequences() ? sequenceMask : null;
        for (int k = 0; k < states; k++) {
            outs[1 + k] = run.states()[k].slice(t).transpose().dup('c');
        }
        for (int k = 0; k < extra.length; k++) {
            outs[1 + states + k] = batchMajor(extra[k]);
            outMasks[1 + states + k] = sequenceMask;
        }
        if (options.stateful()) {
            INDArray[] finals = new INDArray[cell.stateCount()];
            for (int k = 0; k < finals.length; k++) {
                finals[k] = run.states()[k].slice(t).transpose();
            }
            cell.carry(finals);
        }
        return new Forward(inputs, masks, outs, outMasks, new INDArray[0], training, run);
    }

    /** Keeps the states at masked steps and sets the step's output (repeat, or zero); m is (B). */
    private void applyMask(int s, INDArray m, INDArray[] prev, INDArray[] next, INDArray[] fresh, INDArray out) {
        INDArray o = CallScope.step(out, s);
        INDArray y = next[cell.outputState()];
        if (cell.options().zeroOutputForMask() || s == 0) {
            o.assign(y).muliRowVector(m);
        } else {
            INDArray before = CallScope.step(out, s - 1);
            y.sub(before, o).muliRowVector(m).addi(before);
        }
        for (int k = 0; k < next.length; k++) {
            CallScope.step(fresh[k], s).assign(next[k]);
            next[k].subi(prev[k]).muliRowVector(m).addi(prev[k]);
        }
    }

    INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        RNN.Options options = cell.options();
        Run run = forward.cache(Run.class);
        long t = run.time();
        long b = run.batch();
        int o = cell.outputState();
        DataType type = cell.kernel().value().dataType();
        INDArray dOut = null;
        INDArray dLast = null;
        if (outputGradients[0] != null) {
            if (options.returnSequences()) {
                // already in processing order: (B, T, U) -> (T, U, B)
                dOut = outputGradients[0].castTo(type).permute(1, 2, 0).dup('c');
            } else {
                dLast = outputGradients[0].castTo(type).transpose().dup('c');
            }
        }
        int returned = options.returnState() ? cell.stateCount() : 0;
        INDArray[] dState = new INDArray[cell.stateCount()];
        for (int k = 0; k < dState.length; k++) {
            INDArray g = k < returned && outputGradients.length > k + 1 ? outputGradients[k + 1] : null;
            dState[k] = g == null ? Nd4j.zeros(type, cell.stateSize(k), b) : g.castTo(type).transpose().dup('c');
        }
        INDArray[] extra = new INDArray[outputGradients.length - 1 - returned];
        for (int k = 0; k < extra.length; k++) {
            INDArray g = outputGradients[1 + returned + k];
            extra[k] = g == null ? null : timeMajor(g.castTo(type), Nd4j.createUninitialized(type,
                g.size(1), g.size(0), g.size(2)));
        }
        cell.extraGradients(run.cache(), extra);
        INDArray dZ = CallScope.uninitialized(type, t, (long) cell.gateCount() * cell.units(), b);
        INDArray[] dNew = new INDArray[cell.stateCount()];
        INDArray[] dPrev = new INDArray[cell.stateCount()];
        for (int k = 0; k < dPrev.length; k++) {
            dPrev[k] = Nd4j.zeros(type, cell.stateSize(k), b);
            dNew[k] = Nd4j.zeros(type, cell.stateSize(k), b);
        }
        INDArray carry = run.mask() != null && !options.zeroOutputForMask()
            ? Nd4j.zeros(type, cell.stateSize(o), b) : null;
        for (int s = (int) t - 1; s >= 0; s--) {
            INDArray dy = dOut != null ? dOut.slice(s) : s == t - 1 ? dLast : null;
            INDArray[] prev = slices(run.states(), s);
            INDArray[] fresh = run.mask() == null ? slices(run.states(), s + 1) : slices(run.fresh(), s);
            INDArray m = run.mask() == null ? null : run.mask().getRow(s);
            if (m == null) {
                // no mask: the incoming state gradient is the step's, so no copies; the two
                // buffers swap roles after the step
                if (dy != null) {
                    dState[o].addi(dy);
                }
                cell.stepBackward(s, CallScope.step(run.z(), s), dState, prev, fresh, CallScope.step(dZ, s), dPrev,
                    run.recMask(), run.cache());
                INDArray[] swap = dState;
                dState = dPrev;
                dPrev = swap;
                continue;
            }
            for (int k = 0; k < dNew.length; k++) {
                dNew[k].assign(dState[k]).muliRowVector(m);
            }
            INDArray total = dy == null ? carry : carry == null ? dy : dy.add(carry);
            if (total != null) {
                dNew[o].addi(total.mulRowVector(m));
                if (carry != null) {
                    carry = total.mulRowVector(m.rsub(1.0));
                }
            }
            cell.stepBackward(s, CallScope.step(run.z(), s), dNew, prev, fresh, CallScope.step(dZ, s), dPrev,
                run.recMask(), run.cache());
            for (int k = 0; k < dState.length; k++) {
                // a masked step passed its incoming state straight through
                dState[k].muliRowVector(m.rsub(1.0)).addi(dPrev[k]);
            }
        }
        return inputGradients(forward.inputs().length, run, dZ, dState);
    }

    private INDArray[] inputGradients(int inputCount, Run run, INDArray dZ, INDArray[] dInitial) {
        long t = run.time();
        long b = run.batch();
        int u = cell.units();
        DataType type = run.x2().dataType();
        INDArray dZ2 = CallScope.uninitialized(type, t, b, dZ.size(1)).assign(dZ.permute(0, 2, 1))
            .reshape('c', t * b, dZ.size(1));   // (T*B, G*U)
        INDArray hRec = run.hRec() != null ? run.hRec()
            : run.states()[0].get(NDArrayIndex.interval(0, t), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray hRec2 = CallScope.uninitialized(type, t, b, u).assign(hRec.permute(0, 2, 1)).reshape('c', t * b, u);
        cell.weightGradients(hRec2, dZ2, run.cache());
        if (cell.kernel().trainable()) {
            Blas.gemm(run.x2(), true, dZ2, false, 1.0, cell.inputKernel(cell.kernel().grad()), 1.0);
        }
        INDArray dx = Nd4j.create(type, t * b, run.x2().size(1));
        Blas.gemm(dZ2, false, cell.inputKernel(cell.kernel().value()), true, 1.0, dx, 0.0);
        dx = dx.reshape('c', t, b, run.x2().size(1));
        if (run.dropMask() != null) {
            dx.muli(run.dropMask().reshape(1, b, run.x2().size(1)).broadcast(dx.shape()));
        }
        INDArray[] grads = new INDArray[inputCount];
        grads[0] = batchMajor(dx);
        INDArray[] constants = cell.constantGradients(run.cache());
        System.arraycopy(constants, 0, grads, 1, constants.length);
        for (int k = 1 + constants.length; k < inputCount; k++) {
            grads[k] = dInitial[k - 1 - constants.length].transpose().dup('c');
        }
        return grads;
    }

    /** (B, T, F) into {@code target} (T, B, F) time-major, reversed in time when goBackwards. */
    private INDArray timeMajor(INDArray x, INDArray target) {
        if (cell.options().goBackwards()) {
            return target.assign(ArrayOps.reverse(x, 1).permute(1, 0, 2));
        }
        return target.assign(x.permute(1, 0, 2));
    }

    /** Time-major (T, B, F) in processing order back to (B, T, F) in input order. */
    private INDArray batchMajor(INDArray tm) {
        INDArray ordered = cell.options().goBackwards() ? ArrayOps.reverse(tm, 0) : tm;
        return ordered.permute(1, 0, 2).dup('c');
    }

    /** A (B, T) mask as (T, B) in processing order: row s is step s's mask over the batch. */
    private INDArray timeMajorMask(INDArray mask, DataType type) {
        INDArray m = mask.castTo(type).transpose().dup('c');
        return cell.options().goBackwards() ? ArrayOps.reverse(m, 0) : m;
    }

    private static INDArray[] slices(INDArray[] arrays, int s) {
        INDArray[] out = new INDArray[arrays.length];
        for (int k = 0; k < arrays.length; k++) {
            out[k] = CallScope.step(arrays[k], s);
        }
        return out;
    }
}
