// The in-page layout check of layout.spec.ts (inspectLayout, run by page.evaluate) and how its findings are printed.

/** Card-like boxes (style/main.css): what is inside one must stay inside it. */
export const CARDS = [
  '.card', '.list', '.panel', '.refusal', '.history-page', '.history-event', '.verify', '.connect',
  'article.inbox', 'fieldset', '.locked', '.confirm-body', '.warnings', '.toast', '.status.ok',
  '.status.error', '.form-error', '.conflict', '.verdict', '.inbox-failure',
].join(', ');
/** Tables whose rows' actions are checked by (c). */
export const ACTION_TABLES = 'table[aria-label="Email domains"]';
/** The least visible space between two actions of a domain row. */
export const MIN_GAP = 4;

// ---- The check, run in the page ------------------------------------------------------------------

export type LayoutArgs = { cards: string; actionTables: string; minGap: number };
export type Finding = { check: 'a' | 'b' | 'c'; excess: number; count: number; detail: string };
export type LayoutReport = { findings: Finding[]; scrollers: string[]; elements: number; texts: number; actionRows: number };

/**
 * Everything that spills in the page as laid out now, grouped (one entry per kind of element and
 * box, with how many and by how much at most). Synchronous DOM reads only: it runs with page
 * JavaScript disabled too.
 *
 * Passed to `page.evaluate`, which sends its source text to the page: it must stay self-contained
 * (nothing from this module but types; what it needs comes in `LayoutArgs`).
 */
