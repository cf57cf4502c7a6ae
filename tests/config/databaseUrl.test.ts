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
        expect(checkDatabaseUrl("databaseUrl", url)).toEqual([]);
    });

    it("accepts the Supabase pooler and other hosts", () => {
        expect(checkDatabaseUrl("databaseUrl", "postgresql://postgres.abcdefgh:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres")).toEqual([]);
        expect(checkDatabaseUrl("databaseUrl", "postgres://u:p%40ss@ep-x.neon.tech/neondb?sslmode=require")).toEqual([]);
    });

    it.each([
        ["mysql://u:p@h:3306/d", /not a PostgreSQL URL/],
        ["postgresql://h:5432/d", /no user and password/],
        ["postgresql://u@h:5432/d", /needs both a user and a password/],
        ["postgresql://u:p@h:5432", /names no database/],
        ["postgresql://u:p@ss@h:5432/d", /must be URL-encoded/],
        ["postgresql://u:p ss@h:5432/d", /must be URL-encoded/],
        ["postgresql://u:100%@h:5432/d", /must be URL-encoded/],
        ["postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres", /Supabase's direct host/],
    ])("rejects %s", (url, problem) => {
        const problems = checkDatabaseUrl("databaseUrl", url);
        expect(problems.map((p) => p.problem).join(" ")).toMatch(problem);
        expect(problems.every((p) => p.key === "databaseUrl")).toBe(true);
    });
});
