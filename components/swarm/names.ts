/**
 * Names of the Swarm objects: a prefix per stack, and content-derived names for secrets and
 * configs. Swarm cannot change a secret or config in place, and a name cannot be reused while the
 * object exists; a name derived from the content makes every change a new object that the service
 * is rolled onto, then the old one is removed. A secret's name comes from a keyed hash (HMAC with a
 * random key kept in the stack's state), never from a plain hash of the value: a short password
 * could be guessed back from its plain hash, which a name shows to anyone who can list secrets.
 */
import { createHash, createHmac } from "node:crypto";

/** Swarm's limit for secret and config names (swarmkit validateName). Service names are DNS labels: 63. */
export const SWARM_OBJECT_NAME_MAX = 64;
export const SWARM_SERVICE_NAME_MAX = 63;
/** Hex characters of a hash kept in a name: 64 bits, enough to never collide within one stack. */
export const NAME_HASH_LENGTH = 16;
const PREFIX_MAX = 24;

/** `litellm-<stack>` as a Swarm name prefix: lower case, `[a-z0-9-]`, at most 24 characters. */
export function swarmNamePrefix(stack: string): string {
    const slug = `litellm-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .slice(0, PREFIX_MAX)
        .replace(/-+$/, "");
    return slug;
}

/** SHA-256 of a non-confidential content (config.yaml, a script), as hex. */
export function contentHash(content: string): string {
    return createHash("sha256").update(content, "utf8").digest("hex");
}

/** HMAC-SHA-256 of a confidential value under the stack's naming key, as hex. */
export function keyedHash(namingKey: string, value: string): string {
    return createHmac("sha256", namingKey).update(value, "utf8").digest("hex");
}

/**
 * `<prefix>-<role>-<hash>`, cut to Swarm's limit: the hash part is kept whole (it is what makes the
 * name unique), the role is shortened if it must be.
 */
export function swarmObjectName(prefix: string, role: string, hash: string, max: number = SWARM_OBJECT_NAME_MAX): string {
    const hashPart = hash.slice(0, NAME_HASH_LENGTH);
    const roleSlug = role
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "");
    const room = max - prefix.length - hashPart.length - 2;
    if (room < 1) {
        throw new RangeError(`the name prefix ${JSON.stringify(prefix)} leaves no room for a role in a ${max}-character name`);
    }
    const rolePart = roleSlug.slice(0, room).replace(/-+$/, "");
    return `${prefix}-${rolePart}-${hashPart}`;
}

/** `<prefix>-<role>` for a service: a DNS label, so other services resolve it. */
export function swarmServiceName(prefix: string, role: string): string {
    const name = `${prefix}-${role}`;
    if (name.length > SWARM_SERVICE_NAME_MAX) {
        throw new RangeError(`the service name ${JSON.stringify(name)} is longer than ${SWARM_SERVICE_NAME_MAX} characters`);
    }
    return name;
}
