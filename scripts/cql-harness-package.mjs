// Wraps the .cql files of a folder as a FHIR package of Library resources,
// for scripts/cql-harness.sh: node cql-harness-package.mjs CQL_DIR OUT_DIR.
// Each library gets the url the cql-tests-runner asks Library/$evaluate
// for (https://hl7.org/fhir/uv/cql/Library/NAME) and the version of its
// library declaration.
import fs from 'node:fs';
import path from 'node:path';

const [cqlDir, outDir] = process.argv.slice(2);
const declaration = /^library\s+("[^"]+"|[A-Za-z_][A-Za-z0-9_.]*)(?:\s+version\s+'([^']*)')?/m;
fs.writeFileSync(
	path.join(outDir, 'package.json'),
	JSON.stringify({ name: 'ccg.cql-tests', version: '1.0.0', fhirVersions: ['4.0.1'], dependencies: {} }, null, 2)
);
for (const file of fs.readdirSync(cqlDir).filter((f) => f.endsWith('.cql')).sort()) {
	const src = fs.readFileSync(path.join(cqlDir, file), 'utf8');
	const m = declaration.exec(src);
	if (m === null) throw new Error(`${file}: no library declaration`);
	const name = m[1].replace(/^"|"$/g, '');
	const library = {
		resourceType: 'Library',
		id: name.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64),
		url: `https://hl7.org/fhir/uv/cql/Library/${name}`,
		name,
		...(m[2] !== undefined ? { version: m[2] } : {}),
		status: 'active',
		type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/library-type', code: 'logic-library' }] },
		content: [{ contentType: 'text/cql', data: Buffer.from(src, 'utf8').toString('base64') }],
	};
	fs.writeFileSync(path.join(outDir, `Library-${library.id}.json`), JSON.stringify(library, null, 2));
}
