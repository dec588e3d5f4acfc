package org.mailfetch.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.mailfetch.mail.Account;
import org.mailfetch.account.AccountStore;
import org.mailfetch.fetch.AccountStatus;
import org.mailfetch.fetch.FetchSessions;
import org.mailfetch.fetch.StatusBoard;
import org.mailfetch.recipient.LocalDirectory;
import org.mailfetch.mail.MailAddress;

/**
 * /api/accounts: the external accounts and their status, as `account show --json` describes them.
 * Passwords go in (create, update) and never come out.
 */
public final class AccountResource {

    private final AccountStore accounts;
    private final StatusBoard status;
    private final LocalDirectory directory;
    private final FetchSessions sessions;

    public AccountResource(AccountStore accounts, StatusBoard status, LocalDirectory directory, FetchSessions sessions) {
        this.accounts = accounts;
        this.status = status;
        this.directory = directory;
        this.sessions = sessions;
    }

    public void list(Exchange exchange) {
        List<Map<String, Object>> all = accounts.list().stream().map(this::describe).toList();
        ApiJson.respond(exchange, 200, all);
    }

    public void get(Exchange exchange) {
        ApiJson.respond(exchange, 200, describe(find(exchange)));
    }

    public void create(Exchange exchange) {
        AccountRequest request = new AccountRequest(ApiJson.object(exchange));
        Account account = request.toNewAccount();
        Long maxSize = request.hasMaxMessageSize() ? request.maxMessageSize() : null;
        requireMailbox(account.ownerAddress());
        Account added = accounts.add(account, request.password());
        if (maxSize != null) {
            accounts.maxMessageSize(added.id(), maxSize);
        }
        String location = "/api/accounts/" + added.id();
        ApiJson.respond(exchange, 201, describe(added));
        exchange.getMessage().setHeader("Location", location);
    }

    public void update(Exchange exchange) {
        Account current = find(exchange);
        AccountRequest request = new AccountRequest(ApiJson.object(exchange));
        Account changed = request.applyTo(current, false);
        Long maxSize = request.hasMaxMessageSize() ? request.maxMessageSize() : null;
        requireMailbox(changed.ownerAddress());
        Account updated = accounts.update(changed, request.password());
        if (request.hasMaxMessageSize()) {
            accounts.maxMessageSize(updated.id(), maxSize);
        }
        ApiJson.respond(exchange, 200, describe(updated));
    }

    public void delete(Exchange exchange) {
        accounts.remove(find(exchange).id());
        ApiJson.respond(exchange, 204, null);
    }

    /** Download now: the session starts at once, or right after the one running now. */
    public void download(Exchange exchange) {
        Account a = find(exchange);
        sessions.downloadNow(a.id());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", true);
        body.put("status", status(a.id()));
        ApiJson.respond(exchange, 202, body);
    }

    public void status(Exchange exchange) {
        ApiJson.respond(exchange, 200, status(find(exchange).id()));
    }

    private Map<String, Object> describe(Account a) {
        return AccountCommand.describe(a, status.get(a.id()));
    }

    /** The status fields of {@link AccountCommand#describe}. */
    private Map<String, Object> status(long id) {
        AccountStatus st = status.get(id);
        Map<String, Object> all = AccountCommand.describe(accounts.get(id).orElseThrow(), st);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        boolean copy = false;
        for (Map.Entry<String, Object> e : all.entrySet()) {
            copy |= e.getKey().equals("running");
            if (copy) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private Account find(Exchange exchange) {
        long id = ApiJson.id(exchange, "account");
        return accounts.get(id).orElseThrow(() -> ApiError.notFound("no account " + id));
    }

    private void requireMailbox(String owner) {
        if (!directory.isMailbox(MailAddress.parse(owner))) {
            throw ApiError.badField("owner", "no local mailbox " + owner + ": add it first");
        }
    }
}
