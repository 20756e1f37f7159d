'use strict';
// EventEngine's web view: the placement matrix at a point of the log, the timeline that moves that point, the
// object an event changed, and a DaemonSet's revisions. It reads the engine's own HTTP API, nothing else.

const ROW = 22;
const $ = (selector, root = document) => root.querySelector(selector);
const view = {
  head: 0, seq: 0, time: null, daemonSets: [], nodes: [], placements: new Map(), selectedCell: null,
  selectedEvent: null, spans: null, token: sessionStorage.getItem('eventengine-token') || '', loads: 0,
};
// figures a test or a curious user can read: how long the first matrix took, and each reload
window.eventEngine = { view, timings: [] };

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (view.token) headers.Authorization = 'Bearer ' + view.token;
  const response = await fetch(path, { ...options, headers });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { message: text }; }
  if (response.status === 401) $('#token-box').hidden = false;
  if (!response.ok) throw new Error(`${response.status}: ${(body && (body.detail || body.message || body.title)) || response.statusText}`);
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') node.style.cssText = value; // through the CSSOM: the page's policy allows no inline style attributes
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const svg = (tag, attributes = {}) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
};

const natural = new Intl.Collator(undefined, { numeric: true }).compare;
const shortTime = time => (time || '').replace(/^\d{4}-\d\d-\d\dT/, '').replace(/Z$/, '');
const status = (text, error = false) => { const s = $('#status'); s.textContent = text; s.className = error ? 'error' : 'muted'; };

// ---- the point of the log ---------------------------------------------------------------------------------------

async function pages(path, key) {
  const items = [];
  let token = '';
  do {
    const page = await api(path + (token ? '&continue=' + encodeURIComponent(token) : ''));
    items.push(...(page[key] || []));
    token = page.continue;
  } while (token);
  return items;
}

async function loadAt(seq) {
  const started = performance.now();
  const load = ++view.loads;
  status('loading seq ' + seq + '…');
  const daemonSets = await pages(`/engine/v1/state?at=${seq}&kind=daemonsets&limit=500`, 'daemonSets');
  const keys = daemonSets.map(d => d.metadata.namespace + '/' + d.metadata.name).sort(natural);
  const placements = new Map(await Promise.all(keys.map(async key =>
    [key, await api(`/engine/v1/placement?daemonset=${encodeURIComponent(key)}&at=${seq}&all=true`)])));
  let nodes = [...new Set([...placements.values()].flatMap(p => p.nodes.map(n => n.node)))];
  if (keys.length === 0) nodes = (await pages(`/engine/v1/state?at=${seq}&kind=nodes&limit=500`, 'nodes')).map(n => n.metadata.name);
  if (load !== view.loads) return; // a later move of the scrubber won
  view.seq = seq;
  view.daemonSets = keys;
  view.placements = new Map([...placements].map(([key, p]) => [key, { ...p, byNode: new Map(p.nodes.map(n => [n.node, n])) }]));
  view.nodes = nodes.sort(natural);
  view.time = placements.size ? [...placements.values()][0].at.time : null;
  renderMatrix();
  renderFilters();
  $('#at').textContent = `at seq ${seq}${view.time ? ' (' + view.time + ')' : ''}`;
  $('#scrubber').value = seq;
  $('#scrubber-label').textContent = `seq ${seq} of ${view.head}${view.time ? ' · ' + shortTime(view.time) : ''}`;
  const ms = Math.round(performance.now() - started);
  window.eventEngine.timings.push({ seq, nodes: view.nodes.length, daemonSets: keys.length, ms });
  status(`${view.nodes.length} nodes × ${keys.length} DaemonSets in ${ms} ms`);
  document.body.dataset.seq = seq;
  await Promise.all([loadEvents(), drawSpans(), drawDaemonSetSpans()]);
  document.body.dataset.loaded = seq;
}

// ---- the placement matrix ---------------------------------------------------------------------------------------

