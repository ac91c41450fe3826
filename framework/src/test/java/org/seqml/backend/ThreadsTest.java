package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The cores oneDNN's calls take together follow Backend.setThreads at run time. */
class ThreadsTest {
    private static int threadsInsideACall() {
        int[] seen = new int[1];
        OneDnn.run(() -> seen[0] = OpenMp.threads());
        return seen[0];
    }

    @Test
    void aCallTakesNoMoreThanTheThreadsSetNow() {
        org.nd4j.linalg.factory.Nd4j.ones(2);   // ND4J's natives (and OpenMP) loaded, as before any real call
        int before = Backend.threads();
        org.junit.jupiter.api.Assumptions.assumeTrue(OpenMp.threads() > 0 && before > 1, "one core here");
        try {
            Backend.setThreads(1);
            assertEquals(1, Backend.threads());
            assertEquals(1, threadsInsideACall());
            Backend.setThreads(before);
            assertEquals(before, threadsInsideACall(), "all of them again, when no other call runs");
        } finally {
            Backend.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> Backend.setThreads(0));
    }
}
