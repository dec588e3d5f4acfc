package org.mailfetch.mail;

import java.util.Map;

import org.slf4j.MDC;

/**
 * The log context of a fetch session (MDC): the account for the whole session, the UIDL while one
 * message is in hand. Set once where a session starts and where a message is handed to the chain;
 * the log layout ({@code %mailContext}) puts them in front of every line, so no step formats
 * "account …: UIDL …" by hand and no line of a session can leave it out.
 */
public final class MessageLog {

    public static final String ACCOUNT = "mailfetch.account";
    public static final String UIDL = "mailfetch.uidl";

    private MessageLog() {
    }

    /** From here on this thread's lines belong to the account's session. */
    public static void startSession(Account account) {
        MDC.put(ACCOUNT, account.label());
        MDC.remove(UIDL);
    }

    /**
     * How a line about the account names it: "" inside its session (the context prefixes the line
     * already), else "account N (user@host): " — for code called from sessions and from elsewhere
     * (IDLE, the outbox, the command line).
     */
    public static String about(Account account) {
        return account.label().equals(MDC.get(ACCOUNT)) ? "" : account.label() + ": ";
    }

    /** The session's lines end here (its summary names the account itself). */
    public static void endSession() {
        MDC.remove(ACCOUNT);
        MDC.remove(UIDL);
    }

    /** The message in hand; null when none is. Returns the one it replaces, for {@link #message} to restore. */
    public static String message(String uidl) {
        String before = MDC.get(UIDL);
        if (uidl == null) {
            MDC.remove(UIDL);
        } else {
            MDC.put(UIDL, uidl);
        }
        return before;
    }

    /** "account 1 (user@host): UIDL x: " from a line's context, or "" outside a session. */
    public static String prefix(Map<String, String> context) {
        if (context == null) {
            return "";
        }
        String account = context.get(ACCOUNT);
        String uidl = context.get(UIDL);
        if (account == null && uidl == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        if (account != null) {
            out.append(account).append(": ");
        }
        if (uidl != null) {
            out.append("UIDL ").append(uidl).append(": ");
        }
        return out.toString();
    }
}
