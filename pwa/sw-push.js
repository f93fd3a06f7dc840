/* Push and notificationclick handlers live here (issue 5); /sw.js imports this file. */
