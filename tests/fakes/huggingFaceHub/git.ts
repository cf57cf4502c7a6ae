/**
 * Git object ids as the Hub reports them: blob SHA-1s (a file's `oid` and ETag), tree SHA-1s
 * for the tree listing, and the commit hashing helpers.
 */
import { createHash } from "node:crypto";

export function sha1Hex(data: Buffer | string): string {
  return createHash("sha1").update(data).digest("hex");
}

export function gitObjectSha1(type: "blob" | "tree" | "commit", content: Buffer): string {
  return sha1Hex(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]));
}

/** The git blob SHA-1 the Hub reports as a regular file's `oid` and ETag. */
export function gitBlobSha1(content: Buffer | string): string {
  return gitObjectSha1("blob", typeof content === "string" ? Buffer.from(content, "utf8") : content);
}

interface GitTreeItem {
  name: string;
  isDirectory: boolean;
  oid: string;
}

function gitTreeSha1(items: GitTreeItem[]): string {
  // Git orders tree entries bytewise, comparing a directory as if its name ended with "/".
  const sortKey = (item: GitTreeItem): Buffer => Buffer.from(item.isDirectory ? `${item.name}/` : item.name);
  const sorted = [...items].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  const content = Buffer.concat(
    sorted.map((item) =>
      Buffer.concat([Buffer.from(`${item.isDirectory ? "40000" : "100644"} ${item.name}\0`), Buffer.from(item.oid, "hex")]),
    ),
  );
  return gitObjectSha1("tree", content);
}

export interface TreeEntry {
  type: "file" | "directory";
  path: string;
  oid: string;
  size: number;
}

/** Every file and directory of a tree, by path; the root directory is under "". */
export function indexTree(files: ReadonlyMap<string, Buffer>): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const childrenByDirectory = new Map<string, Set<string>>([["", new Set()]]);
  for (const [path, content] of files) {
    entries.set(path, { type: "file", path, oid: gitBlobSha1(content), size: content.length });
    let child = path;
    for (;;) {
      const slash = child.lastIndexOf("/");
      const parent = slash === -1 ? "" : child.slice(0, slash);
      const siblings = childrenByDirectory.get(parent) ?? new Set<string>();
      siblings.add(child);
      childrenByDirectory.set(parent, siblings);
      if (parent === "") break;
      child = parent;
    }
  }
  const hashDirectory = (directory: string): string => {
    const items = [...(childrenByDirectory.get(directory) ?? [])].map((childPath): GitTreeItem => {
      const name = directory === "" ? childPath : childPath.slice(directory.length + 1);
      const file = files.has(childPath) ? entries.get(childPath) : undefined;
      if (file) return { name, isDirectory: false, oid: file.oid };
      const oid = hashDirectory(childPath);
      entries.set(childPath, { type: "directory", path: childPath, oid, size: 0 });
      return { name, isDirectory: true, oid };
    });
    return gitTreeSha1(items);
  };
  entries.set("", { type: "directory", path: "", oid: hashDirectory(""), size: 0 });
  return entries;
}
