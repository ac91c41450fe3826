package org.seqml.spark;

/**
 * How the partitions' gradients travel to the driver: float32 (exact), or 16 bits per value, half
 * the bytes of each step's results, for slow networks. bfloat16 keeps float32's range with 8 bits
 * of mantissa; float16 has 11 bits but overflows past 65,504 and flushes values under 6e-8 to
 * zero. Each value is rounded to the nearest (ties to even) once, on the executor; the driver adds
 * them in double precision.
 */
public enum Transport {
    FLOAT32,
    BFLOAT16,
    FLOAT16;

    /** The values as this transport sends them: float32 as is, else 16 bits each (in a short[]). */
    Object encode(float[] values) {
        if (this == FLOAT32) {
            return values;
        }
        short[] out = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = this == BFLOAT16 ? toBfloat16(values[i]) : toFloat16(values[i]);
        }
        return out;
    }

    /** Adds the sent values into {@code sum}. */
    static void addInto(double[] sum, Object sent, Transport transport) {
        if (sent instanceof float[] f) {
            for (int i = 0; i < f.length; i++) {
                sum[i] += f[i];
            }
            return;
        }
        short[] s = (short[]) sent;
        for (int i = 0; i < s.length; i++) {
            sum[i] += transport == BFLOAT16 ? fromBfloat16(s[i]) : fromFloat16(s[i]);
        }
    }

    /** Bytes per value sent. */
    int bytes() {
        return this == FLOAT32 ? 4 : 2;
    }

    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);   // a quiet NaN stays NaN
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBfloat16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** IEEE 754 half precision, rounded to the nearest (ties to even), with subnormals and infinities. */
    static short toFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int e = exponent - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);   // overflow: infinity
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;   // under half the smallest subnormal
            }
            mantissa |= 0x800000;
            int shift = 14 - e;
            int half = mantissa >>> shift;
            int rest = mantissa & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || rest == midpoint && (half & 1) == 1) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || rest == 0x1000 && (half & 1) == 1) {
            half++;   // may carry into the exponent, up to infinity: correct
        }
        return (short) (sign | half);
    }

    static float fromFloat16(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign != 0 ? -value : value;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
