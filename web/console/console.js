// The qgate operator console: tenants, their keys, limits and usage, over the admin API.
// Everything shown comes from the API and may be hostile (tenant names, models): it reaches the
// page only as text nodes and attribute values, never as HTML.
'use strict';

const keyStore = 'qgate.adminKey';
const byId = (id) => document.getElementById(id);
let editing = null;  // the name of the tenant the form edits; null: it creates one
let tenants = [];

// An element with attributes (fixed names only) and children (nodes, or text).
function el(tag, attributes = {}, ...children) {
  const node = tag === 'svg' || ['rect', 'line', 'text', 'title', 'g'].includes(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function say(text, kind = '') {
  const status = byId('status');
  status.textContent = text;
  status.className = kind;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// One admin API call: the envelope's data, or an ApiError with the envelope's message.
async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(keyStore) ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  if (!response.ok) {
    throw new ApiError(response.status, envelope?.message ?? `HTTP ${response.status}`);
  }
  return envelope.data;
}

function tenantPath(name, suffix = '') {
  return `/admin/tenants/${encodeURIComponent(name)}${suffix}`;
}

// A failed call: a refused key signs out, anything else is shown.
function failed(error) {
  if (error.status === 401) return signOut('The admin key was refused (401).');
  if (error.status === 403) return signOut('That is a tenant key; the console needs the admin key (403).');
  say(error.message, 'error');
}

function signOut(message = '') {
  sessionStorage.removeItem(keyStore);
  byId('console').hidden = true;
  byId('sign-out').hidden = true;
  byId('sign-in-panel').hidden = false;
  byId('new-key-panel').hidden = true;
  byId('new-key').textContent = '';
  say(message, message ? 'error' : '');
}

function showKey(name, key) {
  byId('new-key-tenant').textContent = name;
  byId('new-key').textContent = key;
  byId('new-key-panel').hidden = false;
}

function numberCell(value) {
  return el('td', { class: 'number' }, Number(value).toLocaleString('en-US'));
}

function tenantRow(tenant) {
  const actions = el('td', { class: 'actions' });
  const button = (label, action, onClick) => {
    const node = el('button', { type: 'button', 'data-action': action }, label);
    node.addEventListener('click', () => onClick(tenant).catch(failed));
    actions.append(node);
  };
  button('Edit', 'edit', async (t) => startEdit(t));
  button(tenant.enabled ? 'Disable' : 'Enable', tenant.enabled ? 'disable' : 'enable', toggle);
  button('Rotate key', 'rotate', rotate);
  const row = el('tr', { class: tenant.enabled ? '' : 'disabled' },
    el('td', { class: 'name' }, tenant.name),
    el('td', {}, el('code', {}, `${tenant.key_prefix}…`)),
    el('td', {}, tenant.enabled ? 'yes' : 'no'),
    el('td', {}, tenant.models.length ? tenant.models.join(', ') : 'all'),
    numberCell(tenant.rpm), numberCell(tenant.tpm), numberCell(tenant.max_streams),
    el('td', {}, tenant.created_at),
    numberCell(tenant.today.requests), numberCell(tenant.today.total_tokens),
    actions);
  row.dataset.name = tenant.name;
  return row;
}

async function loadTenants() {
  tenants = await api('GET', '/admin/tenants');
  byId('tenants').tBodies[0].replaceChildren(...tenants.map(tenantRow));
  const select = byId('usage-tenant');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'All tenants'),
    ...tenants.map((t) => el('option', { value: t.name }, t.name)));
  select.value = tenants.some((t) => t.name === chosen) ? chosen : '';
}

async function toggle(tenant) {
  const verb = tenant.enabled ? 'Disable' : 'Enable';
  if (tenant.enabled && !window.confirm(`Disable ${tenant.name}? Its key stops working at once.`)) return;
  await api('PATCH', tenantPath(tenant.name), { enabled: !tenant.enabled });
  say(`${verb}d ${tenant.name}.`, 'ok');
  await loadTenants();
}

async function rotate(tenant) {
  if (!window.confirm(`Rotate the key of ${tenant.name}? The old key stops working at once.`)) return;
  const rotated = await api('POST', tenantPath(tenant.name, '/rotate-key'));
  showKey(rotated.name, rotated.key);
  say(`New key for ${tenant.name}.`, 'ok');
  await loadTenants();
}

function startEdit(tenant) {
  editing = tenant.name;
  byId('form-title').textContent = `Edit ${tenant.name}`;
  byId('form-name').value = tenant.name;
  byId('form-name').disabled = true;
  byId('form-models').value = tenant.models.join(', ');
  byId('form-rpm').value = tenant.rpm;
  byId('form-tpm').value = tenant.tpm;
  byId('form-streams').value = tenant.max_streams;
  byId('form-submit').textContent = 'Save';
  byId('form-cancel').hidden = false;
}

function resetForm() {
  editing = null;
  byId('tenant-form').reset();
  byId('form-name').disabled = false;
  byId('form-title').textContent = 'Create a tenant';
  byId('form-submit').textContent = 'Create';
  byId('form-cancel').hidden = true;
}

