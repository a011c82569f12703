// Workshop: Istio's traffic-management tasks as lessons. Each step shows its YAML, applies it with one click, sends
// its traffic, and shows what to observe and why, with the checks that confirm it.
'use strict';
(() => {
  let lessons = [];
  let currentId = null;

  async function load() {
    lessons = await MB.get('/api/lessons');
    const box = MB.clear(document.getElementById('lesson-list'));
    for (const { lesson, missing } of lessons) {
      box.appendChild(MB.el('div', { class: 'card lesson' + (lesson.id === currentId ? ' selected' : ''), 'data-id': lesson.id, onclick: () => open(lesson.id) },
        MB.el('h3', {}, lesson.title), MB.el('div', { class: 'muted' }, lesson.task),
        missing.length ? MB.el('span', { class: 'badge warn' }, 'needs ' + missing.join(', ')) : null,
        lesson.clusters.length ? MB.el('span', { class: 'badge clusters' }, `${lesson.clusters.length} clusters · ${lesson.multicluster}`) : null));
    }
  }

  function open(id) {
    currentId = id;
    document.querySelectorAll('#lesson-list .lesson').forEach(c => c.classList.toggle('selected', c.dataset.id === id));
    const { lesson, missing } = lessons.find(l => l.lesson.id === id);
    const view = MB.clear(document.getElementById('lesson-view'));
    view.setAttribute('data-lesson', id);
    view.append(MB.el('h2', {}, lesson.title), MB.el('p', { class: 'muted' }, lesson.task
      + (lesson.workloads.length ? ' · workloads: ' + lesson.workloads.join(', ') : '')), MB.el('p', {}, lesson.intro));
    // A lesson with clusters runs on its own multi-cluster mesh, which applying its first step brings up.
    if (lesson.clusters.length) {
      view.appendChild(MB.el('div', { class: 'lesson-clusters card' }, MB.el('b', {}, `Clusters (${lesson.multicluster} model)`),
        MB.el('ul', {}, lesson.clusters.map(c => MB.el('li', {}, c))),
        MB.el('p', { class: 'muted' }, 'Reset and apply brings these clusters up, each with its own control plane, unless the mesh already runs them.')));
    }
    if (missing.length) {
      view.appendChild(MB.el('p', { class: 'error lesson-missing' }, `This lesson needs ${missing.join(', ')}, which this mesh does not run. Restart with `
        + `./meshbox up --workloads ${[...new Set([...MB.mesh.workloads, ...lesson.workloads])].join(',')}`));
    }
    const steps = MB.el('div', { class: 'steps' });
    lesson.steps.forEach((s, i) => steps.appendChild(step(lesson, s, i + 1, missing.length > 0)));
    view.appendChild(steps);
  }

  function step(lesson, s, n, blocked) {
    const result = MB.el('div', { class: 'step-result' });
    const box = MB.el('div', { class: 'step', 'data-step': n },
      MB.el('h3', {}, `${n}. ${s.name}`),
      s.config.map(c => [MB.el('div', { class: 'muted' }, c.name), MB.el('pre', { class: 'yaml' }, c.text)]),
      MB.el('div', { class: 'row' },
        // A lesson with clusters starts with its first step even when that applies nothing (Istio's verify step).
        s.config.length || (n === 1 && lesson.clusters.length) ? MB.el('button', { class: 'primary lesson-apply', disabled: blocked, onclick: () => apply(lesson, n, result) },
          n === 1 ? (s.config.length ? 'Reset and apply' : 'Start: clusters up, config reset') : 'Apply') : null,
        s.traffic ? MB.el('button', { class: 'lesson-traffic', disabled: blocked, onclick: () => send(lesson, n, result, box) }, 'Send traffic') : null,
        MB.el('span', { class: 'muted' }, s.traffic)),
      result,
      MB.el('div', { class: 'observe' }, MB.el('b', {}, 'Observe: '), s.observe),
      MB.el('details', { class: 'why-box' }, MB.el('summary', {}, 'Why'), MB.el('p', {}, s.why)));
    return box;
  }

  async function apply(lesson, n, result) {
    MB.clear(result).appendChild(MB.el('p', { class: 'muted' }, (lesson.clusters.length && n === 1 ? 'bringing the lesson\'s clusters up, ' : '')
      + 'applying, waiting for every proxy to ACK ...'));
    const r = await MB.api('POST', `/api/lessons/${lesson.id}/steps/${n}/apply`);
    MB.clear(result);
    if (r.body && r.body.mesh) {
      result.appendChild(MB.el('p', { class: 'ok lesson-mesh' }, 'Mesh: ' + r.body.mesh));
      await MB.loadMesh();
    }
    if (r.ok) {
      result.appendChild(MB.el('p', { class: 'ok applied' }, (r.body.reset ? 'Reset the mesh, then applied: ' : 'Applied: ') + (r.body.changes.join(' · ') || 'nothing (this step only sends traffic)')));
    } else {
      result.appendChild(MB.el('p', { class: 'error' }, r.body.error || (r.body.problems || []).join('\n')));
    }
  }

  async function send(lesson, n, result, box) {
    const r = await MB.api('POST', `/api/lessons/${lesson.id}/steps/${n}/traffic`);
    if (!r.ok) {
      MB.clear(result).appendChild(MB.el('p', { class: 'error' }, r.body.error));
      return;
    }
    const id = r.body.id;
    MB.every('lesson', 700, async () => {
      const run = await MB.get('/api/runs/' + id);
      const target = MB.el('div', { class: 'lesson-run' });
      MB.renderRun(target, run);
      MB.clear(result).appendChild(target);
      if (run.state !== 'running') {
        MB.stop('lesson');
        box.classList.toggle('done', run.state === 'passed');
        box.querySelector('details').open = true;
      }
    });
  }

  window.addEventListener('DOMContentLoaded', () => document.getElementById('lesson-reset').addEventListener('click', async () => {
    const r = await MB.api('POST', '/api/config/reset');
    MB.banner(r.ok ? '' : r.body.error);
    if (currentId) open(currentId);
  }));

  MB.tabs.workshop = {
    show: () => load().then(() => currentId && open(currentId)),
  };
})();
