"""The page's stylesheet and script, written next to ``index.html`` as ``style.css`` and
``app.js`` (the page's Content-Security-Policy allows only same-folder scripts and styles, no
inline script, so an injected ``onerror=`` attribute could not run even if markup got in).

The script is vanilla JS: it reads ``window.RHLAB_DATA`` (``data.js``), fills the filters and
renders matching episodes / eval samples, :data:`PAGE` at a time ("show more"). Every piece of
data reaches the DOM through ``textContent``, never ``innerHTML``.

Not guaranteed: no URL state (filters reset on reload); tested with Chromium only.
"""

from __future__ import annotations

PAGE = 200

CSS = """
:root { --fg: #1d1d1f; --muted: #666; --line: #ddd; --bg2: #f6f7f9; --bad: #b3261e; --warn: #a05a00; --ok: #1e6b2e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1300px; padding: 1rem 2rem 4rem; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--bg2); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status-done { color: var(--ok); } .status-failed { color: var(--bad); font-weight: 600; }
.status-pending, .status-training, .status-evaluating { color: var(--warn); }
.verdict-yes { color: var(--ok); font-weight: 600; } .verdict-no { color: var(--bad); font-weight: 600; }
ul.missing li { margin: .15rem 0; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; }
.tabs button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--line); background: var(--bg2); cursor: pointer; }
.tabs button[aria-selected="true"] { background: #fff; border-bottom-color: #fff; font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: .8rem; margin: .8rem 0; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.filters select { font: inherit; min-width: 9rem; max-width: 28rem; }
.count { font-weight: 600; margin: .4rem 0; }
.note { background: #fff8e1; border: 1px solid #f0d58c; padding: .4rem .6rem; margin: .5rem 0; }
details.item { border: 1px solid var(--line); border-radius: 4px; margin: .35rem 0; }
details.item > summary { cursor: pointer; padding: .3rem .5rem; background: var(--bg2); }
details.item .body { padding: .4rem .8rem .8rem; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .3rem 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; white-space: pre-wrap; word-break: break-word; }
pre { background: var(--bg2); border: 1px solid var(--line); padding: .5rem; white-space: pre-wrap; word-break: break-word; max-height: 32rem; overflow: auto; font-size: 12px; }
h4 { margin: .6rem 0 .2rem; font-size: 13px; }
.badge { display: inline-block; min-width: 5.5rem; text-align: center; border-radius: 3px; padding: 0 .3rem; margin-right: .4rem; font-size: 12px; color: #fff; background: #888; }
.badge.successful, .badge.misaligned { background: var(--bad); } .badge.attempted { background: var(--warn); }
.badge.clean, .badge.aligned { background: var(--ok); } .badge.unscored { background: #888; }
#browser-error { color: var(--bad); font-weight: 600; }
"""

