/*
 * Pasted errors in Material's search box (issues 14 and 15).
 *
 * Readers paste error lines and whole tracebacks into the search box. Material's search
 * (lunr, in its worker) reads the box as lunr query syntax, and some pasted text then
 * matches nothing although a page covers the error:
 *
 *   - `word:` is a field name. Material removes the colon only when the word is alone
 *     between spaces; in `Flask-SQLAlchemy:` lunr splits at the hyphen and sees the field
 *     `SQLAlchemy`, which does not exist: QueryParseError, logged, and no results.
 *     A lone `ProgrammingError:` is dropped from the query altogether.
 *   - Double quotes make a phrase: Material marks every word between them `+` (required),
 *     so one quoted word that is on no page (`fully`, `handshake`) empties the result.
 *   - A leading `-` excludes a word, a leading `+` requires it, `~` and `^` expect digits.
 *
 * What this script does, with Material's search as it is (its worker, its index, its box):
 *
 *   1. A query that finds something is left alone: it goes to the worker as typed.
 *   2. When the worker answers a query with nothing, the query is searched again as
 *      plain text (the syntax characters become spaces) without the words that are on no
 *      page of the reader's language; if none is left, with the error's identifying part
 *      only (exception names, error codes). A notice under the box names the words left
 *      out. The box keeps what the reader typed: editing it searches the new text.
 *   3. A pasted traceback or log (several lines, or `Traceback (most recent call last)`,
 *      `File "...", line N`) is
 *      replaced in the box by its exception line, noise removed: the reader sees and can
 *      edit what is searched. (An <input> would join the lines of a paste otherwise.)
 *      One pasted line is left as it is.
 *
 * Hooks, and why these (mkdocs-material 9.x; see components/search/query and
 * browser/worker in its source):
 *
 *   - Material reads the box's `value` on keyup, focus and when its worker is ready, and
 *     posts it to the worker. The box gets its own `value` getter: it returns the text to
 *     search instead of the box's text only while a fallback is active for exactly that
 *     text; otherwise it returns the box's text, so Material behaves as without this script.
 *   - To know that the worker found nothing, and for which query, the script watches the
 *     messages of Material's worker: `Worker.prototype.postMessage` is wrapped to spot the
 *     worker that receives the search index (a SETUP message, which Material sends after
 *     fetching the index, so after this script ran, to the worker its bundle created before
 *     this script ran: workers created later are told apart), then the script listens to
 *     that worker's answers. Messages to it pass unchanged; answers come in the order of
 *     queries.
 *   - An empty answer that the script will search again is kept from Material, so the
 *     reader never sees "No matching documents" before the results. Material's listener
 *     was added to its worker before this script ran, and a target's listeners run in the
 *     order they were added (Chromium runs capturing ones in that order too), so no
 *     listener of this script runs first. What runs first is the `data` getter of
 *     MessageEvent, which Material's listener reads: for the answers of Material's worker
 *     only, it returns a message of a type all of Material's subscribers filter out
 *     (they keep READY and RESULT only) instead of an answer the script searches again.
 *     When there is nothing else to search, the answer is dispatched again as it came.
 *   - The words known to each language come from the search index Material fetched
 *     (search/search_index.json, from the browser's cache), split with the site's own
 *     search separator (mkdocs.yml: plugins: search: separator).
 *
 * The functions of section 1 are pure; the browser tests call them (window.errorSearch).
 * Plain ES2020 (`??`), no build step, no request to another host.
 */
