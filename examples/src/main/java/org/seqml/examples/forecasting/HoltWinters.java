package org.seqml.examples.forecasting;

/**
 * Holt-Winters exponential smoothing with additive trend and additive season (Hyndman and
 * Athanasopoulos, "Forecasting: Principles and Practice", 8.3), the baseline a forecaster tries
 * first on a trending seasonal series, fitted as statsmodels' {@code ExponentialSmoothing(trend=
 * "add", seasonal="add").fit()} fits it: the smoothing weights and the initial states chosen
 * together to minimize the sum of squared one-step errors.
 * <pre>
 * forecast  y^_t   = l_{t-1} + b_{t-1} + s_{t-m}
 * level     l_t    = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + b_{t-1})
 * trend     b_t    = beta (l_t - l_{t-1}) + (1 - beta) b_{t-1}
 * season    s_t    = gamma (y_t - l_{t-1} - b_{t-1}) + (1 - gamma) s_{t-m}
 * h ahead   y^_T+h = l_T + h b_T + s_{T+h-m(k+1)},  k = floor((h - 1) / m)
 * </pre>
 * For fixed weights every state is an affine function of the initial states {@code (l_0, b_0,
 * s_{1-m} .. s_0)}, and so is every one-step error: the best initial states are a linear least
 * squares problem, solved exactly. The weights, in [0, 1]^3, are searched on a grid and refined
 * by Nelder-Mead on that profile. statsmodels (0.15) fits the same model by L-BFGS-B over all
 * parameters at once: on the example's series both reach the same weights and sum of squares,
 * and the forecasts' RMSE agree within 0.02 ppm (statsmodels' initial states are a numerical
 * optimum, these the exact one).
 *
 * <pre>{@code
 * double[] next24 = HoltWinters.fit(monthly, 12).forecast(24);
 * }</pre>
 */
final class HoltWinters {
    private final int m;
    private final double alpha;
    private final double beta;
    private final double gamma;
    private final double level;
    private final double trend;
    /** The last m seasonal terms, oldest first: season[i] belongs to month T - m + 1 + i. */
    private final double[] season;
    private final double sse;

    /**
     * The weights tried before the search refines the best: dense near 0, where trends are
     * smoothed (CO2's best beta is about 0.013; a grid of tenths started the search at 0, a
     * local optimum, at two of five origins).
     */
    private static final double[] GRID = {0, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};

    private HoltWinters(int m, double[] weights, double[] end, double sse) {
        this.m = m;
        this.alpha = weights[0];
        this.beta = weights[1];
        this.gamma = weights[2];
        this.level = end[0];
        this.trend = end[1];
        this.season = java.util.Arrays.copyOfRange(end, 2, 2 + m);
        this.sse = sse;
    }

    /** Fits the model to {@code y} with season length {@code m} (at least two seasons of data). */
    static HoltWinters fit(double[] y, int m) {
        if (y.length < 2 * m + 2) {
            throw new IllegalArgumentException("Holt-Winters needs at least two seasons and two points, got " + y.length);
        }
        double[] best = null;
        double bestSse = Double.POSITIVE_INFINITY;
        for (double a : GRID) {
            for (double b : GRID) {
                for (double g : GRID) {
                    double[] w = {a, b, g};
                    double s = profileSse(y, m, w);
                    if (s < bestSse) {
                        bestSse = s;
                        best = w;
                    }
                }
            }
        }
        best = nelderMead(y, m, best);
        double[] x0 = initialStates(y, m, best);
        double[] end = run(y, m, best, x0, null);
        return new HoltWinters(m, best, end, profileSse(y, m, best));
    }

    /** The next {@code horizon} values after the fitted series. */
    double[] forecast(int horizon) {
        double[] f = new double[horizon];
        for (int h = 1; h <= horizon; h++) {
            int k = (h - 1) / m;
            f[h - 1] = level + h * trend + season[h - 1 - k * m];
        }
        return f;
    }

    double alpha() {
        return alpha;
    }

    double beta() {
        return beta;
    }

    double gamma() {
        return gamma;
    }

    /** The sum of squared one-step errors over the fitted series. */
    double sse() {
        return sse;
    }

    /**
     * Runs the recursions over {@code y} (null: all zeros, the homogeneous part) from the initial
     * states {@code x0 = (l_0, b_0, s_{1-m} .. s_0)}; writes each one-step error into {@code errors}
     * (when given) and returns the final states in the same layout.
     */
    private static double[] run(double[] y, int m, double[] w, double[] x0, double[] errors) {
        double a = w[0];
        double b = w[1];
        double g = w[2];
        double l = x0[0];
        double t = x0[1];
        double[] s = new double[m];   // ring: s[i % m] is the seasonal term m months before month i
        System.arraycopy(x0, 2, s, 0, m);
        int n = errors != null ? errors.length : y.length;
        for (int i = 0; i < n; i++) {
            double yi = y == null ? 0 : y[i];
            double sOld = s[i % m];
            double e = yi - (l + t + sOld);
            if (errors != null) {
                errors[i] = e;
            }
            double lNew = a * (yi - sOld) + (1 - a) * (l + t);
            double tNew = b * (lNew - l) + (1 - b) * t;
            s[i % m] = g * (yi - l - t) + (1 - g) * sOld;
            l = lNew;
            t = tNew;
        }
        double[] end = new double[2 + m];
        end[0] = l;
        end[1] = t;
        for (int i = 0; i < m; i++) {
            end[2 + i] = s[(n + i) % m];
        }
        return end;
    }

