// jsonata-js side of the JSONata benchmark (run by run.sh under node, with the npm package
// `jsonata` installed next to this copy). Same protocol as bench_jsonata: compile once, check the
// first result against the expected one, evaluate repeatedly for about `seconds` per case, and
// print one JSON line per case.
'use strict';
const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const casesPath = process.argv[2];
const seconds = Number(process.argv[3] || 2);
const only = process.argv[4] || '';

function sameValue(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
  }
  return a === b;
}

async function main() {
  const base = path.dirname(casesPath);
  const { cases } = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
  for (const c of cases) {
    if (only && c.name !== only) continue;
    const source = fs.readFileSync(path.join(base, c.expr), 'utf8');
    const input = JSON.parse(fs.readFileSync(path.join(base, c.input), 'utf8'));
    const expected = JSON.parse(fs.readFileSync(path.join(base, c.expected), 'utf8'));
    const expr = jsonata(source);
    const first = await expr.evaluate(input);
    if (!sameValue(JSON.parse(JSON.stringify(first)), expected)) {
      console.log(JSON.stringify({ name: c.name, ok: false, evalsPerSecond: 0, evaluations: 0,
        problem: 'result differs from expected' }));
      continue;
    }
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(seconds * 1e9));
    let evaluations = 0;
    let now = start;
    do {
      for (let k = 0; k < 8; k++) await expr.evaluate(input);
      evaluations += 8;
      now = process.hrtime.bigint();
    } while (now < deadline);
    const elapsed = Number(now - start) / 1e9;
    console.log(JSON.stringify({ name: c.name, ok: true, evalsPerSecond: evaluations / elapsed,
      evaluations }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
