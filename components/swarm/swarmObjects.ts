/**
 * Swarm secrets and configs with content-derived names (see names.ts for why), and the labels every
 * object of this stack carries.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { contentHash, keyedHash, swarmObjectName } from "./names";

/** The label the policy pack and the tests recognise each object's role by. */
export const ROLE_LABEL = "aiterm-litellm.role";
/** On a secret: the environment variable (or file) it becomes; never its value. */
export const FILE_LABEL = "aiterm-litellm.file";

export type Labels = { label: string; value: pulumi.Input<string> }[];

export function roleLabels(role: string, extra: Record<string, pulumi.Input<string>> = {}): Labels {
    return [{ label: ROLE_LABEL, value: role }, ...Object.entries(extra).map(([label, value]) => ({ label, value }))];
}

/** A secret or config as a service references it. */
export interface SecretReference {
    secretId: pulumi.Output<string>;
    secretName: pulumi.Output<string>;
    fileName: string;
}

export interface ConfigReference {
    configId: pulumi.Output<string>;
    configName: pulumi.Output<string>;
    fileName: string;
}

export interface SwarmSecretArgs {
    /** The stack's Swarm name prefix (`litellm-swarm`). */
    prefix: string;
    /** What the secret is for, in its Swarm name (`litellm-master-key`). */
    role: string;
    /** The file it becomes under /run/secrets (for the proxy: the environment variable's name). */
    fileName: string;
    /** The value (secret). */
    value: pulumi.Input<string>;
    /** The stack's naming key (secret): the name is an HMAC of the value under it. */
    namingKey: pulumi.Input<string>;
}

/**
 * Replacement order of a content-named secret or config: the new object first, the old one deleted
 * at the end of `pulumi up`, once the services have rolled onto the new one. It must be said
 * explicitly: the Pulumi bridge deletes before it replaces whenever `name` is set by the program
 * (nameRequiresDeleteBeforeReplace in pulumi-terraform-bridge), and the engine refuses to remove a
 * secret or config a service still uses, so a rotation would fail with "in use".
 */
const CREATE_BEFORE_DELETE = { deleteBeforeReplace: false } as const;

/**
 * Options of every Swarm service of this stack. The provider's create asks the registry for the
 * image and writes the platforms it can run on into `taskSpec.placement.platforms` (the docker
 * client's QueryRegistry), which the program does not declare: without ignoring that path every
 * later `pulumi up` would update the service to remove them again. The image's platforms are the
 * right constraint for any architecture (declaring, say, amd64 here would break arm64 nodes).
 */
export const PROVIDER_SET_SERVICE_PATHS = ["taskSpec.placement.platforms"];

export function serviceOptions(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, ignoreChanges: [...PROVIDER_SET_SERVICE_PATHS, ...(opts.ignoreChanges ?? [])] };
}

/**
 * A Swarm secret whose name changes with its value, so that a new value is a new secret the
 * service rolls onto (create before delete: the old one goes once nothing uses it).
 */
export function swarmSecret(name: string, args: SwarmSecretArgs, opts: pulumi.CustomResourceOptions): { secret: docker.Secret; reference: SecretReference } {
    const value = pulumi.secret(args.value);
    // An HMAC under a random key says nothing about the value: the name need not be secret (and a
    // secret name would hide which secret a service uses from every preview).
    const dockerName = pulumi.unsecret(
        pulumi.all([args.namingKey, value]).apply(([key, plain]) => swarmObjectName(args.prefix, args.role, keyedHash(key, `${args.fileName}\n${plain}`))),
    );
    const secret = new docker.Secret(
        name,
        {
            name: dockerName,
            data: pulumi.secret(value.apply((plain) => Buffer.from(plain, "utf8").toString("base64"))),
            labels: roleLabels("secret", { [FILE_LABEL]: args.fileName }),
        },
        { ...opts, ...CREATE_BEFORE_DELETE, additionalSecretOutputs: ["data"] },
    );
    return { secret, reference: { secretId: secret.id, secretName: secret.name, fileName: args.fileName } };
}

export interface SwarmConfigArgs {
    prefix: string;
    role: string;
    /** Where the file is mounted (an absolute path). */
    fileName: string;
    /** The file's content; nothing confidential. */
    content: string;
}

/** A Swarm config named after a hash of its content. */
export function swarmConfig(name: string, args: SwarmConfigArgs, opts: pulumi.CustomResourceOptions): { config: docker.ServiceConfig; reference: ConfigReference } {
    const config = new docker.ServiceConfig(
        name,
        {
            name: swarmObjectName(args.prefix, args.role, contentHash(args.content)),
            data: Buffer.from(args.content, "utf8").toString("base64"),
            labels: roleLabels(args.role, { [FILE_LABEL]: args.fileName }),
        },
        { ...opts, ...CREATE_BEFORE_DELETE },
    );
    return { config, reference: { configId: config.id, configName: config.name, fileName: args.fileName } };
}

/** Who may read a secret file: its owner (the task's user), mode 0400 unless said otherwise. */
export interface SecretFileAccess {
    mode?: number;
    uid?: number;
    gid?: number;
}

/** A reference as the service's `secrets` input takes it. */
export function secretInput(reference: SecretReference, access: SecretFileAccess = {}): docker.types.input.ServiceTaskSpecContainerSpecSecret {
    return {
        secretId: reference.secretId,
        secretName: reference.secretName,
        fileName: reference.fileName,
        fileMode: access.mode ?? 0o400,
        fileUid: String(access.uid ?? 0),
        fileGid: String(access.gid ?? 0),
    };
}

export function configInput(reference: ConfigReference): docker.types.input.ServiceTaskSpecContainerSpecConfig {
    return { configId: reference.configId, configName: reference.configName, fileName: reference.fileName, fileMode: 0o444, fileUid: "0", fileGid: "0" };
}
