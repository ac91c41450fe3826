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
}
