package org.seqml.examples.plots;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.seqml.callbacks.History;

/**
 * The pictures the examples write as PNG files: training curves from a {@link History}, and
 * series against each other (a forecast and the truth). Rendered headless by XChart.
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

    /** Every logged quantity of the history by epoch; losses and metrics with their val_ twins. */
    public static Path trainingCurves(History history, Path file) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Training").xAxisTitle("epoch")
            .yAxisTitle("value").build();
        for (Map.Entry<String, List<Double>> e : history.history().entrySet()) {
            List<Double> values = e.getValue();
            List<Integer> epochs = IntStream.rangeClosed(1, values.size()).boxed().toList();
            chart.addSeries(e.getKey(), epochs, values);
        }
        return write(chart, file);
    }

    /** Named series over a shared x axis (e.g. months). */
    public static Path series(String title, String xTitle, double[] x, Map<String, double[]> series, Path file) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).build();
        series.forEach((name, y) -> chart.addSeries(name, x, y));
        return write(chart, file);
    }

    private static Path write(XYChart chart, Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
