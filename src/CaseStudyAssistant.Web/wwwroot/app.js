// The chat page: streams answers over Server-Sent Events (fetch + ReadableStream, since EventSource cannot POST),
// turns [n] markers into links to source cards, and offers follow-ups, practice questions and comparisons.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sources: new Map(), cited: new Set() };

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-Api-Key"] = key;
  return h;
}

function filters() {
  const num = (v) => (v === "" ? null : Number(v));
  return {
    company: $("f-company").value.trim() || null,
    category: $("f-category").value || null,
    yearFrom: num($("f-year-from").value),
    yearTo: num($("f-year-to").value),
  };
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

// Answer text with every [n] turned into a link to its source card; everything else stays plain text.
function renderAnswer(text) {
  const answer = $("answer");
  answer.replaceChildren();
  const parts = text.split(/(\[\d+\])/g);
  for (const part of parts) {
    const m = /^\[(\d+)\]$/.exec(part);
    if (m && state.sources.has(Number(m[1]))) {
      const n = Number(m[1]);
      const a = el("a", { className: "cite", href: `#source-${n}`, textContent: part, title: state.sources.get(n).title });
      a.dataset.n = n;
      a.addEventListener("click", (ev) => { ev.preventDefault(); highlight(n); });
      answer.append(a);
    } else {
      answer.append(document.createTextNode(part));
    }
  }
}

function highlight(n) {
  document.querySelectorAll(".card.highlight").forEach((c) => c.classList.remove("highlight"));
  const card = $(`source-${n}`);
  if (!card) return;
  card.classList.add("highlight");
  card.scrollIntoView({ behavior: "smooth", block: "nearest" });
  card.focus({ preventScroll: true });
}

function renderSources(list, onlyCited) {
  const box = $("sources");
  box.replaceChildren();
  const shown = onlyCited ? list.filter((s) => state.cited.has(s.n)) : list;
  if (shown.length === 0) return;
  box.append(el("h2", { textContent: "Sources" }));
  for (const s of shown) {
    const link = s.url ? el("a", { href: s.url, target: "_blank", rel: "noopener noreferrer", textContent: "Read the original article" }) : "";
    const card = el("div", { className: "card", id: `source-${s.n}`, tabIndex: -1 },
      el("h3", { textContent: `[${s.n}] ${s.title}` }),
      el("div", { className: "meta", textContent: `${s.company}${s.year ? " · " + s.year : ""}${s.page ? " · p. " + s.page : ""} · ${s.heading}` }),
      s.passage ? el("blockquote", { textContent: s.passage.length > 700 ? s.passage.slice(0, 700) + "…" : s.passage }) : "",
      link);
    box.append(card);
  }
}

function renderFollowUps(list) {
  const box = $("follow-ups");
  box.replaceChildren();
  for (const q of list || []) {
    box.append(el("button", { type: "button", textContent: q, onclick: () => { $("question").value = q; ask(); } }));
  }
}

function notice(text) {
  $("status").replaceChildren(el("div", { className: "notice", textContent: text }));
}

async function ask() {
  const question = $("question").value.trim();
  if (!question) { $("question").focus(); return; }
  const button = $("ask-button");
  button.disabled = true;
  state.sources = new Map(); state.cited = new Set();
  $("answer").replaceChildren(); $("sources").replaceChildren(); $("follow-ups").replaceChildren();
  $("status").textContent = "Searching the case studies…";
  let text = "";
  try {
    const response = await fetch("api/ask/stream", { method: "POST", headers: headers(), body: JSON.stringify({ question, filters: filters() }) });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      notice(body.error || `The server answered ${response.status}.`);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end); buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] || "{}");
        if (event === "sources") {
          for (const s of data.sources) state.sources.set(s.n, s);
          $("status").textContent = data.sources.length ? `Answering from ${data.sources.length} stud${data.sources.length === 1 ? "y" : "ies"}…` : "";
        } else if (event === "token") {
          text += data.text; renderAnswer(text);
        } else if (event === "done") {
          for (const c of data.citations) { state.sources.set(c.n, c); state.cited.add(c.n); }
          renderAnswer(data.answer);
          renderSources([...state.sources.values()], true);
          renderFollowUps(data.followUps);
          $("status").textContent = data.refused ? "The case studies do not cover this question." : `Answered in ${Math.round(data.timingsMs.total)} ms (${data.mode}).`;
          if (data.notice) notice(data.notice);
        } else if (event === "error") {
          notice(data.error);
        }
      }
    }
  } catch (e) {
    notice(`Could not reach the server: ${e.message}`);
  } finally {
    button.disabled = false;
  }
}