function cellState(node) {
  if (!node) return 'none';
  const kinds = node.differences.map(d => d.kind);
  if (kinds.includes('misscheduled')) return 'misscheduled';
  if (kinds.includes('missing') || (node.desired && node.pods.length === 0)) return 'missing';
  if (kinds.includes('outdated')) return 'outdated';
  if (kinds.includes('notReady')) return 'notready';
  return node.pods.length ? 'ready' : 'none';
}

function renderMatrix() {
  const head = $('#matrix-head');
  head.replaceChildren(el('div', { class: 'name' }, 'node'), ...view.daemonSets.map(key => {
    const p = view.placements.get(key);
    const s = p.summary;
    return el('div', { class: 'col', title: key, dataset: { ds: key }, onclick: () => openDaemonSet(key) },
      key.split('/')[1], el('small', {}, `rev ${p.currentRevision.revision ?? '?'} · ${s.actual}/${s.desired} · miss ${s.missing} · old ${s.outdated}`));
  }));
  const body = $('#matrix-body');
  body.style.height = view.nodes.length * ROW + 'px';
  body.style.width = (140 + 130 * view.daemonSets.length) + 'px';
  renderVisibleRows();
}

function visibleRange(scroller, count, offset = 0) {
  const top = Math.max(0, scroller.scrollTop - offset);
  const first = Math.max(0, Math.floor(top / ROW) - 10);
  const last = Math.min(count, Math.ceil((top + scroller.clientHeight) / ROW) + 10);
  return [first, last];
}

function renderVisibleRows() {
  const scroller = $('#matrix');
  const [first, last] = visibleRange(scroller, view.nodes.length, $('#matrix-head').offsetHeight);
  const filter = $('#filter-node').value.trim();
  const rows = [];
  for (let i = first; i < last; i++) {
    const node = view.nodes[i];
    const row = el('div', { class: 'matrix-row' + (filter && node === filter ? ' highlight' : ''), style: `top:${i * ROW}px`, dataset: { node } },
      el('div', { class: 'name', title: node }, node));
    for (const key of view.daemonSets) {
      const placement = view.placements.get(key).byNode.get(node);
      const state = cellState(placement);
      const pod = placement && placement.pods[0];
      const selected = view.selectedCell && view.selectedCell.node === node && view.selectedCell.ds === key;
      row.append(el('span', {
        class: `cell ${state}${selected ? ' selected' : ''}`, dataset: { node, ds: key, state },
        title: placement ? placement.differences.map(d => d.reason).join('\n') || (pod ? `${pod.name}: revision ${pod.revision}, ${pod.ready ? 'ready' : 'not ready'}` : '') : '',
        onclick: () => explain(key, node),
      }, pod ? `r${pod.revision ?? '?'}${pod.ready ? '' : ' ·'}` : state === 'missing' ? 'missing' : ''));
    }
    rows.push(row);
  }
  $('#matrix-body').replaceChildren(...rows);
}

