package org.mailfetch.oauth2;

import java.net.URI;
import java.util.Map;

/**
 * Where and how one provider is asked for tokens, for one account: the authorization endpoint
 * (browser flow), the token endpoint, the device authorization endpoint (null when the provider
 * offers no device flow for these scopes; {@code noDeviceFlow} then says why), the scope asked for
 * (null: the provider's default), extra parameters of the authorization request, and the host name
 * the loopback redirect uses (Microsoft wants {@code localhost}, Google and RFC 8252 an IP literal).
 */
public record Endpoints(URI authorization, URI token, URI deviceAuthorization, String scope,
                        Map<String, String> authorizationParameters, String loopbackHost, String noDeviceFlow) {
}
