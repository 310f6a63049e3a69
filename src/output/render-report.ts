// `merge --report FILE`: one self-contained HTML page for people browsing a published list.
// No network at all (a Content-Security-Policy forbids it): inline CSS and JS, no fonts or images.
// The rows are rendered on the server so the page works without JS; the same data is embedded
// as JSON, which the script uses for searching and sorting (it reuses the server-rendered rows,
// so a 50,000-row list is not built twice). Filtering toggles `hidden`; sorting re-appends rows.
// The output depends on the input only (no clock, no random ids): same input, same bytes.

export type ReportSeverity = 'noop' | 'silence' | 'suspend';

export interface ReportBlock {
  domain: string;
  severity: ReportSeverity;
  reject_media: boolean;
  reject_reports: boolean;
  obfuscate: boolean;
  public_comment: string;
  /** How many sources named this domain. */
  sources: number;
}

export interface ReportChanges {
  added: string[];
  removed: string[];
  changed: Array<{ domain: string; from: string; to: string }>;
}

export interface ReportInput {
  title: string;
  generatedAt: string;
  blocks: ReportBlock[];
  sourceCount: number;
  sourceNames: string[];
  changes?: ReportChanges;
}

const SEVERITY_ORDER: readonly ReportSeverity[] = ['suspend', 'silence', 'noop'];
const SEVERITY_RANK: Record<ReportSeverity, number> = { noop: 0, silence: 1, suspend: 2 };
const FLAG_LABELS = ['reject media', 'reject reports', 'obfuscated'] as const;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * JSON safe inside `<script type="application/json">`: every `<` becomes `\u003c`, which covers
 * `</script` and `<!--` (both can end or confuse a script element); U+2028/2029 escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Byte-order comparison (as the merge sorts), never locale-dependent. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function flagBits(b: ReportBlock): number {
  return (b.reject_media ? 1 : 0) | (b.reject_reports ? 2 : 0) | (b.obfuscate ? 4 : 0);
}