async function explain(ds, node) {
  view.selectedCell = { ds, node };
  renderVisibleRows();
  $('#detail-title').textContent = `Explain ${ds} on ${node}`;
  const body = $('#detail-body');
  body.className = '';
  try {
    const x = await api(`/engine/v1/explain?daemonset=${encodeURIComponent(ds)}&node=${encodeURIComponent(node)}&at=${view.seq}`);
    body.replaceChildren(...[
      el('p', {}, el('strong', {}, `shouldRun ${x.shouldRun}, shouldContinueRunning ${x.shouldContinueRunning}`), ' — ', x.summary),
      el('p', {}, `shouldRun: ${x.decisions.shouldRun.because}`), el('p', {}, `shouldContinueRunning: ${x.decisions.shouldContinueRunning.because}`),
      el('ul', { id: 'rules' }, x.rules.map(r => el('li', { class: 'rule ' + (r.satisfied ? 'ok' : 'fail'), dataset: { kind: r.kind } }, `${r.kind}: ${r.message}`))),
      el('p', {}, 'pods: ', x.pods.length ? x.pods.map(p => el('span', { class: 'chip' }, `${p.name} r${p.revision ?? '?'} ${p.phase}${p.ready ? ' ready' : ''}`)) : 'none'),
      x.divergences.length ? el('p', { class: 'error' }, x.divergences.map(d => `${d.kind}: ${d.reason}`).join('; ')) : null,
      el('p', { class: 'muted' }, 'answer last changed at ', el('a', { href: '#', onclick: e => { e.preventDefault(); go(x.lastChange.seq); } }, `seq ${x.lastChange.seq}`),
        ` (${x.lastChange.type} by ${x.lastChange.actor})`)].filter(Boolean));
  } catch (e) {
    body.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

// ---- the timeline -----------------------------------------------------------------------------------------------

async function loadEvents() {
  const node = $('#filter-node').value.trim();
  const ds = $('#filter-ds').value;
  const from = Math.max(1, view.seq - 12);
  const query = `from=${from}&limit=40&divergences=true${node ? '&node=' + encodeURIComponent(node) : ''}${ds ? '&daemonset=' + encodeURIComponent(ds) : ''}`;
  const page = await api('/engine/v1/timeline?' + query);
  const rows = page.items.map(e => {
    const placement = (e.placement || []).flatMap(p => [
      ...p.created.map(c => el('span', { class: 'chip' }, `+ ${c.pod} on ${c.node}`)),
      ...p.removed.map(r => el('span', { class: 'chip' }, `− ${r.pod} from ${r.node}`))]);
    const marks = e.divergences ? [
      ...e.divergences.began.map(d => el('span', { class: 'chip began' }, `${d.kind} on ${d.node} began`)),
      ...e.divergences.ended.map(d => el('span', { class: 'chip ended' }, `${d.kind} on ${d.node} ended`))] : [];
    return el('tr', {
      dataset: { seq: e.seq }, class: (e.seq === view.seq ? 'current' : '') + (view.selectedEvent === e.seq ? ' selected' : ''),
      onclick: () => selectEvent(e.seq),
    },
    el('td', {}, String(e.seq)), el('td', {}, shortTime(e.time)), el('td', {}, e.actor),
    el('td', {}, e.description, placement.length ? el('div', {}, placement) : null, marks.length ? el('div', {}, marks) : null),
    el('td', {}, e.reason ? e.reason.code : ''),
    el('td', {}, e.cause ? el('a', { href: '#seq=' + e.cause.seq, class: 'cause', dataset: { seq: e.cause.seq }, title: e.cause.description || e.cause.type,
      onclick: ev => { ev.preventDefault(); ev.stopPropagation(); go(e.cause.seq, true); } }, `← ${e.cause.seq}`) : ''));
  });
  $('#events tbody').replaceChildren(...rows);
  const current = $('#events tr.current');
  if (current) $('#events-box').scrollTop = Math.max(0, current.offsetTop - 60);
}

/** Moves the point of the log; with select, the event there is selected too (a cause followed). */
async function go(seq, select = false) {
  $('#follow').checked = false;
  seq = Math.max(0, Math.min(view.head, seq));
  if (select) view.selectedEvent = seq;
  await loadAt(seq);
  if (select) await selectEvent(seq);
}

async function selectEvent(seq) {
  view.selectedEvent = seq;
  for (const row of document.querySelectorAll('#events tbody tr')) row.classList.toggle('selected', Number(row.dataset.seq) === seq);
  const [event] = (await api(`/engine/v1/events?after=${seq - 1}&limit=1`)).items;
  if (!event) return;
  const data = event.data;
  const subject = data.pod && data.namespace ? { kind: 'pod', key: data.namespace + '/' + data.pod, node: data.node }
    : event.type.startsWith('node_') ? { kind: 'node', key: data.node }
    : data.daemonSet ? { kind: 'daemonset', key: data.daemonSet } : null;
  $('#object-title').textContent = subject ? `${subject.kind} ${subject.key} after seq ${seq}` : `seq ${seq}`;
  const body = $('#object-body');
  body.className = '';
  if (!subject) { body.replaceChildren(el('pre', {}, JSON.stringify(event, null, 2))); return; }
  const [before, after] = await Promise.all([objectAt(subject, seq - 1), objectAt(subject, seq)]);
  body.replaceChildren(
    el('p', { class: 'muted' }, `${event.type} by ${event.metadata.actor}`),
    el('h3', {}, 'Diff to before'), el('pre', { id: 'diff' }, diff(before, after)),
    el('h3', {}, 'Manifest'), el('pre', { id: 'manifest' }, after ? JSON.stringify(after, null, 2) : '(gone)'));
}

async function objectAt(subject, seq) {
  if (seq < 1) return null;
  if (subject.kind === 'node') return (await api(`/engine/v1/state?at=${seq}&node=${encodeURIComponent(subject.key)}`)).nodes?.[0] || null;
  if (subject.kind === 'daemonset') return (await api(`/engine/v1/state?at=${seq}&daemonset=${encodeURIComponent(subject.key)}&kind=daemonsets&limit=1`)).daemonSets?.[0] || null;
  if (!subject.node) return null;
  const pods = (await api(`/engine/v1/state?at=${seq}&node=${encodeURIComponent(subject.node)}`)).pods || [];
  return pods.find(p => p.metadata.namespace + '/' + p.metadata.name === subject.key) || null;
}

/** A line diff of two objects' JSON (longest common subsequence), added and removed lines marked. */
function diff(before, after) {
  const a = before ? JSON.stringify(before, null, 2).split('\n') : [];
  const b = after ? JSON.stringify(after, null, 2).split('\n') : [];
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const lines = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { lines.push(el('span', {}, '  ' + a[i] + '\n')); i++; j++; }
    else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) lines.push(el('span', { class: 'add' }, '+ ' + b[j++]));
    else lines.push(el('span', { class: 'del' }, '- ' + a[i++]));
  }
  return lines.length ? lines : '(nothing)';
}

