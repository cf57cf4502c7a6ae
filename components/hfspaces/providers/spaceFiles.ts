import * as pulumi from "@pulumi/pulumi";
import { isHubError } from "../hub";
import { changedFiles, digestOf, gitBlobSha1 } from "../spaceFiles";
import { clientForExistingSpace, connectionChanged, GONE, HubConnectionInputs, hubClientFor } from "./hubConnection";

export interface SpaceFilesInputs extends HubConnectionInputs {
    resourceKind: "HuggingFaceSpaceFiles";
    spaceId: string;
    /** File content by path in the repository (Dockerfile, config.yaml, README.md). */
    files: Record<string, string>;
}

export interface SpaceFilesOutputs extends SpaceFilesInputs {
    /** Git blob SHA-1 of each managed file as the Space holds it ("" when missing). */
    fileOids: Record<string, string>;
    /** Changes exactly when the content of a managed file changes. */
    revision: string;
}

function desiredOids(files: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.keys(files).map((path) => [path, gitBlobSha1(files[path])]));
}

/**
 * Brings the Space's files to the desired content with at most one commit: files whose blob
 * SHA-1 already matches are not committed (every commit rebuilds the Space). The commit names
 * the HEAD it was computed against (`parentCommit`); when HEAD moved meanwhile (HTTP 412) the
 * comparison is made again once against the new HEAD.
 */
async function syncFiles(inputs: SpaceFilesInputs): Promise<SpaceFilesOutputs> {
    const hub = hubClientFor(inputs);
    for (let attempt = 1; ; attempt++) {
        const info = await hub.spaceInfo(inputs.spaceId);
        if (!info) {
            throw new Error(`Space ${inputs.spaceId} does not exist (any more); run \`pulumi refresh\`, then \`pulumi up\` to create it again.`);
        }
        const remote = await hub.fileOids(inputs.spaceId);
        const changed = changedFiles(inputs.files, remote);
        if (changed.length > 0) {
            try {
                await hub.commitFiles(
                    inputs.spaceId,
                    Object.fromEntries(changed.map((path) => [path, inputs.files[path]])),
                    info.sha,
                    `Update ${changed.join(", ")} (pulumi up)`,
                );
            } catch (error) {
                if (isHubError(error, 412) && attempt === 1) {
                    continue;
                }
                throw error;
            }
        }
        const fileOids = desiredOids(inputs.files);
        return { ...inputs, fileOids, revision: digestOf(fileOids) };
    }
}

export const spaceFilesProvider: pulumi.dynamic.ResourceProvider<SpaceFilesInputs, SpaceFilesOutputs> = {
    async diff(_id, olds, news) {
        const replaces = olds.spaceId !== news.spaceId || olds.hfEndpoint !== news.hfEndpoint ? ["spaceId"] : [];
        const wanted = desiredOids(news.files);
        const paths = new Set([...Object.keys(wanted), ...Object.keys(olds.fileOids ?? {})]);
        const contentChanged = [...paths].some((path) => wanted[path] !== olds.fileOids?.[path]);
        return { changes: replaces.length > 0 || contentChanged || connectionChanged(olds, news), replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
        const outs = await syncFiles(inputs);
        return { id: `${inputs.spaceId}/files`, outs };
    },

    async update(_id, _olds, news) {
        return { outs: await syncFiles(news) };
    },

    /** Sees files edited or deleted on the Hub: their oids then differ and the next up commits them. */
    async read(id, props) {
        const hub = await clientForExistingSpace(props);
        if (!hub || !props) {
            return GONE;
        }
        const remote = await hub.fileOids(props.spaceId);
        const fileOids = Object.fromEntries(Object.keys(props.files).map((path) => [path, remote[path] ?? ""]));
        return { id, props: { ...props, fileOids, revision: digestOf(fileOids) } };
    },

    // The files go with the Space; in a Space that is kept (adopted), removing the Dockerfile
    // would only leave it broken, so nothing is deleted here.
    async delete() {},
};

export interface SpaceFilesArgs {
    hfEndpoint: pulumi.Input<string>;
    token: pulumi.Input<string>;
    spaceId: pulumi.Input<string>;
    /** File content by repository path. */
    files: pulumi.Input<Record<string, pulumi.Input<string>>>;
    requestTimeoutSeconds?: pulumi.Input<number>;
}

export class SpaceFiles extends pulumi.dynamic.Resource {
    declare readonly revision: pulumi.Output<string>;
    declare readonly fileOids: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: SpaceFilesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            spaceFilesProvider,
            name,
            { resourceKind: "HuggingFaceSpaceFiles", revision: undefined, fileOids: undefined, ...args },
            { ...opts, additionalSecretOutputs: ["token"] },
        );
    }
}
