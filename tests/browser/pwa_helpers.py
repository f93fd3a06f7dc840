"""Looking into the service worker, Cache Storage and IndexedDB from a test."""
import time

from playwright.sync_api import expect

WAIT_FOR_WORKER = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const worker = registration.active;
  if (worker.state !== "activated") {
    await new Promise(done => worker.addEventListener("statechange",
      () => worker.state === "activated" && done()));
  }
}"""

CACHE_CONTENTS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    const requests = await (await caches.open(name)).keys();
    found[name] = requests.map(r => { const u = new URL(r.url); return u.pathname + u.search; });
  }
  return found;
}"""

# update() resolves once the worker script is fetched and compared: a new version is then
# installing (or already installed and waiting).
LOOK_FOR_A_NEW_VERSION = """async () => {
  const registration = await navigator.serviceWorker.ready;
  await registration.update();
  return Boolean(registration.installing || registration.waiting);
}"""

KEPT_OFFLINE_PAGE_LANGUAGES = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      if (!new URL(request.url).pathname.endsWith("offline")) continue;
      const page = await (await cache.match(request)).text();
      found.push(page.match(/<html lang="([^"]+)"/)[1]);
    }
  }
  return found;
}"""

OFFLINE_DATABASE = """async () => {
  const names = (await indexedDB.databases()).map(d => d.name);
  if (!names.includes("tend-offline")) return null;
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open("tend-offline"); r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error); });
  const dump = {};
  for (const name of db.objectStoreNames) {
    const tx = db.transaction(name);
    const store = tx.objectStore(name);
    const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()].map(
      r => new Promise(ok => { r.onsuccess = () => ok(r.result); })));
    dump[name] = Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
  }
  db.close();
  return dump;
}"""


def wait_for_worker(page) -> None:
    """The worker is activated and controls the page (`ready` alone can be too early)."""
    page.evaluate(WAIT_FOR_WORKER)
    # Polled from here: wait_for_function evaluates a string in the page, which the
    # app's CSP (no 'unsafe-eval') rightly refuses.
    wait_until(lambda: page.evaluate("navigator.serviceWorker.controller !== null"),
               "the service worker to control the page")


def cache_contents(page) -> dict[str, list[str]]:
    return page.evaluate(CACHE_CONTENTS)


def kept_offline_page_languages(page) -> set[str]:
    """The languages of the offline pages (/offline, /help/offline...) every cache keeps."""
    return set(page.evaluate(KEPT_OFFLINE_PAGE_LANGUAGES))


def wait_for_offline_pages_in(page, language: str) -> None:
    wait_until(lambda: kept_offline_page_languages(page) == {language},
               f"the kept offline pages are in {language!r}")


def offline_database(page) -> dict | None:
    """Every store of the offline IndexedDB as {store: {key: value}}, or None if there is none."""
    return page.evaluate(OFFLINE_DATABASE)


def sign_in(page, base: str, person) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?signed_out=1")


def wait_until(check, what: str, seconds: float = 20) -> None:
    """Poll ``check`` (which may fail while a page reloads) until it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - e.g. the page navigated mid-evaluate
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}")


def wait_for_shell(page) -> None:
    """The page's check of whose data is on the phone has run (page.evaluate awaits it)."""
    page.evaluate("TendShell.ready.then(() => true)")


def wait_for_kept_today(page) -> None:
    wait_until(lambda: page.evaluate("TendOffline.snapshot('today').then(Boolean)"),
               "Today is kept on this phone")