// ---- state spans by node (the selected DaemonSet over the whole log) --------------------------------------------

async function drawSpans() {
  const ds = $('#filter-ds').value || view.daemonSets[0];
  $('#spans-ds').textContent = ds || '';
  if (!ds) { $('#spans-body').replaceChildren(); return; }
  if (!view.spans || view.spans.ds !== ds || view.spans.head !== view.head) {
    const [ns, name] = ds.split('/');
    const revisions = (await api(`/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/revisions`)).items;
    const current = Math.max(0, ...revisions.filter(r => r.current).map(r => r.revision));
    const byNode = new Map();
    const add = (node, span) => { if (!byNode.has(node)) byNode.set(node, []); byNode.get(node).push(span); };
    for (const r of revisions)
      for (const p of await pages(`/engine/v1/daemonsets/${ns}/${name}/revisions/${r.revision}/placements?limit=1000`, 'items'))
        add(p.node, { from: p.fromSeq, to: p.toSeq ?? view.head, kind: r.revision === current ? 'current' : 'old', evicted: p.ended === 'evicted', title: `${p.pod} r${r.revision}${p.ended ? ' ended: ' + p.ended : ''}` });
    for (const d of (await allDivergences()).filter(d => d.daemonSet === ds))
      if (d.kind === 'missing' || d.kind === 'misscheduled') add(d.node, { from: d.since.seq, to: d.until ? d.until.seq : view.head, kind: d.kind, title: `${d.kind}: ${d.reason}` });
    view.spans = { ds, head: view.head, byNode };
  }
  const body = $('#spans-body');
  body.style.height = view.nodes.length * ROW + 'px';
  renderVisibleSpans();
}

