/*
 * Material's search index, fetched when the reader is about to search (issue 12).
 *
 * Material's bundle downloads search/search_index.json as soon as a page loads (124 KB
 * gzipped, more than half of a page's weight), parses it on the page's main thread and
 * copies it to its search worker. On a phone that work competes with the first paint: in
 * Lighthouse's mobile run, the page's largest paint then sometimes waits for the index,
 * and parsing it adds to the total blocking time (numbers: scripts/lighthouse.py and the
 * closing note of issue 12).
 *
 * This script holds that one request until the reader shows they want to search:
 *
 *   - the search box gets the focus (a tap or click on it or on the search icon, Tab,
 *     or Material's keyboard shortcuts `/`, `s`, `f`, which focus the box);
 *   - a pointer comes over the search box or icon, or goes down on them (a head start:
 *     the time between hovering, or pressing, and the box's focus);
 *   - the search dialog opens (Material's `__search` toggle).
 *
 * Material's search then starts as it does on its own: it sends the index to its worker
 * and the query to the worker once the worker is ready, so text typed or pasted before
 * that is searched as soon as it can be (Material behaves the same way, by design, on a
 * site opened from disk: it fetches the index when search is opened). A page opened with
 * `?q=` (search opened with a query) or `?h=` (terms to highlight, from a search result)
 * needs the index at once, and gets it at once.
 *
 * How: Material fetches the index with XMLHttpRequest (its `request` helper). `send()` of
 * that one request waits; every other request goes as usual. This script must run before
 * Material's bundle (overrides/main.html loads it first, deferred like the bundle).
 * Plain ES2020 (optional chaining), no build step, no request to another host.
 */
(() => {
  "use strict"

  const INDEX = "/search/search_index.json"
  const query = new URLSearchParams(location.search)
  if (query.has("q") || query.has("h")) return

  const native = { open: XMLHttpRequest.prototype.open, send: XMLHttpRequest.prototype.send }
  const held = new WeakSet() // requests for the index, opened before the reader asked
  const waiting = [] // their send() calls
  let wanted = false

  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    if (!wanted && new URL(url, location.href).pathname.endsWith(INDEX)) held.add(this)
    return native.open.call(this, method, url, ...rest)
  }
  XMLHttpRequest.prototype.send = function (...body) {
    if (!wanted && held.has(this)) {
      waiting.push(() => native.send.apply(this, body))
      return undefined
    }
    return native.send.apply(this, body)
  }

  // The listeners below, removed together once the index is asked for.
  const listening = new AbortController()

  /** The reader is about to search: the index is fetched now, and later ones as usual. */
  function fetchIndex() {
    if (wanted) return
    wanted = true
    for (const send of waiting.splice(0)) send()
    listening.abort()
  }

  const SEARCH = "form[name=search] input[name=query]"
  const onPointer = event => {
    if (event.target.closest?.("label[for=__search], .md-search")) fetchIndex()
  }
  const on = (type, listener) =>
    document.addEventListener(type, listener, { capture: true, signal: listening.signal })
  on("focusin", event => { if (event.target.matches?.(SEARCH)) fetchIndex() })
  on("pointerover", onPointer)
  on("pointerdown", onPointer)
  on("change", event => { if (event.target.id === "__search") fetchIndex() })
})()
