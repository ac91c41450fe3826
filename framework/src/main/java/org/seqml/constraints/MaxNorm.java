package org.seqml.constraints;

/**
 * Keras's {@code MaxNorm} (defaults: max 2, axis 0): each slice's norm is at most
 * {@code maxValue}; smaller ones stay.
 *
 * <pre>{@code
 * new Dense(64).kernelConstraint(new MaxNorm(3))
 * }</pre>
 */
public final class MaxNorm extends MinMaxNorm {
    public MaxNorm() {
        this(2.0);
    }

    public MaxNorm(double maxValue) {
        this(maxValue, 0);
    }

    public MaxNorm(double maxValue, int axis) {
        super(0, maxValue, 1.0, axis);
    }
}
