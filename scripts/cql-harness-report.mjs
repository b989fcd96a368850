// Reads the cql-tests-runner results of scripts/cql-harness.sh, prints the
// pass counts and every failure grouped by category, and exits 1 when a
// run passes fewer tests than the floor file demands.
//
//   node cql-harness-report.mjs FLOOR_FILE NAME RESULTS_DIR [NAME RESULTS_DIR ...]
//
// The floor file has lines "NAME COUNT" (# starts a comment).
import fs from 'node:fs';
import path from 'node:path';

const [floorFile, ...runs] = process.argv.slice(2);
const floors = new Map();
for (const line of fs.readFileSync(floorFile, 'utf8').split('\n')) {
	const t = line.replace(/#.*/, '').trim();
	if (t === '') continue;
	const [name, n] = t.split(/\s+/);
	floors.set(name, Number(n));
}

// category names a failure by what went wrong.
function category(r) {
	if (r.testStatus === 'error') return 'runner error';
	// The results file holds the actual value as text: CQL for values,
	// JSON for answers the runner could not read as one.
	const a = typeof r.actual === 'string' ? r.actual : JSON.stringify(r.actual ?? null);
	const e = (r.expected ?? '').trim();
	if (a.startsWith('{"resourceType":"OperationOutcome"')) return 'answered with an error';
	if (!e.startsWith('Tuple') && (a.startsWith('{"return":') || a.startsWith(`{"${r.groupName}.${r.testName}":`))) {
		return 'an output parameter besides the result (_messages)';
	}
	if (e.startsWith('{') && !a.startsWith('{')) return 'a one-element list read as its element';
	if (e === 'null') return 'null';
	if (/^Interval\s*[[(]/.test(e)) return 'interval';
	if (e.startsWith('{')) return 'list';
	if (e.startsWith('Tuple')) return 'tuple';
	if (/^-?\d+L$/.test(e)) return 'long';
	if (e.startsWith('@')) return 'date/time';
	return 'other';
}

let failed = false;
for (let i = 0; i + 1 < runs.length; i += 2) {
	const [name, dir] = [runs[i], runs[i + 1]];
	const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
	if (files.length === 0) throw new Error(`${dir}: no results file`);
	const results = JSON.parse(fs.readFileSync(path.join(dir, files[files.length - 1]), 'utf8')).results;
	const count = (s) => results.filter((r) => r.testStatus === s).length;
	const pass = count('pass');
	const floor = floors.get(name) ?? 0;
	console.log(`${name}: ${pass} of ${results.length} pass (${count('fail')} fail, ${count('error')} error, ${count('skip')} skip); floor ${floor}`);
	const byCat = new Map();
	for (const r of results.filter((r) => r.testStatus === 'fail' || r.testStatus === 'error')) {
		const c = category(r);
		if (!byCat.has(c)) byCat.set(c, []);
		byCat.get(c).push(r);
	}
	for (const [c, rs] of [...byCat].sort((a, b) => b[1].length - a[1].length)) {
		console.log(`  ${c}: ${rs.length}`);
		for (const r of rs) {
			const actual = typeof r.actual === 'string' ? r.actual : JSON.stringify(r.actual);
			console.log(`    ${r.testsName}/${r.groupName}/${r.testName}: expected ${r.expected ?? '(error)'}, got ${String(actual).slice(0, 160)}`);
		}
	}
	if (pass < floor) {
		console.log(`${name}: FAIL: ${pass} < floor ${floor}`);
		failed = true;
	}
}
process.exit(failed ? 1 : 0);
