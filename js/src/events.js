// Repo events (`cf.artifacts.repo.*`, spec §9.1) to the host's onEvent
// callback. The core builds every event and queues it (bounded:
// core/artifacts/repo_event_queue.h); this file drains that queue after each
// call, job and git request and wraps each event in the Queues envelope's
// `metadata`. Delivery is asynchronous and fire-and-forget: a slow, throwing
// or rejecting onEvent never delays or fails the operation that made the
// event.

export const EVENT_SCHEMA_VERSION = 1;

// 32 lowercase hex digits, the form of a Cloudflare event subscription id.
// getRandomValues works in every runtime and context (randomUUID needs a
// secure context in browsers).
export function randomSubscriptionId() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// options: { onEvent?, accountId = 'local', eventSubscriptionId? } (createArtifacts' own).
// Returns drain(ns): takes the core Namespace's queued events and delivers them.
export function makeEventDrain({ onEvent, accountId = 'local', eventSubscriptionId = randomSubscriptionId() } = {}) {
  if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('onEvent must be a function');
  let reportedFailure = false;
  const reportFailure = (e) => {
    if (reportedFailure) return;
    reportedFailure = true;
    console.error('open-artifacts: onEvent failed (later failures are not reported):', e);
  };
  const deliver = (events) => {
    for (const event of events) {
      try {
        const result = onEvent(event);
        if (typeof result?.then === 'function') result.then(undefined, reportFailure);
      } catch (e) {
        reportFailure(e);
      }
    }
  };

  return function drain(ns) {
    let queued;
    try {
      const text = ns.takeEvents();
      // Without a listener the core builds none (setEventsWanted); the queue is emptied all the same.
      if (!onEvent || text === '[]') return;
      queued = JSON.parse(text);
    } catch {
      return; // an instance that trapped: its queue is gone with it
    }
    const events = queued.map(({ type, source, payload, eventTimestamp }) => ({
      type,
      source,
      payload,
      metadata: { accountId, eventSubscriptionId, eventSchemaVersion: EVENT_SCHEMA_VERSION, eventTimestamp },
    }));
    // After the operation: its caller sees its result first.
    setTimeout(() => deliver(events), 0);
  };
}
