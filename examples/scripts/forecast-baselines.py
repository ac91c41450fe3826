#!/usr/bin/env python3
"""The forecasting example's statsmodels baselines: Holt-Winters (additive trend and season) and
SARIMA(1,1,1)(0,1,1)12 over the example's five rolling origins (the 24 months after cutting the
last 24, 48, 72, 96 and 120 months of the monthly Mauna Loa CO2 series), RMSE in ppm, on the
series as the example reads it (the 5 missing months filled linearly, as Forecasting.monthly()
does) and with them dropped (how issue 25's table was measured). The example prints the SARIMA
rows quoted from this script's output and computes the other baselines itself (HoltWinters.java).

    pip install statsmodels && python3 examples/scripts/forecast-baselines.py
"""
import csv
import os
import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "src", "main", "resources", "data", "co2", "co2-concentration.csv")
with open(path) as f:
    rows = list(csv.reader(f))[1:]
months = [(int(r[0][:4]), int(r[0][5:7])) for r in rows]
values = [float(r[1]) for r in rows]
start = months[0]
index = [(y - start[0]) * 12 + (m - start[1]) for y, m in months]
y = np.full(index[-1] + 1, np.nan)
y[index] = values
for t in range(len(y)):   # linear fill, as Forecasting.monthly()
    if np.isnan(y[t]):
        nxt = t
        while np.isnan(y[nxt]):
            nxt += 1
        y[t] = y[t - 1] + (y[nxt] - y[t - 1]) / (nxt - t + 1)

cuts = [24, 48, 72, 96, 120]
rmse = lambda a, b: float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))
print("statsmodels", __import__("statsmodels").__version__)
# the series as the example reads it, and as issue 25's table was measured: the 5 missing months
# (all before 1970) dropped, which shifts the seasons of the years before them by a month
for label, series in (("gaps filled", y), ("gaps dropped", np.array(values))):
    table = {"Holt-Winters": [], "SARIMA(1,1,1)(0,1,1)12": []}
    for cut in cuts:
        test = len(series) - cut
        train, actual = series[:test], series[test:test + 24]
        hw = ExponentialSmoothing(train, trend="add", seasonal="add", seasonal_periods=12).fit()
        table["Holt-Winters"].append(rmse(hw.forecast(24), actual))
        sar = SARIMAX(train, order=(1, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
        table["SARIMA(1,1,1)(0,1,1)12"].append(rmse(sar.forecast(24), actual))
    print("\n%s (%d months)" % (label, len(series)))
    print("| forecast | " + " | ".join("-%d" % c for c in cuts) + " | mean |")
    for name, r in table.items():
        print("| %s | %s | %.3f |" % (name, " | ".join("%.3f" % v for v in r), np.mean(r)))