export function inspectLayout({ cards, actionTables, minGap }: LayoutArgs): LayoutReport {
  const root = document.documentElement;
  window.scrollTo({ left: 0, top: 0, behavior: 'instant' });
  const vw = root.clientWidth; // without a vertical scrollbar
  const px = (n: number) => `${Math.round(n * 10) / 10}px`;
  const snippet = (s: string | null | undefined, n = 60) => {
    const t = (s ?? '').replace(/\s+/g, ' ').trim();
    return t.length > n ? `${t.slice(0, n - 1)}…` : t;
  };
  /** tag.class.class: the grouping key of an element. */
  const kind = (el: Element | null): string =>
    el ? el.tagName.toLowerCase() + Array.from(el.classList).slice(0, 3).map((c) => `.${c}`).join('') : 'viewport';
  const name = (el: Element): string => {
    const label = el.getAttribute('aria-label');
    return `<${kind(el)}${el.id ? `#${el.id}` : ''}${label ? ` aria-label="${snippet(label, 40)}"` : ''}>`;
  };
  const describe = (el: Element): string => {
    const text = snippet(el.textContent);
    return text ? `${name(el)} "${text}"` : name(el);
  };

  const groups = new Map<string, Finding>();
  const add = (check: Finding['check'], key: string, excess: number, detail: () => string) => {
    const g = groups.get(`${check}|${key}`);
    if (g) {
      g.count++;
      g.excess = Math.max(g.excess, excess);
    } else {
      groups.set(`${check}|${key}`, { check, excess, count: 1, detail: detail() });
    }
  };

  // (a) The page itself.
  if (root.scrollWidth > vw) {
    add('a', 'document', root.scrollWidth - vw, () =>
      `the page scrolls sideways: the document is ${root.scrollWidth}px wide in a ${vw}px viewport ` +
      `(window.innerWidth ${window.innerWidth}px): ${root.scrollWidth - vw}px too wide`);
  }

  // (b) Every element and text against its card, or the viewport outside cards.
  const shown = new Map<Element, boolean>();
  const visible = (el: Element): boolean => {
    const known = shown.get(el);
    if (known !== undefined) return known;
    let v = typeof el.checkVisibility === 'function'
      ? el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })
      : el.getClientRects().length > 0;
    // The content of a closed <details> (not its summary).
    for (let d = el.parentElement?.closest('details'); v && d; d = d.parentElement?.closest('details')) {
      if (!(d as HTMLDetailsElement).open && !d.querySelector(':scope > summary')?.contains(el)) v = false;
    }
    shown.set(el, v);
    return v;
  };
  type Bound = { el: Element | null; left: number; right: number } | null;
  const viewport: Bound = { el: null, left: 0, right: vw };
  const bounds = new Map<Element, Bound>();
  /** The box that `a` and what is inside it must stay within; null: clipped or scrolled by `a`. */
  const boundFrom = (a: Element | null): Bound => {
    if (!a || a === document.body || a === root) return viewport;
    const known = bounds.get(a);
    if (known !== undefined) return known;
    let b: Bound;
    if (a.matches(cards)) {
      const r = a.getBoundingClientRect();
      b = { el: a, left: r.left, right: r.right };
    } else if (getComputedStyle(a).overflowX !== 'visible') {
      b = null;
    } else {
      b = boundFrom(a.parentElement);
    }
    bounds.set(a, b);
    return b;
  };
  const judge = (what: string, key: string, left: number, right: number, b: NonNullable<Bound>, text: () => string) => {
    const box = b.el ? `its box ${kind(b.el)}` : 'the viewport';
    if (right > b.right + 1) {
      add('b', `${key} > ${kind(b.el)}`, right - b.right, () =>
        `${what} ${text()} ends ${px(right - b.right)} past the right edge of ${box} (${px(right)} > ${px(b.right)})`);
    }
    if (left < b.left - 1) {
      add('b', `${key} < ${kind(b.el)}`, b.left - left, () =>
        `${what} ${text()} starts ${px(b.left - left)} before the left edge of ${box} (${px(left)} < ${px(b.left)})`);
    }
  };
  const NOT_LAID_OUT = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'TITLE', 'OPTION', 'OPTGROUP', 'DATALIST', 'BR', 'WBR']);
  let elements = 0;
  const scrollers: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    if (NOT_LAID_OUT.has(el.tagName) || el.parentElement?.closest('select, textarea') || !visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 && r.height <= 1) continue; // .visually-hidden and empty boxes
    const style = getComputedStyle(el);
    if (style.position !== 'static' && style.position !== 'relative' && r.right <= 0) continue; // parked off-screen for screen readers
    if ((style.overflowX === 'auto' || style.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      scrollers.push(`${describe(el).slice(0, 90)} scrolls sideways by ${el.scrollWidth - el.clientWidth}px`);
      // A scroller wrapping a shown card hides a spill instead of fixing it; a box inside a table
      // row (an open confirmation) scrolls with its table, and a closed <details> hides its own.
      const card = Array.from(el.querySelectorAll(cards)).find((c) => {
        const table = c.closest('table');
        return visible(c) && !(table && el.contains(table));
      });
      if (card) {
        add('b', `card in scroller ${kind(el)}`, el.scrollWidth - el.clientWidth, () =>
          `${name(card)} sits in ${name(el)}, which scrolls sideways by ${el.scrollWidth - el.clientWidth}px: only tables may scroll inside a card`);
      }
    }
    const b = style.position === 'fixed' ? viewport : boundFrom(el.parentElement);
    if (!b) continue;
    elements++;
    judge('element', kind(el), r.left, r.right, b, () => describe(el));
  }
  let texts = 0;
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n as Text;
    const p = t.parentElement;
    if (!p || !/\S/.test(t.data) || NOT_LAID_OUT.has(p.tagName) || p.closest('select, textarea') || !visible(p)) continue;
    const b = getComputedStyle(p).position === 'fixed' ? viewport : boundFrom(p);
    if (!b) continue;
    range.selectNodeContents(t);
    let left = Infinity;
    let right = -Infinity;
    for (const q of Array.from(range.getClientRects())) {
      if (q.width === 0 && q.height === 0) continue;
      left = Math.min(left, q.left);
      right = Math.max(right, q.right);
    }
    if (right === -Infinity) continue;
    texts++;
    judge('text', `text in ${kind(p)}`, left, right, b, () => `"${snippet(t.data)}" in ${name(p)}`);
  }

  // (c) The actions of each domain row: apart from each other, and each one reachable.
  let actionRows = 0;
  const label = (el: Element) => snippet((el as HTMLElement).innerText || el.getAttribute('aria-label') || el.textContent, 30);
  for (const table of Array.from(document.querySelectorAll(actionTables))) {
    if (!visible(table)) continue;
    for (const row of Array.from(table.querySelectorAll('tbody tr'))) {
      if (!visible(row)) continue;
      actionRows++;
      const rowName = snippet(row.querySelector('th, td')?.textContent, 45);
      const cell = row.querySelector('td.actions') ?? row.lastElementChild;
      const actions = cell ? Array.from(cell.querySelectorAll('a[href], button')).filter(visible) : [];
      if (actions.length === 0) {
        add('c', 'no actions', 0, () => `row "${rowName}": no visible link or button in its actions cell`);
        continue;
      }
      for (let i = 0; i < actions.length; i++) {
        for (let j = i + 1; j < actions.length; j++) {
          let apart = Infinity;
          for (const p of Array.from(actions[i].getClientRects())) {
            for (const q of Array.from(actions[j].getClientRects())) {
              if (p.width === 0 || q.width === 0) continue;
              const gapX = Math.max(q.left - p.right, p.left - q.right);
              const gapY = Math.max(q.top - p.bottom, p.top - q.bottom);
              apart = Math.min(apart, Math.max(gapX, gapY));
            }
          }
          if (apart < minGap) {
            const [a, b] = [label(actions[i]), label(actions[j])];
            add('c', `gap ${a} | ${b}`, minGap - apart, () => apart < 0
              ? `row "${rowName}": "${a}" and "${b}" overlap by ${px(-apart)}`
              : `row "${rowName}": only ${px(apart)} between "${a}" and "${b}" (want at least ${minGap}px)`);
          }
        }
      }
      for (const action of actions) {
        // From the left edge each time: does showing this action need a sideways scroll?
        window.scrollTo({ left: 0, top: window.scrollY, behavior: 'instant' });
        action.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
        const q = action.getBoundingClientRect();
        const why: string[] = [];
        if (window.scrollX !== 0) why.push(`the page has to scroll ${px(window.scrollX)} sideways to show it`);
        if (q.left < -1 || q.right > vw + 1) why.push(`it spans ${px(q.left)} to ${px(q.right)} of a ${vw}px viewport`);
        const f = action.getClientRects()[0];
        if (f) {
          const x = Math.min(Math.max(f.left + f.width / 2, 0), vw - 1);
          const y = Math.min(Math.max(f.top + f.height / 2, 0), window.innerHeight - 1);
          const hit = document.elementFromPoint(x, y);
          if (!hit || !(hit === action || action.contains(hit))) why.push(`its centre is covered by ${hit ? name(hit) : 'nothing'}`);
        }
        if (why.length > 0) {
          add('c', `reach ${label(action)} ${why.map((w) => w.split(' ')[1]).join(',')}`, 0, () =>
            `row "${rowName}": "${label(action)}" is not reachable: ${why.join('; ')}`);
        }
      }
    }
  }
  window.scrollTo({ left: 0, top: 0, behavior: 'instant' });

  const findings = Array.from(groups.values()).sort((x, y) => x.check.localeCompare(y.check) || y.excess - x.excess);
  return { findings, scrollers, elements, texts, actionRows };
}

export function formatFindings(findings: Finding[]): string {
  return findings
    .map((f) => `  [${f.check}] ${f.count > 1 ? `×${f.count} (up to ${Math.round(f.excess)}px) e.g. ` : ''}${f.detail}`)
    .join('\n');
}
