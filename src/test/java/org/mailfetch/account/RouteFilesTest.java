package org.mailfetch.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/** The YAML in routes/ parses (no build-time validator is served here) and shows the whole chain in order. */
class RouteFilesTest {

    @Test
    void routeFilesShouldLoadWithTheAccountTemplateAndTheFetchChain() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            for (String file : List.of("account.camel.yaml", "fetch-session.camel.yaml", "reconcile.camel.yaml",
                    "outbox.camel.yaml")) {
                PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.resolveResource(camel, "file:routes/" + file));
            }
            ModelCamelContext model = camel;
            RouteTemplateDefinition template = model.getRouteTemplateDefinition("account");
            assertNotNull(template, "route template 'account'");
            assertEquals(List.of("accountId", "intervalMillis"),
                    template.getTemplateParameters().stream().map(p -> p.getName()).toList());
            assertNotNull(model.getRouteDefinition("fetch-session"));
            assertNotNull(model.getRouteDefinition("reconcile-accounts"));
            assertNotNull(model.getRouteDefinition("outbox"));
        }
    }

    @Test
    void fetchChainShouldRunDateFiltersRecipientsDeliveryThenAcceptInThatOrder() throws Exception {
        String yaml = Files.readString(Path.of("routes/fetch-session.camel.yaml"));
        Matcher refs = Pattern.compile("ref: (\\w+), method: (\\w+)").matcher(yaml);
        StringBuilder chain = new StringBuilder();
        while (refs.find()) {
            chain.append(refs.group(1)).append('.').append(refs.group(2)).append(' ');
        }
        assertTrue(chain.toString().startsWith("receivedDate.stamp spamCheck.check virusCheck.check quarantine.hold "
                + "recipientResolver.resolve outbox.enqueue localDelivery.deliver fetchSessions.accept "
                + "fetchSessions.failed fetchSessions.close"),
                chain.toString());
    }
}
