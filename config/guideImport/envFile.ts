/** A .env file as docker compose reads it: KEY=value lines, optional quotes, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
        if (!match) {
            continue;
        }
        let value = match[2];
        if (/^".*"$/.test(value) || /^'.*'$/.test(value)) {
            value = value.slice(1, -1);
        } else {
            value = value.replace(/\s+#.*$/, "");
        }
        values[match[1]] = value;
    }
    return values;
}