function flagText(bits: number): string {
  const names = FLAG_LABELS.filter((_, i) => bits & (1 << i));
  return names.length ? names.join(', ') : '';
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function rowHtml(b: ReportBlock, bits: number, sourceCount: number): string {
  const flags = flagText(bits);
  return (
    `<tr><th scope="row">${escapeHtml(b.domain)}</th>` +
    `<td><span class="sev sev-${b.severity}">${b.severity}</span></td>` +
    `<td>${flags ? flags : '<span class="none">none</span>'}</td>` +
    `<td>${escapeHtml(b.public_comment)}</td>` +
    `<td class="num">${b.sources} of ${sourceCount}</td></tr>`
  );
}

function changesHtml(c: ReportChanges): string {
  const added = [...c.added].sort(byText);
  const removed = [...c.removed].sort(byText);
  const changed = [...c.changed].sort((a, b) => byText(a.domain, b.domain));
  const list = (items: string[]): string =>
    items.length ? `<ul class="changes">${items.map((d) => `<li>${d}</li>`).join('')}</ul>` : '<p class="none">None.</p>';
  const group = (id: string, heading: string, count: number, body: string): string =>
    `<section aria-labelledby="${id}"><h3 id="${id}">${heading} (${count})</h3>${body}</section>`;
  return (
    `<section id="changes" aria-labelledby="changes-h"><h2 id="changes-h">Changes since the previous list</h2>` +
    `<p>${plural(added.length, 'domain', 'domains')} added, ${removed.length} removed, ${changed.length} with a new severity.</p>` +
    group('added-h', 'Added', added.length, list(added.map(escapeHtml))) +
    group('removed-h', 'Removed', removed.length, list(removed.map(escapeHtml))) +
    group(
      'changed-h',
      'Severity changed',
      changed.length,
      list(changed.map((x) => `${escapeHtml(x.domain)}: ${escapeHtml(x.from)} → ${escapeHtml(x.to)}`)),
    ) +
    `</section>`
  );
}

/** Rows listed at once when JS runs (and on the first paint); the rest after "Show all". */
export const LIST_LIMIT = 1000;

const CSS = `
:root{color-scheme:light;--fg:#1b1b1b;--muted:#545454;--bg:#fff;--line:#c4c4c4;--head:#eef1f5;--focus:#1a4fd6}
*{box-sizing:border-box}
body{margin:0;padding:1.5rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:80rem;margin:0 auto}
h1{font-size:1.75rem;margin:0 0 .25rem}
h2{font-size:1.3rem;margin:2rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
.meta,.none{color:var(--muted)}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem}
.skip:focus{left:1rem}
a{color:#0b49c4}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.counts{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;padding:0;margin:.5rem 0}
.counts li{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem}
.counts strong{font-size:1.2rem;margin-left:.35rem}
.sev{display:inline-block;border-radius:4px;padding:0 .4rem;font-weight:600}
.sev-suspend{color:#7a0e0e;background:#fde4e4}
.sev-silence{color:#5c3d00;background:#fff0c2}
.sev-noop{color:#24482a;background:#e3f1e5}
.controls{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;margin:1rem 0 .5rem}
.controls label{display:block;font-weight:600}
input,select{font:inherit;color:var(--fg);background:var(--bg);border:2px solid #6b6b6b;border-radius:4px;padding:.3rem .5rem}
input[type=search]{min-width:18rem}
#status{font-weight:600;margin:.25rem 0}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0;caption-side:top}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
tbody th{font-weight:400;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
td{overflow-wrap:anywhere}
thead th{background:var(--head);position:sticky;top:0;padding:0}
thead th button{all:unset;box-sizing:border-box;display:block;width:100%;padding:.4rem .5rem;font-weight:700;cursor:pointer}
thead th button:focus-visible{outline:3px solid var(--focus);outline-offset:-3px}
thead th button::after{content:"";margin-left:.3rem}
thead th[aria-sort=ascending] button::after{content:"\\25B2"}
thead th[aria-sort=descending] button::after{content:"\\25BC"}
.num{white-space:nowrap}
ul.changes{columns:18rem;padding-left:1.2rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.capped #rows>tr:nth-child(n+${LIST_LIMIT + 1}){display:none}
#show-all{font:inherit;margin:.5rem 0;padding:.3rem .8rem;border:2px solid #6b6b6b;border-radius:4px;background:var(--head);color:var(--fg);cursor:pointer}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

// Plain ES2017, no modules, no fetches. Reads the JSON, pairs it with the server-rendered rows
// (or renders them when they are missing), then filters by toggling `hidden` and sorts by
// re-appending rows in a new order. Ties break by domain, so every order is deterministic.
const SCRIPT = `
(function(){
"use strict";
var data=JSON.parse(document.getElementById("report-data").textContent);
var M=data.sourceCount, rows=data.rows, N=rows.length;
var SEV=["noop","silence","suspend"], FLAGS=["reject media","reject reports","obfuscated"];
var tbody=document.getElementById("rows"), status=document.getElementById("status");
var empty=document.getElementById("no-match"), q=document.getElementById("q"), sevSel=document.getElementById("sev");
function flagText(b){var o=[];for(var i=0;i<3;i++)if(b&(1<<i))o.push(FLAGS[i]);return o.join(", ");}
function cell(tag,text,cls){var c=document.createElement(tag);if(cls)c.className=cls;c.textContent=text;return c;}
function render(r){
  var tr=document.createElement("tr"),th=cell("th",r[0]);th.scope="row";tr.appendChild(th);
  var td=document.createElement("td");td.appendChild(cell("span",SEV[r[1]],"sev sev-"+SEV[r[1]]));tr.appendChild(td);
  var f=flagText(r[2]);td=document.createElement("td");td.appendChild(f?document.createTextNode(f):cell("span","none","none"));tr.appendChild(td);
  tr.appendChild(cell("td",r[3]));tr.appendChild(cell("td",r[4]+" of "+M,"num"));return tr;
}
var trs=tbody.rows;
if(trs.length!==N){
  tbody.textContent="";var frag=document.createDocumentFragment();
  for(var i=0;i<N;i++)frag.appendChild(render(rows[i]));tbody.appendChild(frag);trs=tbody.rows;
}
var items=new Array(N);
for(var j=0;j<N;j++){var r=rows[j];items[j]={i:j,tr:trs[j],r:r,hay:(r[0]+"\\n"+r[3]).toLowerCase(),flags:flagText(r[2]),shown:true};}
// Laying out tens of thousands of table rows takes seconds, so at most LIMIT matching rows are
// listed at a time (in the current order); "Show all" lifts the cap. Without JS, CSS does the same
// for the first paint and a <noscript> style lists every row.
var LIMIT=+tbody.getAttribute("data-limit")||N,showAll=false,order=items.slice();
var more=document.getElementById("show-all");
var shownCount=N,matchCount=N,lastText="";
function announce(){
  var t=shownCount+" of "+N+" domains shown";
  if(matchCount>shownCount)t+="; "+matchCount+" match (refine the search, or show all)";
  if(t!==lastText){status.textContent=t;lastText=t;}
  empty.hidden=matchCount!==0||N===0;
  more.hidden=matchCount<=shownCount;
  more.textContent="Show all "+matchCount+" matching domains";
}
function applyFilter(){
  var needle=q.value.trim().toLowerCase(),sev=sevSel.value,sevIdx=sev?SEV.indexOf(sev):-1,n=0,m=0;
  for(var k=0;k<N;k++){
    var it=order[k],match=(sevIdx<0||it.r[1]===sevIdx)&&(!needle||it.hay.indexOf(needle)!==-1);
    var show=match&&(showAll||n<LIMIT);
    if(show!==it.shown){it.tr.hidden=!show;it.shown=show;}
    if(match)m++;
    if(show)n++;
  }
  shownCount=n;matchCount=m;announce();
}
more.addEventListener("click",function(){showAll=true;applyFilter();});
var timer=0;
function schedule(){if(timer)clearTimeout(timer);timer=setTimeout(function(){timer=0;applyFilter();},N>5000?150:0);}
q.addEventListener("input",schedule);
sevSel.addEventListener("change",applyFilter);
document.getElementById("search-form").addEventListener("submit",function(e){e.preventDefault();applyFilter();});
var KEYS={
  domain:function(a,b){return a.i-b.i;},
  severity:function(a,b){return a.r[1]-b.r[1];},
  flags:function(a,b){var x=a.flags,y=b.flags;return x<y?-1:x>y?1:0;},
  comment:function(a,b){var x=a.r[3],y=b.r[3];return x<y?-1:x>y?1:0;},
  sources:function(a,b){return a.r[4]-b.r[4];}
};
var heads=document.querySelectorAll("thead th[data-key]"),sortLabel=document.getElementById("sort-label");
function sortBy(th,dir){
  var key=th.getAttribute("data-key"),cmp=KEYS[key],sign=dir==="descending"?-1:1;
  order=items.slice().sort(function(a,b){var c=cmp(a,b)*sign;return c!==0?c:a.i-b.i;});
  applyFilter();
  // Detach every row at once first: moving rows out of a live table one by one is quadratic.
  tbody.textContent="";
  var frag=document.createDocumentFragment();
  for(var k=0;k<order.length;k++)frag.appendChild(order[k].tr);
  tbody.appendChild(frag);
  for(var h=0;h<heads.length;h++){if(heads[h]===th)heads[h].setAttribute("aria-sort",dir);else heads[h].removeAttribute("aria-sort");}
  sortLabel.textContent="sorted by "+th.getAttribute("data-label")+", "+dir;
}
for(var h=0;h<heads.length;h++){(function(th){
  th.querySelector("button").addEventListener("click",function(){
    sortBy(th,th.getAttribute("aria-sort")==="ascending"?"descending":"ascending");
  });
})(heads[h]);}
applyFilter();
document.getElementById("blocks").classList.remove("capped");
document.getElementById("search-form").hidden=false;
})();
`;

const COLUMNS: Array<{ key: string; label: string }> = [
  { key: 'domain', label: 'Domain' },
  { key: 'severity', label: 'Severity' },
  { key: 'flags', label: 'Flags' },
  { key: 'comment', label: 'Public comment' },
  { key: 'sources', label: 'Named by' },
];

/** The whole report page. Deterministic: the same input gives the same string. */
export function renderReport(input: ReportInput): string {
  const blocks = [...input.blocks].sort((a, b) => byText(a.domain, b.domain));
  const M = input.sourceCount;
  const bits = blocks.map(flagBits);
  const counts: Record<ReportSeverity, number> = { noop: 0, silence: 0, suspend: 0 };
  for (const b of blocks) counts[b.severity] += 1;
  const total = blocks.length;
  const title = escapeHtml(input.title);

  const data = {
    sourceCount: M,
    // [domain, severity rank, flag bits (1 media, 2 reports, 4 obfuscate), public comment, sources]
    rows: blocks.map((b, i) => [b.domain, SEVERITY_RANK[b.severity], bits[i], b.public_comment, b.sources]),
  };

  const sourcesList = input.sourceNames.length
    ? `<details><summary>The ${plural(input.sourceNames.length, 'source', 'sources')}</summary><ol>${input.sourceNames
        .map((n) => `<li>${escapeHtml(n)}</li>`)
        .join('')}</ol></details>`
    : '';

  const head = COLUMNS.map(
    (c) =>
      `<th scope="col" data-key="${c.key}" data-label="${c.label.toLowerCase()}"${c.key === 'domain' ? ' aria-sort="ascending"' : ''}>` +
      `<button type="button">${c.label}</button></th>`,
  ).join('');

  const body: string[] = [];
  for (let i = 0; i < blocks.length; i++) body.push(rowHtml(blocks[i] as ReportBlock, bits[i] as number, M));

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="fediblock">',
    `<title>${title}</title>`,
    `<style>${CSS}</style>`,
    `<noscript><style>.capped #rows>tr:nth-child(n+${LIST_LIMIT + 1}){display:table-row}</style></noscript>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#blocks">Skip to the list of domains</a>',
    '<main>',
    `<h1>${title}</h1>`,
    `<p class="meta">Generated <time datetime="${escapeHtml(input.generatedAt)}">${escapeHtml(input.generatedAt)}</time> from ${plural(M, 'source', 'sources')}.</p>`,
    sourcesList,
    '<section aria-labelledby="counts-h">',
    '<h2 id="counts-h">Domains by severity</h2>',
    '<ul class="counts">',
    ...SEVERITY_ORDER.map(
      (s) => `<li><span class="sev sev-${s}">${s}</span><strong>${counts[s]}</strong></li>`,
    ),
    `<li>total<strong>${total}</strong></li>`,
    '</ul>',
    '</section>',
    input.changes ? changesHtml(input.changes) : '',
    '<section aria-labelledby="blocks-h">',
    '<h2 id="blocks-h">Blocked domains</h2>',
    '<noscript><p>Searching and sorting need JavaScript; the full list is below.</p></noscript>',
    '<form id="search-form" class="controls" role="search" hidden>',
    '<div><label for="q">Search domains and comments</label><input type="search" id="q" name="q" autocomplete="off" spellcheck="false"></div>',
    '<div><label for="sev">Severity</label><select id="sev" name="sev"><option value="">all</option>' +
      SEVERITY_ORDER.map((s) => `<option value="${s}">${s}</option>`).join('') +
      '</select></div>',
    '</form>',
    `<p id="status" role="status" aria-live="polite" aria-atomic="true">${total} of ${total} domains shown</p>`,
    '<p id="no-match" class="none" hidden>No domains match the search.</p>',
    `<table id="blocks"${total > LIST_LIMIT ? ' class="capped"' : ''}>`,
    `<caption>Blocked domains, ${plural(total, 'domain', 'domains')}, <span id="sort-label">sorted by domain, ascending</span><span class="vh">; the column headers are buttons that sort</span></caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody id="rows" data-limit="${LIST_LIMIT}">${body.join('\n')}</tbody>`,
    '</table>',
    '<button type="button" id="show-all" hidden>Show all</button>',
    '</section>',
    '</main>',
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