/** One row per DaemonSet over the whole log: the spans where it diverged anywhere (missing, misscheduled, over budget). */
/** Every divergence of the last Engine:Limits:ReplayEvents events, read once per head (a scan of the log: not cheap). */
function allDivergences() {
  if (!view.allDivergences || view.allDivergences.head !== view.head)
    view.allDivergences = { head: view.head, items: api('/engine/v1/divergences').then(answer => answer.items, e => { view.allDivergences = null; throw e; }) };
  return view.allDivergences.items;
}

async function drawDaemonSetSpans() {
  const divergences = await allDivergences();
  const width = Math.max(200, $('#spans').clientWidth - 150);
  const x = seq => (seq / Math.max(1, view.head)) * width;
  $('#ds-spans').replaceChildren(...view.daemonSets.map(key => {
    const graphic = svg('svg', { viewBox: `0 0 ${width} ${ROW}`, preserveAspectRatio: 'none' });
    graphic.append(svg('rect', { x: 0, width, y: 8, height: ROW - 16, class: 'current' }));
    for (const d of divergences.filter(d => d.daemonSet === key)) {
      const rect = svg('rect', { x: x(d.since.seq), width: Math.max(1, x(d.until ? d.until.seq : view.head) - x(d.since.seq)), y: 2, height: ROW - 4,
        class: d.kind === 'misscheduled' ? 'misscheduled' : 'missing', opacity: 0.6 });
      const title = svg('title'); title.textContent = `${d.node} ${d.kind}: ${d.reason}`; rect.append(title);
      graphic.append(rect);
    }
    graphic.append(svg('line', { x1: x(view.seq), x2: x(view.seq), y1: 0, y2: ROW, class: 'cursor' }));
    graphic.addEventListener('click', e => go(Math.round((e.offsetX / graphic.clientWidth) * view.head)));
    return el('div', { class: 'spans-row static', dataset: { ds: key } }, el('div', { class: 'name', title: key }, key.split('/')[1]), graphic);
  }));
}

function renderVisibleSpans() {
  if (!view.spans) return;
  const scroller = $('#spans');
  const [first, last] = visibleRange(scroller, view.nodes.length);
  const width = Math.max(200, scroller.clientWidth - 150);
  const x = seq => (seq / Math.max(1, view.head)) * width;
  const rows = [];
  for (let i = first; i < last; i++) {
    const node = view.nodes[i];
    const graphic = svg('svg', { viewBox: `0 0 ${width} ${ROW}`, preserveAspectRatio: 'none' });
    for (const s of view.spans.byNode.get(node) || []) {
      const missing = s.kind === 'missing' || s.kind === 'misscheduled';
      const rect = svg('rect', { x: x(s.from), width: Math.max(1, x(s.to) - x(s.from)), y: missing ? 2 : 6, height: missing ? ROW - 4 : ROW - 12, class: s.kind });
      const title = svg('title'); title.textContent = s.title; rect.append(title);
      graphic.append(rect);
      if (s.evicted) graphic.append(svg('rect', { x: Math.max(0, x(s.to) - 3), width: 3, y: 2, height: ROW - 4, class: 'evicted' }));
    }
    graphic.append(svg('line', { x1: x(view.seq), x2: x(view.seq), y1: 0, y2: ROW, class: 'cursor' }));
    graphic.addEventListener('click', e => go(Math.round((e.offsetX / graphic.clientWidth) * view.head)));
    rows.push(el('div', { class: 'spans-row', style: `top:${i * ROW}px`, dataset: { node } }, el('div', { class: 'name' }, node), graphic));
  }
  $('#spans-body').replaceChildren(...rows);
}

// ---- a DaemonSet's page -----------------------------------------------------------------------------------------

