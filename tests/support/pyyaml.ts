/**
 * PyYAML itself, the reader LiteLLM loads config.yaml with (a YAML 1.1 reader), run from Debian's
 * python3-yaml (`.ci/run` installs it). The `yaml` package's 1.1 mode is close but not the same:
 * it reads `1e-7` as a number where PyYAML reads a string.
 */
import { spawnSync } from "node:child_process";

const PYTHON = "/usr/bin/python3";

const LOADER = `
import json, math, sys, yaml
def plain(v):
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else "__pyyaml_key__:" + repr(k)): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"__pyyaml__": "float", "value": repr(v)}
    return {"__pyyaml__": type(v).__name__, "value": str(v)}
out = []
for text in json.load(sys.stdin):
    try:
        out.append({"ok": plain(yaml.safe_load(text))})
    except Exception as e:
        out.append({"error": f"{type(e).__name__}: {e}"})
json.dump(out, sys.stdout)
`;

export function pyyamlAvailable(): boolean {
    return spawnSync(PYTHON, ["-c", "import yaml"], { timeout: 10_000 }).status === 0;
}

/** Each document as PyYAML's safe_load reads it (non-JSON types tagged), in one Python process. */
export function loadWithPyYAML(documents: readonly string[]): ({ ok: unknown } | { error: string })[] {
    const result = spawnSync(PYTHON, ["-c", LOADER], { input: JSON.stringify(documents), encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`PyYAML could not be run: ${result.stderr || result.error?.message}`);
    }
    return JSON.parse(result.stdout) as ({ ok: unknown } | { error: string })[];
}
