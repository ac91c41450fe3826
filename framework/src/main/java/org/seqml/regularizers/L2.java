package org.seqml.regularizers;

/**
 * Keras's {@code L2} (default 0.01): {@code l2 * sum(w^2)}, with no factor 1/2.
 *
 * <pre>{@code
 * new Dense(64).kernelRegularizer(new L2(1e-4))
 * }</pre>
 */
public final class L2 extends L1L2 {
    public L2() {
        this(0.01);
    }

    public L2(double l2) {
        super(0, l2);
    }
}
