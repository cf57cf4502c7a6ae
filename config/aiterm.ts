/** The commands a user types to point aiterm at the proxy, as the seed's guide shows them. */
export interface AitermConnection {
    /** The chat completions URL (`.../v1/chat/completions`). */
    endpoint: string;
    /** The key aiterm sends: a LiteLLM virtual key. */
    apiToken: string;
    /** A `model_name` from the proxy's model list. */
    model: string;
}

export function aitermCommands(connection: AitermConnection): string {
    return [
        `aiterm config set api_endpoint ${connection.endpoint}`,
        `aiterm config set api_token ${connection.apiToken}`,
        `aiterm config set model ${connection.model}`,
    ].join("\n");
}

/** The OpenAI-compatible chat completions URL under a proxy's base URL. */
export function chatCompletionsUrl(baseUrl: string): string {
    return `${baseUrl.replace(/\/+$/, "")}/v1/chat/completions`;
}

export function dashboardUrl(baseUrl: string): string {
    return `${baseUrl.replace(/\/+$/, "")}/ui`;
}
