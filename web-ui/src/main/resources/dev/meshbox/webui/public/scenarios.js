// Scenarios: the built-in and user scenario files, runs with live progress, each expectation's result and the
// observed split against the expected one with its tolerance band. Also renders lesson runs (workshop.js).
'use strict';
(() => {
  let current = null;

  async function list() {
    const [scenarios, runs] = await Promise.all([MB.get('/api/scenarios'), MB.get('/api/runs')]);
    const box = MB.clear(document.getElementById('scenario-list'));
    document.getElementById('scenario-dir').textContent = MB.mesh && MB.mesh.scenarioDir
      ? 'Built-in scenarios, and yours from ' + MB.mesh.scenarioDir + ' (./meshbox up --scenarios DIR).' : 'Built-in scenarios.';
    for (const s of scenarios) {
      const blocked = s.problems || s.missing.length > 0;
      box.appendChild(MB.el('div', { class: 'card scenario', 'data-id': s.id },
        MB.el('h3', {}, s.name, ' ', MB.el('span', { class: 'badge' }, s.source)),
        MB.el('div', { class: 'muted' }, s.description || s.file),
        MB.el('div', { class: 'muted' }, 'workloads: ' + (s.workloads.join(', ') || '-') + ' · ' + s.steps + ' step' + (s.steps === 1 ? '' : 's')),
        s.problems ? MB.el('pre', { class: 'log' }, s.problems) : null,
        s.missing.length ? MB.el('div', { class: 'badge warn' }, 'needs ' + s.missing.join(', ') + ': ./meshbox up --workloads '
          + [...new Set([...MB.mesh.workloads, ...s.workloads])].join(',')) : null,
        MB.el('div', { class: 'row' }, MB.el('button', { class: 'primary run', disabled: blocked, onclick: () => run(s.id) }, 'Run'),
          MB.el('button', { class: 'small', onclick: () => showText(s.id) }, 'YAML'))));
    }
    const rl = MB.clear(document.getElementById('run-list'));
    if (!runs.length) rl.appendChild(MB.el('p', { class: 'muted' }, 'No runs yet.'));
    for (const r of runs) {
      rl.appendChild(MB.el('div', { class: 'card run-item' + (current === r.id ? ' selected' : ''), 'data-id': r.id, onclick: () => watch(r.id) },
        MB.el('span', { class: 'badge ' + r.state }, r.state), ' ', r.kind, ' ', MB.el('b', {}, r.title), ' ',
        MB.el('span', { class: 'muted' }, new Date(r.started).toLocaleTimeString())));
    }
  }

  async function showText(id) {
    const s = await MB.get('/api/scenarios/' + encodeURIComponent(id));
    current = null;
    MB.clear(document.getElementById('run-view')).append(MB.el('h2', {}, s.file), MB.el('pre', { class: 'yaml' }, s.text));
  }

  async function run(id) {
    const r = await MB.api('POST', '/api/runs', { scenario: id });
    if (!r.ok) {
      MB.clear(document.getElementById('run-view')).append(MB.el('p', { class: 'error run-error' }, r.body.error));
      return;
    }
    watch(r.body.id);
    list();
  }

  function watch(id) {
    current = id;
    MB.every('run', 700, async () => {
      const r = await MB.get('/api/runs/' + id);
      if (current !== id) return;
      renderRun(document.getElementById('run-view'), r);
      if (r.state !== 'running') { MB.stop('run'); list(); }
    });
  }

  /** A run: state, live log, then per step the expectations table and the split charts. */
  function renderRun(box, r) {
    MB.clear(box);
    box.setAttribute('data-run', r.id);
    box.setAttribute('data-state', r.state);
    box.append(MB.el('h2', {}, r.title, ' ', MB.el('span', { class: 'badge run-state ' + r.state }, r.state === 'passed' ? 'PASS' : r.state === 'failed' ? 'FAIL' : r.state)));
    if (r.error) box.appendChild(MB.el('p', { class: 'error run-error' }, r.error));
    if (r.report) {
      r.report.steps.forEach((step, i) => {
        box.appendChild(MB.el('h3', {}, `step ${i + 1}: ${step.name}`, MB.el('span', { class: 'muted' }, ` · ${step.requests} requests in ${step.seconds.toFixed(1)} s`)));
        if (step.applied.length) box.appendChild(MB.el('div', { class: 'muted' }, step.applied.join(' · ')));
        if (step.checks.length) box.appendChild(checks(step.checks));
        const refused = Object.entries(step.denials || {});
        if (refused.length) box.appendChild(MB.el('ul', { class: 'denials' }, refused.map(([why, n]) => MB.el('li', { class: 'denial' }, `${why} × ${n}`))));
        r.charts.filter(c => c.step === i + 1).forEach(c => box.appendChild(chart(c)));
      });
    }
    box.appendChild(MB.el('pre', { class: 'log run-log' }, r.log.join('\n')));
  }

  function checks(list) {
    return MB.el('table', { class: 'grid checks' }, MB.el('tr', {}, ['expectation', 'expected', 'observed', 'result'].map(h => MB.el('th', {}, h))),
      list.map(c => [MB.el('tr', { class: 'check ' + (c.passed ? 'pass' : 'fail') }, MB.el('td', {}, c.what), MB.el('td', {}, c.expected),
        MB.el('td', {}, c.observed), MB.el('td', { class: 'result' }, c.passed ? 'pass' : 'FAIL')),
        !c.passed && c.explanation ? MB.el('tr', {}, MB.el('td', { colspan: 4, class: 'why' }, 'why: ' + c.explanation)) : null]));
  }

  /** Observed share per version as bars; the expected share as a line inside its tolerance band. */
  function chart(c) {
    const W = 420, LEFT = 70, BAR = 22, H = 30 + c.bars.length * (BAR + 8);
    const x = v => LEFT + v * (W - LEFT - 20);
    const svg = MB.svg('svg', { class: 'chart split-chart', width: W, height: H, 'data-service': c.service });
    svg.appendChild(MB.svg('text', { x: 0, y: 12 }, `${c.service}: observed split of ${c.total} requests, expected ± ${c.tolerance}`));
    [0, 0.25, 0.5, 0.75, 1].forEach(t => svg.appendChild(MB.svg('text', { x: x(t), y: H - 2, 'text-anchor': 'middle', class: 'muted' }, t * 100 + '%')));
    c.bars.forEach((b, i) => {
      const y = 22 + i * (BAR + 8);
      svg.appendChild(MB.svg('text', { x: 0, y: y + 15 }, b.version));
      if (b.expected !== null) {
        const lo = Math.max(0, b.expected - c.tolerance), hi = Math.min(1, b.expected + c.tolerance);
        svg.appendChild(MB.svg('rect', { class: 'band', x: x(lo), y: y - 3, width: Math.max(2, x(hi) - x(lo)), height: BAR + 6 }));
      }
      svg.appendChild(MB.svg('rect', { class: 'bar ' + (b.passed ? 'pass' : 'fail'), x: x(0), y, width: Math.max(1, x(b.observed) - x(0)), height: BAR },
        MB.svg('title', {}, `${b.version}: ${b.count}/${c.total}`)));
      if (b.expected !== null) svg.appendChild(MB.svg('line', { class: 'expected', x1: x(b.expected), x2: x(b.expected), y1: y - 3, y2: y + BAR + 3 }));
      svg.appendChild(MB.svg('text', { x: x(b.observed) + 4, y: y + 15 }, `${(b.observed * 100).toFixed(1)} %` + (b.expected !== null ? ` (want ${b.expected * 100} %)` : '')));
    });
    return svg;
  }

  MB.renderRun = renderRun;
  MB.tabs.scenarios = {
    show: () => MB.every('scenarios', 5000, list),
    hide: () => MB.stop('scenarios'),
  };
})();
