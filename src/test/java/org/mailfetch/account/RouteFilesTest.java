package org.mailfetch.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.CatchDefinition;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.TryDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

/** The YAML in routes/ loads through Camel and shows the whole chain in order, with its conditions. */
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
            assertEquals(List.of("accountId", "intervalMillis", "firstFireDelayMillis"),
                    template.getTemplateParameters().stream().map(p -> p.getName()).toList());
            assertNotNull(model.getRouteDefinition("fetch-session"));
            assertNotNull(model.getRouteDefinition("reconcile-accounts"));
            assertNotNull(model.getRouteDefinition("outbox"));
        }
    }

    /**
     * The fetch chain as Camel loads it: every step in order, each with the filters it sits in (their
     * conditions are beans named for what they ask, see MessageConditions) — the optional steps run
     * only under their account option, and nothing tests a class name.
     */
    @Test
    void fetchChainShouldShowEveryStepInOrderUnderItsCondition() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            PluginHelper.getRoutesLoader(camel).loadRoutes(
                    ResourceHelper.resolveResource(camel, "file:routes/fetch-session.camel.yaml"));
            List<String> steps = new ArrayList<>();
            walk(camel.getRouteDefinition("fetch-session").getOutputs(), List.of(), steps);

            assertEquals(List.of(
                    "fetchSessions.open",
                    "[session] receivedDate <- receivedDateWanted",
                    "[session] spamCheck <- antispamWanted",
                    "[session] virusCheck <- antivirusWanted",
                    "[session] quarantine.hold <- markedForQuarantine",
                    "[session] recipientResolver <- pending",
                    "[session] outbox.enqueue <- pending / hasRoutedRecipients",
                    "[session] localDelivery <- pending",
                    "[session] joinBatch",
                    "[session] fetchSessions.failed",
                    "[session] fetchSessions.close"), steps);
        }
    }

    private static void step(String name, List<String> conditions, List<String> steps) {
        boolean inSession = !conditions.isEmpty() && conditions.get(0).equals("[session]");
        List<String> rest = inSession ? conditions.subList(1, conditions.size()) : conditions;
        steps.add((inSession ? "[session] " : "") + name + (rest.isEmpty() ? "" : " <- " + String.join(" / ", rest)));
    }

    /** "bean.method <- conditions" for every bean call ("processor <- conditions" for a Processor bean); the filter on the open session shows as a "[session]" prefix. */
    private static void walk(List<ProcessorDefinition<?>> outputs, List<String> conditions, List<String> steps) {
        for (ProcessorDefinition<?> p : outputs) {
            if (p instanceof BeanDefinition bean) {
                step(bean.getRef() + "." + bean.getMethod(), conditions, steps);
            } else if (p instanceof ProcessDefinition process) {
                step(process.getRef(), conditions, steps);
            } else if (p instanceof FilterDefinition filter) {
                String expression = filter.getExpression().getExpression();
                assertFalse(expression.contains(" is '"), "no filter tests a class name: " + expression);
                List<String> inner = new ArrayList<>(conditions);
                inner.add(expression.equals("${exchangeProperty.mailfetchSession} != null") ? "[session]"
                        : expression.replace("${body.", "").replace("}", ""));
                walk(filter.getOutputs(), inner, steps);
            } else if (p instanceof TryDefinition attempt) {
                walk(attempt.getOutputsWithoutCatches(), conditions, steps);
                for (CatchDefinition c : attempt.getCatchClauses()) {
                    walk(c.getOutputs(), conditions, steps);
                }
                walk(attempt.getFinallyClause().getOutputs(), conditions, steps);
            } else {
                walk(p.getOutputs(), conditions, steps);
            }
        }
    }
}
