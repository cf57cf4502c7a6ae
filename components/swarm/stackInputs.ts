/**
 * What the Swarm target reads besides the stack's settings: the Docker host the migration job
 * talks to (the Docker provider's own config, not this project's).
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The engine the Docker provider talks to, so the migration job runs on the same swarm: the
 * provider's `docker:host` config, else DOCKER_HOST, else the local socket (the provider's order).
 */
export function dockerEngineHost(environment: Readonly<Record<string, string | undefined>> = process.env): string {
    return new pulumi.Config("docker").get("host") ?? environment.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}