    /**
     * The initial states that minimize the squared one-step errors for these weights: the errors
     * are {@code e = e0 + M x0} (e0 from the data alone, M's columns the errors of each unit
     * initial state with no data), so x0 solves {@code (M^T M) x0 = -M^T e0}. Level and season
     * share one direction (a constant moved between them changes nothing); a small ridge picks
     * the solution of least norm along it.
     */
    private static double[] initialStates(double[] y, int m, double[] w) {
        int p = 2 + m;
        int n = y.length;
        double[] e0 = new double[n];
        run(y, m, w, new double[p], e0);
        double[][] cols = new double[p][n];
        for (int j = 0; j < p; j++) {
            double[] unit = new double[p];
            unit[j] = 1;
            run(null, m, w, unit, cols[j]);
        }
        double[][] ata = new double[p][p];
        double[] atb = new double[p];
        for (int j = 0; j < p; j++) {
            for (int k = j; k < p; k++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += cols[j][i] * cols[k][i];
                }
                ata[j][k] = sum;
                ata[k][j] = sum;
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum -= cols[j][i] * e0[i];
            }
            atb[j] = sum;
        }
        double ridge = 1e-9 * trace(ata) / p;
        for (int j = 0; j < p; j++) {
            ata[j][j] += ridge;
        }
        return solve(ata, atb);
    }

    /** The least sum of squared one-step errors for these weights (the initial states at their best). */
    private static double profileSse(double[] y, int m, double[] w) {
        double[] errors = new double[y.length];
        run(y, m, w, initialStates(y, m, w), errors);
        double sum = 0;
        for (double e : errors) {
            sum += e * e;
        }
        return sum;
    }

    /**
     * Nelder-Mead on the weights, kept in [0, 1]^3 by clamping, from {@code start}: each vertex
     * moves one weight by a fifth of itself (at least 0.002), toward the middle of the range.
     */
    private static double[] nelderMead(double[] y, int m, double[] start) {
        int d = 3;
        double[][] simplex = new double[d + 1][];
        double[] f = new double[d + 1];
        for (int i = 0; i <= d; i++) {
            double[] v = start.clone();
            if (i > 0) {
                double step = Math.max(0.002, 0.2 * Math.min(v[i - 1], 1 - v[i - 1]));
                v[i - 1] += v[i - 1] <= 0.5 ? step : -step;
            }
            simplex[i] = v;
            f[i] = profileSse(y, m, v);
        }
        for (int iter = 0; iter < 300; iter++) {
            sortBy(simplex, f);
            if (f[d] - f[0] <= 1e-10 * Math.max(1, f[0])) {
                break;
            }
            double[] centroid = new double[d];
            for (int i = 0; i < d; i++) {
                for (int k = 0; k < d; k++) {
                    centroid[k] += simplex[i][k] / d;
                }
            }
            double[] reflected = toward(centroid, simplex[d], -1);
            double fr = profileSse(y, m, reflected);
            if (fr < f[0]) {
                double[] expanded = toward(centroid, simplex[d], -2);
                double fe = profileSse(y, m, expanded);
                simplex[d] = fe < fr ? expanded : reflected;
                f[d] = Math.min(fe, fr);
            } else if (fr < f[d - 1]) {
                simplex[d] = reflected;
                f[d] = fr;
            } else {
                double[] contracted = toward(centroid, simplex[d], 0.5);
                double fc = profileSse(y, m, contracted);
                if (fc < f[d]) {
                    simplex[d] = contracted;
                    f[d] = fc;
                } else {
                    for (int i = 1; i <= d; i++) {
                        simplex[i] = toward(simplex[0], simplex[i], 0.5);
                        f[i] = profileSse(y, m, simplex[i]);
                    }
                }
            }
        }
        sortBy(simplex, f);
        return simplex[0];
    }

    /** {@code c + r (p - c)}, clamped to [0, 1] per coordinate. */
    private static double[] toward(double[] c, double[] p, double r) {
        double[] out = new double[c.length];
        for (int k = 0; k < c.length; k++) {
            out[k] = Math.min(1, Math.max(0, c[k] + r * (p[k] - c[k])));
        }
        return out;
    }

    private static void sortBy(double[][] points, double[] f) {
        for (int i = 1; i < f.length; i++) {
            for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
                double tf = f[j];
                f[j] = f[j - 1];
                f[j - 1] = tf;
                double[] tp = points[j];
                points[j] = points[j - 1];
                points[j - 1] = tp;
            }
        }
    }

    private static double trace(double[][] a) {
        double t = 0;
        for (int i = 0; i < a.length; i++) {
            t += a[i][i];
        }
        return t;
    }

    /** Solves {@code a x = b} for symmetric positive definite {@code a} (Cholesky). */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] lo = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= lo[i][k] * lo[j][k];
                }
                lo[i][j] = i == j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / lo[j][j];
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = b[i];
            for (int k = 0; k < i; k++) {
                sum -= lo[i][k] * z[k];
            }
            z[i] = sum / lo[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double sum = z[i];
            for (int k = i + 1; k < n; k++) {
                sum -= lo[k][i] * x[k];
            }
            x[i] = sum / lo[i][i];
        }
        return x;
    }
}
