// Loads a FHIR package and the packages its package.json depends on with
// fhir-package-loader (its registry from FPL_REGISTRY, its cache below
// HOME/.fhir/packages), then prints what was loaded as one JSON line:
//   node fpl-load.js NAME VERSION
// Exit status 1 when a package failed to load.
const { defaultPackageLoader, LoadStatus } = require('fhir-package-loader');

async function main() {
  const [name, version] = process.argv.slice(2);
  const log = (level, message) => console.error(`${level}: ${message}`);
  const loader = await defaultPackageLoader({ log });
  const out = { packages: {}, resources: {} };
  const load = async (n, v) => {
    const status = await loader.loadPackage(n, v);
    out.packages[`${n}#${v}`] = status;
    return status === LoadStatus.LOADED;
  };
  if (!(await load(name, version))) {
    console.log(JSON.stringify(out));
    process.exit(1);
  }
  const deps = loader.findPackageJSON(name, version).dependencies || {};
  let ok = true;
  for (const [dep, depVersion] of Object.entries(deps)) {
    ok = (await load(dep, depVersion)) && ok;
  }
  for (const info of loader.findResourceInfos('*')) {
    const key = `${info.packageName}#${info.packageVersion}`;
    out.resources[key] = (out.resources[key] || 0) + 1;
  }
  out.patient = loader.findResourceJSON('Patient', { type: ['Resource'] })?.url;
  console.log(JSON.stringify(out));
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
