// Node's web-push (3.6) sending N messages, 8 at a time over a kept-alive agent, to the
// subscriptions on standard input ({"subscriptions": [...], "count": N, "concurrency": 8,
// "payload": {...}}). Prints {"seconds", "cpu_seconds", "sent"} as JSON.
const https = require("https");
const webpush = require("web-push");

let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const job = JSON.parse(input);
  const keys = webpush.generateVAPIDKeys();
  const agent = new https.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const options = {
    TTL: 3600, urgency: "high", agent,
    vapidDetails: { subject: "mailto:bench@example.com", publicKey: keys.publicKey,
                    privateKey: keys.privateKey },
  };
  const body = JSON.stringify(job.payload);
  let next = 0;
  let sent = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  async function lane() {
    while (next < job.count) {
      const n = next++;
      const sub = job.subscriptions[n % job.subscriptions.length];
      await webpush.sendNotification(sub, body, { ...options, topic: `dose-${n}` });
      sent++;
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  console.log(JSON.stringify({ seconds, cpu_seconds: (used.user + used.system) / 1e6, sent }));
});
