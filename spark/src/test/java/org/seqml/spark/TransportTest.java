package org.seqml.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** 16-bit transports round each value to the nearest representable one, as the formats define. */
class TransportTest {
    @Test
    void float16RoundsAsIeeeHalfPrecision() {
        assertEquals(1.0f, Transport.fromFloat16(Transport.toFloat16(1.0f)));
        assertEquals(65504f, Transport.fromFloat16(Transport.toFloat16(65504f)), "the largest half");
        assertEquals(Float.POSITIVE_INFINITY, Transport.fromFloat16(Transport.toFloat16(70000f)), "overflow");
        assertEquals(0x1p-24f, Transport.fromFloat16(Transport.toFloat16(0x1p-24f)), "the smallest subnormal");
        assertEquals(0f, Transport.fromFloat16(Transport.toFloat16(0x1p-26f)), "under half of it");
        assertEquals(-2.5f, Transport.fromFloat16(Transport.toFloat16(-2.5f)));
        assertEquals(1.0f, Transport.fromFloat16(Transport.toFloat16(1.0f + 0x1p-11f)), "a tie goes to even");
        assertEquals(1.0f + 0x1p-9f, Transport.fromFloat16(Transport.toFloat16(1.0f + 0x1p-10f + 0x1p-11f)),
            "a tie goes to even, upwards");
        assertTrue(Float.isNaN(Transport.fromFloat16(Transport.toFloat16(Float.NaN))));
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 10_000; i++) {
            float f = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 6));
            float back = Transport.fromFloat16(Transport.toFloat16(f));
            float step = Math.max(Math.ulp(back) * 8192, 0x1p-24f);   // float16's spacing near the value
            assertTrue(Math.abs(back - f) <= step / 2 * 1.0001, f + " -> " + back);
        }
    }

    @Test
    void bfloat16KeepsTheRangeWithEightBitsOfMantissa() {
        assertEquals(1.0f, Transport.fromBfloat16(Transport.toBfloat16(1.0f)));
        assertEquals(1.0f, Transport.fromBfloat16(Transport.toBfloat16(1.0f + 0x1p-8f)), "a tie goes to even");
        assertEquals(1e30f, Transport.fromBfloat16(Transport.toBfloat16(1e30f)), 1e30f * 0x1p-8f);
        assertTrue(Float.isNaN(Transport.fromBfloat16(Transport.toBfloat16(Float.NaN))));
        java.util.Random random = new java.util.Random(2);
        for (int i = 0; i < 10_000; i++) {
            float f = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(20) - 10));
            float back = Transport.fromBfloat16(Transport.toBfloat16(f));
            assertTrue(Math.abs(back - f) <= Math.abs(f) * 0x1p-8f, f + " -> " + back);   // half a step: 2^-8 of the binade
        }
    }
}
