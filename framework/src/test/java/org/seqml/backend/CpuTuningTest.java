package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class CpuTuningTest {

    @Test
    void choosesTheOpenBlasKernelFromTheCpuFlags() {
        assertEquals("SkylakeX", CpuTuning.coreFor(Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl",
            "avx512dq", "avx512cd")));
        assertEquals("Haswell", CpuTuning.coreFor(Set.of("avx2", "fma", "avx512f")));
        assertNull(CpuTuning.coreFor(Set.of("sse4_2", "avx")));
    }

    @Test
    void whatSeqmlSetsReachesTheNativeEnvironmentBeforeNd4jLoads() {
        Backend.init();
        if (CpuTuning.mxcsr() < 0 || CpuTuning.tooLate()) {
            return;   // not Linux x86_64, or an earlier test in this JVM loaded ND4J before seqml
        }
        assertTrue(CpuTuning.setVariables().containsKey("OMP_NUM_THREADS") || System.getenv("OMP_NUM_THREADS") != null);
        CpuTuning.setVariables().forEach((name, value) -> assertEquals(value, CpuTuning.environment(name), name));
        if (System.getenv("GOMP_SPINCOUNT") == null && System.getenv("OMP_WAIT_POLICY") == null
            && !CpuTuning.setVariables().isEmpty() && !"none".equals(System.getProperty("seqml.ompSpinCount"))) {
            assertEquals(System.getProperty("seqml.ompSpinCount", CpuTuning.DEFAULT_SPIN_COUNT),
                CpuTuning.environment("GOMP_SPINCOUNT"), "OpenMP's idle threads spin briefly");
        }
    }

    @Test
    void flushesDenormalsOnlyWhileAskedAndRestoresTheMode() {
        Backend.init();   // applies the tuning before ND4J loads
        Nd4j.create(1);
        int before = CpuTuning.mxcsr();
        if (before < 0) {
            return;   // not Linux x86_64: nothing to tune
        }
        assertEquals(0, before & 0x8040, "Java threads start with IEEE denormals");
        int saved = CpuTuning.flushDenormals();
        try {
            assertEquals(0x8040, CpuTuning.mxcsr() & 0x8040, "FTZ and DAZ on while seqml computes");
            float tiny = Float.MIN_NORMAL;
            assertTrue(tiny / 4 == 0.0f || tiny / 4 > 0, "arithmetic still runs");
        } finally {
            CpuTuning.restore(saved);
        }
        assertEquals(before, CpuTuning.mxcsr(), "the previous mode is back");
    }
}
