// Reads the Lighthouse JSON reports of one page and form factor (for scripts/lighthouse.sh) and
// judges the run with the median performance score: one line with the page, the form factor,
// its accessibility, best-practices and performance scores (0-100) and every run's performance.
// Below target (100, 100, 95), it also prints the category's audits that scored below 1 (and,
// for performance, the main metrics) and exits 1.
// Usage: node lighthouse.mjs PAGE FORM_FACTOR REPORT.json...
import { readFileSync } from 'node:fs';

const [page, formFactor, ...files] = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node lighthouse.mjs PAGE FORM_FACTOR REPORT.json...');
  process.exit(2);
}
// A category Lighthouse could not score (null) counts as 0.
const scoreOf = (report, id) => Math.round((report.categories[id]?.score ?? 0) * 100);
const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const byPerformance = [...reports].sort((a, b) => scoreOf(a, 'performance') - scoreOf(b, 'performance'));
const lhr = byPerformance[Math.floor((byPerformance.length - 1) / 2)];
const targets = { accessibility: 100, 'best-practices': 100, performance: 95 };
const score = (id) => scoreOf(lhr, id);
const every = reports.map((r) => scoreOf(r, 'performance')).join(' ');
console.log(
  [page.padEnd(30), formFactor.padEnd(8), ...Object.keys(targets).map((id) => String(score(id)).padStart(14)),
    ` (${every})`].join(' '),
);
// Accessibility and best practices must hold in every run, not only the median one.
for (const r of reports) {
  for (const id of ['accessibility', 'best-practices']) {
    if (scoreOf(r, id) < targets[id]) console.log(`    one run: ${id} ${scoreOf(r, id)} < ${targets[id]}`);
  }
}
const weakRun = reports.some((r) => ['accessibility', 'best-practices'].some((id) => scoreOf(r, id) < targets[id]));

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
process.exit(below || weakRun ? 1 : 0);
