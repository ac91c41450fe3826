package org.seqml.examples.g2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seqml.data.Batch;

class GraphemeToPhonemeTest {

    @Test
    void theSplitReadsAsPublished() {
        Lexicon test = Lexicon.read("cmudict-0.7b.test.gz", Integer.MAX_VALUE);
        assertEquals(11_994, test.words().size());
        assertEquals(12_855, test.pronunciations());
        assertEquals(List.of("K", "AH", "Z"), Lexicon.read("cmudict-0.7b.train-dev-20-21.gz", 1).words().get("'CAUSE")
            .get(0));
    }

    @Test
    void theTrainingAndValidationWordsMakeTheFullTrainingSet() {
        Lexicon train = Lexicon.read("cmudict-0.7b.train-dev-20-21.gz", Integer.MAX_VALUE);
        Lexicon dev = Lexicon.read("cmudict-0.7b.train-dev-1-21.gz", Integer.MAX_VALUE);
        Lexicon all = train.with(dev);
        // the split's published training set: 106,794 words
        assertEquals(106_794, all.words().size());
        assertEquals(train.pronunciations() + dev.pronunciations(), all.pronunciations());
        assertEquals(dev.words().get("ZYLA"), all.words().get("ZYLA"));
        // a validation word that is also a training word keeps both pronunciations, training's first
        assertEquals(List.of(List.of("AE", "B", "D", "OW", "M", "AH", "N"), List.of("AE", "B", "D", "AH", "M", "AH", "N")),
            all.words().get("ABDOMEN"));
        assertEquals(1, train.words().get("ABDOMEN").size());
    }

    @Test
    void trainingOnTheValidationWordsSkipsValidationAndRefusesToDecodeThem() {
        GraphemeToPhoneme.Result r = GraphemeToPhoneme.run(new GraphemeToPhoneme.Options(1, 8, 8, 1, false, 0, 32, 200,
            20, 1, 0, false, true, null, 3, 0, null));
        assertEquals(20, r.testWords());
        assertFalse(r.history().history().containsKey("val_loss"));
        assertThrows(IllegalArgumentException.class, () -> GraphemeToPhoneme.run(new GraphemeToPhoneme.Options(1, 8, 8,
            1, false, 0, 32, 200, 20, 1, 0, true, true, null, 3, 0, null)));
    }

    @Test
    void examplesTeacherForceAndBatchWithoutPadding() {
        Lexicon lexicon = Lexicon.read("cmudict-0.7b.train-dev-20-21.gz", 300);
        var it = GraphemeToPhoneme.examples(lexicon, false).groupByWindow(org.seqml.examples.seq2seq.AttentionSeq2Seq::lengths, 16).batches(0);
        int seen = 0;
        while (it.hasNext()) {
            Batch b = it.next();
            seen += (int) b.x()[0].size(0);
            assertEquals(0, b.x()[0].eq(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT32).sumNumber().intValue());
            // the decoder reads START then the phonemes; it is taught the phonemes then END
            assertEquals(Lexicon.START, b.x()[1].getInt(0, 0));
            long t = b.y()[0].size(1);
            assertEquals(Lexicon.END, b.y()[0].getInt(0, (int) t - 1));
            assertEquals(b.x()[1].getInt(0, 1), b.y()[0].getInt(0, 0));
        }
        assertEquals(lexicon.pronunciations(), seen);
    }

    @Test
    void aQuickRunOnASliceLearnsAndItsSavedModelDecodesTheSame(@TempDir Path dir) {
        GraphemeToPhoneme.Result r = GraphemeToPhoneme.run(new GraphemeToPhoneme.Options(3, 16, 8, 2, true, 0.1, 32, 600,
            40, 2, 0.6, false, false, null, 3, 0, dir));
        assertEquals(40, r.testWords());
        assertTrue(r.phonemeErrorRate() < 1.0 && r.phonemeErrorRate() > 0, "PER " + r.phonemeErrorRate());
        assertTrue(r.history().history().get("loss").get(2) < r.history().history().get("loss").get(0), "loss falls");
        // the rate decays along a cosine over the planned epochs, to 2% of the first at the last
        List<Double> rates = r.history().history().get("learning_rate");
        assertEquals(List.of(0.002, 0.00102, 0.00004), rates.stream().map(v -> Math.round(v * 1e8) / 1e8).toList());

        // the saved model, loaded instead of trained, decodes the same test words to the same figures
        GraphemeToPhoneme.Result loaded = GraphemeToPhoneme.run(new GraphemeToPhoneme.Options(3, 16, 8, 2, true, 0.1,
            32, 600, 40, 2, 0.6, false, false, dir.resolve("g2p.seqml"), 3, 0, null));
        assertEquals(0.0, loaded.trainingSeconds());
        assertEquals(r.wordErrorRate(), loaded.wordErrorRate());
        assertEquals(r.phonemeErrorRate(), loaded.phonemeErrorRate());
        assertEquals(r.greedyPhonemeErrorRate(), loaded.greedyPhonemeErrorRate());
    }
}