async function submitTenant() {
  const fields = {
    models: byId('form-models').value.split(',').map((m) => m.trim()).filter((m) => m !== ''),
    rpm: Number(byId('form-rpm').value || 0),
    tpm: Number(byId('form-tpm').value || 0),
    max_streams: Number(byId('form-streams').value || 0),
  };
  if (editing !== null) {
    await api('PATCH', tenantPath(editing), fields);
    say(`Saved ${editing}.`, 'ok');
  } else {
    const created = await api('POST', '/admin/tenants', { name: byId('form-name').value, ...fields });
    showKey(created.name, created.key);
    say(`Created ${created.name}.`, 'ok');
  }
  resetForm();
  await loadTenants();
}

// Every day from `from` to `to` (YYYY-MM-DD, UTC), inclusive.
function daysBetween(from, to) {
  const days = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`) && days.length < 3660;
    d.setUTCDate(d.getUTCDate() + 1)) {
    days.push(d.toISOString().slice(0, 10));
  }
  return days;
}

// Bars per day in plain SVG: height by the chosen measure, the value in each bar's tooltip.
function drawChart(rows, from, to, measure) {
  const days = daysBetween(from, to);
  const sums = new Map(days.map((d) => [d, 0]));
  for (const row of rows) sums.set(row.day, (sums.get(row.day) ?? 0) + row[measure]);
  const [width, height, left, bottom, top] = [800, 260, 64, 28, 12];
  const max = Math.max(1, ...sums.values());
  const step = (width - left - 8) / Math.max(1, days.length);
  const chart = byId('usage-chart');
  const parts = [
    el('line', { class: 'axis', x1: left, y1: height - bottom, x2: width - 4, y2: height - bottom }),
    el('line', { class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom }),
    el('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, max.toLocaleString('en-US')),
    el('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end' }, '0'),
  ];
  const labelEvery = Math.ceil(days.length / 12);
  days.forEach((day, i) => {
    const value = sums.get(day);
    const barHeight = ((height - bottom - top) * value) / max;
    const x = left + i * step + step * 0.1;
    parts.push(el('rect', {
      class: 'bar', x, y: height - bottom - barHeight, width: step * 0.8, height: barHeight,
      'data-day': day, 'data-value': value,
    }, el('title', {}, `${day}: ${value.toLocaleString('en-US')}`)));
    if (i % labelEvery === 0) {
      parts.push(el('text', { x: x + step * 0.4, y: height - 8, 'text-anchor': 'middle' }, day.slice(5)));
    }
  });
  chart.replaceChildren(...parts);
  const total = [...sums.values()].reduce((a, b) => a + b, 0);
  const who = byId('usage-tenant').value || 'all tenants';
  const what = measure === 'requests' ? 'requests' : 'total tokens';
  byId('usage-caption').textContent = `${total.toLocaleString('en-US')} ${what}, ${who}, ${from} to ${to} (UTC)`;
}

async function loadUsage() {
  const from = byId('usage-from').value;
  const to = byId('usage-to').value;
  const query = new URLSearchParams({ from, to });
  if (byId('usage-tenant').value) query.set('tenant', byId('usage-tenant').value);
  const rows = await api('GET', `/admin/usage?${query}`);
  byId('usage').tBodies[0].replaceChildren(...rows.map((r) => el('tr', {},
    el('td', { class: 'name' }, r.tenant), el('td', {}, r.day), el('td', {}, r.model),
    numberCell(r.requests), numberCell(r.input_tokens), numberCell(r.output_tokens),
    numberCell(r.total_tokens))));
  drawChart(rows, from, to, byId('usage-measure').value);
}

async function refresh() {
  await loadTenants();
  await loadUsage();
}

async function signIn(key) {
  sessionStorage.setItem(keyStore, key);
  byId('sign-in-panel').hidden = true;
  byId('console').hidden = false;
  byId('sign-out').hidden = false;
  await refresh();
  say('Signed in.', 'ok');
}

function start() {
  const today = new Date().toISOString().slice(0, 10);
  const first = new Date(Date.now() - 13 * 86400000).toISOString().slice(0, 10);
  byId('usage-from').value = first;
  byId('usage-to').value = today;
  byId('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('admin-key');
    const key = input.value.trim();
    input.value = '';
    signIn(key).catch(failed);
  });
  byId('sign-out').addEventListener('click', () => signOut());
  byId('refresh').addEventListener('click', () => refresh().catch(failed));
  byId('tenant-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submitTenant().catch(failed);
  });
  byId('form-cancel').addEventListener('click', resetForm);
  byId('usage-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadUsage().catch(failed);
  });
  byId('copy-key').addEventListener('click', () => {
    navigator.clipboard?.writeText(byId('new-key').textContent).catch(() => {});
  });
  byId('dismiss-key').addEventListener('click', () => {
    byId('new-key').textContent = '';
    byId('new-key-panel').hidden = true;
  });
  if (sessionStorage.getItem(keyStore)) signIn(sessionStorage.getItem(keyStore)).catch(failed);
}

document.addEventListener('DOMContentLoaded', start);
