package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The int8 GRU kernel's gate math: its sigmoid and tanh against Java's exact ones. */
class Int8GruLoopTest {
    @Test
    void theSigmoidIsWithinTwoMillionthsAndTheTanhWithinFour() {
        double sigmoid = 0;
        double tanh = 0;
        for (double v = -60; v <= 60; v += 1e-3) {
            float x = (float) v;
            sigmoid = Math.max(sigmoid, Math.abs(Int8GruLoop.sigmoid(x) - 1 / (1 + Math.exp(-x))));
            tanh = Math.max(tanh, Math.abs(2 * Int8GruLoop.sigmoid(2 * x) - 1 - Math.tanh(x)));
        }
        assertTrue(sigmoid < 2e-6, "sigmoid off by " + sigmoid);
        assertTrue(tanh < 4e-6, "tanh off by " + tanh);
        assertTrue(Int8GruLoop.sigmoid(Float.NEGATIVE_INFINITY) < 1e-17f && Int8GruLoop.sigmoid(Float.POSITIVE_INFINITY) == 1f,
            "saturates as sigmoid(-40) and sigmoid(40) do");
    }
}
