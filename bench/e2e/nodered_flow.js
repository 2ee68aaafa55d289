// Writes the Node-RED side of the end-to-end benchmark: flows.json (HTTP in → function: the same
// checks and the same JSONata mapping → HTTP request to the sink → HTTP response) and settings.js.
//   node nodered_flow.js <out dir> <sink url> <invoice_to_canonical.jsonata>
const fs = require('fs');
const path = require('path');
const [outDir, sinkUrl, exprFile] = process.argv.slice(2);

// The validate step: the fields the engine's schema requires, checked before mapping.
const mapFunction = `
const p = msg.payload;
const o = p && p.data && p.data.object;
if (typeof p !== 'object' || typeof p.id !== 'string' || typeof p.type !== 'string'
    || !o || typeof o.id !== 'string' || typeof o.number !== 'string'
    || typeof o.currency !== 'string' || !o.lines || !Array.isArray(o.lines.data)) {
    msg.statusCode = 400;
    msg.payload = { error: 'invalid invoice event' };
    return [null, msg];
}
let compiled = context.get('expr');
if (!compiled) {
    compiled = global.get('jsonata')(global.get('invoiceExpr'));
    context.set('expr', compiled);
}
compiled.evaluate(p).then((canonical) => {
    msg.payload = { canonical: canonical };
    msg.headers = { 'Content-Type': 'application/json', 'Idempotency-Key': canonical.idempotencyKey };
    node.send([msg, null]);
}).catch((e) => { msg.statusCode = 500; msg.payload = { error: String(e) }; node.send([null, msg]); });
return null;`;

const ackFunction = `
const ok = msg.statusCode >= 200 && msg.statusCode < 300;
msg.headers = {};
msg.statusCode = ok ? 202 : 502;
msg.payload = { delivered: ok };
return msg;`;

// Ids are unlike any property value: Node-RED takes a value equal to a node id for a reference.
const flows = [
    { id: 'e2e0000000000001', type: 'tab', label: 'e2e benchmark' },
    { id: 'e2e0000000000002', type: 'http in', z: 'e2e0000000000001', url: '/hooks/invoices', method: 'post',
      upload: false, wires: [['e2e0000000000003']] },
    { id: 'e2e0000000000003', type: 'function', z: 'e2e0000000000001', name: 'validate + map', func: mapFunction,
      outputs: 2, wires: [['e2e0000000000004'], ['e2e0000000000006']] },
    { id: 'e2e0000000000004', type: 'http request', z: 'e2e0000000000001', method: 'POST', ret: 'txt',
      paytoqs: 'ignore', url: sinkUrl, tls: '', persist: true, wires: [['e2e0000000000005']] },
    { id: 'e2e0000000000005', type: 'function', z: 'e2e0000000000001', name: 'ack', func: ackFunction, outputs: 1,
      wires: [['e2e0000000000006']] },
    { id: 'e2e0000000000006', type: 'http response', z: 'e2e0000000000001', wires: [] },
];
fs.writeFileSync(path.join(outDir, 'flows.json'), JSON.stringify(flows, null, 2));

const settings = `module.exports = {
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: '/red',
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    functionGlobalContext: {
        jsonata: require(${JSON.stringify(path.join(outDir, 'node_modules', 'jsonata'))}),
        invoiceExpr: require('fs').readFileSync(${JSON.stringify(exprFile)}, 'utf8'),
    },
    editorTheme: { tours: false },
};
`;
fs.writeFileSync(path.join(outDir, 'settings.js'), settings);
