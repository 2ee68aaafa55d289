// Posts exactly N invoice events (each with its own event id) to a webhook URL with C connections
// at once and prints how many were accepted (2xx) and how many refused.
//   node fill.js <url> <invoice_event.json> <N> <C> <tag>
const http = require('http');
const fs = require('fs');
const [url, file, total, concurrency, tag] = process.argv.slice(2);
const body = fs.readFileSync(file, 'utf8');
const match = body.match(/"id":"[^"]*"/);
const head = body.slice(0, match.index) + `"id":"evt_${tag}_`;
const tail = '"' + body.slice(match.index + match[0].length);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
let next = 0, accepted = 0, refused = 0, running = 0;
const again = []; // ids refused (503 back pressure) to send once more
let finished = false;
function send() {
    if (next >= Number(total) && again.length === 0) {
        if (running === 0 && !finished) {
            finished = true;
            console.log(JSON.stringify({ accepted, refused }));
            agent.destroy();
        }
        return;
    }
    const id = again.length ? again.pop() : next++;
    const data = head + id + tail;
    running++;
    const req = http.request(url, { method: 'POST', agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
        (res) => {
            res.resume();
            res.on('end', () => {
                if (res.statusCode >= 200 && res.statusCode < 300) accepted++;
                else { refused++; again.push(id); }
                running--;
                setTimeout(send, res.statusCode === 503 ? 200 : 0);
            });
        });
    req.on('error', () => { running--; refused++; again.push(id); setTimeout(send, 100); });
    req.end(data);
}
for (let i = 0; i < Number(concurrency); i++) send();
