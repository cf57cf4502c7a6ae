/**
 * What every Space resource carries to reach the Hub. The token arrives in plain form inside a
 * provider (Pulumi decrypts secret inputs for it) and is kept secret in state by each resource's
 * `additionalSecretOutputs`.
 */
import { createHubClient, HubClient } from "../hub";

export interface HubConnectionInputs {
    /** Base URL of the Hub API. */
    hfEndpoint: string;
    /** `hf_...` token (secret). */
    token: string;
    /** Per-request timeout. */
    requestTimeoutSeconds?: number;
}

/** A client for these inputs; `secretValues` are kept out of its errors besides the token. */
export function hubClientFor(inputs: HubConnectionInputs, secretValues: string[] = []): HubClient {
    return createHubClient({
        endpoint: inputs.hfEndpoint,
        token: inputs.token,
        requestTimeoutMs: (inputs.requestTimeoutSeconds ?? 30) * 1000,
        secretValues,
    });
}

/** Connection inputs whose change alone needs new state but no call to the Hub. */
export function connectionChanged(olds: HubConnectionInputs, news: HubConnectionInputs): boolean {
    return olds.token !== news.token || olds.requestTimeoutSeconds !== news.requestTimeoutSeconds;
}

/** What a read returns for a resource that no longer exists: Pulumi drops it from the state. */
export const GONE: { id: string } = { id: "" };

/**
 * For a read of something inside a Space: a client, or undefined when there is no state or the
 * Space itself is gone (then so is everything in it, and the read returns GONE).
 */
export async function clientForExistingSpace(props: (HubConnectionInputs & { spaceId: string }) | undefined): Promise<HubClient | undefined> {
    if (!props) {
        return undefined;
    }
    const hub = hubClientFor(props);
    return (await hub.spaceInfo(props.spaceId)) ? hub : undefined;
}
