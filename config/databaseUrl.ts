import { ConfigProblem, setCommand } from "./messages";

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
const MUST_BE_ENCODED_IN_USERINFO = /[@/?#[\]\s]|%(?![0-9A-Fa-f]{2})/;

/**
 * Checks a user-provided DATABASE_URL before anything is pushed. Messages never repeat the URL:
 * it carries the password.
 */
export function checkDatabaseUrl(key: string, url: string): ConfigProblem[] {
    const example = "postgresql://USER:URL_ENCODED_PASSWORD@HOST:5432/DATABASE";
    const fix = `set the connection string, password URL-encoded: ${setCommand(key, `'${example}'`, { secret: true })}`;
    const scheme = /^(postgresql|postgres):\/\//.exec(url);
    if (!scheme) {
        return [{ key, problem: "is not a PostgreSQL URL (it must start with postgresql:// or postgres://).", fix }];
    }
    const rest = url.slice(scheme[0].length);
    const at = rest.lastIndexOf("@");
    if (at === -1) {
        return [{ key, problem: "has no user and password (expected USER:PASSWORD@ before the host).", fix }];
    }
    const userinfo = rest.slice(0, at);
    if (MUST_BE_ENCODED_IN_USERINFO.test(userinfo) || userinfo.split(":").length > 2) {
        return [
            {
                key,
                problem:
                    "has a user or password with characters that must be URL-encoded (one of @ : / ? # [ ] % or a space); LiteLLM cannot parse it.",
                fix: `encode the password, e.g. node -e 'console.log(encodeURIComponent(process.argv[1]))' 'PASSWORD', then ${setCommand(key, `'${example}'`, { secret: true })}`,
            },
        ];
    }
    let parsed: URL;
    try {
        parsed = new URL(`postgresql://${rest}`);
    } catch {
        return [{ key, problem: "is not a valid URL.", fix }];
    }
    const problems: ConfigProblem[] = [];
    if (!parsed.username || !parsed.password) {
        problems.push({ key, problem: "needs both a user and a password.", fix });
    }
    if (!parsed.hostname) {
        problems.push({ key, problem: "has no host.", fix });
    }
    if (parsed.pathname.length <= 1) {
        problems.push({ key, problem: "names no database (expected /DATABASE after the host).", fix });
    }
    const supabase = SUPABASE_DIRECT_HOST.exec(parsed.hostname);
    if (supabase) {
        const ref = supabase[1];
        problems.push({
            key,
            problem: `points at Supabase's direct host (db.${ref}.supabase.co), which a Hugging Face Space cannot reach.`,
            fix: `use Supabase's connection pooler instead (Supabase dashboard, Connect, "Session pooler" or "Transaction pooler"): postgresql://postgres.${ref}:URL_ENCODED_PASSWORD@aws-0-REGION.pooler.supabase.com:6543/postgres, set with ${setCommand(key, "'<pooler URL>'", { secret: true })}`,
        });
    }
    return problems;
}
