package org.seqml.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seqml.callbacks.History;

class HistoryPlotTest {
    @Test
    void eachQuantityGetsAPanelWithItsTrainingAndValidationCurves() {
        Map<String, List<String>> panels = HistoryPlot.panels(List.of("loss", "accuracy", "val_loss", "val_accuracy",
            "learning_rate"));
        assertEquals(List.of("loss", "accuracy", "learning_rate"), List.copyOf(panels.keySet()));
        assertEquals(List.of("loss", "val_loss"), panels.get("loss"));
        assertEquals(List.of("accuracy", "val_accuracy"), panels.get("accuracy"));
        assertEquals(List.of("learning_rate"), panels.get("learning_rate"));
    }

    @Test
    void writesAPngWithOnePanelPerQuantityTwoPerRow(@TempDir Path dir) throws IOException {
        History h = new History();
        h.onEpochEnd(0, new java.util.LinkedHashMap<>(Map.of("loss", 0.9, "val_loss", 1.0, "accuracy", 0.5)));
        h.onEpochEnd(1, new java.util.LinkedHashMap<>(Map.of("loss", 0.5, "val_loss", 0.7, "accuracy", 0.8)));
        h.onEpochEnd(2, new java.util.LinkedHashMap<>(Map.of("loss", 0.3, "val_loss", 0.6, "accuracy", 0.9)));
        Path png = HistoryPlot.write(h, dir.resolve("plots/training.png"));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * 520, image.getWidth(), "two panels side by side");
        assertEquals(340, image.getHeight(), "one row");
        h.onEpochEnd(3, new java.util.LinkedHashMap<>(Map.of("loss", 0.2, "val_loss", 0.6, "accuracy", 0.9,
            "learning_rate", 0.001)));
        BufferedImage three = ImageIO.read(HistoryPlot.write(h, dir.resolve("three.png")).toFile());
        assertEquals(2 * 340, three.getHeight(), "three panels: two rows");
    }

    @Test
    void anEmptyHistoryIsRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> HistoryPlot.write(new History(), dir.resolve("x.png")));
        assertTrue(e.getMessage().contains("no logged quantities"), e.getMessage());
    }
}
