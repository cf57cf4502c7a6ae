/** The Hugging Face Space target (stack `hfspaces`): which Space, its visibility, the Hub, waiting. */
import { removeCommand, setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, readChoice, readInteger } from "./input";
import { DeploymentTarget, SPACE_DESTROY_POLICIES, SPACE_VISIBILITIES, SpaceDestroyPolicy, SpaceSettings, SpaceVisibility } from "./types";
import { isLoopbackHost, parseHttpUrl, shown, shownUrl } from "./untrusted";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";
const SPACES: readonly DeploymentTarget[] = ["hfspaces"];
const SPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const HUB_NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9-]{0,41}$/;

export const spaceOwnerKey = configKey({
    key: "spaceOwner",
    type: "string",
    default: "",
    targets: SPACES,
    description: "Hugging Face user or organization that owns the Space. Empty means the token's own user.",
    accepts: "Empty, or a Hub user or organization name (letters, digits, `-`, up to 42).",
});
export const spaceNameKey = configKey({
    key: "spaceName",
    type: "string",
    default: "aiterm-litellm",
    targets: SPACES,
    description: "Name of the Space (its app URL is https://<owner>-<name>.hf.space).",
    accepts: "Letters, digits and `- _ .`, up to 96; no `--` or `..`, not ending in `-` or `.`.",
});
export const spaceVisibilityKey = configKey({
    key: "spaceVisibility",
    type: "string",
    default: "public",
    targets: SPACES,
    description: "public, protected (PRO; files private, app public) or private (aiterm cannot reach a private Space's app). A change is applied in place.",
    accepts: "`public`, `protected` or `private`.",
});
export const hfEndpointKey = configKey({
    key: "hfEndpoint",
    type: "string",
    default: "",
    targets: SPACES,
    description: "Base URL of the Hugging Face Hub API. Empty means the HF_ENDPOINT environment variable, else https://huggingface.co.",
    accepts: "Empty, or an `https://` URL without user or password (`http://` only to this machine, for mirrors and tests): the write token and every Space secret travel to it.",
});
export const spaceOnDestroyKey = configKey({
    key: "spaceOnDestroy",
    type: "string",
    default: "auto",
    targets: SPACES,
    description: "What pulumi destroy does to the Space. auto deletes a Space this stack created and keeps one it adopted; keep or delete force it.",
    accepts: "`auto`, `keep` or `delete`.",
});
export const spaceWaitTimeoutKey = configKey({
    key: "spaceWaitTimeoutSeconds",
    type: "integer",
    default: 900,
    targets: SPACES,
    description: "Seconds pulumi up waits for the Space to be RUNNING after a change; 0 does not wait.",
    accepts: "A whole number from 0 to 7200.",
});
export const spacePollIntervalKey = configKey({
    key: "spacePollIntervalSeconds",
    type: "integer",
    default: 5,
    targets: SPACES,
    description: "Seconds between two reads of the Space's state while pulumi up waits for it (0 reads back to back, for mirrors and tests).",
    accepts: "A whole number from 0 to 60.",
});

export const SPACE_KEYS = [spaceOwnerKey, spaceNameKey, spaceVisibilityKey, hfEndpointKey, spaceOnDestroyKey, spaceWaitTimeoutKey, spacePollIntervalKey];

export function parseSpaceSettings(input: ConfigInput): SpaceSettings {
    const owner = input.text(spaceOwnerKey);
    if (owner !== "" && !HUB_NAMESPACE.test(owner)) {
        input.problem(
            "spaceOwner",
            `${shown(owner)} is not a Hugging Face user or organization name.`,
            `${setCommand("spaceOwner", "<your-hf-username>")}, or ${removeCommand("spaceOwner")} to use the token's user`,
        );
    }
    const name = input.text(spaceNameKey);
    if (!SPACE_NAME.test(name) || /--|\.\./.test(name) || /[.-]$/.test(name)) {
        input.problem("spaceName", `${shown(name)} is not a valid Space name (letters, digits, - _ . ; no -- or .., not ending in - or .).`, setCommand("spaceName", "aiterm-litellm"));
    }
    return {
        owner,
        name,
        visibility: readChoice<SpaceVisibility>(input, spaceVisibilityKey, SPACE_VISIBILITIES, "a Space visibility"),
        hfEndpoint: parseHubEndpoint(input),
        onDestroy: readChoice<SpaceDestroyPolicy>(input, spaceOnDestroyKey, SPACE_DESTROY_POLICIES, "a destroy policy (auto deletes a Space this stack created and keeps one it adopted)"),
        waitTimeoutSeconds: readInteger(input, spaceWaitTimeoutKey, 0, 7200),
        pollIntervalSeconds: readInteger(input, spacePollIntervalKey, 0, 60),
    };
}

/**
 * The write token and every Space secret (master key, salt key, database URL, provider keys) are
 * sent to this URL: https only, except to this machine; never with credentials in it (they would
 * sit in the state and in messages in plain text).
 */
function parseHubEndpoint(input: ConfigInput): string {
    const configured = input.text(hfEndpointKey);
    const fromEnvironment = input.environment.HF_ENDPOINT?.trim() || undefined;
    const value = (configured || fromEnvironment || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
    const origin = configured ? "" : fromEnvironment ? " (it came from the HF_ENDPOINT environment variable)" : "";
    const fix = configured
        ? `${setCommand("hfEndpoint", DEFAULT_HF_ENDPOINT)}, or ${removeCommand("hfEndpoint")}`
        : `unset HF_ENDPOINT, or ${setCommand("hfEndpoint", DEFAULT_HF_ENDPOINT)}`;
    const url = parseHttpUrl(value);
    if (!url) {
        input.problem("hfEndpoint", `${shownUrl(value)} is not an http(s) URL${origin}.`, fix);
        return DEFAULT_HF_ENDPOINT;
    }
    if (url.hasCredentials) {
        input.problem("hfEndpoint", `has a user or password in it${origin}: the stack authenticates with hfToken, and credentials in a URL end up in the state and in messages in plain text.`, fix);
        return DEFAULT_HF_ENDPOINT;
    }
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
        input.problem("hfEndpoint", `${shown(url.withoutCredentials)} is plain http to another machine${origin}: the write token and every Space secret would cross the network in clear text.`, fix);
        return DEFAULT_HF_ENDPOINT;
    }
    return value;
}
