/**
 * The HTML report's stylesheet. Calm on purpose: neutral surfaces, colour only where
 * it carries meaning (the kind of change, old vs new, disagreement), system fonts
 * (nothing to download), and a dark variant for a 3 a.m. incident.
 */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f6f3; --card: #ffffff; --line: #e2e2dd; --text: #1f2328; --muted: #646a73; --soft: #eeeeea;
  --insert: #1a7f37; --insert-bg: #e7f5ea; --update: #0b63c4; --update-bg: #e5f0fb;
  --conflict: #8a5a00; --conflict-bg: #fdf3d7; --unrec: #8c2a2a; --unrec-bg: #f8e8e6;
  --old-bg: #fbecea; --new-bg: #e8f6ea; --focus: #0b63c4;
  --s0: #5b6abf; --s1: #b05a2a; --s2: #2b8a7e; --s3: #8b4fa8; --s4: #6d7a1f; --s5: #b0436a; --s6: #2f6f9f; --s7: #7a6a55;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181b; --card: #1d2024; --line: #30343a; --text: #e3e5e8; --muted: #99a0a9; --soft: #262a2f;
    --insert: #6fcf87; --insert-bg: #1c3325; --update: #7ab4f0; --update-bg: #1b2b3d;
    --conflict: #e2b54f; --conflict-bg: #3a3018; --unrec: #ee9a93; --unrec-bg: #3b2322;
    --old-bg: #3a2524; --new-bg: #1f3526; --focus: #7ab4f0;
    --s0: #9aa6ec; --s1: #e79b6e; --s2: #6fcdbf; --s3: #c99be0; --s4: #bccb6a; --s5: #ea8fb0; --s6: #7fb8e3; --s7: #c2b49d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 24px 80px; }