(() => {
  "use strict"

  /* ---------------------------------------------------------------------------------
   * 1. Text: what a paste is reduced to, and which words a language knows
   * ------------------------------------------------------------------------------- */

  // lunr's query syntax (field `:`, presence `+`/`-`, `~`, `^`, wildcard `*`, escape `\`)
  // and Material's phrase quotes. All of them are search separators on this site, except
  // `~`, `^` and `"`... which are on no page as words either.
  const SYNTAX = /[:+\-~^*\\"]/g

  /** The text with lunr's query syntax turned into spaces: searched as words only. */
  function neutralise(text) {
    return text.replace(SYNTAX, " ").replace(/\s+/g, " ").trim()
  }

  // An exception name as Python prints it: `sqlalchemy.exc.OperationalError`,
  // `MySQLdb._exceptions.OperationalError`, `PendingRollbackError`; under `sqlalchemy.`,
  // any class name (`sqlalchemy.exc.MissingGreenlet`).
  const EXCEPTION = /(?:sqlalchemy(?:\.[a-z_]\w*)*\.[A-Z]\w*|(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Warning))\b/
  // A line that starts with one, followed by `:` and its message (or nothing).
  const EXCEPTION_LINE = new RegExp(`^(${EXCEPTION.source})(?::\\s*(.*))?$`)
  // What a log line starts with: a timestamp, then perhaps a level
  // (`2026-11-25 03:12:44,123 ERROR ...`, `[2026-11-25T03:12:44Z] [ERROR] ...`).
  const LOG_PREFIX = new RegExp(
    String.raw`^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?` +
    String.raw`(?:[\s\-|:]*\[?(?:CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG)\]?)?[\s\-|:]*`)
  // Noise inside an exception line: SQLAlchemy's appendices, URLs, paths.
  const NOISE = [
    /\[SQL:[\s\S]*?\](?=\s*(?:\[|\(Background|$))/g, // [SQL: SELECT ...] (may hold brackets)
    /\[parameters:[\s\S]*?\](?=\s*(?:\[|\(Background|$))/g,
    /\(Background on this error at:[^)]*\)/g,
    /\bhttps?:\/\/\S+/g,
    /\bFile "[^"]*", line \d+(?:, in \S+)?/g,
    /(?:[A-Za-z]:)?(?:[\\/][\w.\- ]+){2,}[\\/]?/g, // /usr/lib/python3/..., C:\Users\...
  ]
  // The driver modules whose exceptions readers see (preferred after SQLAlchemy's).
  const DRIVERS = /^(?:MySQLdb|_mysql_exceptions|pymysql|mysql\.connector|aiomysql|asyncmy|mariadb)\b/

  /** True when `text` is a traceback or log (several lines, or a traceback's marks), not
   *  one error line: a single line, even with `[SQL: ...]` or SQLAlchemy's link, is
   *  pasted as it is (Material finds it, or the fallback below does). */
  function looksLikeTraceback(text) {
    return /[\r\n]/.test(text.trim()) ||
      /Traceback \(most recent call last\)|\bFile "[^"]*", line \d+/.test(text)
  }

  /** The line without SQLAlchemy's appendices, URLs and paths. */
  function removeNoise(line) {
    let clean = line
    for (const noise of NOISE) clean = clean.replace(noise, " ")
    return clean.replace(/\s+/g, " ").trim()
  }

  // A traceback in a JSON log record (`{"exc_info": "Traceback (most recent call last):\n
  // File \"...\" ..."}`): the string that holds it, its escapes as they are.
  const JSON_TRACEBACK = /"((?:[^"\\]|\\.)*?Traceback \(most recent call last\)(?:[^"\\]|\\.)*)"/

  /** The traceback of a one-line JSON log record, unescaped (its `\n` are line breaks
   *  again); any other text as it is. */
  function fromJson(text) {
    if (/[\r\n]/.test(text.trim()) || !/\\n/.test(text)) return text
    const match = JSON_TRACEBACK.exec(text)
    return (match ? match[1] : text).replace(/\\(r\\n|[nrt"\\/])/g,
      (_, escaped) => (escaped === "t" ? " " : /^[nr]/.test(escaped) ? "\n" : escaped))
  }

  /**
   * The exception line that identifies the error in a traceback or log, noise removed.
   * Of several exception lines (a chained traceback), SQLAlchemy's is preferred, then the
   * driver's, then the last one. Text with no exception line comes back without noise.
   */
  function extractError(text) {
    const lines = fromJson(text).split(/\r\n|\r|\n/)
      .map(line => line.trim().replace(LOG_PREFIX, "").trim())
      .filter(Boolean)
    const found = []
    for (const line of lines) {
      // `File "...", line N, in f` and the source lines under it are not the error.
      if (/^File "/.test(line) || /^Traceback \(most recent call last\)/.test(line)) continue
      let match = EXCEPTION_LINE.exec(line)
      if (!match && line.search(EXCEPTION) > 0) {
        // An exception line after other words (`[app] query failed: pymysql.err...: ...`),
        // with a message: not a source line such as `except OperationalError:`.
        const rest = EXCEPTION_LINE.exec(line.slice(line.search(EXCEPTION)))
        if (rest && rest[2]) match = rest
      }
      if (match) found.push({ name: match[1], line: match[0] })
    }
    const pick = found.filter(f => /^sqlalchemy\./.test(f.name)).pop() ||
      found.filter(f => DRIVERS.test(f.name)).pop() ||
      found.filter(f => f.line.includes(":")).pop() || found.pop()
    return removeNoise(pick ? pick.line : lines.join(" "))
  }

  /** The error's identifying part: exception names and error codes, once each. */
  function identifyingPart(text) {
    const parts = text.match(new RegExp(`${EXCEPTION.source}|\\b\\d{4}\\b|\\b[0-9a-z]{4}\\b(?=\\)?$)`, "g")) || []
    return [...new Set(parts)].join(" ")
  }

  /** The words a language's pages hold: their index tokens, split as Material splits. */
  class Vocabulary {
    constructor(docs, separator) {
      this.separator = new RegExp(separator, "g")
      const tokens = new Set()
      for (const doc of docs)
        for (const field of [doc.title, doc.text, ...(doc.tags || [])])
          for (const token of this.tokens(String(field || "").replace(/<[^>]*>/g, " ")))
            tokens.add(token)
      this.sorted = [...tokens].sort()
      this.text = docs.map(doc => `${doc.title}\n${doc.text}`.toLowerCase()).join("\n")
    }

    /** The lowercase tokens of `text` (the separator may match empty strings). */
    tokens(text) {
      return text.split(this.separator).filter(Boolean).map(token => token.toLowerCase())
    }

    /** Material adds a trailing wildcard to each query word: a known word is the start
     *  of some token. Japanese is segmented differently in queries: found in a text. */
    knowsToken(token) {
      if (/[^\x00-\x7f]/.test(token)) return this.text.includes(token)
      let low = 0
      let high = this.sorted.length
      while (low < high) {
        const middle = (low + high) >> 1
        if (this.sorted[middle] < token) low = middle + 1
        else high = middle
      }
      return low < this.sorted.length && this.sorted[low].startsWith(token)
    }

    /** A word is known if one of its tokens is (the others are harmless). */
    knows(word) {
      return this.tokens(word).some(token => this.knowsToken(token))
    }
  }

  /** `word` without the punctuation around it, as the notice shows it. */
  function bare(word) {
    return word.replace(/^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu, "")
  }

  /**
   * The query to search when `text` found nothing, and the words left out:
   * { query, dropped: [...], identifying: bool }, or null when nothing is left to search.
   */
  function fallback(text, vocabulary) {
    const words = neutralise(removeNoise(text)).split(" ").filter(word => bare(word))
    let known = words.filter(word => vocabulary.knows(word))
    // A Japanese sentence around an error line (本番で ... と出ます): its particles are on
    // every page and outweigh the error. With 3 known words or more in Latin script, the
    // Japanese words are left out too.
    const japanese = word => /[\u3040-\u30ff\u3400-\u9fff]/.test(word)
    if (known.filter(word => !japanese(word)).length >= 3) known = known.filter(word => !japanese(word))
    if (known.length) {
      const dropped = [...new Set(words.filter(word => !known.includes(word)).map(bare))]
      return { query: known.join(" "), dropped, identifying: false }
    }
    const part = identifyingPart(text)
    if (part && part.split(" ").some(word => vocabulary.knows(word)))
      return { query: part, dropped: [...new Set(words.map(bare))], identifying: true }
    return null
  }

  window.errorSearch = { neutralise, looksLikeTraceback, extractError, identifyingPart, fallback, Vocabulary }

  /* ---------------------------------------------------------------------------------
   * 2. The page: Material's box, its worker, and the notice
   * ------------------------------------------------------------------------------- */

  const NOTICE = {
    ja: {
      without: "次の語を除いた結果です: ",
      searched: "次の語で検索した結果です: ",
      identifying: "エラー名とエラーコードだけで検索しました: ",
    },
    en: {
      without: "Showing results without: ",
      searched: "Showing results for: ",
      identifying: "Showing results for the error's name and code only: ",
    },
  }
  const [SETUP, , QUERY, RESULT] = [0, 1, 2, 3] // Material's message types (worker/message)

  const input = document.querySelector("form[name=search] input[name=query]")
  const config = JSON.parse((document.getElementById("__config") || {}).textContent || "null")
  if (!input || !config) return

  const lang = document.documentElement.lang
  const notice = NOTICE[lang] || NOTICE.en
  const native = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")
  const boxText = () => native.get.call(input)

  // The fallback for the box's text, while the box holds exactly that text.
  let active = null // { text, query, dropped, identifying }

  Object.defineProperty(input, "value", {
    configurable: true,
    get() {
      const text = boxText()
      return active && active.text === text ? active.query : text
    },
    set(value) {
      native.set.call(this, value)
    },
  })

  // The notice under the box: which words were left out.
  const meta = document.querySelector(".md-search-result__meta")
  const shown = document.createElement("p")
  // Its own class (tests and Material's code look for .md-search-result__meta); the look
  // of Material's result count, in the page's full text colour (contrast as the body's).
  shown.className = "error-search-notice"
  shown.style.cssText = "margin:0;padding:0 .8rem;font-size:.64rem;line-height:1.8rem;" +
    "color:var(--md-default-fg-color);background-color:var(--md-default-fg-color--lightest)"
  shown.setAttribute("role", "status")
  shown.hidden = true
  if (meta) meta.after(shown)

  function showNotice() {
    if (!active) {
      shown.hidden = true
      shown.textContent = ""
      return
    }
    // Words left out are named; when none was (the query syntax alone found nothing),
    // the words searched are.
    shown.textContent = active.identifying
      ? notice.identifying + active.query
      : active.dropped.length
        ? notice.without + active.dropped.join(", ")
        : notice.searched + active.query
    shown.hidden = false
  }

  // The words of the reader's language, from the index Material fetched.
  let vocabulary = null
  function loadVocabulary() {
    if (!vocabulary) {
      const base = new URL(config.base, location.href)
      vocabulary = fetch(new URL("search/search_index.json", base))
        .then(response => response.json())
        .then(index => new Vocabulary(docsOf(index.docs, base), index.config.separator))
    }
    return vocabulary
  }

  /** The docs of the reader's language: their location starts with its root (the
   *  alternate links in the page's head), and not with a longer root of another. */
  function docsOf(docs, base) {
    const roots = [...document.querySelectorAll("link[rel=alternate][hreflang]")]
      .map(link => ({ lang: link.hreflang, root: new URL(link.href, base).pathname.slice(base.pathname.length) }))
    const mine = roots.find(root => root.lang === lang)
    if (!mine) return docs
    const longer = roots.filter(root => root.root.length > mine.root.length && root.root.startsWith(mine.root))
    return docs.filter(doc => doc.location.startsWith(mine.root) &&
      !longer.some(root => doc.location.startsWith(root.root)))
  }

  // Material's worker: created by its bundle before this script ran, and the first of
  // those to receive the search index. A worker created later (another script's, or a
  // test's) is not it, even if its SETUP comes first. Its queries, in order.
  let worker = null
  const asked = []
  let posted = 0 // queries posted so far
  const later = new WeakSet()
  const Original = window.Worker
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args)
      later.add(this)
    }
  }
  const post = Original.prototype.postMessage
  Original.prototype.postMessage = function (message, ...rest) {
    if (!worker && message && message.type === SETUP && !later.has(this)) {
      worker = this
      worker.addEventListener("message", event => event.data) // each answer is screened
      // The index is fetched only when a search finds nothing (loadVocabulary): fetched
      // here, every page load would download search_index.json a second time.
    }
    if (this === worker && message && message.type === QUERY) {
      asked.push(message.data)
      posted += 1
    }
    return post.call(this, message, ...rest)
  }

  // What Material's listener reads of each answer of its worker: the answer, or HELD.
  const HELD = { type: -1 } // no message type of Material's (worker/message)
  const released = new WeakSet() // answers dispatched again, read as they are
  const screened = new WeakMap()
  const nativeData = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data").get
  Object.defineProperty(MessageEvent.prototype, "data", {
    configurable: true,
    enumerable: true,
    get() {
      const data = nativeData.call(this)
      if (!worker || this.currentTarget !== worker || released.has(this)) return data
      if (!screened.has(this)) screened.set(this, screen(data))
      return screened.get(this)
    },
  })

  /** An answer of Material's worker, as Material is to see it: HELD when it found
   *  nothing for exactly what the box holds and the script searches again. */
  function screen(data) {
    if (!data || data.type !== RESULT) return data
    const query = asked.shift()
    const text = boxText()
    if (data.data.items.length || asked.length || query !== text || !text.trim()) return data
    const since = posted
    const release = () => {
      // Only while no other query was asked since (its answer comes, or came, after).
      if (posted !== since) return
      const again = new MessageEvent("message", { data })
      released.add(again)
      worker.dispatchEvent(again)
    }
    loadVocabulary().then(words => {
      const next = boxText() === text && fallback(text, words)
      if (!next || next.query === text) return release()
      active = { text, ...next }
      showNotice()
      input.dispatchEvent(new KeyboardEvent("keyup")) // Material reads the box again
    }).catch(release) // the index did not load: Material shows what the worker found
    return HELD
  }

  // The reader changes the text: the notice goes; the getter returns the new text.
  input.addEventListener("input", () => {
    if (active && active.text !== boxText()) {
      active = null
      showNotice()
    }
  })
  input.form.addEventListener("reset", () => {
    active = null
    showNotice()
  })

  // A pasted traceback or log: the box gets its exception line instead.
  input.addEventListener("paste", event => {
    const text = event.clipboardData && event.clipboardData.getData("text/plain")
    if (!text || !looksLikeTraceback(text)) return
    event.preventDefault()
    const line = extractError(text)
    const start = input.selectionStart ?? boxText().length
    const end = input.selectionEnd ?? start
    input.setRangeText(line, start, end, "end")
    input.dispatchEvent(new Event("input", { bubbles: true }))
    input.dispatchEvent(new KeyboardEvent("keyup")) // searched at once, as a typed key
  })

})()