async function openDaemonSet(key) {
  const [ns, name] = key.split('/');
  const section = $('#daemonset');
  section.hidden = false;
  $('#ds-title').textContent = `DaemonSet ${key}`;
  $('#filter-ds').value = key;
  const [revisions, timeline] = await Promise.all([
    api(`/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/revisions`),
    api(`/engine/v1/timeline?daemonset=${encodeURIComponent(key)}&includeStatus=true&limit=1000`)]);
  $('#ds-revisions tbody').replaceChildren(...revisions.items.map(r => el('tr', { dataset: { revision: r.revision } },
    el('td', {}, el('a', { href: '#', onclick: e => { e.preventDefault(); showPlacements(ns, name, r.revision); } }, `${r.revision}${r.current ? ' (current)' : ''}`)),
    el('td', {}, r.hash), el('td', {}, shortTime(r.createdAt)), el('td', {}, String(r.summary.nodesReached)), el('td', {}, String(r.summary.current)),
    el('td', {}, r.current ? '' : el('button', { onclick: () => previewRollback(ns, name, r) }, 'roll back to this…')))));
  drawStatusChart(timeline.items.filter(e => e.type === 'daemonset_status_changed.v1'));
  await drawSpans();
  section.scrollIntoView({ block: 'nearest' });
}

async function showPlacements(ns, name, revision) {
  $('#ds-placements-title').textContent = `Placements of revision ${revision}`;
  const items = await pages(`/engine/v1/daemonsets/${ns}/${name}/revisions/${revision}/placements?limit=1000`, 'items');
  $('#ds-placements tbody').replaceChildren(...items.map(p => el('tr', {},
    el('td', {}, p.node), el('td', {}, p.pod), el('td', {}, `${shortTime(p.from)} (${p.fromSeq})`),
    el('td', {}, p.to ? `${shortTime(p.to)} (${p.toSeq})` : 'running'), el('td', {}, p.ended ? `${p.ended}: ${p.detail}` : ''))));
}

/** desired, ready and updated over the log, read from the status sentences of the DaemonSet's timeline. */
function drawStatusChart(entries) {
  const chart = $('#ds-chart');
  chart.replaceChildren();
  const points = entries.map(e => {
    const m = /status: (\d+)\/(\d+) ready, (\d+) updated/.exec(e.description);
    return m && { seq: e.seq, ready: +m[1], desired: +m[2], updated: +m[3] };
  }).filter(Boolean);
  if (points.length === 0) return;
  const width = chart.clientWidth || 600, height = 150;
  const top = Math.max(1, ...points.map(p => p.desired));
  const x = seq => (seq / Math.max(1, view.head)) * (width - 10) + 5;
  const y = v => height - 5 - (v / top) * (height - 20);
  for (const [field, color] of [['desired', '#1d2b3a'], ['ready', '#2e9d57'], ['updated', '#e58a2b']]) {
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.seq).toFixed(1)},${y(p[field]).toFixed(1)}`).join(' ');
    chart.append(svg('path', { d: path, fill: 'none', stroke: color, 'stroke-width': 2, class: 'series-' + field }));
    const label = svg('text', { x: 8 + ['desired', 'ready', 'updated'].indexOf(field) * 80, y: 12, fill: color, 'font-size': 11 });
    label.textContent = field;
    chart.append(label);
  }
  chart.dataset.points = points.length;
}

/** What a rollback would do, from a what-if at the head of the log, before it is done. */
async function previewRollback(ns, name, revision) {
  const box = $('#ds-preview');
  const key = `${ns}/${name}`;
  const answer = await api('/engine/v1/replay', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: view.head, to: view.head, changes: [{ at: view.head, patchDaemonSet: { daemonset: key, patch: { spec: { template: revision.template } } } }] }),
  });
  const mine = answer.summary.daemonSets.find(d => d.daemonSet === key);
  box.replaceChildren(el('p', {}, `Rolling ${key} back to revision ${revision.revision} would create ${mine.replay.created} and remove ${mine.replay.removed} pods in its first step. `,
    el('button', { id: 'rollback-confirm', onclick: async () => {
      try {
        await api(`/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/rollback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ toRevision: revision.revision }) });
        box.replaceChildren(el('p', {}, `Rolled back to revision ${revision.revision}.`));
        await refreshHead();
        await go(view.head);
        await openDaemonSet(key);
      } catch (e) { box.replaceChildren(el('p', { class: 'error' }, e.message)); }
    } }, 'roll back')));
}

