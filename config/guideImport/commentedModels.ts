import { parse as parseYaml } from "yaml";
import { isObject, Json } from "./types";

/** Model entries commented out inside model_list, each with the comment line above it. */
export function commentedModels(configYaml: string): { entry: Json; heading: string }[] {
    const lines = configYaml.split(/\r?\n/);
    const found: { entry: Json; heading: string }[] = [];
    let inModelList = false;
    let run: string[] = [];
    const flush = () => {
        const start = run.findIndex((l) => /^\s*-\s+model_name\s*:/.test(l));
        if (start !== -1) {
            const heading = run.slice(0, start).join(" ").trim();
            const block = run.slice(start);
            const indent = /^\s*/.exec(block[0])?.[0].length ?? 0;
            try {
                const parsed = parseYaml(block.map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)?.[0].length ?? 0))).join("\n"), { version: "1.1" }) as unknown;
                if (Array.isArray(parsed)) {
                    parsed.filter(isObject).forEach((entry) => found.push({ entry, heading }));
                }
            } catch {
                // Commented-out text that is not YAML: not a model entry.
            }
        }
        run = [];
    };
    for (const line of lines) {
        if (/^[A-Za-z_]/.test(line)) {
            flush();
            inModelList = /^model_list\s*:/.test(line);
            continue;
        }
        if (!inModelList) {
            continue;
        }
        const comment = /^\s*#\s?(.*)$/.exec(line);
        if (comment) {
            run.push(comment[1]);
        } else {
            flush();
        }
    }
    flush();
    return found;
}
