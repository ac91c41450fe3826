package org.seqml.constraints;

/**
 * Keras's {@code UnitNorm} (default axis 0): each slice scaled to norm 1.
 *
 * <pre>{@code
 * new Dense(64).kernelConstraint(new UnitNorm())
 * }</pre>
 */
public final class UnitNorm extends MinMaxNorm {
    public UnitNorm() {
        this(0);
    }

    public UnitNorm(int axis) {
        super(1.0, 1.0, 1.0, axis);
    }
}
