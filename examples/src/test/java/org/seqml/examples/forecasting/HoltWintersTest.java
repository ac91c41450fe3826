package org.seqml.examples.forecasting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Holt-Winters fitted in Java against hand-worked cases and statsmodels' figures on the CO2
 * series (examples/scripts/forecast-baselines.py).
 */
class HoltWintersTest {
    /** A line plus a fixed season is what the model describes exactly: it fits with no error and extends it. */
    @Test
    void aTrendPlusASeasonIsFittedExactlyAndExtended() {
        double[] season = {3, -1, 2, 0.5, -4, 1, 0, -2, 1.5, -0.5, 2.5, -3};
        double[] y = new double[60];
        for (int t = 0; t < y.length; t++) {
            y[t] = 10 + 0.3 * t + season[t % 12];
        }
        HoltWinters hw = HoltWinters.fit(y, 12);
        assertTrue(hw.sse() < 1e-12, "sse " + hw.sse());
        double[] f = hw.forecast(24);
        for (int h = 0; h < 24; h++) {
            int t = y.length + h;
            assertEquals(10 + 0.3 * t + season[t % 12], f[h], 1e-6, "h " + (h + 1));
        }
    }

    /** With the weights at 0 the states never move: the forecast is the initial line and season, the least squares fit. */
    @Test
    void theInitialStatesAreTheLeastSquaresOnes() {
        double[] y = new double[36];
        java.util.Random r = new java.util.Random(3);
        for (int t = 0; t < y.length; t++) {
            y[t] = 5 + 0.1 * t + (t % 12 == 3 ? 2 : 0) + 0.01 * r.nextGaussian();
        }
        HoltWinters hw = HoltWinters.fit(y, 12);
        double[] f = hw.forecast(12);
        for (int h = 0; h < 12; h++) {
            int t = y.length + h;
            assertEquals(5 + 0.1 * t + (t % 12 == 3 ? 2 : 0), f[h], 0.05, "h " + (h + 1));
        }
    }

    /**
     * At the five rolling origins of the example's series the fit reaches statsmodels' (0.15,
     * the same model and objective) weights and sum of squared errors, and the forecasts' RMSE
     * agree with statsmodels' 1.094, 0.763, 0.671, 0.642, 0.428 within 0.02 ppm (its initial
     * states are a numerical optimum along directions the errors barely feel; these the exact one).
     * (Issue 25's table, 0.889 ... 0.381, was measured on the series with its 5 missing months
     * dropped, which shifts the seasons before them: examples/scripts/forecast-baselines.py prints both.)
     */
    @Test
    void matchesStatsmodelsOnTheExamplesSeries() {
        double[] y = Forecasting.monthly();
        double[] rmse = {1.094, 0.763, 0.671, 0.642, 0.428};
        double[] sse = {70.8713, 67.3284, 62.4732, 59.7247, 57.4605};
        double[] alpha = {0.5593, 0.5598, 0.5479, 0.5572, 0.5565};
        for (int i = 0; i < Forecasting.CUTS.length; i++) {
            int test = y.length - Forecasting.CUTS[i];
            HoltWinters hw = HoltWinters.fit(Arrays.copyOf(y, test), 12);
            double[] actual = Arrays.copyOfRange(y, test, test + Forecasting.HORIZON);
            assertTrue(hw.sse() <= sse[i] * (1 + 1e-5), "cut " + Forecasting.CUTS[i] + ": sse " + hw.sse() + " vs " + sse[i]);
            assertEquals(alpha[i], hw.alpha(), 2e-3, "cut " + Forecasting.CUTS[i]);
            assertEquals(rmse[i], Forecasting.rmse(hw.forecast(Forecasting.HORIZON), actual), 0.02,
                "cut " + Forecasting.CUTS[i]);
        }
    }
}
