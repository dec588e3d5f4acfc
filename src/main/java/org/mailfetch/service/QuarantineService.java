package org.mailfetch.service;

import java.io.IOException;
import java.util.List;

import org.mailfetch.store.NotFound;
import org.mailfetch.quarantine.QuarantineItem;
import org.mailfetch.quarantine.QuarantineStore;
import org.mailfetch.store.StoreException;

/** Mail held back by the content filters, as `quarantine` and /api/quarantine handle it. */
public final class QuarantineService {

    private final QuarantineStore store;

    public QuarantineService(Services services) {
        this.store = services.quarantine();
    }

    public List<QuarantineItem> list() {
        return store.list();
    }

    /** The item, or a StoreException "no quarantined message ID". */
    public QuarantineItem get(long id) {
        return store.get(id).orElseThrow(() -> new NotFound("no quarantined message " + id));
    }

    /** Delivers the message durably to its owner's inbox, then forgets it; returns what was released. */
    public QuarantineItem release(long id) throws IOException {
        QuarantineItem item = get(id);
        store.release(item.id());
        return item;
    }

    /** Removes the message for good. */
    public void delete(long id) throws IOException {
        store.delete(get(id).id());
    }
}
