package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One weight of a layer: its value, the gradient accumulated for it, and whether training may
 * change it. Keras's {@code Variable}.
 *
 * <p>Backward passes add into {@link #grad()}, so a layer shared by several calls in one graph
 * collects the gradient of all of them; the trainer zeroes it before each step.
 */
public final class Parameter {
    private final String name;
    private final INDArray value;
    private INDArray grad;
    private boolean trainable = true;
    private org.seqml.regularizers.Regularizer regularizer;
    private org.seqml.constraints.Constraint constraint;
    private volatile INDArray mask;

    public Parameter(String name, INDArray value) {
        this.name = name;
        this.value = value;
    }

    /** Keras's weight name, e.g. "kernel", "recurrent_kernel", "bias". */
    public String name() {
        return name;
    }

    public INDArray value() {
        return value;
    }

    /** The accumulated gradient (allocated on first use, same shape and type as the value). */
    public INDArray grad() {
        if (grad == null) {
            grad = Nd4j.zeros(value.dataType(), value.shape());
        }
        return grad;
    }

    /** Adds {@code g} to the accumulated gradient. */
    public void accumulate(INDArray g) {
        grad().addi(g);
    }

    public void zeroGrad() {
        if (grad != null) {
            grad.assign(0);
        }
    }

    public boolean trainable() {
        return trainable;
    }

    void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    /** The penalty on this weight, or null. */
    public org.seqml.regularizers.Regularizer regularizer() {
        return regularizer;
    }

    /** The projection applied after each optimizer step, or null. */
    public org.seqml.constraints.Constraint constraint() {
        return constraint;
    }

    void setRegularization(org.seqml.regularizers.Regularizer r, org.seqml.constraints.Constraint c) {
        this.regularizer = r;
        this.constraint = c;
    }

    /**
     * The pruning mask: 1 where the weight is kept, 0 where it is held at zero; null when the
     * weight is not pruned. The trainer masks the gradient before each step and the weight after
     * it, so a pruned weight stays exactly zero.
     */
    public INDArray mask() {
        return mask;
    }

    /** Sets (or with null removes) the mask, and zeroes the weights it drops at once. */
    public void setMask(INDArray newMask) {
        if (newMask != null) {
            if (!java.util.Arrays.equals(newMask.shape(), value.shape())) {
                throw new IllegalArgumentException("weight '" + name + "': a mask of shape "
                    + java.util.Arrays.toString(newMask.shape()) + " for a weight of shape "
                    + java.util.Arrays.toString(value.shape()) + "; give one of the weight's shape.");
            }
            newMask = newMask.castTo(value.dataType());
            value.muli(newMask);
        }
        this.mask = newMask;
    }

    /** Zeroes what the mask drops (after an optimizer step or a setWeights); nothing without a mask. */
    public void applyMask() {
        INDArray m = mask;
        if (m != null) {
            value.muli(m);
        }
    }

    public long size() {
        return value.length();
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape());
    }
}
