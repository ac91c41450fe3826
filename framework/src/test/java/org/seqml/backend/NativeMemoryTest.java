package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NativeMemoryTest {

    @Test
    void nativeGrowthBeyondTheAllowanceAsksForACollection() {
        long allowance = 64L << 20;
        NativeMemory.resetBaseline();
        assertFalse(NativeMemory.collectIfGrown(allowance), "no growth yet");
        List<INDArray> garbage = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            garbage.add(Nd4j.create(DataType.FLOAT, 8L << 20));   // 4 x 32 MB, zeroed, so resident
        }
        long before = NativeMemory.collections();
        garbage.clear();
        assertTrue(NativeMemory.collectIfGrown(allowance), "128 MB of native growth, 64 MB allowed");
        assertTrue(NativeMemory.collections() == before + 1);
        assertFalse(NativeMemory.collectIfGrown(allowance), "the baseline moved to after the collection");
    }
}
