/**
 * The console's stylesheet and script, served from `/console/assets/` because the
 * Content-Security-Policy allows no inline style or script. The script only enhances pages
 * that already work without it: live counts, progress that refreshes itself, copy buttons.
 */

export const consoleCss = `
:root { --ink: #1b1f24; --muted: #555f6b; --line: #d4d9df; --bg: #f6f7f9; --card: #fff;
  --accent: #0b5cad; --accent-ink: #fff; --danger: #b3261e; --ok: #1e6b37; --warn: #8a5300; --focus: #ffbf47; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, main:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.top { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap;
  padding: .6rem 1.25rem; background: #13294b; color: #fff; }
.top a { color: #fff; }
.top .muted { color: #d7dde6; }
.brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; }
.who { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.who button.link { color: #fff; }
.frame { display: grid; grid-template-columns: 14rem 1fr; min-height: calc(100vh - 3rem); }
.side { background: var(--card); border-right: 1px solid var(--line); padding: 1rem 0; }
.side ul { list-style: none; margin: 0; padding: 0; }
.side a { display: block; padding: .45rem 1.25rem; text-decoration: none; color: var(--ink); }
.side a:hover { background: var(--bg); }
.side a[aria-current="page"] { font-weight: 600; border-left: 4px solid var(--accent); padding-left: calc(1.25rem - 4px); background: #eaf1fa; }
main { padding: 1.5rem 2rem 3rem; max-width: 80rem; }
main.narrow { max-width: 26rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 2rem; }
.heading { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: var(--muted); }
.zone { color: var(--muted); font-weight: normal; font-size: .85em; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 1rem; margin-bottom: 1rem; }
.stat { font-size: 1.8rem; font-weight: 700; display: block; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: .55rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
form.inline { display: inline; }
label { display: block; font-weight: 600; margin: .9rem 0 .3rem; }
.hint { display: block; font-weight: normal; color: var(--muted); font-size: .9rem; }
input[type=text], input[type=email], input[type=password], input[type=url], input[type=search], input[type=number],
input[type=datetime-local], input[type=date], select, textarea {
  width: 100%; max-width: 40rem; padding: .5rem .6rem; border: 1px solid #7a8591; border-radius: 4px; font: inherit; background: #fff; color: var(--ink); }
textarea { min-height: 8rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0; background: var(--card); }
legend { font-weight: 600; padding: 0 .3rem; }
.check { display: flex; gap: .5rem; align-items: flex-start; font-weight: normal; margin: .4rem 0; }
.check input { margin-top: .3rem; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 4px; border: 2px solid var(--accent);
  background: var(--accent); color: var(--accent-ink); cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger, .button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
button.link { background: none; border: none; padding: 0; color: var(--accent); text-decoration: underline; font-weight: normal; }
button[disabled] { opacity: .55; cursor: not-allowed; }
.buttons { display: flex; gap: .75rem; flex-wrap: wrap; align-items: center; margin-top: 1.25rem; }
.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-end; margin-bottom: 1rem; }
.filters label { margin-top: 0; }
.filters input, .filters select { width: auto; min-width: 10rem; }
.notice { background: #e6f4ea; border-left: 4px solid var(--ok); padding: .6rem 1rem; }
.error-summary { background: #fdecea; border-left: 4px solid var(--danger); padding: .6rem 1rem; margin-bottom: 1rem; }
.error-summary p { margin: 0; font-weight: 600; }
.warning { background: #fff4e0; border-left: 4px solid var(--warn); padding: .6rem 1rem; }
.field-error { color: var(--danger); font-weight: 600; display: block; }
.empty { background: var(--card); border: 1px dashed #9aa4af; border-radius: 8px; padding: 1.5rem; text-align: center; }
.empty-title { font-weight: 600; margin-top: 0; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; background: #e3e7ec; color: var(--ink); }
.badge-sent, .badge-confirmed, .badge-active, .badge-done, .badge-delivered { background: #dcefe2; color: #14532d; }
.badge-sending, .badge-running, .badge-scheduled, .badge-queued { background: #dbe8f7; color: #0a3d75; }
.badge-paused, .badge-unconfirmed, .badge-uncertain, .badge-soft_bounced { background: #fdf0d5; color: #6b4100; }
.badge-failed, .badge-cancelled, .badge-bounced, .badge-complained, .badge-unsubscribed, .badge-erased, .badge-blocklisted, .badge-revoked, .badge-disabled { background: #f9dedc; color: #7f1d1d; }
.pager { display: flex; justify-content: space-between; margin: 1rem 0; }
.token { font-family: ui-monospace, monospace; background: #fff8d6; padding: .5rem; border: 1px solid #d9c56b; word-break: break-all; display: block; }
.previews { display: grid; grid-template-columns: minmax(0, 1fr) 400px; gap: 1rem; align-items: start; }
.preview-frame { width: 100%; height: 640px; border: 1px solid var(--line); background: #fff; }
.preview-phone { width: 375px; max-width: 100%; }
.preview-text { white-space: pre-wrap; font-family: ui-monospace, monospace; background: #fff; border: 1px solid var(--line); padding: 1rem; max-height: 640px; overflow: auto; }
.items li { margin-bottom: .5rem; }
.count-live { font-weight: 700; }
.chart { max-width: 100%; height: auto; }
.chart .bar { fill: var(--accent); }
.chart .bar-bad { fill: var(--danger); }
.chart .bar-none { fill: #c9d1d9; }
.chart .axis { stroke: #7a8591; }
.chart text { font-size: 12px; fill: var(--ink); }
progress { width: 100%; max-width: 40rem; height: 1.2rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.rule-row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: flex-end; margin-bottom: .5rem; }
.rule-row label { margin-top: 0; }
.rule-row select, .rule-row input { width: auto; }
.rule-rows td { border-bottom: none; padding: .3rem .5rem; }
pre.code { background: #fff; border: 1px solid var(--line); padding: .75rem; overflow-x: auto; font-size: .9rem; }
@media (max-width: 50rem) {
  .frame { grid-template-columns: 1fr; }
  .side { border-right: none; border-bottom: 1px solid var(--line); padding: .25rem 0; }
  .side ul { display: flex; flex-wrap: wrap; }
  .side a { padding: .4rem .75rem; }
  .side a[aria-current="page"] { border-left: none; border-bottom: 3px solid var(--accent); padding-left: .75rem; }
  main { padding: 1rem; }
  .previews { grid-template-columns: 1fr; }
}
`;

