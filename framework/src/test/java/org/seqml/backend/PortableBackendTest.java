package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.testing.Arrays;

/**
 * What {@code -Dseqml.portable=true} promises (the suite runs this class in its portable
 * execution, where the other tests it names run again too): no oneDNN, no direct BLAS or LAPACK,
 * no CPU tuning; and in the ordinary run, that {@link Backend#withoutFusedKernels} declines oneDNN
 * on the calling thread only.
 */
class PortableBackendTest {

    @Test
    void portableSwitchTurnsEveryCpuPathOff() {
        if (!Switches.portable()) {
            return;   // the ordinary execution: checked by the portable one
        }
        assertFalse(OneDnn.available(), "oneDNN declined");
        assertFalse(Switches.nativeCpu(), "no direct BLAS/LAPACK");
        assertTrue(CpuTuning.setVariables().isEmpty(), "no environment set");
        assertEquals(-1, CpuTuning.flushDenormals(), "denormals left alone");
        INDArray a = Arrays.random(3, 4);
        INDArray b = Arrays.random(4, 5);
        INDArray c = Nd4j.create(a.dataType(), 3, 5);
        Blas.gemm(a, false, b, false, 1.0, c, 0.0);
        assertTrue(c.equalsWithEps(a.mmul(b), 1e-6), "the plain product");
    }

    @Test
    void withoutFusedKernelsDeclinesOneDnnOnTheCallingThreadOnly() throws Exception {
        if (Switches.portable()) {
            return;
        }
        assertTrue(OneDnn.available());
        assertFalse(Backend.withoutFusedKernels(OneDnn::available));
        boolean[] other = new boolean[1];
        Backend.withoutFusedKernels(() -> {
            Thread t = new Thread(() -> other[0] = OneDnn.available());
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        assertTrue(other[0], "another thread keeps oneDNN");
        assertTrue(OneDnn.available(), "restored after the call");
    }
}
