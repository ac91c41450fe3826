package org.seqml.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The baselines program end to end on a slice (seconds): three models, one seed, a row each. */
class SpamBaselinesTest {
    @Test
    void aShortRunGivesTheBiLstmTheBagAndThePiecesModelARowEach() {
        List<SpamBaselines.Row> rows = SpamBaselines.run(new SpamBaselines.Options(1, 5, 300, 300));
        assertEquals(3, rows.size());
        assertTrue(rows.get(2).name().contains("300 byte-pair pieces"), rows.get(2).name());
        for (SpamBaselines.Row r : rows) {
            assertEquals(1, r.accuracy().length);
            assertTrue(r.accuracy()[0] > 0.5 && r.accuracy()[0] <= 1 && r.f1()[0] >= 0 && r.f1()[0] <= 1,
                r.name() + " " + r.accuracy()[0] + " " + r.f1()[0]);
        }
    }
}
