"""Control over the app's to-do saves from plain JS, to test what people do while one is in
flight: the real IndexedDB writes happen, only the app hears of their end later (held or
delayed), or a write is refused the way a full disk refuses it."""

INSTALL_JS = """() => {
  if (window.__saves) return;
  const saves = window.__saves = {hold: false, delay: 0, fail: null, held: [], open: 0};
  const mine = db => db.name === 'todo-assistant';
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (names, mode, ...rest) {
    const tx = transaction.call(this, names, mode, ...rest);
    if (mode !== 'readwrite' || !mine(this)) return tx;
    // The app listens through tx.oncomplete: keep its handler and call it when we decide.
    saves.open += 1;                  // writes the app has not yet heard the end of
    let handler = null;
    Object.defineProperty(tx, 'oncomplete', {configurable: true, get: () => handler,
                                              set: fn => { handler = fn; }});
    tx.addEventListener('complete', event => {
      const fire = () => { saves.open -= 1; if (handler) handler.call(tx, event); };
      if (saves.hold) saves.held.push(fire);
      else if (saves.delay) setTimeout(fire, saves.delay);
      else fire();
    });
    return tx;
  };
  for (const name of ['put', 'delete']) {
    const original = IDBObjectStore.prototype[name];
    IDBObjectStore.prototype[name] = function (...args) {
      if (saves.fail && mine(this.transaction.db))
        throw new DOMException(saves.fail, 'QuotaExceededError');
      return original.apply(this, args);
    };
  }
}"""


def install(page):
    page.evaluate(INSTALL_JS)


def hold(page):
    """From now on, the app hears of a save's end only at release()."""
    install(page)
    page.evaluate("window.__saves.hold = true")


def release(page):
    page.evaluate("() => { const s = window.__saves; s.hold = false;"
                  " s.held.splice(0).forEach(fire => fire()); }")


def delay(page, ms):
    """Every save ends `ms` later than it would."""
    install(page)
    page.evaluate("ms => { window.__saves.delay = ms; }", ms)


def fail(page, message="The disk is full (test)."):
    """Every to-do write is refused (None: writes work again)."""
    install(page)
    page.evaluate("m => { window.__saves.fail = m; }", message)


def settled(page):
    """Wait until the app has heard the end of every to-do write it started."""
    page.wait_for_function("window.__saves.open === 0 && !document.querySelector('[aria-busy]')")


def stored(page):
    """The to-do records in IndexedDB, in the order they were created."""
    return page.evaluate("""() => new Promise(ok => {
        const r = indexedDB.open('todo-assistant');
        r.onsuccess = () => {
          const all = r.result.transaction('todos').objectStore('todos').getAll();
          all.onsuccess = () => {
            r.result.close();
            ok(all.result.sort((a, b) => a.created < b.created ? -1 : 1));
          };
        };
    })""")


def stored_titles(page):
    return [record["title"] for record in stored(page)]
