package org.mailfetch.service;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mailfetch.mail.Account;
import org.mailfetch.fetch.AccountStatus;

/**
 * An account as `account show` and `--json` print it and /api/accounts returns it: every option,
 * then the status. The password is never among the fields.
 */
public final class AccountView {

    private AccountView() {}

    /** Every option and the status. */
    public static Map<String, Object> of(Account a, AccountStatus st) {
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
        d.put("owner", a.ownerAddress());
        putStatus(d, st);
        return d;
    }

    /** The id and the status fields of {@link #of}: GET /api/accounts/{id}/status. */
    public static Map<String, Object> status(long id, AccountStatus st) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", id);
        putStatus(d, st);
        return d;
    }

    private static void putStatus(Map<String, Object> d, AccountStatus st) {
        d.put("running", st.running());
        d.put("lastStart", text(st.lastStart()));
        d.put("lastEnd", text(st.lastEnd()));
        d.put("lastResult", st.lastResult());
        d.put("lastError", st.lastError());
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
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
