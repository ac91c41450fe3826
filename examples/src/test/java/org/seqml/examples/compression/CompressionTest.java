package org.seqml.examples.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionTest {

    @Test
    void aQuickRunFillsTheTableAndEachWaySaves() {
        List<Compression.Row> all = Compression.run(new Compression.Options(1, 1, 1, 2, 200, 40, 5, 2, null, false));
        // the PyTorch peer's two rows come only where Debian's python3-torch is installed
        List<Compression.Row> peer = all.stream().filter(r -> r.name().startsWith("PyTorch")).toList();
        List<Compression.Row> rows = all.stream().filter(r -> !r.name().startsWith("PyTorch")).toList();
        assertEquals(10, rows.size());
        assertTrue(peer.isEmpty() || peer.size() == 2, peer.toString());
        for (Compression.Row r : peer) {   // the same weights in PyTorch: float32 the same accuracy, int8 close
            assertEquals(rows.get(0).accuracy(), r.accuracy(), r.name().contains("int8") ? 0.05 : 1e-9, r.toString());
        }
        Compression.Row baseline = rows.get(0);
        Compression.Row int8 = rows.get(1);
        Compression.Row pruned90 = rows.get(5);
        Compression.Row half = rows.get(6);
        Compression.Row student = rows.get(9);   // distilled; 7 and 8 the same student on hard labels
        // int8: a byte a weight, nearly all of them (the biases, the scales, the Dense layers and the
        // vocabulary stay as they were)
        assertTrue(int8.fileBytes() * 3 < baseline.fileBytes(), int8.fileBytes() + " vs " + baseline.fileBytes());
        assertTrue(Math.abs(int8.accuracy() - baseline.accuracy()) < 0.05, int8 + " vs " + baseline);
        assertTrue(rows.get(3).fileBytes() < baseline.fileBytes(), "50 % zeros stored sparse");
        assertTrue(pruned90.fileBytes() < rows.get(4).fileBytes() && rows.get(4).fileBytes() < rows.get(3).fileBytes(),
            "the files shrink with the sparsity");
        assertTrue(pruned90.fileBytes() < baseline.fileBytes() / 3, pruned90.fileBytes() + " vs " + baseline.fileBytes());
        assertTrue(half.params() < baseline.params() && student.params() * 5 < baseline.params());
        assertTrue(student.accuracySpread() >= 0 && student.accuracy() > 0.5, student.toString());
        assertEquals(student.params(), rows.get(7).params());
        assertEquals(student.params(), rows.get(8).params());
        assertTrue(Compression.table(rows).contains("| pruned to 80 % (magnitude) |"));
    }
}
