package org.seqml.backend;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SigmoidDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.TanhDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.ops.random.impl.TruncatedNormalDistribution;
import org.nd4j.linalg.api.ops.random.impl.UniformDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The ND4J operations seqml calls by their op classes, in one place, so that only
 * {@code backend/} knows ND4J's op catalogue: element-wise transforms into a given output, the
 * gathers and one-hots, top-k, and the random draws (each on the {@link Random} the caller
 * seeds, so a draw depends only on its seed). Everything else the layers compute with
 * {@code INDArray}'s own methods.
 *
 * <pre>{@code
 * Ops.sigmoid(z, gate);                        // gate = 1 / (1 + exp(-z))
 * INDArray rows = Ops.gather(table, ids, 0);   // table[ids[k]] for each k
 * }</pre>
 */
public final class Ops {

    private Ops() {
    }

    /** out = 1 / (1 + exp(-x)). */
    public static void sigmoid(INDArray x, INDArray out) {
        Nd4j.exec(new Sigmoid(x, out));
    }

    /** out = dy * s (1 - s), s = sigmoid(x). */
    public static void sigmoidBackward(INDArray x, INDArray dy, INDArray out) {
        Nd4j.exec(new SigmoidDerivative(x, dy, out));
    }

    /** out = tanh(x). */
    public static void tanh(INDArray x, INDArray out) {
        Nd4j.exec(new Tanh(x, out));
    }

    /** out = dy * (1 - tanh(x)^2). */
    public static void tanhBackward(INDArray x, INDArray dy, INDArray out) {
        Nd4j.exec(new TanhDerivative(x, dy, out));
    }

    /** out = softmax of x along {@code axis}. */
    public static void softmax(INDArray x, INDArray out, int axis) {
        Nd4j.exec(new SoftMax(x, out, axis));
    }

    /** a = erf(a), in place. */
    public static void erfInPlace(INDArray a) {
        Nd4j.exec(new Erf(a, a));
    }

    /** out = sqrt(x), element by element. */
    public static void sqrt(INDArray x, INDArray out) {
        Nd4j.exec(new Sqrt(x, out));
    }

    /** y += a x, in place, by ND4J's pairwise op on the calling thread (no BLAS worker threads woken). */
    public static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, a));
    }

    /** g[i, ...] = values[i] for every row i of g. */
    public static void fillRows(INDArray g, INDArray values) {
        Nd4j.getExecutioner().exec(new BroadcastCopyOp(g, values, g, 0));
    }

    /** The slices of {@code a} along {@code axis} at {@code indices} (integer ids), as a new array. */
    public static INDArray gather(INDArray a, INDArray indices, int axis) {
        return Nd4j.exec(new Gather(a, indices.dataType().isIntType() ? indices : indices.castTo(DataType.INT64),
            axis))[0];
    }

    /** (n, depth) rows of zeros with a one at each id of {@code ids} (n), of {@code type}. */
    public static INDArray oneHot(INDArray ids, int depth, DataType type) {
        INDArray integer = ids.dataType().isIntType() ? ids : ids.castTo(DataType.INT64);
        return Nd4j.exec(new OneHot(integer, depth, -1, 1.0, 0.0, type))[0];
    }

    /** Each row's k largest values (sorted, descending) and their column indices: {values, indices}. */
    public static INDArray[] topK(INDArray rows, int k) {
        // built by name: ND4J's TopK class passes k where the op does not read it
        return Nd4j.exec(DynamicCustomOp.builder("top_k").addInputs(rows).addIntegerArguments(k)
            .addBooleanArguments(true).build());
    }

    /** The number of NaN and infinite values in each row of the matrix {@code rows}. */
    public static INDArray nonFiniteCounts(INDArray rows) {
        INDArray nan = Nd4j.getExecutioner().exec(new MatchCondition(rows, Conditions.isNan(), 1));
        INDArray inf = Nd4j.getExecutioner().exec(new MatchCondition(rows, Conditions.isInfinite(), 1));
        return nan.addi(inf);
    }

    /** Fills {@code out} with 1 (probability {@code p}) or 0 draws from {@code rng}. */
    public static void bernoulli(INDArray out, double p, Random rng) {
        Nd4j.getExecutioner().exec(new BernoulliDistribution(out, p), rng);
    }

    /** out = in * keep / p, keep ~ Bernoulli(p), drawn from {@code rng}: inverted dropout in one pass. */
    public static void dropoutInverted(INDArray in, INDArray out, double p, Random rng) {
        Nd4j.getExecutioner().exec(new DropOutInverted(in, out, p), rng);
    }

    /** Fills {@code out} with normal draws. */
    public static void normal(INDArray out, double mean, double stddev, Random rng) {
        Nd4j.getExecutioner().exec(new GaussianDistribution(out, mean, stddev), rng);
    }

    /** Fills {@code out} with normal draws, redrawn beyond two standard deviations. */
    public static void truncatedNormal(INDArray out, double mean, double stddev, Random rng) {
        Nd4j.getExecutioner().exec(new TruncatedNormalDistribution(out, mean, stddev), rng);
    }

    /** Fills {@code out} with uniform draws in [low, high). */
    public static void uniform(INDArray out, double low, double high, Random rng) {
        Nd4j.getExecutioner().exec(new UniformDistribution(out, low, high), rng);
    }
}
