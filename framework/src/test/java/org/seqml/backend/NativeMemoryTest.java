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

    @Test
    void growthOfFourAllowancesGetsTheFreedPagesGivenBackTheBatchAfterItsCollection() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeMemory.trims(), "glibc's malloc_trim is not here");
        long allowance = 16L << 20;
        // earlier tests' garbage, freed by ND4J's threads during this test, would be reused without
        // the process growing: free it now, so the baseline's trim gives its pages back first
        System.gc();
        Thread.sleep(500);
        NativeMemory.resetBaseline();
        List<INDArray> garbage = new ArrayList<>();
        List<INDArray> kept = new ArrayList<>();
        for (int i = 0; i < 8192; i++) {
            // 128 MB in 16 KB buffers (the allocator's arenas); every 16th stays alive, so the freed
            // ones lie between live ones, where free() alone never gives pages back
            (i % 16 == 0 ? kept : garbage).add(Nd4j.create(DataType.FLOAT, 4096));
        }
        garbage.clear();
        assertTrue(NativeMemory.collectIfGrown(allowance));
        Thread.sleep(500);   // ND4J frees the collected buffers on its own threads
        long before = org.bytedeco.javacpp.Pointer.physicalBytes();
        assertFalse(NativeMemory.collectIfGrown(allowance), "this call trims, it does not collect");
        long after = org.bytedeco.javacpp.Pointer.physicalBytes();
        assertTrue(before - after > (64L << 20), "resident " + (before >> 20) + " MB -> " + (after >> 20) + " MB");
        assertTrue(kept.stream().allMatch(a -> a.sumNumber().doubleValue() == 0), "live arrays keep their memory");
    }
}
