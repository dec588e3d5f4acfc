package org.mailfetch.api;

import org.mailfetch.store.InvalidValue;
import org.mailfetch.store.NotFound;

/**
 * The refusals the REST resources raise themselves, as the typed errors of {@code org.mailfetch.store}:
 * their status comes from {@link org.mailfetch.store.Problem} like every other error's.
 */
final class ApiError {

    private ApiError() {
    }

    /** 400 naming the JSON field at fault (null: the body as a whole). */
    static InvalidValue badField(String field, String message) {
        return new InvalidValue(field, message);
    }

    /** 404. */
    static NotFound notFound(String message) {
        return new NotFound(message);
    }
}
