/**
 * The proxy's own settings shared by every target: the image, the dashboard, the proxy-wide
 * budget, logging and telemetry.
 */
import { checkImagePin, checkKnownLiteLLMPin } from "../images";
import { removeCommand, setCommand } from "../messages";
import { configKey } from "./declaration";
import { BUDGET_DURATION, ConfigInput, MAX_USD_AMOUNT, readBoolean, readChoice, USD_AMOUNT } from "./input";
import { DASHBOARD_ACCESS_MODES, DashboardAccess, LOG_LEVELS, LogLevel, ProxySettings } from "./types";
import { shown } from "./untrusted";

/**
 * LiteLLM 1.104.0, pinned by the digest that four unrelated public projects record for it (one
 * of them after pulling it). Check a pin with `docker buildx imagetools inspect <ref>`.
 */
export const DEFAULT_LITELLM_IMAGE =
    "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218";

export const litellmImageKey = configKey({
    key: "litellmImage",
    type: "string",
    default: DEFAULT_LITELLM_IMAGE,
    description: "LiteLLM image with Postgres support, pinned by version and digest. Rolling tags and unpinned images are refused.",
    accepts: "`registry/repository:version@sha256:<64 hex>`; a rolling tag (`main-stable`, `latest`, ...) is refused even with a digest. See [Upgrading LiteLLM](#upgrading-litellm).",
});
export const dashboardUsernameKey = configKey({
    key: "dashboardUsername",
    type: "string",
    default: "admin",
    description: "Login name for LiteLLM's dashboard (/ui); the password is generated.",
    accepts: "1-64 letters, digits or `. _ @ -`.",
});
export const dashboardAccessKey = configKey({
    key: "dashboardAccess",
    type: "string",
    default: "admin_only",
    description: "Who may use LiteLLM's dashboard: admin_only (the admin login only) or all (also users with their own keys) (general_settings.ui_access_mode).",
    accepts: "`admin_only` or `all`.",
});
export const maxBudgetKey = configKey({
    key: "maxBudget",
    type: "string",
    default: "10",
    description: "Proxy-wide spend cap in USD over budgetDuration (litellm_settings.max_budget). Empty means no proxy-wide cap.",
    accepts: "Empty, or an amount in USD more than 0 and at most 1,000,000 with at most 6 decimals (`10`, `2.5`).",
});
export const budgetDurationKey = configKey({
    key: "budgetDuration",
    type: "string",
    default: "30d",
    description: "Period after which the proxy-wide budget resets (litellm_settings.budget_duration).",
    accepts: "A number and `s`, `m`, `h`, `d` or `mo` (`30d`, `24h`, `1mo`).",
});
export const logLevelKey = configKey({
    key: "logLevel",
    type: "string",
    default: "INFO",
    description: "LiteLLM's log level (LITELLM_LOG).",
    accepts: "`DEBUG`, `INFO`, `WARNING` or `ERROR` (any case).",
});
export const telemetryKey = configKey({
    key: "telemetry",
    type: "boolean",
    default: false,
    description: "LiteLLM's anonymous usage telemetry (litellm_settings.telemetry); the guide turned it off.",
    accepts: "`true` or `false`.",
});

export const PROXY_KEYS = [litellmImageKey, dashboardUsernameKey, dashboardAccessKey, maxBudgetKey, budgetDurationKey, logLevelKey, telemetryKey];

/** The proxy's own settings, as this module reads them. */
export type ProxyBasics = Pick<ProxySettings, "litellmImage" | "dashboardUsername" | "dashboardAccess" | "maxBudget" | "budgetDuration" | "logLevel" | "telemetry">;

export function parseProxyBasics(input: ConfigInput): ProxyBasics {
    const litellmImage = input.text(litellmImageKey);
    const pinProblems = checkImagePin("litellmImage", litellmImage, DEFAULT_LITELLM_IMAGE);
    const known = checkKnownLiteLLMPin("litellmImage", litellmImage);
    for (const problem of [...pinProblems, ...known.problems]) {
        input.problem(problem.key, problem.problem, problem.fix);
    }
    known.warnings.forEach((warning) => input.warn("litellmImage", warning));

    const dashboardUsername = input.text(dashboardUsernameKey);
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(dashboardUsername)) {
        input.problem("dashboardUsername", "must be 1-64 letters, digits or . _ @ -.", setCommand("dashboardUsername", "admin"));
    }

    const budgetText = input.text(maxBudgetKey);
    let maxBudget: number | undefined;
    if (budgetText !== "") {
        maxBudget = Number(budgetText);
        if (!USD_AMOUNT.test(budgetText) || !(maxBudget > 0) || maxBudget > MAX_USD_AMOUNT) {
            input.problem(
                "maxBudget",
                `${shown(budgetText)} is not an amount in USD (more than 0, at most ${MAX_USD_AMOUNT.toLocaleString("en-US")}, at most 6 decimals).`,
                `${setCommand("maxBudget", "50")}, or ${setCommand("maxBudget", "''")} for no proxy-wide cap`,
            );
            maxBudget = undefined;
        }
    }

    const budgetDuration = input.text(budgetDurationKey);
    if (!BUDGET_DURATION.test(budgetDuration)) {
        input.problem("budgetDuration", `${shown(budgetDuration)} is not a LiteLLM duration (a number followed by s, m, h, d or mo).`, setCommand("budgetDuration", "30d"));
    }

    const logText = input.text(logLevelKey).toUpperCase();
    const logLevel = (LOG_LEVELS as readonly string[]).includes(logText) ? (logText as LogLevel) : undefined;
    if (!logLevel) {
        input.problem("logLevel", `${shown(logText)} is not a LiteLLM log level (${LOG_LEVELS.join(", ")}).`, `${setCommand("logLevel", "INFO")}, or ${removeCommand("logLevel")}`);
    }

    return {
        litellmImage,
        dashboardUsername,
        dashboardAccess: readChoice<DashboardAccess>(input, dashboardAccessKey, DASHBOARD_ACCESS_MODES, "a dashboard access mode"),
        maxBudget,
        budgetDuration,
        logLevel: logLevel ?? "INFO",
        telemetry: readBoolean(input, telemetryKey),
    };
}

