package org.seqml.examples.forecasting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ForecastingTest {

    @Test
    void theSeriesHasNoGapsAndRisesOverTheDecades() {
        double[] y = Forecasting.monthly();
        assertTrue(y.length > 700);
        for (double v : y) {
            assertTrue(!Double.isNaN(v) && v > 300 && v < 450);
        }
        assertTrue(y[y.length - 1] > y[0] + 80);
    }

    @Test
    void aShortRunBeatsTheSeasonalNaiveForecast() {
        Forecasting.Result r = Forecasting.run(new Forecasting.Options(8, 16, 11, 0, null));
        assertEquals(24, r.forecast().length);
        assertTrue(r.rmse() < r.seasonalNaiveRmse(), r.rmse() + " vs " + r.seasonalNaiveRmse());
    }

    /** The textbook baselines at the five rolling origins, as statsmodels' run computed them (issue 25's table). */
    @Test
    void theBaselinesMatchTheReferenceFiguresAtEveryOrigin() {
        double[] y = Forecasting.monthly();
        double[] naive = {4.050, 4.285, 3.701, 3.933, 3.368};
        double[] drift = {0.839, 0.900, 0.708, 1.069, 0.520};
        for (int i = 0; i < Forecasting.CUTS.length; i++) {
            int test = y.length - Forecasting.CUTS[i];
            double[] actual = java.util.Arrays.copyOfRange(y, test, test + Forecasting.HORIZON);
            org.junit.jupiter.api.Assertions.assertEquals(naive[i],
                Forecasting.rmse(Forecasting.seasonalNaive(y, test), actual), 5e-4, "seasonal naive, cut " + Forecasting.CUTS[i]);
            org.junit.jupiter.api.Assertions.assertEquals(drift[i],
                Forecasting.rmse(Forecasting.seasonalNaiveWithDrift(y, test), actual), 5e-4, "with drift, cut " + Forecasting.CUTS[i]);
        }
    }
}
