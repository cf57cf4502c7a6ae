import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { proxyEnvironment, toEnvList } from "../../config/proxyEnvironment";
import { renderProxyConfig } from "../../config/proxyConfig";
import { DockerSettings, ProxySettings } from "../../config/settings";
import { LiteLLMProxy } from "./litellmProxy";
import { PostgresDatabase } from "./postgresDatabase";

export interface LocalDeploymentArgs {
    /** The proxy settings shared with every target (models, image, dashboard user, budget). */
    proxy: ProxySettings;
    /** Settings of the local Docker target (ports, database image, timeouts). */
    docker: DockerSettings;
    /** Prefix for the Docker objects' names, so two stacks can share one engine (`litellm-dev`). */
    namePrefix: string;
    /** `sk-...` master key (secret). */
    masterKey: pulumi.Input<string>;
    /** Salt key (secret); must never change once the database holds data. */
    saltKey: pulumi.Input<string>;
    /** Dashboard password (secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Provider API keys by environment variable name (secret). */
    providerKeys: pulumi.Input<Record<string, string>>;
}

/**
 * LiteLLM and Postgres on the local Docker engine: an internal network for the database (no
 * route out, no published port), a second network that gives the proxy its route to the model
 * providers and its published port, the database with its data volume, and the proxy, started
 * once the database is healthy.
 */
export class LocalDeployment extends pulumi.ComponentResource {
    readonly database: PostgresDatabase;
    readonly proxy: LiteLLMProxy;
    readonly backendNetwork: docker.Network;
    readonly frontendNetwork: docker.Network;
    /** The proxy's base URL as clients on this machine reach it. */
    readonly url: pulumi.Output<string>;
    /** The rendered config.yaml (no secrets in it). */
    readonly configYaml: string;

    constructor(name: string, args: LocalDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:docker:LocalDeployment", name, {}, opts);
        const childOptions = { parent: this };

        this.backendNetwork = new docker.Network(
            `${name}-backend`,
            { name: `${args.namePrefix}-backend`, driver: "bridge", internal: true },
            childOptions,
        );
        this.frontendNetwork = new docker.Network(`${name}-frontend`, { name: `${args.namePrefix}-frontend`, driver: "bridge" }, childOptions);

        this.database = new PostgresDatabase(
            `${name}-database`,
            {
                image: args.docker.postgresImage,
                networkName: this.backendNetwork.name,
                namePrefix: args.namePrefix,
                keepDataOnDestroy: args.docker.keepDataOnDestroy,
                startupTimeoutSeconds: args.docker.startupTimeoutSeconds,
                memoryMb: args.docker.databaseMemoryMb,
                sharedMemoryMb: args.docker.databaseSharedMemoryMb,
                cpuShares: args.docker.databaseCpuShares,
                restartPolicy: args.docker.restartPolicy,
            },
            childOptions,
        );

        this.configYaml = renderProxyConfig(args.proxy);
        const environment = pulumi
            .all([args.masterKey, args.saltKey, args.dashboardPassword, args.providerKeys, this.database.connectionUrl])
            .apply(([masterKey, saltKey, dashboardPassword, providerKeys, databaseUrl]) =>
                toEnvList(proxyEnvironment(args.proxy, { masterKey, saltKey, dashboardPassword, providerKeys, databaseUrl })),
            );

        this.proxy = new LiteLLMProxy(
            `${name}-proxy`,
            {
                image: args.proxy.litellmImage,
                configYaml: this.configYaml,
                environment: pulumi.secret(environment),
                networkNames: [this.backendNetwork.name, this.frontendNetwork.name],
                namePrefix: args.namePrefix,
                hostPort: args.docker.port,
                bindAddress: args.docker.bindAddress,
                startupTimeoutSeconds: args.docker.startupTimeoutSeconds,
                memoryMb: args.docker.proxyMemoryMb,
                cpuShares: args.docker.proxyCpuShares,
                restartPolicy: args.docker.restartPolicy,
            },
            // The database container waits until healthy on create, so this orders the start-up.
            { parent: this, dependsOn: [this.database.container] },
        );
        this.url = this.proxy.url;
        this.registerOutputs({ url: this.url });
    }
}
