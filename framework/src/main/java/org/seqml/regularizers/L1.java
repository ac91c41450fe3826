package org.seqml.regularizers;

/**
 * Keras's {@code L1} (default 0.01): {@code l1 * sum(|w|)}.
 *
 * <pre>{@code
 * new Dense(64).kernelRegularizer(new L1(1e-4))
 * }</pre>
 */
public final class L1 extends L1L2 {
    public L1() {
        this(0.01);
    }

    public L1(double l1) {
        super(l1, 0);
    }
}
