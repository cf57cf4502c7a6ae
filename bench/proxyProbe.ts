/** What the benchmark asks a running proxy: is it serving, a key as the guide issues one, its models. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(url: string, init?: RequestInit): Promise<{ status: number; json: unknown } | undefined> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
        const text = await response.text();
        let json: unknown;
        try {
            json = JSON.parse(text);
        } catch {
            json = text;
        }
        return { status: response.status, json };
    } catch {
        return undefined;
    }
}

const post = (key: string, body: unknown): RequestInit => ({
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
});

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) {
            return value;
        }
        await sleep(50);
    }
    throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** Polls every 50 ms until the proxy is alive and has served one chat completion with `key`. */
export async function untilServing(port: number, key: string, timeoutMs = 180_000): Promise<void> {
    await poll(
        `the proxy on port ${port} serving a chat completion`,
        async () =>
            (await answer(`http://127.0.0.1:${port}/health/liveliness`))?.status === 200 &&
            (await answer(`http://127.0.0.1:${port}/v1/chat/completions`, post(key, { model: "default", messages: [{ role: "user", content: "ping" }] })))?.status === 200
                ? true
                : undefined,
        timeoutMs,
    );
}

/** The guide's "Create a Virtual Key" step, its request body as published, retried until the proxy takes it. */
export async function untilGuideKeyIssued(port: number, masterKey: string, timeoutMs = 180_000): Promise<string> {
    return poll(
        `the proxy on port ${port} issuing a virtual key`,
        async () => {
            const reply = await answer(`http://127.0.0.1:${port}/key/generate`, post(masterKey, { models: ["default"], max_budget: 5.0, budget_duration: "30d" }));
            const key = (reply?.json as { key?: unknown } | undefined)?.key;
            return reply?.status === 200 && typeof key === "string" ? key : undefined;
        },
        timeoutMs,
    );
}

export async function modelIds(port: number, masterKey: string): Promise<string[]> {
    const reply = await answer(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${masterKey}` } });
    return ((reply?.json as { data?: { id: string }[] } | undefined)?.data ?? []).map((model) => model.id);
}

/** Without a config file the test double has no models: liveliness and /v1/models mark it ready. */
export async function untilServingAnyModel(port: number, masterKey: string, timeoutMs = 60_000): Promise<void> {
    await poll(
        `the proxy on port ${port} answering`,
        async () =>
            (await answer(`http://127.0.0.1:${port}/health/liveliness`))?.status === 200 &&
            (await answer(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${masterKey}` } }))?.status === 200
                ? true
                : undefined,
        timeoutMs,
    );
}
