import { INVISIBLE_CHARS_SOURCE, EDGE_SPACES_SOURCE } from './visible-text.js';

/**
 * The HTML report's browser code, as plain JavaScript text for any current browser
 * (the TypeScript build has no DOM types, and the file must run as-is from disk, with
 * no build step). It reads the embedded ReportData (see html-data.ts) and renders the
 * changes. Its exact text is hashed into the page's Content-Security-Policy.
 *
 * Two rules keep it safe and fast:
 * - data reaches the page only through textContent and attribute setters, never as
 *   HTML, so a value holding markup stays text;
 * - it renders one page of matching changes at a time: filtering 100k changes is a
 *   loop over typed arrays, building 100k DOM nodes is not something a browser does
 *   quickly.
 */
export const REPORT_CLIENT_JS = String.raw`
(function () {
  'use strict';
  var PAGE_SIZE = 100;
  var KINDS = ['conflict', 'update', 'insert', 'unrecoverable'];
  var SPECIAL = new RegExp(${JSON.stringify(INVISIBLE_CHARS_SOURCE)} + '|\t|\r\n|\r|\n|' + ${JSON.stringify(EDGE_SPACES_SOURCE)}, 'g');

  var data = JSON.parse(document.getElementById('salvage-data').textContent);
  var changes = data.changes;
  var evidence = data.evidence;
  var n = changes.length;

  // What the filters look at, computed once per change.
  var kindOf = new Int8Array(n);
  var tableOf = new Int32Array(n);
  var sourcesOf = new Array(n);
  var disagreedOf = new Uint8Array(n);
  for (var i = 0; i < n; i++) {
    var c = changes[i];
    kindOf[i] = KINDS.indexOf(c.kind);
    tableOf[i] = c.table;
    sourcesOf[i] = sourcesOfChange(c);
    disagreedOf[i] = c.disagreements && Object.keys(c.disagreements).length ? 1 : 0;
  }
  var haystacks = null; // lower-cased search text per change, built on the first search
  var queryPass = null; // Uint8Array: does change i match the current search

  var state = { tables: new Set(), kinds: new Set(), sources: new Set(), disagreed: false };
  var matching = [];
  var rendered = 0;

  var list = document.getElementById('changes');
  var status = document.getElementById('status');
  var more = document.getElementById('more');
  var search = document.getElementById('search');
  var facets = {
    table: buildChips('table', data.tables.map(function (t, i) { return { value: i, label: t }; })),
    kind: buildChips('kind', KINDS.map(function (k, i) { return { value: i, label: k }; })),
    source: buildChips('source', data.sources.map(function (s, i) { return { value: i, label: s, cls: 's' + (i % 8) }; })),
    disagreed: buildChips('disagreed', [{ value: 1, label: 'sources disagreed on a value' }]),
  };

  function sourcesOfChange(c) {
    var seen = [];
    function add(list) { for (var j = 0; j < list.length; j++) { var s = evidence[list[j]][0]; if (seen.indexOf(s) < 0) seen.push(s); } }
    eachCited(c, add);
    return seen;
  }

  function eachCited(c, f) {
    for (var col in c.evidence) f(c.evidence[col]);
    for (var d in c.disagreements || {}) c.disagreements[d].alternatives.forEach(function (a) { f(a.evidence); });
    for (var x in c.conflicts || {}) c.conflicts[x].forEach(function (a) { f(a.evidence); });
  }

  function haystackOf(c) {
    var parts = [c.id, data.tables[c.table], c.kind, c.detail || '', c.reason || '', c.decision || ''];
    function addValues(values) { for (var k in values) { parts.push(k); if (values[k] !== null) parts.push(values[k]); } }
    addValues(c.values);
    if (c.old) addValues(c.old);
    for (var d in c.disagreements || {}) c.disagreements[d].alternatives.forEach(function (a) { if (a.value !== null) parts.push(a.value); });
    for (var x in c.conflicts || {}) { parts.push(x); c.conflicts[x].forEach(function (a) { if (a.value !== null) parts.push(a.value); }); }
    (c.notes || []).forEach(function (note) { parts.push(note); });
    // The reasons are searchable: "matched the backup row by email" finds every such match.
    if (c.confidence) c.confidence.reasons.forEach(function (r) { parts.push(r); });
    var cited = [];
    eachCited(c, function (list) { for (var j = 0; j < list.length; j++) if (cited.indexOf(list[j]) < 0) cited.push(list[j]); });
    cited.forEach(function (e) { var ev = evidence[e]; parts.push(data.sources[ev[0]], ev[1], ev[2], ev[3]); });
    // A separator no one types, so a term never matches across two fields.
    return parts.join('\u0001').toLowerCase();
  }

  // ---- filters ----------------------------------------------------------

  function buildChips(group, options) {
    var holder = document.getElementById('facet-' + group);
    return options.map(function (o) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'chip';
      b.setAttribute('aria-pressed', 'false');
      b.dataset.filter = group;
      b.dataset.value = String(o.value);
      var label = el('span', o.cls || '', o.label);
      var count = el('span', 'count', '');
      b.appendChild(label);
      b.appendChild(count);
      b.addEventListener('click', function () { toggle(group, o.value); });
      holder.appendChild(b);
      return { button: b, count: count, value: o.value };
    });
  }

  function setFor(group) {
    return group === 'table' ? state.tables : group === 'kind' ? state.kinds : group === 'source' ? state.sources : null;
  }

  function toggle(group, value) {
    if (group === 'disagreed') state.disagreed = !state.disagreed;
    else { var set = setFor(group); if (set.has(value)) set.delete(value); else set.add(value); }
    refresh();
  }

  /** Filters compose: AND across groups, OR within one (no chip pressed means everything). */
  function refresh() {
    var tc = new Array(data.tables.length).fill(0);
    var kc = [0, 0, 0, 0];
    var sc = new Array(data.sources.length).fill(0);
    var dc = 0;
    matching = [];
    var anyT = state.tables.size > 0, anyK = state.kinds.size > 0, anyS = state.sources.size > 0;
    for (var i = 0; i < n; i++) {
      var q = queryPass === null || queryPass[i] === 1;
      if (!q) continue;
      var t = !anyT || state.tables.has(tableOf[i]);
      var k = !anyK || state.kinds.has(kindOf[i]);
      var srcs = sourcesOf[i];
      var s = !anyS;
      for (var j = 0; !s && j < srcs.length; j++) if (state.sources.has(srcs[j])) s = true;
      var d = !state.disagreed || disagreedOf[i] === 1;
      // Each chip counts what pressing it would show, given the other groups.
      if (k && s && d) tc[tableOf[i]]++;
      if (t && s && d) kc[kindOf[i]]++;
      if (t && k && d) for (j = 0; j < srcs.length; j++) sc[srcs[j]]++;
      if (t && k && s && disagreedOf[i] === 1) dc++;
      if (t && k && s && d) matching.push(i);
    }
    updateChips(facets.table, tc, state.tables);
    updateChips(facets.kind, kc, state.kinds);
    updateChips(facets.source, sc, state.sources);
    updateChips(facets.disagreed, [0, dc], state.disagreed ? new Set([1]) : new Set());
    list.replaceChildren();
    rendered = 0;
    renderMore();
  }

  function updateChips(chips, counts, pressed) {
    chips.forEach(function (chip) {
      var count = counts[chip.value] || 0;
      chip.count.textContent = count.toLocaleString('en-US');
      chip.button.setAttribute('aria-pressed', pressed.has(chip.value) ? 'true' : 'false');
      chip.button.classList.toggle('empty', count === 0);
    });
  }

  function renderMore() {
    var end = Math.min(matching.length, rendered + PAGE_SIZE);
    var fragment = document.createDocumentFragment();
    for (var i = rendered; i < end; i++) fragment.appendChild(renderChange(changes[matching[i]]));
    list.appendChild(fragment);
    rendered = end;
    if (matching.length === 0) list.appendChild(el('div', 'empty-state', n === 0 ? 'This changeset has no changes.' : 'No change matches these filters.'));
    var total = n.toLocaleString('en-US');
    status.textContent = matching.length === n
      ? 'Showing ' + rendered.toLocaleString('en-US') + ' of ' + total + ' changes'
      : 'Showing ' + rendered.toLocaleString('en-US') + ' of ' + matching.length.toLocaleString('en-US') + ' matching changes (' + total + ' in all)';
    status.dataset.matching = String(matching.length);
    more.hidden = rendered >= matching.length;
    more.textContent = 'Show ' + Math.min(PAGE_SIZE, matching.length - rendered).toLocaleString('en-US') + ' more';
  }

  var searchTimer = 0;
  search.addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, 120);
  });
  function applySearch() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) queryPass = null;
    else {
      if (!haystacks) haystacks = changes.map(haystackOf);
      queryPass = new Uint8Array(n);
      for (var i = 0; i < n; i++) {
        var h = haystacks[i], ok = 1;
        for (var j = 0; ok && j < terms.length; j++) if (h.indexOf(terms[j]) < 0) ok = 0;
        queryPass[i] = ok;
      }
    }
    refresh();
    status.dataset.query = search.value; // lets a test (or a script) know the search has been applied
  }

  more.addEventListener('click', renderMore);
  document.getElementById('reset').addEventListener('click', function () {
    state.tables.clear(); state.kinds.clear(); state.sources.clear(); state.disagreed = false;
    search.value = ''; queryPass = null;
    refresh();
  });
  // The summary's table names filter the list to that table.
  document.querySelectorAll('[data-show-table]').forEach(function (b) {
    b.addEventListener('click', function () {
      state.tables.clear();
      state.tables.add(data.tables.indexOf(b.dataset.showTable));
      refresh();
      document.getElementById('toolbar').scrollIntoView();
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === '/' && document.activeElement !== search) { e.preventDefault(); search.focus(); }
  });

  // ---- one change ---------------------------------------------------------

  function renderChange(c) {
    var card = el('article', 'change k-' + c.kind);
    card.dataset.id = c.id;
    card.dataset.kind = c.kind;
    card.dataset.table = data.tables[c.table];
    var notes = footnotes(c);

    var header = el('header');
    header.appendChild(el('span', 'kind ' + c.kind, c.kind));
    header.appendChild(el('span', 'cid', c.id));
    if (c.keyAssigned) header.appendChild(el('span', 'tag', 'new key from the sequence'));
    Object.keys(c.keyRefs || {}).forEach(function (column) {
      var ref = c.keyRefs[column];
      header.appendChild(el('span', 'tag', column + ': ' + (ref === c.id ? 'new key made by the target at apply time' : 'key of ' + ref + ', made at apply time')));
    });
    var disagreements = Object.keys(c.disagreements || {}).length;
    if (disagreements) header.appendChild(el('span', 'tag warn', '⚖ sources disagreed on ' + disagreements + ' value' + (disagreements > 1 ? 's' : '')));
    // The score in the header, to scan cards by; its reasons below with the other remarks.
    if (c.confidence) header.appendChild(el('span', 'tag confidence', 'confidence ' + scoreText(c.confidence.score)));
    card.appendChild(header);

    if (c.kind === 'conflict') {
      card.appendChild(el('p', 'explain conflict', 'Not written until decided: sources disagree and no rule decides.'));
      card.appendChild(conflictTable(c, notes));
      if (c.decision) card.appendChild(el('p', 'explain decision', c.decision));
      if (Object.keys(c.values).length) { card.appendChild(el('p', 'explain muted', 'What the sources agree on:')); card.appendChild(valuesTable(c, notes, false)); }
    } else if (c.kind === 'unrecoverable') {
      var why = el('p', 'explain unrecoverable', 'Cannot be rebuilt (' + (data.reasons[c.reason] || c.reason || 'no reason recorded') + ')' + (c.detail ? ': ' + c.detail : ''));
      card.appendChild(why);
      if (Object.keys(c.values).length) { card.appendChild(el('p', 'explain muted', 'What is known:')); card.appendChild(valuesTable(c, notes, false)); }
    } else {
      card.appendChild(valuesTable(c, notes, c.kind === 'update'));
    }

    var remarks = [];
    if (c.confidence) remarks.push({ cls: 'confidence', text: confidenceText(c.confidence) });
    if (c.defaulted) remarks.push({ cls: 'defaulted', text: 'Left to the database (default or NULL): ' + c.defaulted.join(', ') });
    (c.notes || []).forEach(function (note) { remarks.push({ cls: 'note', text: note }); });
    if (remarks.length) {
      var ul = el('ul', 'remarks');
      remarks.forEach(function (r) { ul.appendChild(el('li', r.cls, r.text)); });
      card.appendChild(ul);
    }
    if (notes.list.length) card.appendChild(evidenceList(notes));
    return card;
  }

  /**
   * "Confidence 0.80: matched the backup row by email; only payments says so": the
   * reasons with the number, as the text and Markdown reports show them. No band
   * (auto-accept, needs review): its gates are in decisions.yaml, which the report
   * does not read.
   */
  function confidenceText(conf) {
    return 'Confidence ' + scoreText(conf.score) + (conf.reasons.length ? ': ' + conf.reasons.join('; ') : '');
  }

  /** Two decimals, as review-terms.ts scoreText (0.8 is "0.80"); Number() so a malformed score cannot stop the page. */
  function scoreText(score) { return Number(score).toFixed(2); }

  /** Numbers the change's distinct evidence: values cite "1 payments", the list below says which record and rule. */
  function footnotes(c) {
    var list = [], numbers = {};
    eachCited(c, function (cited) {
      cited.forEach(function (e) { if (!(e in numbers)) { list.push(e); numbers[e] = list.length; } });
    });
    return { list: list, numbers: numbers };
  }

  function valuesTable(c, notes, isUpdate) {
    var table = el('table', 'values');
    var cols = el('colgroup');
    cols.appendChild(el('col', 'c-col'));
    cols.appendChild(el('col'));
    if (isUpdate) cols.appendChild(el('col'));
    cols.appendChild(el('col', 'c-from'));
    table.appendChild(cols);
    var head = el('tr');
    (isUpdate ? ['column', 'backup now', 'after the patch', 'from'] : ['column', 'value', 'from']).forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    Object.keys(c.values).forEach(function (column) {
      var d = own(c.disagreements, column);
      var tr = el('tr', d ? 'disagreed' : '');
      tr.dataset.column = column;
      tr.appendChild(el('td', 'col', column));
      if (isUpdate) tr.appendChild(cell('old', valueNode(own(c.old, column))));
      var now = cell(isUpdate ? 'new' : 'value', valueNode(c.values[column]));
      if (d) now.appendChild(disagreementNote(d, notes));
      tr.appendChild(now);
      tr.appendChild(cell('from', citations(own(c.evidence, column) || [], notes)));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  function conflictTable(c, notes) {
    var table = el('table', 'values conflicts');
    var head = el('tr');
    ['column', 'backup now', 'what each source says'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    Object.keys(c.conflicts || {}).forEach(function (column) {
      var tr = el('tr', 'conflicted');
      tr.dataset.column = column;
      tr.appendChild(el('td', 'col', column));
      tr.appendChild(cell('old', own(c.old, column) !== undefined ? valueNode(own(c.old, column)) : el('span', 'muted', '—')));
      var alternatives = el('div', 'alternatives');
      c.conflicts[column].forEach(function (a) {
        var row = el('div', 'alternative');
        row.appendChild(valueNode(a.value));
        row.appendChild(citations(a.evidence, notes));
        alternatives.appendChild(row);
      });
      tr.appendChild(cell('alternatives', alternatives));
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  /** "chose X by prefer: payments > calendar; calendar said Y" */
  function disagreementNote(d, notes) {
    var box = el('div', 'disagreement');
    box.appendChild(text('⚖ chosen by ' + d.by));
    d.alternatives.forEach(function (a) {
      if (a.value === d.chosen) return;
      box.appendChild(text('; '));
      box.appendChild(citations(a.evidence, notes));
      box.appendChild(text(' said '));
      box.appendChild(valueNode(a.value));
    });
    return box;
  }

  function citations(cited, notes) {
    var span = el('span', 'cites');
    cited.forEach(function (e) {
      var ev = evidence[e];
      var chip = el('span', 'ev s' + (ev[0] % 8));
      chip.title = data.sources[ev[0]] + ' · ' + ev[2] + ' · rule ' + ev[3];
      chip.appendChild(el('span', 'n', String(notes.numbers[e])));
      chip.appendChild(text(data.sources[ev[0]]));
      span.appendChild(chip);
    });
    return span;
  }

  function evidenceList(notes) {
    var ol = el('ol', 'evidence');
    notes.list.forEach(function (e, i) {
      var ev = evidence[e];
      var li = el('li');
      var chip = el('span', 'ev s' + (ev[0] % 8));
      chip.appendChild(el('span', 'n', String(i + 1)));
      chip.appendChild(text(data.sources[ev[0]]));
      li.appendChild(chip);
      var ref = el('code', 'ref', ev[2]);
      if (ev[1] && ev[2].slice(-ev[1].length) !== ev[1]) ref.title = 'record ' + ev[1];
      li.appendChild(ref);
      li.appendChild(el('span', 'rule', 'rule ' + ev[3]));
      ol.appendChild(li);
    });
    return ol;
  }

  /** A value as text, with NULL, the empty string and invisible characters shown for what they are. */
  function valueNode(v) {
    if (v === null || v === undefined) return el('span', 'v null', 'NULL');
    if (v === '') return el('span', 'v empty', 'empty string');
    var span = el('span', 'v');
    var last = 0, m;
    SPECIAL.lastIndex = 0;
    while ((m = SPECIAL.exec(v)) !== null) {
      if (m.index > last) span.appendChild(text(v.slice(last, m.index)));
      span.appendChild(marker(m[0]));
      if (m[0].indexOf('\n') >= 0 || m[0] === '\r') span.appendChild(text('\n'));
      last = SPECIAL.lastIndex;
    }
    if (last < v.length) span.appendChild(text(v.slice(last)));
    return span;
  }

  function marker(s) {
    var label;
    if (s === '\t') label = '⇥';
    else if (s === '\n' || s === '\r\n' || s === '\r') label = '↵';
    else if (s.charAt(0) === ' ') label = new Array(s.length + 1).join('␠');
    else label = '⟨U+' + s.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') + '⟩';
    var m = el('span', 'mark', label);
    m.title = 'invisible in the data';
    return m;
  }

  /** record[key] for own keys only: a column named "constructor" must not find Object.prototype's. */
  function own(record, key) { return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined; }
  function cell(cls, child) { var td = el('td', cls); td.appendChild(child); return td; }
  function text(s) { return document.createTextNode(s); }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }

  refresh();
  document.documentElement.dataset.ready = 'true';
})();
`;
