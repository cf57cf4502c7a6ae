import * as pulumi from "@pulumi/pulumi";
import { proxyEnvironment } from "../../config/proxyEnvironment";
import { renderProxyConfig } from "../../config/proxyConfig";
import { ProxySettings, SpaceSettings as SpaceConfig } from "../../config/settings";
import { SpaceFiles } from "./providers/spaceFiles";
import { SpaceRepository } from "./providers/spaceRepository";
import { SpaceRuntime } from "./providers/spaceRuntime";
import { SpaceSettings } from "./providers/spaceSettings";
import { renderDockerfile, renderSpaceReadme, SPACE_APP_PORT, spacePageUrl } from "./spaceFiles";

export interface HuggingFaceSpaceArgs {
    /** The proxy settings shared with every target (models, image, dashboard user, budget). */
    proxy: ProxySettings;
    /** Owner, name, visibility, Hub endpoint, destroy policy and wait timeout of the Space. */
    space: SpaceConfig;
    /** `hf_...` token with write access (secret). */
    hfToken: pulumi.Input<string>;
    /** The proxy's DATABASE_URL (secret): a Space has no database of its own. */
    databaseUrl: pulumi.Input<string>;
    /** `sk-...` master key (secret). */
    masterKey: pulumi.Input<string>;
    /** Salt key (secret); must never change once the database holds data. */
    saltKey: pulumi.Input<string>;
    /** Dashboard password (secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Provider API keys by environment variable name, HF_TOKEN included (secret). */
    providerKeys: pulumi.Input<Record<string, string>>;
}

/**
 * The proxy on a Hugging Face Space (Docker SDK): the repository, its secrets and variables,
 * its files (Dockerfile, config.yaml, README.md) committed once per change, and the running app.
 * Secrets are written before the files, so the build a commit triggers already sees them.
 */
export class HuggingFaceSpace extends pulumi.ComponentResource {
    readonly spaceId: pulumi.Output<string>;
    /** The Space's page on the Hub. */
    readonly pageUrl: pulumi.Output<string>;
    /** `https://<subdomain>.hf.space`: the proxy's base URL. */
    readonly url: pulumi.Output<string>;
    readonly stage: pulumi.Output<string>;
    /** The running app; anything that talks to the proxy depends on it. */
    readonly runtime: SpaceRuntime;
    readonly configYaml: string;

    constructor(name: string, args: HuggingFaceSpaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:hfspaces:HuggingFaceSpace", name, {}, opts);
        const childOptions = { parent: this };
        const connection = { hfEndpoint: args.space.hfEndpoint, token: pulumi.secret(args.hfToken) };

        const repository = new SpaceRepository(
            `${name}-repository`,
            { ...connection, owner: args.space.owner, name: args.space.name, visibility: args.space.visibility, onDestroy: args.space.onDestroy },
            childOptions,
        );

        const environment = pulumi
            .all([args.masterKey, args.saltKey, args.dashboardPassword, args.providerKeys, args.databaseUrl])
            .apply(([masterKey, saltKey, dashboardPassword, providerKeys, databaseUrl]) =>
                proxyEnvironment(args.proxy, { masterKey, saltKey, dashboardPassword, providerKeys, databaseUrl }),
            );
        const settings = new SpaceSettings(
            `${name}-settings`,
            {
                ...connection,
                spaceId: repository.spaceId,
                secrets: pulumi.secret(environment.apply((e) => e.secrets)),
                // Variables hold no secret; unwrapping them keeps them readable in previews.
                variables: pulumi.unsecret(environment.apply((e) => e.variables)),
            },
            childOptions,
        );

        this.configYaml = renderProxyConfig(args.proxy);
        const files = new SpaceFiles(
            `${name}-files`,
            {
                ...connection,
                spaceId: repository.spaceId,
                files: {
                    Dockerfile: renderDockerfile(args.proxy.litellmImage),
                    "config.yaml": this.configYaml,
                    "README.md": renderSpaceReadme({ title: `aiterm LiteLLM proxy`, appPort: SPACE_APP_PORT }),
                },
            },
            { parent: this, dependsOn: [settings] },
        );

        const runtime = (this.runtime = new SpaceRuntime(
            `${name}-runtime`,
            {
                ...connection,
                spaceId: repository.spaceId,
                filesRevision: files.revision,
                settingsRevision: settings.revision,
                waitTimeoutSeconds: args.space.waitTimeoutSeconds,
                pollIntervalSeconds: args.space.pollIntervalSeconds,
            },
            childOptions,
        ));

        this.spaceId = repository.spaceId;
        this.pageUrl = repository.spaceId.apply((id) => spacePageUrl(args.space.hfEndpoint, id));
        this.url = runtime.url;
        this.stage = runtime.stage;
        this.registerOutputs({ spaceId: this.spaceId, pageUrl: this.pageUrl, url: this.url, stage: this.stage });
    }
}