h1 { font-size: 20px; font-weight: 600; margin: 0 0 4px; }
h2 { font-size: 15px; font-weight: 600; margin: 28px 0 10px; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); }
.warning { color: var(--conflict); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 16px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-word; }
.callouts { display: grid; gap: 8px; margin: 16px 0; }
.callout { border-radius: 8px; padding: 10px 14px; border: 1px solid var(--line); background: var(--card); }
.callout.conflict { background: var(--conflict-bg); border-color: transparent; }
.callout.unrecoverable { background: var(--unrec-bg); border-color: transparent; }
table { border-collapse: collapse; }
.summary { background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; min-width: 640px; }
.summary th, .summary td { padding: 7px 14px; border-bottom: 1px solid var(--line); text-align: right; font-variant-numeric: tabular-nums; }
.summary th:first-child, .summary td:first-child { text-align: left; }
.summary thead th { font-weight: 500; color: var(--muted); background: var(--soft); }
.summary tfoot td { font-weight: 600; border-bottom: 0; }
.summary .zero { color: var(--muted); opacity: .6; }
.linkish { background: none; border: 0; padding: 0; font: inherit; color: inherit; cursor: pointer; text-decoration: underline dotted var(--muted); text-underline-offset: 3px; }
.ledger { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; margin-top: 12px; }
.ledger summary { cursor: pointer; }
.ledger table { margin: 8px 0; width: 100%; }
.ledger th, .ledger td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
.toolbar { position: sticky; top: 0; z-index: 2; background: var(--bg); padding: 12px 0 10px; border-bottom: 1px solid var(--line); margin-top: 24px; }
.search { width: 100%; padding: 8px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--text); font: inherit; }
.search:focus, .chip:focus-visible, .more:focus-visible, .linkish:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.facets { display: grid; grid-template-columns: 70px 1fr; gap: 6px 10px; margin-top: 10px; align-items: baseline; }
.facets .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border: 1px solid var(--line); background: var(--card); color: var(--text); border-radius: 999px; padding: 2px 10px; font: inherit; font-size: 13px; cursor: pointer; }
.chip .count { color: var(--muted); margin-left: 6px; font-variant-numeric: tabular-nums; }
.chip[aria-pressed="true"] { background: var(--text); color: var(--bg); border-color: var(--text); }
.chip[aria-pressed="true"] .count { color: inherit; opacity: .75; }
.chip.empty:not([aria-pressed="true"]) { opacity: .45; }
.status { display: flex; justify-content: space-between; margin-top: 10px; color: var(--muted); }
.changes { display: grid; gap: 12px; margin-top: 14px; }
.change { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.change.k-insert { border-left-color: var(--insert); }
.change.k-update { border-left-color: var(--update); }
.change.k-conflict { border-left-color: var(--conflict); background: linear-gradient(var(--conflict-bg), var(--card) 60px); }
.change.k-unrecoverable { border-left-color: var(--unrec); }
.change header { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; margin-bottom: 8px; }
.kind { font-size: 12px; font-weight: 600; border-radius: 4px; padding: 1px 7px; text-transform: uppercase; letter-spacing: .03em; }
.kind.insert { color: var(--insert); background: var(--insert-bg); }
.kind.update { color: var(--update); background: var(--update-bg); }
.kind.conflict { color: var(--conflict); background: var(--conflict-bg); }
.kind.unrecoverable { color: var(--unrec); background: var(--unrec-bg); }
.cid { font-family: var(--mono); font-weight: 600; word-break: break-all; }
.tag { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; }
.tag.warn { color: var(--conflict); border-color: var(--conflict); }
.explain { margin: 0 0 8px; }
.explain.conflict { color: var(--conflict); font-weight: 600; }
.explain.unrecoverable { color: var(--unrec); }
.explain.decision { font-weight: 600; }
.values { width: 100%; table-layout: fixed; }
.values th { text-align: left; font-weight: 500; color: var(--muted); font-size: 12px; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); }
.values td { padding: 5px 10px 5px 0; border-bottom: 1px solid var(--soft); vertical-align: top; }
.values tr:last-child td { border-bottom: 0; }
.values col.c-col { width: 17%; } .values col.c-from { width: 22%; }
.values td.col { font-family: var(--mono); font-size: 12.5px; color: var(--muted); word-break: break-all; }
.v { font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; word-break: break-word; }
.v.null, .v.empty { color: var(--muted); font-style: italic; font-family: inherit; }
.v .mark { color: var(--muted); background: var(--soft); border-radius: 3px; padding: 0 2px; font-style: normal; }
td.old .v:not(.null):not(.empty) { background: var(--old-bg); border-radius: 3px; padding: 0 3px; }
td.new .v:not(.null):not(.empty) { background: var(--new-bg); border-radius: 3px; padding: 0 3px; }
tr.disagreed td.col::after { content: " ⚖"; color: var(--conflict); }
.disagreement { margin-top: 4px; font-size: 12.5px; color: var(--conflict); }
.disagreement .v { color: var(--text); }
.alternatives { display: grid; gap: 4px; }
.alternative { display: flex; gap: 10px; align-items: baseline; }
.ev { display: inline-flex; gap: 4px; align-items: baseline; font-size: 12px; border-radius: 4px; padding: 0 6px; margin: 0 4px 2px 0; background: var(--soft); white-space: nowrap; }
.ev .n { font-weight: 600; }
.s0 { color: var(--s0); } .s1 { color: var(--s1); } .s2 { color: var(--s2); } .s3 { color: var(--s3); }
.s4 { color: var(--s4); } .s5 { color: var(--s5); } .s6 { color: var(--s6); } .s7 { color: var(--s7); }
.evidence { margin: 10px 0 0; padding: 8px 0 0; border-top: 1px dashed var(--line); list-style: none; display: grid; gap: 2px; }
.evidence li { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; font-size: 12.5px; }
.evidence .ref { word-break: break-all; }
.evidence .rule { color: var(--muted); }
.remarks { margin: 8px 0 0; padding-left: 18px; color: var(--muted); font-size: 12.5px; }
.empty-state { padding: 40px; text-align: center; color: var(--muted); background: var(--card); border: 1px dashed var(--line); border-radius: 8px; }
.more[hidden] { display: none; }
.more { display: block; margin: 16px auto 0; padding: 8px 18px; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--text); font: inherit; cursor: pointer; }
`;
