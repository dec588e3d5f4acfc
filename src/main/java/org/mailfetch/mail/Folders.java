package org.mailfetch.mail;

/** Folder names a step may file a message into; null is the inbox. */
public final class Folders {

    /** Spam goes here (Maildir++ {@code .Junk}, which Dovecot and Roundcube show as "Junk"). */
    public static final String JUNK = ".Junk";

    private Folders() {
    }
}
