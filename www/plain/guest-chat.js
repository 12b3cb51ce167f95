// The guest chat demo (guest.html): an anonymous visitor's token lifecycle with pixie-auth's
// GuestTokenSource, and a stand-in chat box fed through onToken. A plain ES module with no
// bare imports and no side effects: guest.html hands in the GuestTokenSource class it loaded.
//
// Stable element ids for the full-flow tests (tests/e2e/guest.test.mjs): #status[data-state]
// (loading | ready | renewing | no-token | error), #mode, #error[data-code], #expiry
// [data-expires-at], #refreshes[data-count][data-last-refresh-at], #events li[data-event]
// [data-at] (tokenRefreshed: data-expires-at, data-refresh-count; tokenExpiring:
// data-expires-at; tokenExpired: data-code, data-expires-at, data-retry-at), #chat[data-state]
// (waiting | ready | paused), #chat-state[data-guest-id], #messages li, #message, #send,
// #visitor-name, #order-number, #visitor-email.
//
// The page never shows, stores or logs the token: it goes from onToken to the stand-in chat,
// which keeps it in a variable and puts it in the Authorization header of its requests.

/** A sentence a visitor can act on, for the codes a GuestTokenSource rejects with. */
export const GUEST_HINTS = {
  rate_limited: "The token service is busy and asked this page to wait; it tries again by itself.",
  guest_token_failed: "The site's token service is not working right now; the page tries again by itself.",
  guest_token_invalid: "The token service sent a token that failed its checks, so it was not used.",
  network_error: "The token service could not be reached (it may be down, or you are offline); the page tries again by itself.",
  invalid_config: "The page is set up wrongly; the message says what to fix.",
};

/** How often the stand-in chat asks for new messages. */
const POLL_MS = 2000;
/** The chat stops using a token this long before it expires (a request takes time to arrive). */
const MARGIN_MS = 1000;
/** Entries shown in "What happened" (all are kept, for the tests). */
const EVENTS_SHOWN = 8;

/**
 * Starts the guest chat in the page.
 * @param {typeof import("pixie-auth").GuestTokenSource} GuestTokenSource
 */
export async function startGuestChat(GuestTokenSource) {
  const ui = mount();
  let config;
  try {
    config = await loadGuestConfig();
  } catch (err) {
    ui.showError("The guest chat could not start", err);
    ui.setState("error", "Not configured");
    return;
  }
  ui.showMode(config);

  let guest;
  try {
    guest = new GuestTokenSource({
      endpoint: config.endpoint, // the site's own token service (devserver/guest-proxy.mjs)
      body: () => ui.visitor(), // read again for every request
      // Optional: check each token in the browser (signature, iss, aud, exp). Without these
      // three the token is opaque to the page and only scheduled by its exp.
      jwksUri: config.jwksUri,
      issuer: config.issuer,
      audience: config.audience,
    });
  } catch (err) {
    ui.showError("The guest chat could not start", err);
    ui.setState("error", "Not configured");
    return;
  }

  const chat = new StandInChat(config.chatMessages, ui);
  // What a messaging SDK's setAccessToken(jwt) is: every new token, the first included.
  guest.onToken((jwt) => chat.setAccessToken(jwt));

  guest.on("tokenExpiring", ({ expiresAt, secondsLeft }) => {
    chat.pause(); // hold outgoing messages until the new token is in
    ui.setState("renewing", "Renewing…");
    ui.log("tokenExpiring", `The token expires in ${secondsLeft} s: getting a new one; messages wait.`,
      { expiresAt });
  });
  guest.on("tokenRefreshed", ({ expiresAt, refreshAt, refreshCount, lastRefreshAt }) => {
    chat.resume(expiresAt);
    ui.clearError();
    ui.showToken({ expiresAt, refreshAt, refreshCount, lastRefreshAt });
    ui.setState("ready", "Chat ready");
    ui.log("tokenRefreshed", refreshCount === 0
      ? `Got a guest token, valid until ${time(expiresAt)}.`
      : `Got a new token (renewal ${refreshCount}), valid until ${time(expiresAt)}; messages flow again.`,
    { expiresAt, refreshCount, lastRefreshAt });
  });
  guest.on("tokenExpired", ({ code, status, retryAfter, expiresAt, retryAt }) => {
    if (expiresAt === null) {
      chat.setAccessToken(null);
      ui.noToken();
      ui.setState("no-token", "No token");
    } else {
      chat.resume(expiresAt); // the current token still works until then
      ui.setState("ready", "Chat ready");
    }
    ui.showTokenError({ code, status, retryAfter, expiresAt, retryAt });
    const why = `${code}${status ? `, HTTP ${status}` : ""}`;
    ui.log("tokenExpired", expiresAt === null
      ? `No token any more (${why}); next try at ${time(retryAt)}.`
      : `No new token yet (${why}); the current one works until ${time(expiresAt)}.`,
    { code, expiresAt, retryAt });
  });

  ui.onSend(async (text) => {
    if (!chat.hasToken()) {
      // No usable token: getToken() asks the token service again at once (one request,
      // however many messages are waiting); onToken then hands the new token to the chat.
      try {
        await guest.getToken();
      } catch (err) {
        ui.showError("Your message could not be sent", err);
        return false;
      }
    }
    return chat.send(text);
  });
}

