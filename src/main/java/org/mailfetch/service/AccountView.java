package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.account.ImapOptions;
import org.mailfetch.account.OAuth2Options;
import org.mailfetch.oauth2.TokenStore;
import org.mailfetch.mail.Account;
import org.mailfetch.fetch.AccountStatus;

/**
 * An account as `account show` and `--json` print it and /api/accounts returns it: every option,
 * then the status. The password is never among the fields. An IMAP account has four fields more,
 * after {@code delete}: {@code folders} (a list), {@code moveTo} (null: messages are deleted, not
 * moved), {@code markSeen} and {@code idle}; its status adds {@code folders} and {@code idleLive}.
 * A POP3 account's view has none of them.
 */
public final class AccountView {

    private AccountView() {}

    /** Every option and the status of a POP3 account. */
    public static Map<String, Object> of(Account a, AccountStatus st) {
        return of(a, null, st);
    }

    /** Every option and the status; {@code imap} null for a POP3 account. */
    public static Map<String, Object> of(Account a, ImapOptions imap, AccountStatus st) {
        return of(a, imap, null, null, st);
    }

    /**
     * Every option and the status; {@code imap} null for a POP3 account, {@code oauth2} and
     * {@code grant} null for a password account. Never a password, client secret or token.
     */
    public static Map<String, Object> of(Account a, ImapOptions imap, OAuth2Options oauth2, TokenStore.Grant grant,
                                         AccountStatus st) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", a.id());
        d.put("name", a.name());
        d.put("enabled", a.enabled());
        d.put("protocol", a.protocol());
        d.put("host", a.host());
        d.put("port", a.port());
        d.put("security", a.security().cliName());
        d.put("user", a.userName());
        d.put("trustedCertificate", a.trustCertPem() != null);
        d.put("intervalMinutes", a.intervalMinutes());
        d.put("mimeRecipients", a.mimeRecipients());
        d.put("recipientHeaders", String.join(",", a.recipientHeaders()));
        d.put("envelopeHeaders", String.join(",", a.envelopeHeaders()));
        d.put("routeRecipients", a.routeRecipients());
        d.put("receivedDate", a.receivedDate());
        d.put("antispam", a.antispam());
        d.put("antivirus", a.antivirus());
        d.put("delete", a.deleteMode().toString());
        if (imap != null) {
            d.put("folders", imap.folders());
            d.put("moveTo", imap.moveTo());
            d.put("markSeen", imap.markSeen());
            d.put("idle", imap.idle());
        }
        d.put("owner", a.ownerAddress());
        d.put("auth", oauth2 == null ? "password" : "oauth2");
        if (oauth2 != null) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("provider", oauth2.provider());
            o.put("clientId", oauth2.clientId());
            o.put("scope", oauth2.scope());
            o.put("tenant", oauth2.tenant());
            o.put("state", grant == null ? null : grant.state());
            o.put("authorizedAt", grant == null ? null : text(grant.authorizedAt()));
            d.put("oauth2", o);
        }
        putStatus(d, imap, grant, st);
        return d;
    }

    /** The id and the status fields of {@link #of}: GET /api/accounts/{id}/status. */
    public static Map<String, Object> status(long id, ImapOptions imap, TokenStore.Grant grant, AccountStatus st) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", id);
        if (imap != null) {
            d.put("folders", imap.folders());
        }
        putStatus(d, imap, grant, st);
        return d;
    }

    private static void putStatus(Map<String, Object> d, ImapOptions imap, TokenStore.Grant grant, AccountStatus st) {
        d.put("running", st.running());
        d.put("lastStart", text(st.lastStart()));
        d.put("lastEnd", text(st.lastEnd()));
        d.put("lastNode", st.lastNode());
        if (grant != null && TokenStore.NEEDS_AUTHORIZATION.equals(grant.state())) {
            // the grant is the truth: it may have been lost by the IDLE watcher or a CLI fetch since the last session
            d.put("lastResult", TokenStore.NEEDS_AUTHORIZATION);
            d.put("lastError", "the provider refused the refresh token; sign in again: mailfetch account authorize "
                    + grant.accountId());
        } else {
            d.put("lastResult", st.lastResult());
            d.put("lastError", st.lastError());
        }
        d.put("downloaded", st.downloaded());
        d.put("delivered", st.delivered());
        d.put("deleted", st.deleted());
        d.put("failed", st.failed());
        d.put("bytes", st.bytes());
        d.put("totalDownloaded", st.totalDownloaded());
        d.put("totalBytes", st.totalBytes());
        d.put("loginFailures", st.loginFailures());
        d.put("backoffUntil", text(st.backoffUntil()));
        d.put("nextRun", text(st.nextRun()));
        if (imap != null) {
            d.put("idleLive", st.idleLive());
        }
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
