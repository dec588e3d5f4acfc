package org.mailfetch.api;

/** A request the REST API refuses: the HTTP status, the JSON field at fault (may be null) and why. */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String field;

    public ApiError(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    static ApiError badField(String field, String message) {
        return new ApiError(400, field, message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, null, message);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