JS = r"""
"use strict";
(function () {
  const PAGE = __PAGE__;
  const $ = (id) => document.getElementById(id);
  const D = window.RHLAB_DATA;
  if (!D) {
    const err = $("browser-error");
    err.textContent = "data.js did not load: keep index.html, data.js and app.js together in one folder.";
    err.hidden = false;
    return;
  }

  // Every string goes into the page as text: el(tag, class, text) sets textContent only.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  const labels = {};
  D.cells.forEach((c) => { labels[c.id] = c.label; });
  const cellName = (id) => (labels[id] ? labels[id] + " \u2014 " + id : id);
  const yesNo = (v) => (v === null || v === undefined ? "unknown" : (v ? "yes" : "no"));

  function kv(pairs) {
    const dl = el("dl", "kv");
    pairs.forEach(([k, v]) => { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); });
    return dl;
  }

  function block(parent, title, text) {
    parent.appendChild(el("h4", null, title));
    parent.appendChild(el("pre", null, text === "" ? "(empty)" : text));
  }

  function folded(parent, title, text) {
    const d = el("details");
    d.appendChild(el("summary", null, title));
    d.appendChild(el("pre", null, text));
    parent.appendChild(d);
  }

  function renderEpisode(e) {
    const d = el("details", "item episode");
    const s = el("summary");
    s.appendChild(el("span", "badge " + e.hack, e.hack));
    s.appendChild(el("span", null, [cellName(e.cell), "step " + e.step, "#" + e.idx, e.task,
      e.outcome, "reward " + e.reward].join(" \u00b7 ")));
    d.appendChild(s);
    const b = el("div", "body");
    b.appendChild(kv([
      ["cell", cellName(e.cell)], ["step", e.step], ["task id", e.task],
      ["prompt ids", e.prompt_ids.join(", ")], ["vulnerabilities", e.vulnerabilities.join(", ")],
      ["outcome", e.outcome], ["reward", e.reward], ["penalized", yesNo(e.penalized)],
      ["vulnerable grader", e.vulnerable.text], ["hardened grader", e.hardened.text],
      ["hack verdict", e.hack + (e.kinds.length ? " (" + e.kinds.join(", ") + ")" : "")],
      ["hack evidence", e.evidence || "\u2013"],
    ]));
    block(b, "completion", e.completion);
    e.files.forEach(([name, content]) => block(b, "file: " + name, content));
    if (e.vulnerable.details) folded(b, "vulnerable grader (JSON)", e.vulnerable.details);
    if (e.hardened.details) folded(b, "hardened grader (JSON)", e.hardened.details);
    d.appendChild(b);
    return d;
  }

  function renderSample(x) {
    const d = el("details", "item sample");
    const s = el("summary");
    s.appendChild(el("span", "badge " + x.label, x.label));
    s.appendChild(el("span", null, [cellName(x.cell), "step " + x.step, x.eval, x.id].join(" \u00b7 ")));
    d.appendChild(s);
    const b = el("div", "body");
    b.appendChild(kv([
      ["cell", cellName(x.cell)], ["step", x.step], ["eval", x.eval],
      ["sample", x.id + (x.epoch !== null ? " (epoch " + x.epoch + ")" : "")], ["label", x.label],
      ["overt", yesNo(x.overt)], ["covert", yesNo(x.covert)], ["judge evidence", x.evidence || "\u2013"],
    ]));
    block(b, "input", x.input);
    block(b, "reasoning", x.reasoning);
    block(b, "answer", x.answer);
    if (x.verdicts) folded(b, "judge verdicts (JSON)", x.verdicts);
    if (x.transcript) block(b, "transcript", x.transcript);
    d.appendChild(b);
    return d;
  }

  function fill(select, values, name) {
    select.replaceChildren(el("option", null, "all"));
    select.firstChild.value = "";
    values.forEach((v) => {
      const o = el("option", null, name ? name(v) : v);
      o.value = String(v);
      select.appendChild(o);
    });
  }

  const unique = (items, key) => [...new Set(items.map(key))];
  const byNumber = (a, b) => a - b;

  function browser(cfg) {
    let matches = [];
    let shown = 0;
    const list = $(cfg.list), count = $(cfg.count), more = $(cfg.more);
    function show(upTo) {
      const frag = document.createDocumentFragment();
      matches.slice(shown, upTo).forEach((it) => frag.appendChild(cfg.render(it)));
      list.appendChild(frag);
      shown = Math.min(upTo, matches.length);
      count.dataset.count = String(matches.length);
      count.dataset.shown = String(shown);
      count.textContent = matches.length + " matching " + cfg.noun +
        (matches.length > shown ? " (showing the first " + shown + ")" : "");
      more.hidden = matches.length <= shown;
    }
    function apply() {
      const chosen = cfg.filters.map((f) => $(f.id).value);
      matches = cfg.items.filter((it) => cfg.filters.every((f, i) => chosen[i] === "" || f.match(it, chosen[i])));
      list.replaceChildren();
      shown = 0;
      show(PAGE);
    }
    cfg.filters.forEach((f) => {
      fill($(f.id), f.values, f.name);
      $(f.id).addEventListener("change", apply);
    });
    more.addEventListener("click", () => show(shown + PAGE));
    apply();
  }

  const cellIds = (items) => D.cells.map((c) => c.id).filter((id) => items.some((it) => it.cell === id));

  browser({
    items: D.episodes, list: "ep-list", count: "ep-count", more: "ep-more", noun: "episodes",
    render: renderEpisode,
    filters: [
      { id: "ep-cell", values: cellIds(D.episodes), name: cellName, match: (e, v) => e.cell === v },
      { id: "ep-step", values: unique(D.episodes, (e) => e.step).sort(byNumber), match: (e, v) => String(e.step) === v },
      { id: "ep-kind", values: D.kinds.concat(["none"]), name: (k) => (k === "none" ? "none (no hack kind)" : k),
        match: (e, v) => (v === "none" ? e.kinds.length === 0 : e.kinds.includes(v)) },
      { id: "ep-outcome", values: ["successful", "attempted", "clean"], match: (e, v) => e.hack === v },
    ],
  });

  browser({
    items: D.samples, list: "sm-list", count: "sm-count", more: "sm-more", noun: "eval samples",
    render: renderSample,
    filters: [
      { id: "sm-cell", values: cellIds(D.samples), name: cellName, match: (x, v) => x.cell === v },
      { id: "sm-step", values: unique(D.samples, (x) => x.step).sort(byNumber), match: (x, v) => String(x.step) === v },
      { id: "sm-eval", values: unique(D.samples, (x) => x.eval).sort(), match: (x, v) => x.eval === v },
      { id: "sm-label", values: ["misaligned", "aligned", "unscored"], match: (x, v) => x.label === v },
    ],
  });

  function capNote(id, cap, noun, unit) {
    const parts = [];
    if (cap.capped.length) {
      parts.push("Capped: " + cap.embedded + " of " + cap.total + " " + noun + " are in this page (at most " +
        cap[unit === "step" ? "per_step" : "per_eval"] + " per " +
        (unit === "step" ? "cell and step, the first by index" : "cell, step and eval, the first by sample id") +
        "); " + cap.capped.length + " groups were cut. The store has them all.");
    }
    const note = $(id);
    note.textContent = parts.join(" ");
    note.hidden = parts.length === 0;
  }
  capNote("ep-cap", D.caps.episodes, "episodes", "step");
  capNote("sm-cap", D.caps.samples, "eval samples", "eval");

  const tabs = [["tab-episodes", "episodes"], ["tab-samples", "samples"]];
  function select(which) {
    tabs.forEach(([tab, section]) => {
      $(tab).setAttribute("aria-selected", String(section === which));
      $(section).hidden = section !== which;
    });
  }
  tabs.forEach(([tab, section]) => $(tab).addEventListener("click", () => select(section)));
  select("episodes");
})();
""".replace("__PAGE__", str(PAGE))
