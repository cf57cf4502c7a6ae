/**
 * aiterm's LiteLLM proxy. Stack `dev` runs it on the local Docker engine, stack `hfspaces` on a
 * Hugging Face Space; both from the same settings, config.yaml and generated secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { LocalDeployment } from "./components/docker/localDeployment";
import { ProxySecrets } from "./components/proxySecrets";
import { aitermCommands, chatCompletionsUrl, dashboardUrl } from "./config/aiterm";
import { readStackSettings } from "./config/stackConfig";

const { settings, secrets } = readStackSettings();
const proxySecrets = new ProxySecrets("litellm");

function deploy(): pulumi.Output<string> {
    switch (settings.target) {
        case "docker":
            return new LocalDeployment("local", {
                proxy: settings.proxy,
                docker: settings.docker,
                namePrefix: `litellm-${pulumi.getStack()}`,
                masterKey: proxySecrets.masterKey,
                saltKey: proxySecrets.saltKey,
                dashboardPassword: proxySecrets.dashboardPassword,
                providerKeys: secrets.providerKeys,
            }).url;
        case "hfspaces":
            throw new pulumi.RunError("The hfspaces target is not available yet.");
    }
}

const proxyUrl = deploy();
const model = settings.proxy.models[0].name;

/** The proxy's base URL. */
export const url = proxyUrl;
/** What aiterm's api_endpoint is set to. */
export const chatCompletionsEndpoint = proxyUrl.apply(chatCompletionsUrl);
/** LiteLLM's admin dashboard. */
export const dashboard = proxyUrl.apply(dashboardUrl);
export const dashboardUsername = settings.proxy.dashboardUsername;
export const dashboardPassword = proxySecrets.dashboardPassword;
/** The master key: for administration (keys, models), not for aiterm. */
export const masterKey = proxySecrets.masterKey;
/** The commands that point aiterm at this proxy. */
export const aitermSetup = pulumi.secret(
    chatCompletionsEndpoint.apply((endpoint) =>
        aitermCommands({ endpoint, apiToken: "<a virtual key: see README, Create a virtual key>", model }),
    ),
);
