import { ConfigProblem, setCommand } from "./messages";
import { hasControlCharacters, isPlainSecretText } from "./settings/untrusted";

export interface DatabaseConnection {
    user: string;
    password: string;
    host: string;
    port: number;
    database: string;
}

/**
 * `postgresql://user:password@host:port/database` with user and password percent-encoded.
 * LiteLLM parses DATABASE_URL as a URL: an unencoded `@`, `/`, `:` or `#` in the password breaks it
 * ("Invalid IPv6 URL" and friends), which is why a generated password is always encoded here.
 */
export function formatDatabaseUrl(connection: DatabaseConnection): string {
    const user = encodeURIComponent(connection.user);
    const password = encodeURIComponent(connection.password);
    return `postgresql://${user}:${password}@${connection.host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

const SUPABASE_DIRECT_HOST = /^db\.([a-z0-9]+)\.supabase\.co$/i;
/** Supabase's Supavisor pooler hosts: `aws-0-<region>.pooler.supabase.com`, and `aws-1-...` for newer projects. */
const SUPABASE_POOLER_HOST = /^aws-[0-9]+-[a-z0-9-]+\.pooler\.supabase\.com$/i;
const SUPABASE_TRANSACTION_POOLER_PORT = "6543";
const SUPABASE_SESSION_POOLER_PORT = "5432";
const MUST_BE_ENCODED_IN_USERINFO = /[@/?#[\]\s]|%(?![0-9A-Fa-f]{2})/;

export interface DatabaseUrlVerdict {
    problems: ConfigProblem[];
    /** Accepted, but likely to break: shown by `pulumi preview`, without the key prefix. */
    warnings: string[];
}

/**
 * Checks a user-provided DATABASE_URL before anything is pushed. Messages never repeat the URL:
 * it carries the password.
 */
export function checkDatabaseUrl(key: string, url: string): DatabaseUrlVerdict {
    const example = "postgresql://USER:URL_ENCODED_PASSWORD@HOST:5432/DATABASE";
    const fix = `set the connection string, password URL-encoded: ${setCommand(key, `'${example}'`, { secret: true })}`;
    const refuse = (problem: string, howToFix = fix): DatabaseUrlVerdict => ({ problems: [{ key, problem, fix: howToFix }], warnings: [] });
    if (hasControlCharacters(url) || !isPlainSecretText(url)) {
        return refuse("has a space, newline or other control character in it (often a copy-and-paste accident; the value is not shown).");
    }
    const scheme = /^(postgresql|postgres):\/\//.exec(url);
    if (!scheme) {
        return refuse("is not a PostgreSQL URL (it must start with postgresql:// or postgres://).");
    }
    const rest = url.slice(scheme[0].length);
    const at = rest.lastIndexOf("@");
    if (at === -1) {
        return refuse("has no user and password (expected USER:PASSWORD@ before the host).");
    }
    const userinfo = rest.slice(0, at);
    if (MUST_BE_ENCODED_IN_USERINFO.test(userinfo) || userinfo.split(":").length > 2) {
        return refuse(
            "has a user or password with characters that must be URL-encoded (one of @ : / ? # [ ] % or a space); LiteLLM cannot parse it.",
            `encode the password, e.g. node -e 'console.log(encodeURIComponent(process.argv[1]))' 'PASSWORD', then ${setCommand(key, `'${example}'`, { secret: true })}`,
        );
    }
    let parsed: URL;
    try {
        parsed = new URL(`postgresql://${rest}`);
    } catch {
        return refuse("is not a valid URL.");
    }
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    if (!parsed.username || !parsed.password) {
        problems.push({ key, problem: "needs both a user and a password.", fix });
    }
    if (!parsed.hostname) {
        problems.push({ key, problem: "has no host.", fix });
    }
    if (parsed.pathname.length <= 1) {
        problems.push({ key, problem: "names no database (expected /DATABASE after the host).", fix });
    }
    const direct = SUPABASE_DIRECT_HOST.exec(parsed.hostname);
    if (direct) {
        const ref = direct[1].toLowerCase();
        problems.push({
            key,
            problem: `points at Supabase's direct host (db.${ref}.supabase.co), which a Hugging Face Space cannot reach (IPv6 only, unless the project bought Supabase's IPv4 add-on).`,
            fix: `use Supabase's session pooler (Supabase dashboard, Connect, "Session pooler"): ${sessionPoolerUrl(`postgres.${ref}`, "aws-0-REGION.pooler.supabase.com")} (newer projects have aws-1-REGION), set with ${setCommand(key, "'<session pooler URL>'", { secret: true })}`,
        });
    }
    if (SUPABASE_POOLER_HOST.test(parsed.hostname) && parsed.port === SUPABASE_TRANSACTION_POOLER_PORT) {
        const user = decodeURIComponent(parsed.username);
        warnings.push(
            `points at Supabase's transaction pooler (port ${SUPABASE_TRANSACTION_POOLER_PORT}). LiteLLM talks to its database through Prisma and runs its migrations at start-up: Prisma's prepared statements fail behind a transaction pooler ("prepared statement ... does not exist") and Prisma's maintainers say never to run migrations through one. ` +
                `Use the session pooler, port ${SUPABASE_SESSION_POOLER_PORT} on the same host: ${sessionPoolerUrl(/^postgres\.[a-z0-9]+$/i.test(user) ? user : "USER", parsed.hostname.toLowerCase())}, set with ${setCommand(key, "'<session pooler URL>'", { secret: true })}`,
        );
    }
    return { problems, warnings };
}

function sessionPoolerUrl(user: string, host: string): string {
    return `postgresql://${user}:URL_ENCODED_PASSWORD@${host}:${SUPABASE_SESSION_POOLER_PORT}/postgres`;
}
