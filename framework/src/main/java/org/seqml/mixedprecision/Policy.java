package org.seqml.mixedprecision;

import java.util.Locale;

/**
 * A layer's dtype policy, as Keras's {@code keras.mixed_precision.Policy}: the type its variables
 * are kept in and the type it computes in. {@code "float32"} (the default) does everything in
 * float32; {@code "mixed_bfloat16"} keeps the variables in float32 (the optimizer updates float32
 * master weights) and computes in bfloat16.
 *
 * <p>Where bfloat16 applies here: the heavy products run in bfloat16 with float32 accumulation,
 * the recurrent layers' fused kernels (LSTM, GRU in both forms, each direction of a
 * Bidirectional) and Dense's matrix products; their inputs and weights are rounded to bfloat16 as
 * they enter (relative error at most {@code 2^-9}), and every gradient they compute is float32.
 * The arrays passed between layers stay float32, so losses, softmax outputs and metrics are
 * float32 as Keras advises, and {@code predict} returns float32. What runs in seqml's own loop
 * (recurrent dropout, a peephole LSTM, SimpleRNN, a mask with holes) computes in float32. On a CPU
 * without native bfloat16 (AVX512-BF16) the policy computes in float32 and says so once in the
 * log. The speed and accuracy measured: docs/performance.md.
 *
 * <p>A layer takes the global policy when it is made, as in Keras, or its own with
 * {@code layer.dtype(..)}:
 * <pre>{@code
 * Policy.setGlobalPolicy("mixed_bfloat16");
 * Sequential model = new Sequential(new Embedding(20000, 128), new LSTM(128), new Dense(1).activation("sigmoid"));
 * Policy.setGlobalPolicy("float32");
 * }</pre>
 *
 * @param name          the policy's name: "float32" or "mixed_bfloat16"
 * @param computeDtype  the type the layer computes in
 * @param variableDtype the type the layer's weights are kept in
 */
public record Policy(String name, String computeDtype, String variableDtype) {
    public static final Policy FLOAT32 = new Policy("float32", "float32", "float32");
    public static final Policy MIXED_BFLOAT16 = new Policy("mixed_bfloat16", "bfloat16", "float32");

    private static volatile Policy global = FLOAT32;

    public Policy {
        if (!(name.equals(FLOAT32_NAME) && computeDtype.equals("float32") && variableDtype.equals("float32"))
            && !(name.equals(MIXED_NAME) && computeDtype.equals("bfloat16") && variableDtype.equals("float32"))) {
            throw new IllegalArgumentException("Policy: use Policy.of(name) with \"float32\" or \"mixed_bfloat16\"");
        }
    }

    private static final String FLOAT32_NAME = "float32";
    private static final String MIXED_NAME = "mixed_bfloat16";

    /** The policy of this name: "float32" or "mixed_bfloat16" (as Keras's {@code Policy(name)}). */
    public static Policy of(String name) {
        if (name == null) {
            throw new IllegalArgumentException("Policy.of: name is null; use \"float32\" or \"mixed_bfloat16\"");
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case FLOAT32_NAME -> FLOAT32;
            case MIXED_NAME -> MIXED_BFLOAT16;
            case "mixed_float16", "float16" -> throw new IllegalArgumentException("Policy \"" + name + "\": float16"
                + " compute needs a GPU and loss scaling; on the CPU use \"mixed_bfloat16\" (same range as float32,"
                + " no loss scaling).");
            case "bfloat16", "float64" -> throw new IllegalArgumentException("Policy \"" + name + "\": seqml keeps"
                + " its variables in float32; use \"mixed_bfloat16\" to compute in bfloat16.");
            default -> throw new IllegalArgumentException("Policy \"" + name + "\" is unknown; use \"float32\" or"
                + " \"mixed_bfloat16\".");
        };
    }

    /** The policy layers take when they are made (Keras's {@code set_global_policy}). */
    public static void setGlobalPolicy(Policy policy) {
        if (policy == null) {
            throw new IllegalArgumentException("setGlobalPolicy: policy is null; use Policy.FLOAT32 to reset");
        }
        global = policy;
    }

    /** As {@link #setGlobalPolicy(Policy)} by name. */
    public static void setGlobalPolicy(String name) {
        setGlobalPolicy(of(name));
    }

    /** The policy new layers take (Keras's {@code global_policy()}). */
    public static Policy globalPolicy() {
        return global;
    }

    /** Whether layers under this policy compute in bfloat16. */
    public boolean bfloat16() {
        return this == MIXED_BFLOAT16 || MIXED_NAME.equals(name);
    }

    @Override
    public String toString() {
        return "<Policy \"" + name + "\">";
    }
}
