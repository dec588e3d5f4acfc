package org.mailfetch.store;

/**
 * A value a store refuses, naming the field it came from ({@code port}, {@code host}, …): the CLI
 * treats it as bad input (exit 2 with usage), the REST API answers 400 with that field (see
 * {@link Problem}). The field may be null when the input as a whole is refused (a body that is no JSON).
 */
public final class InvalidValue extends IllegalArgumentException {

    private final String field;

    public InvalidValue(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