export const consoleJs = `
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  // Live counts: an element with data-count-url shows the count for the form it belongs to.
  // The form's fields are sent as the query string; the answer is { count }.
  document.querySelectorAll('[data-count-url]').forEach(function (out) {
    var form = out.closest('form') || document.getElementById(out.getAttribute('data-count-form'));
    if (!form) return;
    var timer;
    function refresh() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (key !== '_csrf' && typeof value === 'string') params.append(key, value); });
      fetch(out.getAttribute('data-count-url') + '?' + params.toString(), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (body) { out.textContent = body.label || String(body.count); out.removeAttribute('data-stale'); })
        .catch(function () { out.setAttribute('data-stale', 'true'); });
    }
    form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    form.addEventListener('change', function () { clearTimeout(timer); timer = setTimeout(refresh, 100); });
  });

  // Progress: an element with data-poll-url is replaced by the fragment that URL returns,
  // every two seconds, until the fragment no longer carries data-poll-url.
  document.querySelectorAll('[data-poll-url]').forEach(function poll(el) {
    setTimeout(function () {
      fetch(el.getAttribute('data-poll-url'), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var box = document.createElement('div');
          box.innerHTML = html;
          var next = box.firstElementChild;
          if (!next) return;
          el.replaceWith(next);
          if (next.hasAttribute('data-poll-url')) poll(next);
        })
        .catch(function () {});
    }, 2000);
  });

  // Copy buttons: data-copy names the element whose text is copied.
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () { button.textContent = 'Copied'; });
    });
  });

  // Preview refresh: a button with data-refresh reloads the named iframes.
  document.querySelectorAll('[data-refresh]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      button.getAttribute('data-refresh').split(' ').forEach(function (id) {
        var frame = document.getElementById(id);
        if (frame) frame.src = frame.src;
      });
    });
  });

  // Selecting all rows: a checkbox with data-check-all toggles the checkboxes it names.
  document.querySelectorAll('[data-check-all]').forEach(function (box) {
    box.hidden = false;
    box.addEventListener('change', function () {
      document.querySelectorAll('input[name="' + box.getAttribute('data-check-all') + '"]').forEach(function (c) { c.checked = box.checked; });
    });
  });

  window.gazetteCsrf = csrf;
})();
`;
