package org.seqml.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.seqml.RandomSeed;
import org.seqml.backend.Backend;

/**
 * Runs a test class in float64 (for gradient checks) with a fixed seed, and restores float32
 * afterwards. Use with {@code @ExtendWith(DoublePrecision.class)}.
 */
public final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        Backend.setFloatX(DataType.DOUBLE);
        RandomSeed.set(1234);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Backend.setFloatX(DataType.FLOAT);
    }
}
