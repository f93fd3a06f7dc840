/* Dose reminders in the service worker (imported by /sw.js).
 *
 * push: show the reminder. Its tag is the dose, so a repeat or the same push twice replaces
 * the notification instead of stacking. The data carries single-use tokens for the buttons.
 * notificationclick: "Taken" or "Snooze" post the token to the server (no cookie needed, so it
 * works with the app closed and the session expired), then the notification is replaced by
 * a confirmation; a tap on the notification itself opens Today with that dose. */
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
      url: reminder.url || '/today',
      tokens: reminder.tokens || {},
      act: reminder.act,
      unreachable: reminder.unreachable
    }
  });
}

self.addEventListener('push', (event) => {
  event.waitUntil(showReminder(reminderFrom(event)));
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
