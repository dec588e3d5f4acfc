package org.mailfetch.fetch;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;

import org.mailfetch.delivery.DeliveryBatch;
import org.mailfetch.delivery.DeliverySession;
import org.mailfetch.mail.FetchedMessage;

/**
 * One group-commit batch while it fills: the staged Maildir files, and what is committed with them —
 * records that belong to those files (quarantine), the messages' UIDLs, LIST sizes, content digests and
 * internal dates for the ledger, and how many copies went which way.
 */
final class OpenBatch {

    /** What a committed batch adds to the session's counts. */
    record Committed(List<String> uidls, int quarantined, Map<String, Integer> copiesByTarget, Instant at) {}

    private final DeliveryBatch files;
    private final List<String> uidls = new ArrayList<>();
    private final List<UidlLedger.Entry> entries = new ArrayList<>();
    private final List<DeliverySession.DurableAction> actions = new ArrayList<>();
    private final Map<String, Integer> copiesByTarget = new TreeMap<>();
    private int quarantined;

    OpenBatch(ExecutorService fsyncPool) {
        this.files = new DeliveryBatch(fsyncPool);
    }

    DeliveryBatch files() {
        return files;
    }

    void afterDurable(DeliverySession.DurableAction action) {
        actions.add(action);
    }

    /** A message whose deliveries are staged (or done) and whose UIDL is to be recorded. */
    void add(FetchedMessage m) {
        uidls.add(m.uidl());
        entries.add(new UidlLedger.Entry(m.uidl(), m.listSize(), m.contentDigest(), m.internalDate(), m.messageDigest()));
        if (m.fate() == FetchedMessage.Fate.QUARANTINED) {
            quarantined++;
        }
        m.copiesByTarget().forEach((target, n) -> copiesByTarget.merge(target, n, Integer::sum));
    }

    int messages() {
        return uidls.size();
    }

    boolean isEmpty() {
        return uidls.isEmpty() && files.size() == 0;
    }

    /**
     * On the commit thread, in the order the data-safety contract requires: files durable, then the
     * records that belong to them, then the ledger rows.
     */
    Committed commit(UidlLedger ledger, long accountId, Clock clock) throws Exception {
        files.commit();
        for (DeliverySession.DurableAction action : actions) {
            action.run();
        }
        Instant now = clock.instant();
        ledger.record(accountId, entries, now);
        return new Committed(uidls, quarantined, copiesByTarget, now);
    }

    void abandon() {
        files.abandon();
    }
}
