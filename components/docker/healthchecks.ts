import * as docker from "@pulumi/docker";

/**
 * Docker runs the first check one interval after start (engines before 25 ignore
 * `start_interval`), so the interval bounds how late `pulumi up` notices a healthy container.
 * Both checks are cheap (pg_isready, one python3 request), so a short interval costs little.
 */
export const HEALTHCHECK_INTERVAL = "1s";

export function containerHealthcheck(test: string[]): docker.types.input.ContainerHealthcheck {
    return { tests: test, interval: HEALTHCHECK_INTERVAL, timeout: "5s", retries: 5, startPeriod: "120s" };
}
