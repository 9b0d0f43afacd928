// Reads one Lighthouse JSON report (for scripts/lighthouse.sh) and prints one line:
// page, form factor, then the accessibility, best-practices and performance scores (0-100). Below
// target (100, 100, 95), it also prints the category's audits that scored below 1 (and, for
// performance, the main metrics) and exits 1.
// Usage: node lighthouse.mjs PAGE FORM_FACTOR REPORT.json
import { readFileSync } from 'node:fs';

const [page, formFactor, file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node lighthouse.mjs PAGE FORM_FACTOR REPORT.json');
  process.exit(2);
}
const lhr = JSON.parse(readFileSync(file, 'utf8'));
const targets = { accessibility: 100, 'best-practices': 100, performance: 95 };
// A category Lighthouse could not score (null) counts as 0.
const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
console.log(
  [page.padEnd(30), formFactor.padEnd(8), ...Object.keys(targets).map((id) => String(score(id)).padStart(14))].join(' '),
);

let below = false;
if (lhr.runtimeError) console.log(`    runtime error: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
for (const [id, target] of Object.entries(targets)) {
  if (score(id) >= target) continue;
  below = true;
  console.log(`    ${id} ${score(id)} < ${target}:`);
  if (id === 'performance') {
    const metrics = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time',
      'cumulative-layout-shift', 'speed-index'];
    console.log('      ' + metrics.map((m) => `${m} ${lhr.audits[m]?.displayValue ?? '?'}`).join(', '));
  }
  // Informative, manual and not-applicable audits carry no pass/fail score.
  for (const { id: auditId } of lhr.categories[id]?.auditRefs ?? []) {
    const audit = lhr.audits[auditId];
    if (!audit || audit.score === null || audit.score >= 1) continue;
    if (!['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode)) continue;
    const value = audit.displayValue ? ` (${audit.displayValue})` : '';
    console.log(`      ${auditId}: ${audit.title}${value}`);
  }
}
process.exit(below ? 1 : 0);
