package org.seqml.plots;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.seqml.callbacks.History;

/**
 * A {@link History} as a PNG file, one panel per quantity: the training curve and its
 * {@code val_} twin together in the panel of their name ("loss": loss and val_loss), each
 * quantity on its own scale, panels in the order first logged, two per row. Rendered headless.
 * <pre>{@code
 * History h = model.fit(x, y, new FitOptions().epochs(10).validationSplit(0.1));
 * HistoryPlot.write(h, Path.of("training.png"));
 * }</pre>
 */
public final class HistoryPlot {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int PANEL_WIDTH = 520;
    private static final int PANEL_HEIGHT = 340;

    private HistoryPlot() {
    }

    /** Writes the history's panels to {@code file} (PNG; parent directories made); returns the file. */
    public static Path write(History history, Path file) throws IOException {
        Map<String, List<String>> panels = panels(history.history().keySet());
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("HistoryPlot: the history has no logged quantities to plot (was fit run"
                + " for at least one epoch?)");
        }
        List<Chart<?, ?>> charts = new ArrayList<>();
        panels.forEach((name, series) -> {
            XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(name)
                .xAxisTitle("epoch").build();
            for (String key : series) {
                List<Double> values = history.history().get(key);
                List<Integer> epochs = IntStream.rangeClosed(1, values.size()).boxed().toList();
                chart.addSeries(key.startsWith("val_") ? "validation" : "training", epochs, values);
            }
            charts.add(chart);
        });
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        int cols = Math.min(2, charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        java.awt.image.BufferedImage grid = new java.awt.image.BufferedImage(cols * PANEL_WIDTH, rows * PANEL_HEIGHT,
            java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = grid.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % cols) * PANEL_WIDTH,
                (i / cols) * PANEL_HEIGHT, null);
        }
        g.dispose();
        javax.imageio.ImageIO.write(grid, "png", absolute.toFile());
        return absolute;
    }

    /** The panels: each quantity's name with the series it shows (itself, then its val_ twin if logged). */
    static Map<String, List<String>> panels(Iterable<String> keys) {
        Map<String, List<String>> panels = new LinkedHashMap<>();
        for (String key : keys) {
            String quantity = key.startsWith("val_") ? key.substring(4) : key;
            panels.computeIfAbsent(quantity, k -> new ArrayList<>()).add(key);
        }
        panels.values().forEach(series -> series.sort((a, b) -> Boolean.compare(a.startsWith("val_"),
            b.startsWith("val_"))));
        return panels;
    }
}