/** /config.json's guest section (devserver/README.md, "Guest tokens"). */
async function loadGuestConfig() {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw demoError("config_unavailable", `/config.json answered HTTP ${response.status}`);
  const { guest } = await response.json();
  if (!guest?.endpoint) {
    throw demoError("guest_unavailable",
      "this page needs the local dev server's token service (npm start without PIXIE_GENESYS_REGION)");
  }
  return guest;
}

function demoError(code, message) {
  return Object.assign(new Error(message), { code });
}

function time(ms) {
  return new Date(ms).toLocaleTimeString();
}

/**
 * The stand-in for a messaging SDK: keeps the token it is given (memory only), holds messages
 * while paused, and talks to the stand-in chat service with the token as its bearer.
 */
class StandInChat {
  #token = null;
  #expiresAt = 0;
  #paused = false;
  #queue = [];

  constructor(url, ui) {
    this.url = url;
    this.ui = ui;
    setInterval(() => this.poll(), POLL_MS);
  }

  /** The SDK's setAccessToken: the token for the next requests (null: none). */
  setAccessToken(jwt) {
    this.#token = jwt;
    if (!jwt) {
      this.#expiresAt = 0;
      this.ui.chatState("waiting", "No token: the chat is paused. Send a message to try again now.");
    }
  }

  pause() {
    this.#paused = true;
    this.ui.chatState("paused", "Paused while the token is renewed: your messages wait.");
  }

  resume(expiresAt) {
    this.#paused = false;
    this.#expiresAt = expiresAt;
    this.ui.chatState("ready", null);
    const waiting = this.#queue.splice(0);
    for (const text of waiting) this.send(text);
    this.poll();
  }