// ---- live ---------------------------------------------------------------------------------------------------------

async function refreshHead() {
  const ready = await api('/readyz');
  setHead(ready.head);
}

function setHead(head) {
  view.head = head;
  $('#scrubber').max = head;
  $('#head').textContent = `log head: seq ${head}`;
  if (!$('#scrubber').matches(':active')) $('#scrubber-label').textContent = `seq ${view.seq} of ${head}${view.time ? ' · ' + shortTime(view.time) : ''}`;
}

let followTimer = null;
function followed(seq) {
  setHead(Math.max(view.head, seq));
  if (!$('#follow').checked || followTimer) return;
  followTimer = setTimeout(async () => { followTimer = null; view.spans = null; await loadAt(view.head).catch(e => status(e.message, true)); }, 500);
}

/** Follows the log through its event stream (GET /engine/v1/events?watch=true), read as a stream so a token can go with it. */
async function listen() {
  for (;;) {
    try {
      const headers = view.token ? { Authorization: 'Bearer ' + view.token } : {};
      const response = await fetch(`/engine/v1/events?watch=true&after=${view.head}`, { headers });
      if (!response.ok || !response.body) throw new Error(String(response.status));
      status('following the log');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const lines = buffer.split('\n');
        buffer = lines.pop();
        for (const line of lines) if (line.startsWith('id: ')) followed(Number(line.slice(4)));
      }
    } catch {
      status('live updates paused; trying again', true);
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

function renderFilters() {
  const select = $('#filter-ds');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'any'), ...view.daemonSets.map(k => el('option', { value: k }, k)));
  select.value = view.daemonSets.includes(chosen) ? chosen : '';
}

function start() {
  $('#token').addEventListener('change', e => {
    view.token = e.target.value;
    sessionStorage.setItem('eventengine-token', view.token);
    $('#token-box').hidden = true;
    load();
  });
  let moving = null;
  $('#scrubber').addEventListener('input', e => {
    $('#follow').checked = false;
    $('#scrubber-label').textContent = `seq ${e.target.value} of ${view.head}`;
    clearTimeout(moving);
    moving = setTimeout(() => loadAt(Number(e.target.value)).catch(err => status(err.message, true)), 150);
  });
  $('#goto-form').addEventListener('submit', async e => {
    e.preventDefault();
    const asked = $('#goto').value.trim();
    try {
      // a time names the last event at or before it, as everywhere in the API
      const seq = /^\d+$/.test(asked) ? Number(asked) : (await api(`/engine/v1/state?at=${encodeURIComponent(asked)}&kind=nodes&limit=1`)).at.seq;
      await go(seq);
    } catch (err) { status(err.message, true); }
  });
  $('#prev').addEventListener('click', () => go(view.seq - 1));
  $('#next').addEventListener('click', () => go(view.seq + 1));
  $('#matrix').addEventListener('scroll', renderVisibleRows);
  $('#spans').addEventListener('scroll', renderVisibleSpans);
  $('#filter-node').addEventListener('change', () => { renderVisibleRows(); loadEvents().catch(err => status(err.message, true)); });
  $('#filter-ds').addEventListener('change', () => { view.spans = null; loadEvents(); drawSpans(); });
  $('#follow').addEventListener('change', e => { if (e.target.checked) loadAt(view.head).catch(err => status(err.message, true)); });
  load();
}

/** The first load (again once a token is given): the head, the point asked for in the address (#seq=N) or the head, then the live log. */
async function load() {
  try {
    await refreshHead();
    const asked = /#seq=(\d+)/.exec(location.hash);
    await loadAt(asked ? Math.min(Number(asked[1]), view.head) : view.head);
    if (asked) $('#follow').checked = false;
    window.eventEngine.firstLoadMs = Math.round(performance.now());
    if (!view.listening) {
      view.listening = true;
      listen();
    }
  } catch (e) {
    status(e.message, true);
  }
}

start();
