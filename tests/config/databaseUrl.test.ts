import { describe, expect, it } from "vitest";
import { checkDatabaseUrl, formatDatabaseUrl } from "../../config/databaseUrl";

describe("DATABASE_URL", () => {
    it("encodes a password with URL-breaking characters so that it parses back intact", () => {
        const password = "p@ss:w/rd?#%!";
        const url = formatDatabaseUrl({ user: "litellm", password, host: "litellm-db", port: 5432, database: "litellm" });
        expect(url).toBe(`postgresql://litellm:${encodeURIComponent(password)}@litellm-db:5432/litellm`);
        const parsed = new URL(url);
        expect(decodeURIComponent(parsed.password)).toBe(password);
        expect(parsed.hostname).toBe("litellm-db");
        expect(checkDatabaseUrl("databaseUrl", url)).toEqual({ problems: [], warnings: [] });
    });

    it("accepts Supabase's session pooler (aws-0 and aws-1 hosts) and other hosts without a word", () => {
        for (const url of [
            "postgresql://postgres.abcdefgh:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres",
            "postgresql://postgres.abcdefgh:pw@aws-1-us-east-2.pooler.supabase.com:5432/postgres",
            "postgres://u:p%40ss@ep-x.neon.tech/neondb?sslmode=require",
        ]) {
            expect(checkDatabaseUrl("databaseUrl", url), url).toEqual({ problems: [], warnings: [] });
        }
    });

    it.each(["aws-0-eu-west-1", "aws-1-ap-southeast-1"])(
        "warns about Supabase's transaction pooler (port 6543 on %s), naming the session form on the same host",
        (prefix) => {
            const verdict = checkDatabaseUrl("databaseUrl", `postgresql://postgres.abcdefgh:S3cret@${prefix}.pooler.supabase.com:6543/postgres`);
            expect(verdict.problems).toEqual([]);
            expect(verdict.warnings).toHaveLength(1);
            expect(verdict.warnings[0]).toMatch(/transaction pooler \(port 6543\)/);
            expect(verdict.warnings[0]).toMatch(/Prisma/);
            expect(verdict.warnings[0]).toContain(`postgresql://postgres.abcdefgh:URL_ENCODED_PASSWORD@${prefix}.pooler.supabase.com:5432/postgres`);
            expect(verdict.warnings[0]).not.toContain("S3cret");
        },
    );

    it("points a Supabase direct host at the session pooler, port 5432", () => {
        const verdict = checkDatabaseUrl("databaseUrl", "postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres");
        expect(verdict.problems[0].problem).toMatch(/Supabase's direct host/);
        expect(verdict.problems[0].fix).toContain("postgresql://postgres.abcdefgh:URL_ENCODED_PASSWORD@aws-0-REGION.pooler.supabase.com:5432/postgres");
        expect(verdict.problems[0].fix).toMatch(/aws-1-REGION/);
        expect(verdict.problems[0].fix).not.toMatch(/6543/);
    });

    it.each([
        ["mysql://u:p@h:3306/d", /not a PostgreSQL URL/],
        ["postgresql://h:5432/d", /no user and password/],
        ["postgresql://u@h:5432/d", /needs both a user and a password/],
        ["postgresql://u:p@h:5432", /names no database/],
        ["postgresql://u:p@ss@h:5432/d", /must be URL-encoded/],
        ["postgresql://u:100%@h:5432/d", /must be URL-encoded/],
        ["postgresql://u:p ss@h:5432/d", /control character/],
        ["postgresql://u:p@h:5432/d\nX", /control character/],
        ["postgresql://u:p\u0000@h:5432/d", /control character/],
        ["postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres", /Supabase's direct host/],
    ])("rejects %j", (url, problem) => {
        const { problems } = checkDatabaseUrl("databaseUrl", url);
        expect(problems.map((p) => p.problem).join(" ")).toMatch(problem);
        expect(problems.every((p) => p.key === "databaseUrl")).toBe(true);
    });
});
