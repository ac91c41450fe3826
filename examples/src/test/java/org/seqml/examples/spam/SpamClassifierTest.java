package org.seqml.examples.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SpamClassifierTest {

    @Test
    void parsesMimeQuotedPrintableAndHtml() {
        String raw = "From: a@b\nSubject: Cheap =?iso-8859-1?q?caf=E9?=\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/alternative; boundary=\"xx\"\n\n--xx\nContent-Type: text/plain\n"
            + "Content-Transfer-Encoding: quoted-printable\n\nBuy n=\now!\n--xx\nContent-Type: text/html\n\n"
            + "<html><body><p>Click <b>here</b></p></body></html>\n--xx--\n";
        String text = PrepareSpamData.text(Session.getDefaultInstance(new Properties()), raw);
        assertEquals("Cheap café Buy now! Click here", text);
    }

    @Test
    void theCorpusSplitsStratified() {
        List<SpamClassifier.Mail> mails = SpamClassifier.load();
        long spam = mails.stream().filter(m -> m.label() == 1).count();
        assertTrue(mails.size() > 6000 && spam > 1800 && spam < 2000, mails.size() + " / " + spam);
        List<SpamClassifier.Mail> train = new ArrayList<>();
        List<SpamClassifier.Mail> test = new ArrayList<>();
        SpamClassifier.split(mails, 5, train, test);
        assertEquals(mails.size(), train.size() + test.size());
        double share = test.stream().filter(m -> m.label() == 1).count() / (double) test.size();
        assertEquals(spam / (double) mails.size(), share, 0.01, "the same share of spam in the test set");
    }

    @Test
    void aQuickRunOnASliceLearns() {
        SpamClassifier.Result r = SpamClassifier.run(new SpamClassifier.Options(4, 5000, 50, 800, 5, 0, null));
        assertTrue(r.accuracy() > 0.8, "accuracy " + r.accuracy());
    }

    /** The tf-idf logistic regression on a slice: its own layers learn the mails too. */
    @Test
    void theBagOfWordsBaselineLearnsOnASlice() {
        SpamClassifier.Result r = SpamBaselines.bagOfWords(5, 600);
        assertTrue(r.accuracy() > 0.8, "accuracy " + r.accuracy());
        assertEquals(0.0, SpamBaselines.spread(new double[] {0.9}), "one seed: no spread");
        assertEquals(0.1, SpamBaselines.spread(new double[] {0.8, 0.9, 1.0}), 1e-12);
    }
}
