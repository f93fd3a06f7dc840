/* Dose reminders in the service worker (imported by /sw.js).
 *
 * push: show the reminder. Its tag is the dose, so a repeat or the same push twice replaces
 * the notification instead of stacking. The data carries single-use tokens for the buttons.
 * notificationclick: "Taken" or "Snooze" post the token to the server (no cookie needed, so it
 * works with the app closed and the session expired), then the notification is replaced by
 * a confirmation; a tap on the notification itself opens Today with that dose (or, where the
 * browser shows no buttons, the dose's confirm screen). The payload also carries a declarative
 * form ("web_push": 8030, "notification") that Safari shows itself if this worker fails; this
 * worker reads only its own fields. */
'use strict';

function reminderFrom(event) {
  try {
    return event.data ? event.data.json() : null;
  } catch (error) {
    return null;
  }
}

// A reminder the server sends again because a worker stopped before recording the first send
// ("resent") replaces the one still shown without a second sound or vibration.
async function alreadyShown(reminder) {
  if (!reminder.resent) {
    return false;
  }
  const shown = await self.registration.getNotifications({ tag: reminder.tag });
  return shown.some((notification) => notification.data &&
    notification.data.reminder === reminder.reminder);
}

// Where a tap on the notification itself leads. A browser that shows no buttons (Safari,
// Firefox: Notification.maxActions is 0 or missing) opens the dose's one-tap confirm screen.
function tapTarget(reminder) {
  const buttons = self.Notification && self.Notification.maxActions > 0;
  return (!buttons && reminder.confirm) || reminder.url || '/today';
}

async function showReminder(reminder) {
  if (!reminder || !reminder.title) {
    // iOS revokes subscriptions that push without showing anything: always show something.
    return self.registration.showNotification('Tend', { tag: 'tend', body: '' });
  }
  const repeat = await alreadyShown(reminder);
  return self.registration.showNotification(reminder.title, {
    body: reminder.body,
    tag: reminder.tag,
    renotify: Boolean(reminder.renotify) && !repeat,
    silent: repeat,
    timestamp: reminder.timestamp,
    icon: '/pwa/icons/icon-192.png',
    badge: '/pwa/icons/icon-192.png',
    actions: reminder.actions || [],
    data: {
      reminder: reminder.reminder,
      url: tapTarget(reminder),
      tokens: reminder.tokens || {},
      act: reminder.act,
      unreachable: reminder.unreachable
    }
  });
}

self.addEventListener('push', (event) => {
  event.waitUntil(Promise.all([showReminder(reminderFrom(event)),
                               rememberSubscription().catch(() => {})]));
});

/* --- A subscription the browser replaced (pushsubscriptionchange) -------------------------
 * The browser may end a subscription and (perhaps) make a new one with no page open. The
 * worker subscribes again with the same VAPID key and reports the new one to the server,
 * proving it holds the old one by that one's auth secret (no session or CSRF token is at hand
 * then). The old subscription comes with the event where the browser gives it, else from
 * what this worker remembered of it (IndexedDB, this origin only). An app open covers what
 * this cannot (static/js/pwa.js). */

const PUSH_DB = 'tend-push';
const PUSH_STORE = 'device';

function pushStore(mode, work) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(PUSH_DB, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(PUSH_STORE);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const database = opening.result;
      const transaction = database.transaction(PUSH_STORE, mode);
      const request = work(transaction.objectStore(PUSH_STORE));
      transaction.oncomplete = () => { database.close(); resolve(request.result); };
      transaction.onerror = () => { database.close(); reject(transaction.error); };
    };
  });
}

// What a new subscription needs of the old one: its identity, its secret and the VAPID key.
function held(subscription) {
  const data = subscription.toJSON();
  return { endpoint: data.endpoint, auth: data.keys.auth, p256dh: data.keys.p256dh,
           key: subscription.options && subscription.options.applicationServerKey };
}

async function rememberSubscription() {
  const subscription = await self.registration.pushManager.getSubscription();
  if (subscription) {
    const value = held(subscription);
    await pushStore('readwrite', (store) => store.put(value, 'current'));
  }
}

async function renewSubscription(event) {
  const old = event.oldSubscription ? held(event.oldSubscription)
    : await pushStore('readonly', (store) => store.get('current'));
  if (!old || (!event.newSubscription && !old.key)) {
    return;  // nothing to prove it with, or to subscribe with: the next app open re-registers
  }
  const fresh = event.newSubscription || await self.registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: old.key
  });
  const now = held(fresh);
  const response = await fetch('/reminders/subscriptions/change', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ old_endpoint: old.endpoint, old_auth: old.auth,
                           endpoint: now.endpoint, p256dh: now.p256dh, auth: now.auth })
  });
  if (response.ok) {
    await pushStore('readwrite', (store) => store.put({ ...now, key: now.key || old.key },
                                                      'current'));
  }
}

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(renewSubscription(event).catch(() => {}));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'PUSH_SUBSCRIBED') {
    event.waitUntil(rememberSubscription().catch(() => {}));
  }
});

async function confirm(notification, title, body) {
  notification.close();
  await self.registration.showNotification(title, {
    body: body,
    tag: notification.tag,
    icon: '/pwa/icons/icon-192.png',
    data: { url: notification.data && notification.data.url }
  });
}

async function performAction(notification, action) {
  const data = notification.data || {};
  const token = data.tokens && data.tokens[action];
  if (!token || !data.act) {
    return openPage(data.url);
  }
  try {
    const response = await fetch(data.act, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: token })
    });
    const answer = await response.json();
    await confirm(notification, answer.title || 'Tend', answer.body || '');
  } catch (error) {
    await confirm(notification, 'Tend', data.unreachable || '');
  }
}

async function openPage(url) {
  const target = new URL(url || '/today', self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if ('focus' in client && new URL(client.url).origin === self.location.origin) {
      await client.focus();
      return client.navigate ? client.navigate(target) : undefined;
    }
  }
  return self.clients.openWindow(target);
}

self.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  if (event.action) {
    event.waitUntil(performAction(notification, event.action));
  } else {
    notification.close();
    event.waitUntil(openPage(notification.data && notification.data.url));
  }
});
