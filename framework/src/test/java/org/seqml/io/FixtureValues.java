package org.seqml.io;

/** The predictions the frozen fixture's model made when it was written (see FixtureGenerator). */
final class FixtureValues {
    static final double[] EXPECTED = {0.49885571002960205, 0.48794159293174744};

    private FixtureValues() {
    }
}
