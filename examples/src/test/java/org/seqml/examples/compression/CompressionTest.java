package org.seqml.examples.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionTest {

    @Test
    void aQuickRunFillsTheTableAndEachWaySaves() {
        List<Compression.Row> rows = Compression.run(new Compression.Options(1, 1, 1, 2, 200, 40, 5, 2, null));
        assertEquals(7, rows.size());
        Compression.Row baseline = rows.get(0);
        Compression.Row pruned90 = rows.get(3);
        Compression.Row half = rows.get(4);
        Compression.Row student = rows.get(6);
        assertTrue(rows.get(1).fileBytes() < baseline.fileBytes(), "50 % zeros stored sparse");
        assertTrue(pruned90.fileBytes() < rows.get(2).fileBytes() && rows.get(2).fileBytes() < rows.get(1).fileBytes(),
            "the files shrink with the sparsity");
        assertTrue(pruned90.fileBytes() < baseline.fileBytes() / 3, pruned90.fileBytes() + " vs " + baseline.fileBytes());
        assertTrue(half.params() < baseline.params() && student.params() * 5 < baseline.params());
        assertTrue(student.accuracySpread() >= 0 && student.accuracy() > 0.5, student.toString());
        assertTrue(Compression.table(rows).contains("| pruned to 80 % (magnitude) |"));
    }
}