  /** Whether a token is held that is not about to expire. */
  hasToken() {
    return Boolean(this.#token) && Date.now() < this.#expiresAt - MARGIN_MS;
  }

  /** Posts a message, or keeps it until the chat may send again; false when it was refused. */
  async send(text) {
    if (this.#paused || !this.hasToken()) {
      this.#queue.push(text);
      this.ui.chatState(this.#paused ? "paused" : "waiting",
        `${this.#queue.length} message${this.#queue.length === 1 ? "" : "s"} waiting for a token.`);
      return true;
    }
    const response = await this.#request("POST", JSON.stringify({ text }));
    if (!response) return false;
    await this.poll();
    return true;
  }

  /** Fetches the conversation (the chat service keeps it per guest). */
  async poll() {
    if (this.#paused || !this.hasToken()) return;
    const response = await this.#request("GET");
    if (response) this.ui.showMessages(await response.json());
  }

  async #request(method, body) {
    try {
      const response = await fetch(this.url, {
        method,
        headers: { Authorization: `Bearer ${this.#token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
        body,
      });
      if (!response.ok) {
        throw demoError("chat_failed", `the chat service answered HTTP ${response.status}`);
      }
      return response;
    } catch (err) {
      this.ui.showError("The chat service failed", err);
      return null;
    }
  }
}

/** The page's elements and the few operations the logic above needs. */
function mount() {
  const $ = (selector) => document.querySelector(selector);
  const status = $("#status");
  const error = $("#error");
  const expiry = $("#expiry");
  const events = $("#events");
  const chat = $("#chat");
  const chatState = $("#chat-state");
  let expiresAt = null;

  setInterval(() => {
    if (expiresAt === null) return;
    const left = Math.max(0, Math.ceil((expiresAt - Date.now()) / 1000));
    expiry.textContent = left > 0 ? formatDuration(left) : "0:00 (expired)";
  }, 250);

  const paragraphs = (lines) => lines.map((text, i) => {
    const p = document.createElement("p");
    p.textContent = text;
    if (i > 0) p.className = "detail";
    return p;
  });
  const showErrorLines = (code, lines) => {
    error.dataset.code = code;
    error.replaceChildren(...paragraphs(lines));
    error.hidden = false;
  };

  const ui = {
    setState(state, label) {
      status.dataset.state = state;
      status.textContent = label;
    },
    showMode(config) {
      $("#mode").textContent = `Token service ${config.endpoint} · keys from ${new URL(config.jwksUri).host}`;
    },
    showToken(token) {
      expiresAt = token.expiresAt;
      expiry.dataset.expiresAt = String(token.expiresAt);
      expiry.dateTime = new Date(token.expiresAt).toISOString();
      $("#renews").textContent = `· a new one comes at ${time(token.refreshAt)}`;
      const refreshes = $("#refreshes");
      refreshes.dataset.count = String(token.refreshCount);
      refreshes.dataset.lastRefreshAt = token.refreshCount === 0 ? "" : String(token.lastRefreshAt);
      refreshes.textContent = token.refreshCount === 0
        ? "First token of this visit: it will be renewed before it expires."
        : `Renewed ${token.refreshCount} time${token.refreshCount === 1 ? "" : "s"}, last at ${time(token.lastRefreshAt)}.`;
    },
    noToken() {
      expiresAt = null;
      expiry.textContent = "— (no token)";
      delete expiry.dataset.expiresAt;
      $("#renews").textContent = "";
    },
    showTokenError({ code, status: httpStatus, retryAfter, expiresAt: still, retryAt }) {
      const lines = [`No new chat token: ${GUEST_HINTS[code] ?? "something went wrong."} (${code})`];
      if (httpStatus) {
        lines.push(`The token service answered HTTP ${httpStatus}${retryAfter !== null ? ` and asked to wait ${retryAfter} s` : ""}.`);
      }
      lines.push(still === null
        ? `The chat is paused; next try at ${time(retryAt)}, or send a message to try now.`
        : `Your current token still works until ${time(still)}; next try at ${time(retryAt)}.`);
      showErrorLines(code, lines);
    },
    showError(context, err) {
      const code = err?.code ?? "unexpected";
      const lines = [`${context}: ${err?.message ?? String(err)} (${code})`];
      if (GUEST_HINTS[code]) lines.push(GUEST_HINTS[code]);
      if (err?.retryAfter !== undefined) lines.push(`The token service asked to wait ${err.retryAfter} s.`);
      showErrorLines(code, lines);
    },
    clearError() {
      error.hidden = true;
      error.replaceChildren();
      delete error.dataset.code;
    },
    log(name, text, data) {
      const li = document.createElement("li");
      li.dataset.event = name;
      li.dataset.at = String(Date.now());
      for (const [key, value] of Object.entries(data)) {
        if (value !== null && value !== undefined) li.dataset[key] = String(value);
      }
      li.textContent = `${time(Date.now())} ${text}`;
      events.append(li);
      const shown = events.querySelectorAll("li:not([hidden])");
      if (shown.length > EVENTS_SHOWN) shown[0].hidden = true;
    },
    chatState(state, text) {
      chat.dataset.state = state;
      if (text) chatState.textContent = text;
      else if (chatState.dataset.guestId) chatState.textContent = `Chatting as guest ${chatState.dataset.guestId.slice(0, 8)}…`;
      else chatState.textContent = "Connected.";
    },
    showMessages({ guestId, entities }) {
      chatState.dataset.guestId = guestId;
      if (chat.dataset.state === "ready") ui.chatState("ready", null);
      $("#messages").replaceChildren(...entities.map((m) => {
        const li = document.createElement("li");
        li.dataset.id = m.id;
        const when = document.createElement("time");
        when.textContent = time(Date.parse(m.at));
        li.append(when, ` ${m.text}`);
        return li;
      }));
    },
    visitor() {
      const value = (id) => $(id).value.trim();
      const customAttributes = { topic: "demo", language: navigator.language };
      if (value("#order-number")) customAttributes.orderNumber = value("#order-number");
      if (value("#visitor-email")) customAttributes.customerEmail = value("#visitor-email");
      return { name: value("#visitor-name") || "Site Visitor", pageUrl: location.href, customAttributes };
    },
    onSend(handler) {
      const form = $("#chat-form");
      const input = $("#message");
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = "";
        if (!(await handler(text))) input.value = text; // keep what could not be sent
      });
    },
  };
  return ui;
}

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
