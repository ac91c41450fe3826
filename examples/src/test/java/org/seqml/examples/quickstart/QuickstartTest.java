package org.seqml.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.seqml.callbacks.History;

class QuickstartTest {

    @Test
    void learnsToClassifyTheGeneratedReviews() {
        History h = Quickstart.run(new Quickstart.Options(2000, 8, 64, 7, 0));
        assertTrue(h.last("val_accuracy") > 0.8, h.toString());
        assertTrue(h.last("loss") < h.get("loss").get(0), h.toString());
    }
}
