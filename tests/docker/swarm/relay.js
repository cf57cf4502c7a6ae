// A byte relay between the test process and a network namespace the test made, for the Swarm
// node engines (tests/docker/swarmNodes.ts). A unix socket is the bridge: the filesystem is shared
// across network namespaces, so no traffic ever leaves loopback or the test's own namespaces.
//
//   node relay.js dial <unix socket>          run inside a namespace: each connection to the unix
//                                             socket starts with "host:port\n" and is then piped
//                                             to that address, as seen from the namespace
//   node relay.js listen <host:port> <unix>   run inside a namespace: each TCP connection to
//                                             host:port there is piped to the unix socket
// It prints "ready" once listening and runs until killed.
const net = require("node:net");
const fs = require("node:fs");
const [mode, first, second] = process.argv.slice(2);

function pipeBoth(a, b) {
    a.pipe(b);
    b.pipe(a);
    const close = () => {
        a.destroy();
        b.destroy();
    };
    a.on("error", close);
    b.on("error", close);
    a.on("close", close);
    b.on("close", close);
}

if (mode === "dial") {
    fs.rmSync(first, { force: true });
    net.createServer((client) => {
        let head = Buffer.alloc(0);
        const onData = (chunk) => {
            head = Buffer.concat([head, chunk]);
            const eol = head.indexOf(10);
            if (eol < 0) {
                if (head.length > 300) client.destroy();
                return;
            }
            client.removeListener("data", onData);
            client.pause();
            const target = head.subarray(0, eol).toString().trim();
            const rest = head.subarray(eol + 1);
            const colon = target.lastIndexOf(":");
            const port = Number(target.slice(colon + 1));
            if (colon < 1 || !Number.isInteger(port) || port < 1 || port > 65535) {
                client.destroy();
                return;
            }
            const upstream = net.connect({ host: target.slice(0, colon), port }, () => {
                if (rest.length > 0) upstream.write(rest);
                pipeBoth(client, upstream);
                client.resume();
            });
            upstream.on("error", () => client.destroy());
        };
        client.on("data", onData);
        client.on("error", () => undefined);
    }).listen(first, () => console.log("ready"));
} else if (mode === "listen") {
    const colon = first.lastIndexOf(":");
    net.createServer((client) => pipeBoth(client, net.connect(second)))
        .listen(Number(first.slice(colon + 1)), first.slice(0, colon), () => console.log("ready"));
} else {
    console.error("usage: relay.js dial <unix socket> | listen <host:port> <unix socket>");
    process.exit(2);
}