async function practice() {
  const box = $("practice-items");
  box.replaceChildren();
  $("practice-status").textContent = "Writing questions…";
  const body = { topic: $("p-topic").value.trim() || null, difficulty: $("p-difficulty").value, count: Number($("p-count").value) || 3, filters: filters() };
  const response = await fetch("api/practice", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { $("practice-status").textContent = data.error || `The server answered ${response.status}.`; return; }
  $("practice-status").textContent = `${data.items.length} question(s) · seed ${data.seed}${data.notice ? " · " + data.notice : ""}`;
  data.items.forEach((item, i) => {
    const c = item.citations[0];
    box.append(el("div", { className: "card practice" },
      el("h3", { textContent: `${i + 1}. ${c ? c.company + ": " + c.title : "Question"} (${item.difficulty})` }),
      el("p", { textContent: item.prompt }),
      el("strong", { textContent: "Follow-up probes" }),
      el("ol", {}, ...item.followUps.map((f) => el("li", { textContent: f }))),
      el("details", {}, el("summary", { textContent: "What a strong answer covers" }),
        el("ul", {}, ...item.strongAnswerCovers.map((p) => el("li", { textContent: p })))),
      c && c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener noreferrer", textContent: `Source: ${c.title} — ${c.company}${c.year ? ", " + c.year : ""}${c.page ? " — p. " + c.page : ""}` }) : ""));
  });
}

const COLUMNS = [["problem", "Problem and scale"], ["approach", "Approach"], ["decisions", "Key decisions"], ["stack", "Stack"], ["results", "Results"]];

function compareBody(format) {
  return JSON.stringify({ topic: $("c-topic").value.trim(), max: Number($("c-max").value) || 5, filters: filters(), format });
}

async function compare() {
  const topic = $("c-topic").value.trim();
  if (!topic) { $("c-topic").focus(); return; }
  $("compare-table").replaceChildren(); $("compare-points").replaceChildren(); $("c-export").disabled = true;
  $("compare-status").textContent = "Comparing the case studies…";
  const response = await fetch("api/compare", { method: "POST", headers: headers(), body: compareBody("json") });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { $("compare-status").textContent = data.error || `The server answered ${response.status}.`; return; }
  $("compare-status").replaceChildren(...data.notices.map((n) => el("div", { className: "notice", textContent: n })));
  if (data.refused) {
    $("compare-points").append(el("ul", {}, ...data.nearest.map((n) => el("li", { textContent: `${n.title} — ${n.company}${n.year ? ", " + n.year : ""}` }))));
    return;
  }
  const cite = (n, url) => url ? el("a", { className: "cite", href: url, target: "_blank", rel: "noopener noreferrer", textContent: `[${n}]` }) : el("span", { className: "cite", textContent: `[${n}]` });
  const head = el("tr", {}, el("th", { textContent: "Study" }), ...COLUMNS.map(([, title]) => el("th", { textContent: title })));
  const rows = data.studies.map((s) => el("tr", {},
    el("th", { scope: "row" }, cite(s.n, s.url), ` ${s.company}`, el("div", { className: "meta", textContent: `${s.title}${s.year ? " (" + s.year + ")" : ""}` })),
    ...COLUMNS.map(([key]) => {
      const cell = s.cells[key];
      const td = el("td", { className: cell.citation ? "" : "missing" }, cell.text);
      if (cell.citation) td.append(" ", cite(cell.citation.n, cell.citation.url));
      if (cell.flag) td.append(el("div", { className: "flag", textContent: cell.flag }));
      return td;
    })));
  $("compare-table").append(el("table", { className: "compare" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  const company = (n) => data.studies[n - 1].company;
  const list = (title, points, none) => {
    const box = el("section", { className: "points" }, el("h2", { textContent: title }));
    if (points.length === 0) box.append(el("p", { className: "meta", textContent: none }));
    box.append(el("ul", {}, ...points.map((p) => el("li", {}, el("strong", { textContent: p.text }),
      ` — ${[...new Set(p.quotes.map((q) => q.n))].map((n) => `${company(n)} [${n}]`).join(", ")}`,
      p.flag ? el("div", { className: "flag", textContent: p.flag }) : "",
      el("ul", {}, ...p.quotes.map((q) => el("li", { className: "quote", textContent: `[${q.n}] “${q.text}”` })))))));
    return box;
  };
  $("compare-points").append(
    list("Common patterns", data.patterns, "No decision or component is shared by two of these studies."),
    list("Where they differ", data.differences, "No study's key decisions turn down what another study chose."));
  $("c-export").disabled = false;
  $("compare-status").append(`${data.studies.length} stud${data.studies.length === 1 ? "y" : "ies"} compared (${data.mode}).`);
}

async function exportMarkdown() {
  const response = await fetch("api/compare", { method: "POST", headers: headers(), body: compareBody("markdown") });
  if (!response.ok) { $("compare-status").textContent = `Export failed: the server answered ${response.status}.`; return; }
  const link = el("a", { href: URL.createObjectURL(new Blob([await response.text()], { type: "text/markdown" })), download: "comparison.md" });
  document.body.append(link); link.click(); link.remove();
}

function selectTab(name) {
  for (const t of ["ask", "practice", "compare"]) {
    $(`tab-${t}`).setAttribute("aria-selected", String(t === name));
    $(`panel-${t}`).hidden = t !== name;
  }
}

async function loadFilterOptions() {
  try {
    const response = await fetch("api/studies", { headers: headers() });
    if (!response.ok) return;
    const studies = await response.json();
    const companies = [...new Set(studies.map((s) => s.company))].sort();
    const categories = [...new Set(studies.map((s) => s.category).filter(Boolean))].sort();
    $("companies").replaceChildren(...companies.map((c) => el("option", { value: c })));
    $("f-category").append(...categories.map((c) => el("option", { value: c, textContent: c })));
  } catch { /* filters stay free text */ }
}

$("ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(); });
$("question").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); ask(); } });
$("practice-form").addEventListener("submit", (e) => { e.preventDefault(); practice(); });
$("tab-ask").addEventListener("click", () => selectTab("ask"));
$("tab-practice").addEventListener("click", () => selectTab("practice"));
$("tab-compare").addEventListener("click", () => selectTab("compare"));
$("compare-form").addEventListener("submit", (e) => { e.preventDefault(); compare(); });
$("c-export").addEventListener("click", exportMarkdown);
$("api-key").value = sessionStorage.getItem("csa-api-key") || "";
$("api-key").addEventListener("change", () => { sessionStorage.setItem("csa-api-key", $("api-key").value); loadFilterOptions(); });
const preset = new URLSearchParams(location.search).get("q");
if (preset) { $("question").value = preset; ask(); }
loadFilterOptions();
$("question").focus();
