package org.mailfetch.observe;

import org.apache.camel.api.management.ManagedAttribute;
import org.apache.camel.api.management.ManagedOperation;
import org.apache.camel.api.management.ManagedResource;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.service.AccountService;

/**
 * One external account over JMX: {@code mailfetch:type=ExternalAccount,id=<id>,name="<name>"}.
 * Attributes are read from the database on each call, so they show what the REST API shows.
 * {@code disable} is the lasting way to stop fetching; {@code pause} stops the account's route
 * {@code account-<id>} until {@code resume} or the next restart (Camel registers no MBeans of its own for
 * the account routes: at 10,000 accounts they did not fit in the heap).
 */
@ManagedResource(description = "mailfetch external account")
public final class ExternalAccountMBean {

    private final long id;
    private final AccountService accounts;
    private final RouteSwitch route;

    /** Stops and starts the account's route (account-&lt;id&gt;). */
    interface RouteSwitch {
        void stop(long accountId) throws Exception;

        void start(long accountId) throws Exception;

        String status(long accountId);
    }

    ExternalAccountMBean(long id, AccountService accounts, RouteSwitch route) {
        this.id = id;
        this.accounts = accounts;
        this.route = route;
    }

    private AccountStatus st() {
        return accounts.status(id);
    }

    @ManagedAttribute(description = "Account id")
    public long getId() {
        return id;
    }

    @ManagedAttribute(description = "Account name")
    public String getName() {
        return accounts.find(id).map(a -> a.name()).orElse(null);
    }

    @ManagedAttribute(description = "user@host:port")
    public String getServer() {
        return accounts.find(id).map(a -> a.userName() + "@" + a.host() + ":" + a.port()).orElse(null);
    }

    @ManagedAttribute(description = "pop3 or imap")
    public String getProtocol() {
        return accounts.find(id).map(a -> a.protocol()).orElse(null);
    }

    @ManagedAttribute(description = "IMAP: the folders fetched, comma-separated (null for POP3)")
    public String getFolders() {
        return accounts.find(id).filter(a -> org.mailfetch.service.AccountChange.IMAP.equals(a.protocol()))
                .map(a -> String.join(",", accounts.imapOptions(a).folders())).orElse(null);
    }

    @ManagedAttribute(description = "IMAP: the IDLE connection is live")
    public boolean isIdleLive() {
        return st().idleLive();
    }

    @ManagedAttribute(description = "Fetched on schedule")
    public boolean isEnabled() {
        return accounts.find(id).map(a -> a.enabled()).orElse(false);
    }

    @ManagedAttribute(description = "A session is running")
    public boolean isRunning() {
        return st().running();
    }

    @ManagedAttribute(description = "Result of the last session: ok, failed, skipped, needs-authorization")
    public String getLastResult() {
        return accounts.lastResult(id);
    }

    @ManagedAttribute(description = "Node (mailfetch.node.name) that ran the last session")
    public String getLastNode() {
        return st().lastNode();
    }

    @ManagedAttribute(description = "Error of the last session")
    public String getLastError() {
        return st().lastError();
    }

    @ManagedAttribute(description = "Start of the last session")
    public String getLastStart() {
        return text(st().lastStart());
    }

    @ManagedAttribute(description = "End of the last session")
    public String getLastEnd() {
        return text(st().lastEnd());
    }

    @ManagedAttribute(description = "Next scheduled session")
    public String getNextRun() {
        return text(st().nextRun());
    }

    @ManagedAttribute(description = "Messages downloaded by the last session")
    public int getDownloaded() {
        return st().downloaded();
    }

    @ManagedAttribute(description = "Messages delivered by the last session")
    public int getDelivered() {
        return st().delivered();
    }

    @ManagedAttribute(description = "Messages that failed in the last session")
    public int getFailed() {
        return st().failed();
    }

    @ManagedAttribute(description = "Messages downloaded in all")
    public long getTotalDownloaded() {
        return st().totalDownloaded();
    }

    @ManagedAttribute(description = "Bytes downloaded in all")
    public long getTotalBytes() {
        return st().totalBytes();
    }

    @ManagedAttribute(description = "Failed logins in a row")
    public int getLoginFailures() {
        return st().loginFailures();
    }

    @ManagedOperation(description = "Download now: a session at once, or right after the running one")
    public void downloadNow() {
        accounts.downloadNow(id);
    }

    @ManagedOperation(description = "Fetch on schedule (lasting)")
    public void enable() {
        accounts.setEnabled(id, true);
    }

    @ManagedOperation(description = "Stop fetching on schedule (lasting; Download now still works)")
    public void disable() {
        accounts.setEnabled(id, false);
    }

    @ManagedOperation(description = "Pause scheduled fetching: stops the route account-<id> until resume or a restart")
    public void pause() throws Exception {
        route.stop(id);
    }

    @ManagedOperation(description = "Resume scheduled fetching paused with pause")
    public void resume() throws Exception {
        route.start(id);
    }

    @ManagedAttribute(description = "State of the route account-<id>: Started, Stopped (paused), or null (no route: disabled)")
    public String getSchedule() {
        return route.status(id);
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
