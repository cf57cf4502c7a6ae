import * as docker from "@pulumi/docker";

/**
 * Docker runs the first check one interval after start (engines before 25 ignore
 * `start_interval`), so the interval bounds how late `pulumi up` notices a healthy container,
 * and every check costs a process start for as long as the container runs.
 */
export function containerHealthcheck(test: string[], interval: string): docker.types.input.ContainerHealthcheck {
    return { tests: test, interval, timeout: "5s", retries: 5, startPeriod: "120s" };
}
