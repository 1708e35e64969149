// Repo events (events.js) POSTed to a webhook, for the Node server. send()
// never blocks and never throws: events wait in a bounded queue (past its
// bounds the oldest go, counted), at most MAX_IN_FLIGHT requests run at once,
// each cut after timeoutMs, and failures are retried with exponential backoff
// up to maxAttempts. A dead, slow or hanging receiver therefore costs bounded
// memory and never slows the pushes and calls that make events.
//
// Each request: POST <url>, Content-Type: application/json, the envelope as
// the body, X-Artifacts-Event: <type>, X-Artifacts-Delivery: <id> (the same
// on every attempt, for receivers to drop duplicates), and with a secret
// X-Artifacts-Timestamp: <unix seconds> and X-Artifacts-Signature:
// sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)> (README "Webhooks").
import { createHmac, randomBytes } from 'node:crypto';

const MAX_IN_FLIGHT = 4;
// The first retry waits about this long; each later one twice as long (with jitter), at most MAX_BACKOFF_MS.
const BASE_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 60_000;
// Drops are logged at the first and then every this many.
const DROP_LOG_EVERY = 1000;

export class WebhookConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'WebhookConfigError';
  }
}

// Statuses worth another attempt: the receiver is overloaded or failing, not refusing.
const retryable = (status) => status >= 500 || status === 429 || status === 408;

export function signature(secret, timestamp, body) {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

// options: { url (http: or https:), secret?, fetch = globalThis.fetch, maxQueued = 1000,
//   maxQueuedBytes = 16 MiB, maxAttempts = 5, timeoutMs = 10000, log?(line) }.
// Throws WebhookConfigError for a bad URL, secret or bound.
export function createWebhookSender({
  url,
  secret,
  fetch: fetchFn = (...args) => globalThis.fetch(...args),
  maxQueued = 1000,
  maxQueuedBytes = 16 << 20,
  maxAttempts = 5,
  timeoutMs = 10_000,
  log,
} = {}) {
  let target;
  try {
    target = new URL(url);
  } catch {
    throw new WebhookConfigError(`webhook URL "${String(url).slice(0, 200)}" is not a URL`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new WebhookConfigError(`webhook URL must be http: or https:, got ${target.protocol}`);
  }
  if (secret !== undefined && secret !== '' && typeof secret !== 'string') {
    throw new WebhookConfigError('webhook secret must be a string');
  }
  for (const [name, value] of Object.entries({ maxQueued, maxQueuedBytes, maxAttempts, timeoutMs })) {
    if (!Number.isInteger(value) || value < 1) throw new WebhookConfigError(`webhook ${name} must be a positive integer`);
  }
  const signingSecret = secret || undefined; // "" (an empty environment variable) is none
  const endpoint = target.href;

  // Waiting deliveries, oldest event first: { id, type, body, size, attempts, dueAt, seq }.
  const queue = [];
  let queuedBytes = 0;
  const inFlight = new Set(); // AbortControllers of running requests
  let timer = null;
  let closed = false;
  const counts = { delivered: 0, failed: 0, dropped: 0 };

  const dropOldest = () => {
    const dropped = queue.shift();
    queuedBytes -= dropped.size;
    counts.dropped++;
    if (counts.dropped % DROP_LOG_EVERY === 1 || DROP_LOG_EVERY === 1) {
      log?.(`webhook: queue full, dropped the oldest event (${counts.dropped} dropped so far)`);
    }
  };

  function schedule() {
    if (closed) return;
    const now = Date.now();
    while (inFlight.size < MAX_IN_FLIGHT) {
      const i = queue.findIndex((d) => d.dueAt <= now);
      if (i < 0) break;
      const [delivery] = queue.splice(i, 1);
      queuedBytes -= delivery.size;
      attempt(delivery);
    }
    // Wake for the earliest retry still waiting (none is due now, or every slot is busy).
    if (timer) clearTimeout(timer);
    timer = null;
    if (queue.length === 0 || inFlight.size >= MAX_IN_FLIGHT) return;
    const next = Math.min(...queue.map((d) => d.dueAt));
    timer = setTimeout(schedule, Math.max(0, next - now));
    timer.unref?.(); // pending retries never keep a process alive
  }

  function enqueue(delivery) {
    if (closed) return;
    if (delivery.size > maxQueuedBytes) {
      counts.dropped++;
      return;
    }
    while (queue.length >= maxQueued || (queue.length > 0 && queuedBytes + delivery.size > maxQueuedBytes)) {
      dropOldest();
    }
    // Oldest event first: a retry goes back to its place in order of arrival.
    let at = queue.length;
    while (at > 0 && queue[at - 1].seq > delivery.seq) at--;
    queue.splice(at, 0, delivery);
    queuedBytes += delivery.size;
  }

  async function attempt(delivery) {
    const controller = new AbortController();
    inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error('webhook request timed out')), timeoutMs);
    timeout.unref?.();
    delivery.attempts++;
    let outcome; // 'delivered', 'retry' or 'failed'
    let why = '';
    try {
      const headers = {
        'Content-Type': 'application/json',
        'X-Artifacts-Event': delivery.type,
        'X-Artifacts-Delivery': delivery.id,
      };
      if (signingSecret) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        headers['X-Artifacts-Timestamp'] = timestamp;
        headers['X-Artifacts-Signature'] = signature(signingSecret, timestamp, delivery.body);
      }
      const response = await fetchFn(endpoint, {
        method: 'POST',
        headers,
        body: delivery.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      // The body is not wanted; cancelling it frees the connection.
      response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) outcome = 'delivered';
      else {
        why = `HTTP ${response.status}`;
        outcome = retryable(response.status) ? 'retry' : 'failed';
      }
    } catch (e) {
      why = e?.message ?? String(e);
      outcome = 'retry'; // network error or timeout
    } finally {
      clearTimeout(timeout);
      inFlight.delete(controller);
    }
    if (closed) return;
    if (outcome === 'retry' && delivery.attempts < maxAttempts) {
      const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (delivery.attempts - 1));
      delivery.dueAt = Date.now() + backoff * (0.5 + Math.random()); // jitter: receivers coming back are not stampeded
      enqueue(delivery);
    } else if (outcome === 'delivered') {
      counts.delivered++;
    } else {
      counts.failed++;
      log?.(`webhook: gave up on ${delivery.type} ${delivery.id} after ${delivery.attempts} attempt(s): ${why}`);
    }
    schedule();
  }

  let seq = 0;
  return {
    // Queues `event` (an ArtifactsEvent) for delivery; returns at once.
    send(event) {
      if (closed) return;
      try {
        const body = JSON.stringify(event);
        const delivery = {
          id: randomBytes(16).toString('hex'),
          type: String(event?.type ?? ''),
          body,
          size: Buffer.byteLength(body),
          attempts: 0,
          dueAt: 0,
          seq: seq++,
        };
        enqueue(delivery);
        schedule();
      } catch (e) {
        log?.(`webhook: could not queue an event: ${e?.message ?? e}`);
      }
    },
    // { queued, inFlight, queuedBytes, delivered, failed, dropped }
    stats: () => ({ queued: queue.length, inFlight: inFlight.size, queuedBytes, ...counts }),
    // Stops for good: timers cleared, requests in flight aborted, queued events dropped.
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const controller of inFlight) controller.abort(new Error('webhook sender closed'));
      queue.length = 0;
      queuedBytes = 0;
    },
  };
}
