/**
 * What the Swarm target reads besides the validated settings: the Docker host the migration job
 * talks to, and the external Redis' password as a Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../../config/messages";
import { redisPasswordKey } from "../../config/settings/swarm";

/**
 * The engine the Docker provider talks to, so the migration job runs on the same swarm: the
 * provider's `docker:host` config, else DOCKER_HOST, else the local socket (the provider's order).
 */
export function dockerEngineHost(environment: Readonly<Record<string, string | undefined>> = process.env): string {
    return new pulumi.Config("docker").get("host") ?? environment.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/**
 * redisPassword as a secret from the moment it is read (parseSettings validated it already).
 * config/stackConfig.ts reads the other provided secrets; this one is read here until it does too.
 */
export function externalRedisPassword(): pulumi.Output<string> | undefined {
    const value = new pulumi.Config(PROJECT_NAME).getSecret(redisPasswordKey.key);
    return value?.apply((password) => password.trim());
}
