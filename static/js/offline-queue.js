/* What Tend keeps on the phone for offline use, in IndexedDB: the last copy of Today and the
 * medication list, and the entries made offline that still have to reach the server.
 *
 * Loaded by pages and by the service worker (no DOM here). Everything belongs to one owner,
 * the signed-in account's id: when another account signs in, it is all wiped first.
 * At sign-out the person may keep the unsent entries for their next sign-in: they are then
 * held only encrypted (AES-GCM) with a key the server gives that account's pages and never
 * stored here, and the owner's id is dropped, so until the same account signs in again
 * nothing on the phone can read them or says whose they are; another account's key fails to
 * open them, and they are wiped.
 * Entries carry the idempotency key the server deduplicates on, so sending one twice (a retry
 * after a lost answer, the page and the worker both syncing) still records it once. */
(function (scope) {
  "use strict";

  var DB_NAME = "tend-offline";
  var STORES = ["meta", "snapshots", "queue"];
  var SYNC_TAG = "tend-sync";
  var RETRY_LATER = "retry";

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function openDatabase() {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("meta");
      db.createObjectStore("snapshots");
      db.createObjectStore("queue", { keyPath: "key" });
    };
    return promised(request);
  }

  /* Run `work(stores)` in one transaction; resolves with its result once committed. */
  function transact(mode, work) {
    return openDatabase().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORES, mode);
        var stores = {};
        STORES.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result;
        Promise.resolve(work(stores)).then(function (value) { result = value; }, reject);
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function get(store, key) { return promised(store.get(key)); }

  function clearAll(stores) {
    return Promise.all(STORES.map(function (name) { return promised(stores[name].clear()); }));
  }

  /* The signed-in account is `userId`: wipe what another account left, remember the owner
   * and the CSRF token that sending needs, and take back the entries this account kept at
   * sign-out (`keyText` is the account's key for them, from the page). */
  function claim(userId, csrfToken, keyText) {
    var owner = String(userId);
    return transact("readonly", function (stores) { return get(stores.meta, "kept"); })
      .then(function (kept) { return kept ? openKept(kept, keyText) : null; })
      .then(function (keptEntries) {
        return transact("readwrite", function (stores) {
          return get(stores.meta, "owner").then(function (previous) {
            var wiped = previous !== undefined && previous !== owner;
            return (wiped ? clearAll(stores) : Promise.resolve()).then(function () {
              stores.meta.delete("kept");
              (keptEntries || []).forEach(function (record) { stores.queue.put(record); });
              stores.meta.put(owner, "owner");
              stores.meta.put(csrfToken, "csrf");
              return wiped;
            });
          });
        });
      });
  }

  /* --- Entries kept at sign-out, encrypted for the same account's next sign-in. --- */

  function bytesOf(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }

  function cryptoKey(keyText, use) {
    return crypto.subtle.importKey("raw", bytesOf(keyText), "AES-GCM", false, [use]);
  }

  /* The kept entries, or null when `keyText` is not the key they were kept with. */
  function openKept(kept, keyText) {
    if (!keyText || !scope.crypto || !crypto.subtle) { return Promise.resolve(null); }
    return cryptoKey(keyText, "decrypt").then(function (key) {
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: kept.iv }, key, kept.data);
    }).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    }).catch(function () { return null; });
  }

  /* Signing out, keeping the unsent entries: everything else goes, they stay encrypted. */
  function keepForNextSignIn(keyText) {
    return entries().then(function (all) {
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var plain = new TextEncoder().encode(JSON.stringify(all));
      return cryptoKey(keyText, "encrypt").then(function (key) {
        return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, plain);
      }).then(function (data) {
        return transact("readwrite", function (stores) {
          return clearAll(stores).then(function () {
            stores.meta.put({ iv: iv, data: data }, "kept");
          });
        });
      });
    });
  }

  function owner() {
    return transact("readonly", function (stores) { return get(stores.meta, "owner"); });
  }

  function wipe() {
    return transact("readwrite", clearAll);
  }

  /* Signed out: wipe all but entries kept encrypted for the next sign-in (unreadable here). */
  function wipeAllButKept() {
    return transact("readwrite", function (stores) {
      return get(stores.meta, "kept").then(function (kept) {
        return clearAll(stores).then(function () {
          if (kept) { stores.meta.put(kept, "kept"); }
        });
      });
    });
  }

  /* Signed out (a session that ran out): drop the copy of the record, keep unsent entries
   * for their owner; they are sent after that account signs in again, or wiped if another
   * one does. */
  function forgetRecord() {
    return transact("readwrite", function (stores) {
      return promised(stores.snapshots.clear());
    });
  }

  function saveSnapshot(name, data) {
    return transact("readwrite", function (stores) {
      stores.snapshots.put({ data: data, savedAt: new Date().toISOString() }, name);
    });
  }

  function snapshot(name) {
    return transact("readonly", function (stores) { return get(stores.snapshots, name); });
  }

  /* Keep `entry` ({url, body: {idempotency_key, ...}, kind, label}) until it is sent. The same
   * entry submitted twice is kept once. */
  function enqueue(entry) {
    var key = entry.body.idempotency_key;
    return transact("readwrite", function (stores) {
      return get(stores.queue, key).then(function (existing) {
        if (existing) { return existing; }
        var record = { key: key, url: entry.url, body: entry.body, kind: entry.kind,
                       label: entry.label || "", createdAt: new Date().toISOString(),
                       status: "pending", error: null };
        stores.queue.put(record);
        return record;
      });
    });
  }

  function entries() {
    return transact("readonly", function (stores) {
      return promised(stores.queue.getAll()).then(function (all) {
        return all.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
      });
    });
  }

  function update(key, change) {
    return transact("readwrite", function (stores) {
      return get(stores.queue, key).then(function (record) {
        if (!record) { return; }
        if (change === null) { stores.queue.delete(key); return; }
        Object.keys(change).forEach(function (name) { record[name] = change[name]; });
        stores.queue.put(record);
      });
    });
  }

  function remove(key) { return update(key, null); }

  function retry(key) { return update(key, { status: "pending", error: null }); }

  function csrfToken() {
    return transact("readonly", function (stores) { return get(stores.meta, "csrf"); });
  }

  /* Send one entry. Resolves "sent" (also when another device had logged that dose
   * already: it is done), "rejected" (a 4xx the client has to fix; kept with the server's
   * message) or RETRY_LATER (offline, signed out, expired token, busy server). */
  function send(record, token) {
    return fetch(record.url, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": token || "" },
      body: JSON.stringify(record.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok || answer.error === "already_logged") {
          return noteConflicts(answer.conflicts).then(function () {
            return remove(record.key);
          }).then(function () { return "sent"; });
        }
        if (!isRejection(response.status, answer)) { return RETRY_LATER; }
        return update(record.key, {
          status: "rejected",
          error: { message: answer.message || "", fields: answer.fields || {} }
        }).then(function () { return "rejected"; });
      });
    }, function () { return RETRY_LATER; });
  }

  /* The fields another device had also changed, kept to tell the person (whichever change
   * was later is the one the server kept). */
  function noteConflicts(conflicts) {
    if (!conflicts || !conflicts.length) { return Promise.resolve(); }
    return transact("readwrite", function (stores) {
      return get(stores.meta, "conflicts").then(function (known) {
        var fields = known || [];
        conflicts.forEach(function (conflict) {
          if (fields.indexOf(conflict.field) < 0) { fields.push(conflict.field); }
        });
        stores.meta.put(fields, "conflicts");
      });
    });
  }

  /* The fields noted by noteConflicts, until the person has seen the line about them. */
  function conflicts() {
    return transact("readonly", function (stores) {
      return get(stores.meta, "conflicts").then(function (fields) { return fields || []; });
    });
  }

  function forgetConflicts() {
    return transact("readwrite", function (stores) { stores.meta.delete("conflicts"); });
  }

  /* Only a 4xx about the entry itself is final; being signed out, an expired CSRF token or
   * a throttle are not the entry's fault. */
  function isRejection(status, answer) {
    if (status < 400 || status >= 500 || status === 401 || status === 408 || status === 429) {
      return false;
    }
    return answer.error !== "csrf_failed";
  }

  function sendPending() {
    return Promise.all([entries(), csrfToken()]).then(function (found) {
      var pending = found[0].filter(function (record) { return record.status === "pending"; });
      var token = found[1];
      var outcome = { sent: 0, rejected: 0, remaining: 0 };
      return pending.reduce(function (previous, record) {
        return previous.then(function (stop) {
          if (stop) { outcome.remaining += 1; return true; }
          return send(record, token).then(function (result) {
            if (result === RETRY_LATER) { outcome.remaining += 1; return true; }
            outcome[result] += 1;
            return false;
          });
        });
      }, Promise.resolve(false)).then(function () { return outcome; });
    });
  }

  /* Send every pending entry, oldest first, one sender at a time across the pages and the
   * worker. Rejects when some must be retried, so Background Sync tries again later. */
  function flush() {
    var run = function () { return sendPending(); };
    var sending = scope.navigator.locks ?
      scope.navigator.locks.request(SYNC_TAG, run) : run();
    return sending.then(function (outcome) {
      if (outcome.remaining && typeof scope.document === "undefined") {
        throw new Error(outcome.remaining + " entries still to send");
      }
      return outcome;
    });
  }

  scope.TendOffline = {
    DB_NAME: DB_NAME, SYNC_TAG: SYNC_TAG, claim: claim, owner: owner, wipe: wipe,
    wipeAllButKept: wipeAllButKept, keepForNextSignIn: keepForNextSignIn,
    forgetRecord: forgetRecord, conflicts: conflicts, forgetConflicts: forgetConflicts,
    saveSnapshot: saveSnapshot, snapshot: snapshot, enqueue: enqueue, entries: entries,
    remove: remove, retry: retry, flush: flush
  };
})(self);
