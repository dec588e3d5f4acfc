package org.mailfetch.testsupport;

/**
 * Conventions of the Jazzer fuzz tests. A target is a class named {@code *FuzzTest} with exactly one
 * {@code @FuzzTest} method named {@code fuzz*} taking {@code byte[]} (so that the checked-in
 * regression inputs under {@code src/test/resources/<package>/<Class>Inputs/<method>/} are plain
 * files). {@code mvn test} replays those inputs; the {@code fuzz} execution of surefire in
 * {@code mvn verify} runs each target class in its own JVM with {@code JAZZER_FUZZ=1} (Jazzer fuzzes
 * one {@code @FuzzTest} per JVM) for {@link #VERIFY_BUDGET}. A new target needs no change to the pom.
 */
public final class Fuzzing {

    /** Fuzzing time per target in {@code mvn verify} (a few targets must stay within about a minute). */
    public static final String VERIFY_BUDGET = "8s";

    private Fuzzing() {}

    /** True when no character of {@code s} is a control character (C0, DEL, C1). */
    public static boolean noControl(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
                return false;
            }
        }
        return true;
    }
}
