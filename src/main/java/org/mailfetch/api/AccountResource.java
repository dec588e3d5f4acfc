package org.mailfetch.api;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.mailfetch.mail.Account;
import org.mailfetch.service.AccountService;
import org.mailfetch.service.SignInService;

/**
 * /api/accounts: the external accounts and their status, as `account show --json` describes them.
 * Passwords go in (create, update) and never come out.
 */
public final class AccountResource {

    private final AccountService accounts;
    private final SignInService signIns;

    public AccountResource(AccountService accounts, SignInService signIns) {
        this.accounts = accounts;
        this.signIns = signIns;
    }

    public void list(Exchange exchange) {
        ApiJson.respond(exchange, 200, accounts.views());
    }

    public void get(Exchange exchange) {
        ApiJson.respond(exchange, 200, accounts.view(find(exchange)));
    }

    public void create(Exchange exchange) {
        Account added = accounts.add(AccountRequest.change(ApiJson.object(exchange)));
        ApiJson.respond(exchange, 201, accounts.view(added));
        exchange.getMessage().setHeader("Location", "/api/accounts/" + added.id());
    }

    public void update(Exchange exchange) {
        long id = find(exchange).id();
        ApiJson.respond(exchange, 200, accounts.view(accounts.update(id, AccountRequest.change(ApiJson.object(exchange)))));
    }

    public void delete(Exchange exchange) {
        accounts.remove(find(exchange).id());
        ApiJson.respond(exchange, 204, null);
    }

    /** Download now: the session starts at once, or right after the one running now. */
    public void download(Exchange exchange) {
        long id = find(exchange).id();
        accounts.downloadNow(id);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", true);
        body.put("status", accounts.statusView(id));
        ApiJson.respond(exchange, 202, body);
    }

    /**
     * OAuth2 sign-in: {"flow": "device"|"browser"} (no body: device) starts it on a thread of its own;
     * 202 with its progress once the code or URL to show is known. 409 while one is pending.
     */
    public void authorize(Exchange exchange) throws InterruptedException {
        long id = find(exchange).id();
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body); // read once: the request stream is gone now
        SignInService.Flow flow = SignInService.Flow.DEVICE;
        if (body != null && !body.isBlank()) {
            RequestBody request = new RequestBody(ApiJson.object(exchange)).only(java.util.Set.of("flow"));
            flow = SignInService.Flow.parse("flow", request.optional("flow"));
        }
        ApiJson.respond(exchange, 202, signIns.start(id, flow));
    }

    /** The progress of the account's sign-in: pending (with what to show), authorized, failed, or none. */
    public void authorization(Exchange exchange) {
        ApiJson.respond(exchange, 200, signIns.progress(find(exchange).id()));
    }

    public void status(Exchange exchange) {
        ApiJson.respond(exchange, 200, accounts.statusView(find(exchange).id()));
    }

    private Account find(Exchange exchange) {
        return accounts.get(ApiJson.id(exchange, "account"));
    }
}
