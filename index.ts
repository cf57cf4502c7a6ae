/**
 * aiterm's LiteLLM proxy. Stack `dev` runs it on the local Docker engine, stack `hfspaces` on a
 * Hugging Face Space, stack `swarm` as several instances on Docker Swarm; all from the same
 * settings, config.yaml and generated secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { LocalDeployment } from "./components/docker/localDeployment";
import { HuggingFaceSpace } from "./components/hfspaces/huggingFaceSpace";
import { swarmNamePrefix } from "./components/swarm/names";
import { dockerEngineHost } from "./components/swarm/stackInputs";
import { SwarmDeployment } from "./components/swarm/swarmDeployment";
import { aitermKeyAlias, VirtualKeys } from "./components/keys/virtualKeys";
import { ProxySecrets } from "./components/proxySecrets";
import { aitermCommands, chatCompletionsUrl, dashboardUrl } from "./config/aiterm";
import { readStackSettings } from "./config/stackConfig";

const { settings, secrets } = readStackSettings();
const proxySecrets = new ProxySecrets("litellm");
const generated = {
    masterKey: proxySecrets.masterKey,
    saltKey: proxySecrets.saltKey,
    dashboardPassword: proxySecrets.dashboardPassword,
    providerKeys: secrets.providerKeys,
};

interface Deployment {
    url: pulumi.Output<string>;
    /** What must exist before the proxy answers requests (its container, or the Space's runtime). */
    ready: pulumi.Resource[];
    spacePage?: pulumi.Output<string>;
}

function deploy(): Deployment {
    switch (settings.target) {
        case "docker": {
            const local = new LocalDeployment("local", {
                ...generated,
                proxy: settings.proxy,
                docker: settings.docker,
                namePrefix: `litellm-${pulumi.getStack()}`,
            });
            return { url: local.url, ready: [local.proxy.container] };
        }
        case "hfspaces": {
            // parseSettings guarantees both for this target.
            const space = new HuggingFaceSpace("space", {
                ...generated,
                proxy: settings.proxy,
                space: settings.space,
                hfToken: secrets.hfToken ?? pulumi.secret(""),
                databaseUrl: secrets.databaseUrl ?? pulumi.secret(""),
            });
            return { url: space.url, ready: [space.runtime], spacePage: space.pageUrl };
        }
        case "swarm": {
            const swarm = new SwarmDeployment("swarm", {
                ...generated,
                proxy: settings.proxy,
                swarm: settings.swarm,
                namePrefix: swarmNamePrefix(pulumi.getStack()),
                engineHost: dockerEngineHost(),
                databaseUrl: secrets.databaseUrl,
                redisPassword: secrets.redisPassword,
            });
            return { url: swarm.url, ready: swarm.ready };
        }
    }
}

const deployment = deploy();
const keys = new VirtualKeys("keys", { proxyUrl: deployment.url, masterKey: proxySecrets.masterKey, keys: settings.proxy.virtualKeys }, { dependsOn: deployment.ready });
const aitermAlias = aitermKeyAlias(settings.proxy.virtualKeys);
const aitermKey = settings.proxy.virtualKeys.find((k) => k.alias === aitermAlias);
const model = aitermKey?.models[0] ?? settings.proxy.models[0].name;

/** The proxy's base URL. */
export const url = deployment.url;
/** What aiterm's api_endpoint is set to. */
export const chatCompletionsEndpoint = url.apply(chatCompletionsUrl);
/** LiteLLM's admin dashboard. */
export const dashboard = url.apply(dashboardUrl);
export const dashboardUsername = settings.proxy.dashboardUsername;
export const dashboardPassword = proxySecrets.dashboardPassword;
/** The master key: for administration (keys, models), not for aiterm. */
export const masterKey = proxySecrets.masterKey;
/** The Space's page on the Hub (stack hfspaces). */
export const spacePage = deployment.spacePage;
/** The raw key of every declared virtual key, by alias. */
export const virtualKeys = pulumi.secret(keys.keys);
/** The commands that point aiterm at this proxy, with its virtual key. */
export const aitermSetup = pulumi.secret(
    pulumi
        .all([chatCompletionsEndpoint, aitermAlias ? keys.keys[aitermAlias] : "<a virtual key: see README, Create a virtual key>"])
        .apply(([endpoint, apiToken]) => aitermCommands({ endpoint, apiToken, model })),
);
