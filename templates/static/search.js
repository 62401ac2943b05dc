/* The search page: indexes the archive in the browser with MiniSearch and searches it as you type.
 *
 * The index arrives as scripts, never by fetch or XHR, which a page opened from disk (file://) may
 * not use: head.js (the tables and the list of parts, loaded by the page itself) calls
 * IncidentArchiveSearch.head(); then this file adds the parts (records-2022.js...: titles,
 * summaries, places, terms), newest first but those of the year filter's year before the others,
 * each calling IncidentArchiveSearch.records(); then the text-N.js shards (each description's
 * words), each calling IncidentArchiveSearch.text(). One script at a time, each indexed as it
 * arrives: searching works from the first part, and each script widens it. Their shape:
 * incident_archive/outputs/search.py.
 *
 * Every word it writes comes from the page, in the page's language (templates/search.html: data-*
 * attributes of #search-ui, {name} where a value goes, one attribute per plural category).
 */
(function () {
  "use strict";

  const PAGE_SIZE = 50; // results shown at first, and added by "Show more results"
  const BOOST = { title: 3, terms: 2, place: 2, summary: 1 };
  const TEXT_WEIGHT = 0.5; // a word of the description counts for less than one of the title or summary
  const SHORT = 3; // shorter query words may match nothing (descriptions keep no such words): then ignored
  // While scripts arrive, the search runs again after each, but leaves the page this many times its
  // own last duration first: at 150,000 records a search takes 0.3 s, and one after each of 144 parts
  // tripled the time until every part was in.
  const SEARCH_SPACING = 4;

  /* Words and folding. THEY MUST AGREE with words() and fold() in incident_archive/outputs/search.py,
     which split and fold the descriptions' words in the text shards: a word folded one way there and
     another way here is never found (tests/test_search_unicode.py compares the two in a browser).
     A word is a run of letters, digits, combining marks and invisible format characters, in any
     script; folding lower-cases it, decomposes it (NFD), strips diacritics and format characters,
     and recomposes it (NFC), so that "Kharkív" finds "Kharkiv" and "КИЇВ" finds "Київ". Only the
     diacritics in FOLDED_AWAY go (accents, Cyrillic breves and diaereses, Arabic harakat and tatweel,
     Hebrew points): the vowel signs of Indic and Thai scripts are letters, and stay. */
  const WORD = /[\p{L}\p{N}\p{M}\p{Cf}]+/gu;
  const FOLDED_AWAY = /[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff\u0640\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\p{Cf}]/gu;
  const ASCII = /^[\x00-\x7f]*$/;

  const index = {
    ready: false, at: {}, records: [], position: new Map(), link: "", terms: [], termNumber: new Map(),
    statuses: new Map(), meta: null, text: null,
    parts: [], partPath: "", // parts: {name, size, offset, year, state: "waiting", "loading", "in" or "failed"}
    textPath: "", shards: 0, arrived: 0, failed: 0, // the text shards: how many, arrived, failed
  };
  let shown = PAGE_SIZE;
  let current = []; // the records found, best first
  let drawn = null; // the ids drawn in the list, to leave it alone when a shard changes nothing
  let pending = false; // a search to run again once the script that just arrived is indexed
  let lastSearch = { end: 0, took: 0 }; // when the last search ended, and how long it took (ms)

  window.IncidentArchiveSearch = { head: receiveHead, records: receiveRecords, text: receiveText, terms };

  const ui = document.getElementById("search-ui");
  const form = document.getElementById("search-form");
  if (!ui || !form) return;
  const box = document.getElementById("search-q");
  const progress = document.getElementById("search-progress");
  const count = document.getElementById("search-count");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const filterPanel = document.getElementById("search-filters");
  const activeFilters = document.getElementById("search-filters-active");
  const plurals = new Intl.PluralRules(document.documentElement.lang || undefined);
  // The filters are open on wide screens and closed on narrow ones, where they would push the first
  // result below the screen. Closed in the HTML, so a phone never sees them close; on a wide screen
  // style.css shows them before this runs, and opening them here only makes the state say so (and
  // shows them in a browser without ::details-content).
  const wide = window.matchMedia("(min-width: 40em)");
  filterPanel.open = wide.matches;
  wide.addEventListener("change", () => { filterPanel.open = wide.matches; });
  form.addEventListener("submit", (event) => { event.preventDefault(); update(true); });
  form.addEventListener("input", () => update(true)); // typing, and choosing a filter
  more.addEventListener("click", showMore);
  window.addEventListener("load", () => {
    if (!index.ready) progress.textContent = say("no-index");
  });

  // --- The index ---------------------------------------------------------------------------------

  /* The tables, and the parts (name, number of records) newest first: a record's position in
     index.records is its place in the whole archive's newest-first list, whichever part comes first. */
  function receiveHead(head, parts) {
    head.fields.forEach((name, position) => { index.at[name] = position; });
    index.link = head.link;
    index.original = head.original || head.link; // a record not in this page's language: its original's page
    index.partPath = head.part;
    index.textPath = head.text;
    index.shards = head.shards;
    head.statuses.forEach(([key, label]) => index.statuses.set(key, label));
    head.taxonomies.forEach((taxonomy) => taxonomy.terms.forEach(([slug, name]) => {
      index.termNumber.set(taxonomy.key + "\n" + slug, index.terms.length);
      index.terms.push(name);
    }));
    let offset = 0;
    index.parts = parts.map(([name, size]) => {
      const part = { name, size, offset, year: parseInt(name, 10), state: "waiting" };
      offset += size;
      return part;
    });
    index.records = new Array(offset); // filled as the parts arrive
    index.meta = new MiniSearch({
      fields: ["title", "summary", "place", "terms"],
      tokenize: words,
      processTerm: fold,
      extractField: (record, name) => name === "terms"
        ? field(record, "terms").map((number) => index.terms[number]).join(" ")
        : field(record, name),
    });
    index.text = new MiniSearch({
      fields: ["text"],
      tokenize: words, // the shards' words are folded already: folding them again changes nothing
      processTerm: fold,
      extractField: (entry, name) => (name === "id" ? entry[0] : entry[1]),
    });
    index.ready = true;
    if (form) {
      restoreFromAddress();
      update(false);
      loadNext();
    }
  }

  /* A part's records; their terms are numbers into the part's own table of (taxonomy, slug). */
  function receiveRecords(about, records) {
    const part = index.parts.find((each) => each.name === about.part);
    if (!index.ready || !part || part.state === "in") return;
    const terms = about.terms.map(([taxonomy, slug]) => index.termNumber.get(taxonomy + "\n" + slug));
    const added = records.filter((record) => !index.position.has(field(record, "id"))).slice(0, part.size);
    added.forEach((record, at) => {
      record[index.at.terms] = field(record, "terms").map((number) => terms[number]).filter((n) => n !== undefined);
      index.records[part.offset + at] = record;
      index.position.set(field(record, "id"), part.offset + at);
    });
    index.meta.addAll(added);
    part.state = "in";
    searchAgain();
  }

  function receiveText(number, entries) {
    if (!index.ready) return;
    index.text.addAll(entries.filter(([id]) => index.position.has(id) && !index.text.has(id)));
    index.arrived += 1;
    searchAgain();
  }

  function searchAgain() {
    showProgress();
    if (!pending) { // searched again after this script, so the next one is requested meanwhile
      pending = true;
      const wait = Math.max(0, lastSearch.end + SEARCH_SPACING * lastSearch.took - performance.now());
      window.setTimeout(() => { pending = false; update(false); }, wait);
    }
  }

  /* The next part: the newest not yet asked for, of the year filter's year if it has one left;
     once every part is in, the text shards. */
  function loadNext() {
    const year = parseInt(form.elements.year.value, 10);
    const waiting = index.parts.filter((part) => part.state === "waiting");
    if (waiting.length === 0) {
      loadShard(0);
      return;
    }
    const part = waiting.find((each) => each.year === year) || waiting[0];
    part.state = "loading";
    const gone = () => {
      if (part.state !== "in") { part.state = "failed"; showProgress(); }
      loadNext();
    };
    load(index.partPath.replace("{part}", part.name), gone, gone);
  }

  function loadShard(number) {
    if (number >= index.shards) return;
    load(index.textPath.replace("{number}", number), () => loadShard(number + 1), () => {
      index.failed += 1;
      showProgress();
      loadShard(number + 1);
    });
  }

  function load(address, loaded, failed) {
    const script = document.createElement("script");
    script.src = address; // relative to this page, as head.js gives it
    script.onload = loaded;
    script.onerror = failed;
    document.body.appendChild(script);
  }

  function field(record, name) {
    return record[index.at[name]];
  }

  function words(text) {
    return text.match(WORD) || [];
  }

  function fold(word) {
    const lower = word.toLowerCase();
    if (ASCII.test(lower)) return lower; // most words: nothing to decompose
    return lower.normalize("NFD").replace(FOLDED_AWAY, "").normalize("NFC") || null; // null: nothing left to index
  }

  /* The words of a text as the index holds them: what a query is searched as. */
  function terms(text) {
    return words(text).map(fold).filter(Boolean);
  }

  // --- Searching ---------------------------------------------------------------------------------

  function update(byReader) {
    showActiveFilters();
    if (!index.ready) return;
    const start = performance.now();
    const query = box.value.trim();
    const filters = currentFilters();
    const active = query !== "" || filters.length > 0;
    current = active ? search(query).filter((record) => filters.every((accepts) => accepts(record))) : [];
    if (byReader) {
      shown = PAGE_SIZE;
      rememberInAddress();
    }
    showProgress();
    draw(false);
    const found = current.length;
    // One line on any screen (style.css keeps room for one); the search box's label gives the number.
    // "so far" while parts are still to come, so that a count read aloud is not taken for the last.
    const later = partsToCome() ? "-so-far" : "";
    const said = !active ? say("prompt") : found === 0 ? say(`none${later}`) : sayCounted(`found${later}`, found);
    if (count.textContent !== said) count.textContent = said; // the live region speaks only of a change
    lastSearch = { end: performance.now(), took: performance.now() - start };
  }

  /* Every record whose fields hold every word of the query (a word shorter than SHORT that matches
     nothing is ignored), best first; with no words, every record, newest first. */
  function search(query) {
    const queried = terms(query);
    if (queried.length === 0) return index.records.filter(Boolean); // the parts in so far
    let scores = null;
    for (const word of queried) {
      const found = matches(word);
      if (found.size === 0 && word.length < SHORT) continue;
      if (scores === null) {
        scores = found;
      } else {
        for (const [position, score] of scores) {
          if (found.has(position)) scores.set(position, score + found.get(position));
          else scores.delete(position);
        }
      }
    }
    if (scores === null) return [];
    return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([position]) => index.records[position]);
  }

  /* record position → score, for one word, in the records and the descriptions loaded so far. */
  function matches(word) {
    const options = { prefix: true, fuzzy: word.length >= 5 ? 0.2 : false };
    const found = new Map();
    for (const result of index.meta.search(word, { ...options, boost: BOOST })) {
      found.set(index.position.get(result.id), result.score);
    }
    for (const result of index.text.search(word, options)) {
      const position = index.position.get(result.id);
      found.set(position, (found.get(position) || 0) + result.score * TEXT_WEIGHT);
    }
    return found;
  }

  function currentFilters() {
    const filters = [];
    const status = form.elements.status.value;
    if (status) filters.push((record) => field(record, "status") === status);
    const year = form.elements.year.value;
    if (year) filters.push((record) => parseInt(field(record, "date"), 10) === parseInt(year, 10));
    for (const select of form.querySelectorAll("select[data-taxonomy]")) {
      if (!select.value) continue;
      const term = index.termNumber.get(select.dataset.taxonomy + "\n" + select.value);
      filters.push((record) => field(record, "terms").includes(term));
    }
    const place = form.elements.place ? form.elements.place.value : "";
    if (place) filters.push((record) => `${field(record, "where")}/`.startsWith(`${place}/`)); // a country holds its regions
    return filters;
  }

  // --- The address: a search can be bookmarked and shared ----------------------------------------

  function restoreFromAddress() {
    const params = new URLSearchParams(window.location.search);
    for (const element of form.elements) {
      if (!element.name || !params.has(element.name)) continue;
      element.value = params.get(element.name);
      if (element.value !== params.get(element.name)) element.value = ""; // a filter this archive no longer has
    }
  }

  function rememberInAddress() {
    const params = new URLSearchParams();
    for (const element of form.elements) {
      if (element.name && element.value.trim()) params.set(element.name, element.value.trim());
    }
    const query = params.toString();
    try {
      // Only the query part changes, which browsers allow from file:// too (Firefox may refuse: then
      // the address simply stays as it was).
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    } catch (error) {
      // Not being able to bookmark a search is no reason to stop searching.
    }
  }

  // --- Showing -----------------------------------------------------------------------------------

  function showActiveFilters() {
    const active = [...filterPanel.querySelectorAll("select")].filter((select) => select.value).length;
    const said = active === 0 ? say("no-filter") : sayCounted("filters", active);
    if (activeFilters.textContent !== said) activeFilters.textContent = said;
  }

  /* "Searched 3 of 12 years…" while parts come, then the descriptions' shards, then what was searched. */
  function showProgress() {
    const years = new Map(); // year → whether every part of it is in (or could not be loaded)
    for (const part of index.parts) years.set(part.year, (years.get(part.year) ?? true) && !toCome(part));
    const searched = [...years.values()].filter(Boolean).length;
    const failed = index.failed + index.parts.filter((part) => part.state === "failed").length;
    const said = searched < years.size
      ? sayCounted("years", years.size, { arrived: number(searched) })
      : index.arrived + index.failed < index.shards
        ? say("loading", { arrived: number(index.arrived), total: number(index.shards) })
        : failed ? say("missing", { failed: number(failed), total: number(index.parts.length + index.shards) })
          : say("searching");
    if (progress.textContent !== said) progress.textContent = said;
  }

  function toCome(part) {
    return part.state === "waiting" || part.state === "loading";
  }

  function partsToCome() {
    return index.parts.some(toCome);
  }

  function draw(adding) {
    const ids = current.slice(0, shown).map((record) => field(record, "id")).join("\n") + "\n" + current.length;
    if (ids === drawn) return;
    const focused = list.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    const start = adding ? list.children.length : 0;
    if (!adding) list.replaceChildren();
    for (const record of current.slice(start, shown)) list.appendChild(item(record));
    drawn = ids;
    more.hidden = current.length <= shown;
    const showing = Math.min(shown, current.length);
    more.textContent = say("more", { shown: number(showing), total: number(current.length) });
    if (focused) { // a shard arrived while the reader was on a result: keep them there
      const same = [...list.querySelectorAll("a")].find((link) => link.getAttribute("href") === focused);
      if (same) same.focus();
    }
  }

  function showMore() {
    const first = list.children.length;
    shown += PAGE_SIZE;
    draw(true);
    // To the first new result, so that a keyboard reader goes on where the list went on (the
    // button may be gone).
    const next = list.children[first];
    if (next) next.querySelector("a").focus();
  }

  /* One result, as the site's incident lists show it (templates/macros.html, incident_list). */
  function item(record) {
    const id = field(record, "id");
    const status = field(record, "status");
    const link = element("a", null, field(record, "title"));
    const language = index.at.lang === undefined ? "" : field(record, "lang"); // "" when in the page's language
    link.href = (language ? index.original : index.link).replace("{id}", id);
    const when = element("time", null, ...spokenRanges(field(record, "when")));
    when.dateTime = field(record, "date");
    const badge = element("span", `status status-${status}`, index.statuses.get(status) || status);
    // Read aloud as the list pages' line is: "4 to 6 March 2022. Place: ... . Status: ..."
    const meta = element("p", "incident-meta", when, ...labelled(say("place"), field(record, "place")),
      ...labelled(say("status"), badge));
    const entry = element("li", null, element("h2", "incident-title", link), meta);
    if (language) entry.lang = language;
    if (field(record, "summary")) entry.appendChild(element("p", "incident-summary", field(record, "summary")));
    return entry;
  }

  /* A range's en dash, shown but read out as "to" (render.spoken_ranges). */
  function spokenRanges(text) {
    const parts = String(text).split("\u2013");
    return parts.flatMap((part, at) => at === 0 ? [part]
      : [hiddenFromReaders("\u2013"), element("span", "visually-hidden", ` ${say("to")} `), part]);
  }

  /* " · " between the parts for the eye, ". Label: " for the ear (templates/macros.html). */
  function labelled(label, content) {
    return [hiddenFromReaders(" · "), element("span", "visually-hidden", `. ${label}: `), content];
  }

  function hiddenFromReaders(text) {
    const span = element("span", null, text);
    span.setAttribute("aria-hidden", "true");
    return span;
  }

  function element(name, className, ...children) {
    const made = document.createElement(name);
    if (className) made.className = className;
    made.append(...children);
    return made;
  }

  function number(value) {
    return value.toLocaleString(document.documentElement.lang || undefined);
  }

  /* A message of the page's (data-NAME on #search-ui), its {names} filled in. */
  function say(name, values = {}) {
    return fill(ui.getAttribute(`data-${name}`) || "", values);
  }

  /* A message about a number, in the form the language's plural rules choose for it (data-NAME-one, -few...). */
  function sayCounted(name, count, values = {}) {
    const form = ui.getAttribute(`data-${name}-${plurals.select(count)}`) ?? ui.getAttribute(`data-${name}-other`) ?? "";
    return fill(form, { ...values, n: number(count) });
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
  }
})();
