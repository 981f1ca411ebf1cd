// A static file server for the end-to-end test: `node serve.js <dir> <host> <port>`. Prints "listening <port>" once it
// accepts connections (port 0 picks a free one). Plain JavaScript, so it starts inside a network namespace without ts-node.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { URL } = require("url");

const [dir, host, port] = process.argv.slice(2);
const root = path.resolve(dir);
const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
    }
    res.writeHead(200, { "Content-Length": fs.statSync(file).size });
    if (req.method === "HEAD") res.end();
    else fs.createReadStream(file).pipe(res);
});
server.listen(Number(port), host, () => console.log(`listening ${server.address().port}`));
