// Watching what the browser sent, beyond what every Tab records.

/**
 * Counts, for each load of the demo page in `tab` (a main-frame document request to `tab.url`,
 * with or without a query), the requests to each of `urls` made by that load. Call before the
 * first load; `counts()` returns one { [url]: n } per load, in order.
 */
export function countRequestsPerLoad(tab, urls) {
  const loads = [];
  tab.page.on('request', (req) => {
    const url = req.url();
    if (req.isNavigationRequest() && req.frame() === tab.page.mainFrame()) {
      const u = new URL(url);
      if (u.origin + u.pathname === tab.url) loads.push(Object.fromEntries(urls.map((x) => [x, 0])));
      return;
    }
    const key = urls.find((x) => url === x || url.startsWith(`${x}?`));
    if (key && loads.length > 0) loads.at(-1)[key] += 1;
  });
  return { counts: () => loads.map((l) => ({ ...l })) };
}

/** Token-endpoint POSTs the browser sent in `context` (Node timestamps), for timing checks. */
export function watchTokenRequests(context, dev) {
  const log = [];
  context.on('request', (req) => {
    if (req.method() === 'POST' && req.url() === dev.endpoints.token) {
      const form = new URLSearchParams(req.postData() ?? '');
      log.push({ at: Date.now(), grantType: form.get('grant_type') });
    }
  });
  return log;
}

/**
 * API requests (GET /api/v2/users/me) the browser sent in `context`, with their answers, in
 * the order the answers came: { at, status, authorization }. `await log.settled()` before
 * reading `authorization` (headers are read asynchronously).
 */
export function watchApi(context, dev) {
  const log = [];
  const reads = [];
  context.on('response', (res) => {
    if (res.url() !== dev.endpoints.usersMe || res.request().method() !== 'GET') return;
    const entry = { at: Date.now(), status: res.status(), authorization: null };
    log.push(entry);
    reads.push(res.request().allHeaders().then((h) => { entry.authorization = h.authorization ?? null; }, () => {}));
  });
  log.settled = () => Promise.all(reads);
  return log;
}
