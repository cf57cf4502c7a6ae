/**
 * Runs policies the way `pulumi preview --policy-pack policy` does, without the CLI: through
 * @pulumi/policy's own Analyze and Remediate handlers (the functions its gRPC server registers),
 * fed with requests built like the engine's. So the policies see exactly what they see under the
 * CLI: properties deserialized by the package, secrets unwrapped for validations and kept as
 * `Secret` markers for remediations, unknown values behind a proxy that throws, and enforcement
 * levels applied by the package.
 *
 * Resources are given in the engine's wire form: the inputs the mocks recorded, secrets still
 * wrapped (`{[specialSigKey]: specialSecretSig, value}`), unknowns as `unknownValue`.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type { EnforcementLevel, Policies } from "@pulumi/policy";

export const POLICY_DIR = path.resolve(__dirname, "../../policy");
export const PACK_NAME = "aiterm-litellm-guardrails";
const PACK_VERSION = "0.0.0-test";

// Load the server from where the pack's own `import "@pulumi/policy"` resolves (policy/node_modules
// after `npm ci --prefix policy`, else the project's), so its Secret and UnknownValueError classes
// are the ones the policies use. Its internals are not in the typings, hence the interfaces below.
const requireFromPack = createRequire(path.join(POLICY_DIR, "index.ts"));
const serverPath = requireFromPack.resolve("@pulumi/policy/server");
const requireFromServer = createRequire(serverPath);

interface Struct {
    toJavaScript(): Record<string, unknown>;
}
interface AnalyzerResourceOptionsMessage {
    setProtect(protect: boolean): void;
    setDeletebeforereplace(deleteBeforeReplace: boolean): void;
    setDeletebeforereplacedefined(defined: boolean): void;
    setParent(urn: string): void;
}
interface AnalyzeRequestMessage {
    setUrn(urn: string): void;
    setType(type: string): void;
    setName(name: string): void;
    setProperties(properties: Struct): void;
    setOptions(options: AnalyzerResourceOptionsMessage): void;
}
interface AnalyzeDiagnosticMessage {
    getPolicyname(): string;
    getMessage(): string;
    getEnforcementlevel(): number;
}
interface AnalyzeResponseMessage {
    getDiagnosticsList(): AnalyzeDiagnosticMessage[];
}
interface RemediationMessage {
    getPolicyname(): string;
    getProperties(): Struct | undefined;
    getDiagnostic(): string;
}
interface RemediateResponseMessage {
    getRemediationsList(): RemediationMessage[];
}
type RpcHandler<Response> = (call: { request: unknown }, callback: (error: unknown, response?: Response) => void) => Promise<void>;
interface PolicyServer {
    makeAnalyzeRpcFun(pack: string, version: string, level: EnforcementLevel, policies: Policies): RpcHandler<AnalyzeResponseMessage>;
    makeRemediateRpcFun(pack: string, version: string, level: EnforcementLevel, policies: Policies): RpcHandler<RemediateResponseMessage>;
}

const server = requireFromServer(serverPath) as PolicyServer;
const analyzerProto = requireFromServer("@pulumi/pulumi/proto/analyzer_pb") as {
    AnalyzeRequest: new () => AnalyzeRequestMessage;
    AnalyzerResourceOptions: new () => AnalyzerResourceOptionsMessage;
    EnforcementLevel: Record<string, number>;
};
const structProto = requireFromServer("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): Struct };
};

/** A resource as the engine describes it to an analyzer. */
export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    /** Inputs in wire form (secrets wrapped, unknowns as the sentinel). */
    inputs: Record<string, unknown>;
    parent?: string;
    deleteBeforeReplace?: boolean;
    protect?: boolean;
}

export interface Diagnostic {
    policy: string;
    message: string;
    enforcementLevel: string;
}

export interface Remediation {
    policy: string;
    /** The remediated inputs in wire form, secrets wrapped. */
    inputs?: Record<string, unknown>;
    diagnostic: string;
}

function analyzeRequest(resource: AnalyzedResource): AnalyzeRequestMessage {
    const options = new analyzerProto.AnalyzerResourceOptions();
    options.setProtect(resource.protect ?? false);
    if (resource.deleteBeforeReplace !== undefined) {
        options.setDeletebeforereplace(resource.deleteBeforeReplace);
        options.setDeletebeforereplacedefined(true);
    }
    if (resource.parent) {
        options.setParent(resource.parent);
    }
    const request = new analyzerProto.AnalyzeRequest();
    request.setUrn(resource.urn);
    request.setType(resource.type);
    request.setName(resource.name);
    // A JSON round trip drops `undefined`, which the wire format cannot carry either.
    request.setProperties(structProto.Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.inputs))));
    request.setOptions(options);
    return request;
}

function levelName(level: number): string {
    const entry = Object.entries(analyzerProto.EnforcementLevel).find(([, value]) => value === level);
    return entry ? entry[0].toLowerCase() : String(level);
}

function respond<Response>(handler: RpcHandler<Response>, request: AnalyzeRequestMessage): Promise<Response> {
    return new Promise((resolve, reject) => {
        void handler({ request }, (error, response) => (error ? reject(error) : resolve(response as Response)));
    });
}

/** The violations (and "can't run during preview" notes) the policies report for these resources. */
export async function analyze(policies: Policies, resources: AnalyzedResource[]): Promise<Diagnostic[]> {
    const handler = server.makeAnalyzeRpcFun(PACK_NAME, PACK_VERSION, "advisory", policies);
    const diagnostics: Diagnostic[] = [];
    for (const resource of resources) {
        const response = await respond(handler, analyzeRequest(resource));
        diagnostics.push(
            ...response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), message: d.getMessage(), enforcementLevel: levelName(d.getEnforcementlevel()) })),
        );
    }
    return diagnostics;
}

/** The remediations the policies make to one resource. */
export async function remediate(policies: Policies, resource: AnalyzedResource): Promise<Remediation[]> {
    const handler = server.makeRemediateRpcFun(PACK_NAME, PACK_VERSION, "advisory", policies);
    const response = await respond(handler, analyzeRequest(resource));
    return response.getRemediationsList().map((r) => ({ policy: r.getPolicyname(), inputs: r.getProperties()?.toJavaScript(), diagnostic: r.getDiagnostic() }));
}
