package org.seqml.examples.plots;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.seqml.callbacks.History;
import org.seqml.plots.HistoryPlot;

/**
 * The pictures the examples write as PNG files: training curves from a {@link History} (through
 * seqml-plots), series
 * against each other (a forecast and the truth), and attention weights as a heat map. Rendered
 * headless by XChart.
 *
 * <pre>{@code
 * Charts.trainingCurves(history, Path.of("training.png"));
 * }</pre>
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** The history's training curves, one panel per quantity with its validation twin (seqml-plots' {@link HistoryPlot}). */
    public static Path trainingCurves(History history, Path file) {
        try {
            return HistoryPlot.write(history, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Named series over a shared x axis (e.g. months). */
    public static Path series(String title, String xTitle, double[] x, Map<String, double[]> series, Path file) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).build();
        series.forEach((name, y) -> chart.addSeries(name, x, y));
        return write(chart, file);
    }

    /**
     * Attention weights as a heat map: one row per output token, one column per source token
     * ({@code weights[output][source]}, each row summing to 1).
     */
    public static Path attention(String title, List<String> source, List<String> output, double[][] weights,
                                 Path file) {
        HeatMapChart chart = new HeatMapChartBuilder().width(120 + 60 * source.size())
            .height(140 + 30 * output.size()).title(title).build();
        chart.getStyler().setShowValue(false).setLegendVisible(false);
        // numbered labels: a word that occurs twice would otherwise be one column
        List<String> x = IntStream.range(0, source.size()).mapToObj(i -> (i + 1) + " " + source.get(i)).toList();
        List<String> y = IntStream.range(0, output.size()).mapToObj(i -> (i + 1) + " " + output.get(i)).toList();
        List<Number[]> cells = new java.util.ArrayList<>();
        for (int i = 0; i < output.size(); i++) {
            for (int j = 0; j < source.size(); j++) {
                cells.add(new Number[] {j, i, weights[i][j]});
            }
        }
        chart.addSeries("attention", x, y, cells);
        return write(chart, file);
    }

    private static Path write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
