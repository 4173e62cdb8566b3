// The local page itself: one HTML document and one script, no framework. The script follows the
// server-sent events of /api/events and sends changes with this run's token.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="xeenet-token" content="__TOKEN__">
<title>XeeNet worker</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 62rem; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; } h2 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
  .muted { color: #667; } .state { padding: .5rem .75rem; border-radius: 6px; background: #eef6ee; }
  .state.waiting { background: #fff4e0; } table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  .bar { background: #e3e6ea; height: .5rem; border-radius: 3px; width: 12rem; display: inline-block; vertical-align: middle; }
  .bar > span { display: block; height: 100%; background: #3c7be0; border-radius: 3px; }
  button { font: inherit; padding: .35rem .9rem; } label { display: inline-block; min-width: 13rem; }
  .na { color: #999; font-style: italic; } .error { color: #b00020; }
</style>
</head>
<body>
<h1>XeeNet worker <span id="name" class="muted"></span></h1>
<div class="muted" id="server"></div>
<p id="state" class="state" data-testid="state">connecting…</p>
<button id="pause" data-testid="pause-button" type="button">Pause</button>
<span id="pause-note" class="muted"></span>

<h2>Running now</h2>
<table><tbody id="slots" data-testid="slots"></tbody></table>

<h2>Last results</h2>
<table><thead><tr><th>task</th><th>outcome</th><th>val_bpb</th><th>time</th><th>credits</th><th>ended</th></tr></thead>
<tbody id="results" data-testid="results"></tbody></table>

<h2>Contribution</h2>
<table><tbody id="account" data-testid="account"></tbody></table>

<h2>Preferences</h2>
<p class="muted">Saved to the config file at once; flags given to <code>start</code> win again at the next start.</p>
<form id="prefs" data-testid="preferences">
  <div><label for="hours">Only between (local time)</label><input id="hours" placeholder="22:00-07:00 or empty"></div>
  <div><label for="idleOnly">Only when idle</label><input id="idleOnly" type="checkbox">
    for <input id="idleMinutes" type="number" min="1" max="240" style="width:4rem"> min,
    others below <input id="idleMaxOtherLoad" type="number" min="0" max="1" step="0.05" style="width:4rem"> of the CPU</div>
  <div><label for="pauseOnBattery">Pause on battery</label><input id="pauseOnBattery" type="checkbox"></div>
  <div><label for="gpu">Use the GPU</label><input id="gpu" type="checkbox"></div>
  <div><label for="cpuThreads">CPU threads per task (empty: all)</label><input id="cpuThreads" type="number" min="1"></div>
  <div><label for="dailyTaskCap">Tasks per day (empty: no cap)</label><input id="dailyTaskCap" type="number" min="1"></div>
  <div><label for="dailyHoursCap">Hours per day (empty: no cap)</label><input id="dailyHoursCap" type="number" min="0.1" max="24" step="0.1"></div>
  <div><label>Scripts to accept</label>
    <input id="accept-builtin" type="checkbox"> built-in
    <input id="accept-reviewed" type="checkbox"> reviewed
    <input id="accept-own" type="checkbox"> my own</div>
  <p id="prefs-error" class="error" data-testid="preferences-error"></p>
</form>

<h2>Signals this machine offers</h2>
<ul id="signals" data-testid="signals"></ul>
<script src="/app.js"></script>
</body>
</html>
`;

export const PAGE_SCRIPT = `'use strict';
const token = document.querySelector('meta[name="xeenet-token"]').content;
const $ = (id) => document.getElementById(id);
let snapshot = null;

function text(value) { return value === null || value === undefined ? '' : String(value); }
function cell(row, value, className) {
  const td = document.createElement('td');
  if (value === null || value === undefined) { td.textContent = 'not available'; td.className = 'na'; }
  else td.textContent = String(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

async function send(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-xeenet-token': token }, body: JSON.stringify(body || {}) });
  const answer = await response.json().catch(() => ({}));
  $('prefs-error').textContent = response.ok ? '' : (answer.error || 'not saved');
  if (response.ok) render(answer);
}

function render(state) {
  snapshot = state;
  $('name').textContent = state.worker.name + (state.worker.simulated ? ' [SIMULATED]' : '');
  $('server').textContent = state.worker.summary;
  const decision = state.decision;
  const paused = Boolean(state.preferences.find((p) => p.key === 'paused')?.value);
  $('state').textContent = decision ? (decision.run ? 'Taking tasks' : 'Waiting: ' + decision.reason + (decision.whenRunning === 'finish' ? ' (a running task finishes first)' : '')) : 'Taking tasks';
  $('state').className = 'state' + (decision && !decision.run ? ' waiting' : '');
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  $('pause-note').textContent = paused ? '' : 'pausing stops the running task at once and gives it back';

  const slots = $('slots'); slots.textContent = '';
  state.slots.forEach((slot, index) => {
    const row = document.createElement('tr'); row.dataset.testid = 'slot-' + (index + 1);
    cell(row, 'slot ' + (index + 1)); cell(row, slot.phase);
    cell(row, [slot.task, slot.note].filter(Boolean).join(' · '));
    const progress = cell(row, '');
    if (slot.phase === 'running' && slot.budgetS) {
      const bar = document.createElement('span'); bar.className = 'bar';
      const fill = document.createElement('span'); fill.style.width = Math.min(100, 100 * slot.elapsedS / slot.budgetS).toFixed(1) + '%';
      bar.appendChild(fill); progress.appendChild(bar);
      progress.append(' ' + slot.elapsedS.toFixed(1) + ' / ' + slot.budgetS + ' s');
      cell(row, 'step ' + text(slot.step ?? '–') + ', loss ' + (slot.loss == null ? '–' : slot.loss.toFixed(3)));
    } else cell(row, '');
    slots.appendChild(row);
  });

  const results = $('results'); results.textContent = '';
  if (!state.results.length) { const row = document.createElement('tr'); const td = cell(row, 'none yet'); td.colSpan = 6; td.className = 'muted'; results.appendChild(row); }
  for (const result of state.results) {
    const row = document.createElement('tr');
    cell(row, result.task); cell(row, result.outcome + (result.reason ? ': ' + result.reason.slice(0, 120) : ''));
    cell(row, result.valBpb === null ? '–' : result.valBpb.toFixed(4)); cell(row, result.wallS + ' s');
    cell(row, result.creditsEarned === null ? '–' : result.creditsEarned); cell(row, new Date(result.endedAt).toLocaleTimeString());
    results.appendChild(row);
  }

  const account = $('account'); account.textContent = '';
  const a = state.account || {};
  const usage = state.usage || {};
  const rows = [
    ['credits earned', a.creditsEarned], ['credits pending', a.creditsPending], ['balance', a.balance],
    ['compute hours (API)', a.computeHours === null || a.computeHours === undefined ? null : a.computeHours.toFixed(3)],
    ['verified results', a.verifiedResults], ['reputation', a.reputation], ['leaderboard rank', a.rank],
    ['compute hours on this machine', usage.totalHours === undefined ? null : usage.totalHours.toFixed(3)],
    ['today on this machine', usage.tasksToday === undefined ? null : usage.tasksToday + ' tasks, ' + usage.hoursToday.toFixed(2) + ' h'],
  ];
  for (const [label, value] of rows) { const row = document.createElement('tr'); row.dataset.testid = 'account-' + label.replace(/[^a-z]+/g, '-'); cell(row, label); cell(row, value); account.appendChild(row); }
  if (a.error) { const row = document.createElement('tr'); cell(row, 'API'); cell(row, a.error, 'error'); account.appendChild(row); }

  const prefs = Object.fromEntries(state.preferences.map((p) => [p.key, p.value]));
  const active = document.activeElement;
  const setValue = (id, value) => { if ($(id) !== active) $(id).value = value === null || value === undefined ? '' : String(value); };
  const setChecked = (id, value) => { $(id).checked = Boolean(value); };
  setValue('hours', prefs.hours ? prefs.hours.from + '-' + prefs.hours.to : '');
  setChecked('idleOnly', prefs.idleOnly); setValue('idleMinutes', prefs.idleMinutes); setValue('idleMaxOtherLoad', prefs.idleMaxOtherLoad);
  setChecked('pauseOnBattery', prefs.pauseOnBattery); setChecked('gpu', prefs.gpu);
  setValue('cpuThreads', prefs.cpuThreads); setValue('dailyTaskCap', prefs.dailyTaskCap); setValue('dailyHoursCap', prefs.dailyHoursCap);
  for (const kind of ['builtin', 'reviewed', 'own']) setChecked('accept-' + kind, (prefs.acceptScripts || []).includes(kind));

  const signals = $('signals'); signals.textContent = '';
  const s = state.signals;
  if (!s) { const li = document.createElement('li'); li.textContent = 'no machine signals (simulating)'; signals.appendChild(li); }
  else {
    for (const line of s.available) { const li = document.createElement('li'); li.textContent = 'available: ' + line; signals.appendChild(li); }
    for (const line of s.unavailable) { const li = document.createElement('li'); li.className = 'na'; li.textContent = 'not available: ' + line; signals.appendChild(li); }
    const now = document.createElement('li');
    const parts = [];
    if (s.otherCpuBusy !== null) parts.push('other processes use ' + Math.round(s.otherCpuBusy * 100) + '% of the CPU');
    if (s.inputIdleS !== null) parts.push('last input ' + Math.round(s.inputIdleS) + ' s ago');
    if (s.loadAvg1 !== null) parts.push('load average ' + s.loadAvg1);
    if (s.onBattery !== null) parts.push(s.onBattery ? 'on battery' : 'on mains power');
    now.textContent = 'now: ' + (parts.join(', ') || 'nothing measured yet');
    signals.appendChild(now);
  }
}

$('prefs').addEventListener('submit', (event) => event.preventDefault());
$('pause').addEventListener('click', () => {
  const paused = Boolean(snapshot && snapshot.preferences.find((p) => p.key === 'paused')?.value);
  void send(paused ? '/api/resume' : '/api/pause');
});
const numberOrNull = (id) => ($(id).value.trim() === '' ? null : Number($(id).value));
const changes = {
  hours: () => { const v = $('hours').value.trim(); if (!v) return null; const [from, to] = v.split('-').map((x) => x.trim()); return { from, to }; },
  idleOnly: () => $('idleOnly').checked, idleMinutes: () => Number($('idleMinutes').value), idleMaxOtherLoad: () => Number($('idleMaxOtherLoad').value),
  pauseOnBattery: () => $('pauseOnBattery').checked, gpu: () => $('gpu').checked,
  cpuThreads: () => numberOrNull('cpuThreads'), dailyTaskCap: () => numberOrNull('dailyTaskCap'), dailyHoursCap: () => numberOrNull('dailyHoursCap'),
};
for (const [key, read] of Object.entries(changes)) $(key).addEventListener('change', () => void send('/api/preferences', { [key]: read() }));
for (const kind of ['builtin', 'reviewed', 'own']) {
  $('accept-' + kind).addEventListener('change', () => void send('/api/preferences', { acceptScripts: ['builtin', 'reviewed', 'own'].filter((k) => $('accept-' + k).checked) }));
}

const events = new EventSource('/api/events');
events.onmessage = (event) => render(JSON.parse(event.data));
events.onerror = () => { $('state').textContent = 'the worker is not answering (stopped?)'; $('state').className = 'state waiting'; };
`;
