package org.seqml.examples.forecasting;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.callbacks.History;
import org.seqml.examples.plots.Charts;
import org.seqml.layers.Dense;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * Forecasting monthly Mauna Loa CO2 two years ahead with an LSTM, against the seasonal-naive
 * forecast (each month as it was a year, or two, before). The LSTM reads the last 24 seasonal
 * differences {@code d_t = y_t - y_{t-12}} (standardized) and predicts the next one; the 24-month
 * forecast feeds its own predictions back, {@code y_{T+h} = y_{T+h-12} + d_{T+h}}.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.forecasting.Forecasting
 * </pre>
 * Data: examples/src/main/resources/data/co2 (see its README); the last 24 months are held out.
 */
public final class Forecasting {
    static final int WINDOW = 24;
    static final int HORIZON = 24;

    /** What the run may change. */
    public record Options(int epochs, int units, long seed, int verbose, Path outputDir) {
        public static Options defaults() {
            return new Options(60, 32, 11, 2, Path.of("target/forecasting"));
        }
    }

    /** The run's figures: RMSE over the held-out 24 months, the model's and the seasonal-naive one's. */
    public record Result(double rmse, double seasonalNaiveRmse, double[] forecast, double[] actual, History history) {
    }

    private Forecasting() {
    }

    public static void main(String[] args) {
        run(Options.defaults());
    }

    public static Result run(Options o) {
        double[] y = monthly();
        int test = y.length - HORIZON;   // months [test, end) are held out
        double[] d = new double[y.length];
        for (int t = 12; t < y.length; t++) {
            d[t] = y[t] - y[t - 12];
        }
        // standardize the seasonal differences with training statistics only
        double mean = 0;
        double sq = 0;
        int n = 0;
        for (int t = 12; t < test; t++) {
            mean += d[t];
            n++;
        }
        mean /= n;
        for (int t = 12; t < test; t++) {
            sq += (d[t] - mean) * (d[t] - mean);
        }
        double std = Math.sqrt(sq / n);
        int first = 12 + WINDOW;
        int samples = test - first;
        INDArray x = Nd4j.create(DataType.FLOAT, samples, WINDOW, 1);
        INDArray target = Nd4j.create(DataType.FLOAT, samples, 1);
        for (int s = 0; s < samples; s++) {
            int t = first + s;
            for (int w = 0; w < WINDOW; w++) {
                x.putScalar(new long[] {s, w, 0}, (d[t - WINDOW + w] - mean) / std);
            }
            target.putScalar(s, 0, (d[t] - mean) / std);
        }

        RandomSeed.set(o.seed());
        Sequential model = new Sequential(Input.of(WINDOW, 1), new LSTM(o.units()), new Dense(1));
        model.compile(new Adam(0.005), "mse", "mae");
        History history = model.fit(x, target, new FitOptions().epochs(o.epochs()).batchSize(32).validationSplit(0.1)
            .verbose(o.verbose()).callbacks(new EarlyStopping("val_loss").patience(10).restoreBestWeights(true)));

        double[] forecast = forecast(model, y, d, test, mean, std);
        double[] actual = java.util.Arrays.copyOfRange(y, test, y.length);
        double[] naive = new double[HORIZON];
        for (int h = 0; h < HORIZON; h++) {
            naive[h] = y[test + h - 12 * ((h / 12) + 1)];
        }
        Result result = new Result(rmse(forecast, actual), rmse(naive, actual), forecast, actual, history);
        System.out.printf(Locale.ROOT, "held-out 24 months: LSTM RMSE %.3f ppm, seasonal naive RMSE %.3f ppm%n",
            result.rmse(), result.seasonalNaiveRmse());
        for (int h = 0; h < HORIZON; h += 6) {
            System.out.printf(Locale.ROOT, "  month +%2d: actual %.2f, LSTM %.2f, seasonal naive %.2f%n", h + 1,
                actual[h], forecast[h], naive[h]);
        }
        if (o.outputDir() != null) {
            try {
                java.nio.file.Files.createDirectories(o.outputDir());
                model.save(o.outputDir().resolve("co2-forecaster.seqml"));
                Charts.trainingCurves(history, o.outputDir().resolve("training.png"));
                double[] months = new double[HORIZON];
                for (int h = 0; h < HORIZON; h++) {
                    months[h] = h + 1;
                }
                Charts.series("CO2, held-out 24 months", "month", months, java.util.Map.of("actual", actual,
                    "LSTM", forecast, "seasonal naive", naive), o.outputDir().resolve("forecast.png"));
                System.out.println("model, training.png and forecast.png written to " + o.outputDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    /** Feeds predictions back month by month: y_{T+h} = y_{T+h-12} + d_{T+h}. */
    private static double[] forecast(Sequential model, double[] y, double[] d, int test, double mean, double std) {
        double[] yy = y.clone();
        double[] dd = d.clone();
        for (int h = 0; h < HORIZON; h++) {
            int t = test + h;
            INDArray window = Nd4j.create(DataType.FLOAT, 1, WINDOW, 1);
            for (int w = 0; w < WINDOW; w++) {
                window.putScalar(new long[] {0, w, 0}, (dd[t - WINDOW + w] - mean) / std);
            }
            dd[t] = model.predict(window).getDouble(0, 0) * std + mean;
            yy[t] = yy[t - 12] + dd[t];
        }
        return java.util.Arrays.copyOfRange(yy, test, y.length);
    }

    static double rmse(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s / a.length);
    }

    /** The monthly series, missing months filled by linear interpolation. */
    static double[] monthly() {
        List<YearMonth> months = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
            Forecasting.class.getResourceAsStream("/data/co2/co2-concentration.csv"), StandardCharsets.UTF_8))) {
            in.readLine();
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split(",");
                months.add(YearMonth.parse(f[0].substring(0, 7)));
                values.add(Double.parseDouble(f[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        YearMonth start = months.get(0);
        int length = (int) (start.until(months.get(months.size() - 1), java.time.temporal.ChronoUnit.MONTHS) + 1);
        double[] y = new double[length];
        java.util.Arrays.fill(y, Double.NaN);
        for (int i = 0; i < months.size(); i++) {
            y[(int) start.until(months.get(i), java.time.temporal.ChronoUnit.MONTHS)] = values.get(i);
        }
        for (int t = 0; t < length; t++) {
            if (Double.isNaN(y[t])) {
                int next = t;
                while (Double.isNaN(y[next])) {
                    next++;
                }
                y[t] = y[t - 1] + (y[next] - y[t - 1]) / (next - t + 1);
            }
        }
        return y;
    }
}
