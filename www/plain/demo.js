// The pixie-auth demo: page logic shared by the webpack build (www/index.js, the package from
// pkg/) and the plain page (www/plain/index.html, the package from /pkg-web/). A plain ES module
// with no bare imports, so a browser loads it as is and webpack bundles it too; each page hands
// in the PkceClient class it loaded its own way.
//
// Stable element ids for the full-flow tests (tests/e2e/): #status[data-state], #mode, #login,
// #login-popup, #logout, #logout-everywhere, #profile [data-field], #expiry, #refreshes[data-count]
// [data-last-refresh-at], #error[data-code], #notice, #id-token [data-claim], #userinfo
// [data-claim] (each [data-claim] also carries the raw value in data-value).

/** Scopes for the local OpenID provider (devserver/): it supports all of these. */
const LOCAL_SCOPES = ["openid", "profile", "email"];
/** Scopes for Genesys Cloud: enough for GET /api/v2/users/me. `scopes` in /config.json wins. */
const GENESYS_SCOPES = ["users:readonly"];

/** A sentence a person can act on, where the library's message alone is technical. */
export const HINTS = {
  access_denied: "You cancelled the sign-in or declined the requested access.",
  network_error: "Check your connection and that the sign-in server is running, then try again.",
  login_required: "Your session is no longer accepted; please log in again.",
  issuer_mismatch: "The answer did not come from the sign-in server this page talks to, so it was ignored.",
  redirect_uri_mismatch: "The sign-in answer arrived at another page than the one that started the login, so it was not used; log in again.",
  storage_unavailable: "This browser blocks sessionStorage for this page, so a sign-in by redirect cannot finish here; try the popup.",
  popup_blocked: "The browser blocked the sign-in popup; allow popups for this page and try again.",
  popup_closed: "The sign-in window was closed before the sign-in finished.",
};
/** Every id_token_* code: the ID token failed a check, so it was not trusted. */
const ID_TOKEN_HINT = "The sign-in server's ID token failed verification, so no session was created.";

/** Why a session ended on its own (the sessionExpired event's reason). */
export const SESSION_ENDED = {
  expired: "Your access token expired and could not be renewed; log in again.",
  refresh_rejected: "The server ended your session; log in again.",
  unauthorized: "The API no longer accepts your session; log in again.",
};

const MARKUP = `
  <header class="top">
    <h1><span class="logo" aria-hidden="true">π</span> pixie-auth <span class="muted">demo</span></h1>
    <p id="status" class="badge" data-state="loading">Loading…</p>
  </header>
  <p id="mode" class="mode"></p>
  <div id="error" class="error" role="alert" hidden></div>
  <section id="signed-out" class="card" hidden>
    <h2>You are signed out</h2>
    <p>Log in with the authorization server. This page gets its access token through the
      Authorization Code flow with PKCE: no client secret, no token in the address bar. With
      OpenID Connect it also gets an ID token, and checks its signature itself.</p>
    <p id="notice" class="notice" hidden></p>
    <button id="login" type="button">Log in</button>
    <button id="login-popup" type="button" class="secondary">Sign in with a popup</button>
  </section>
  <section id="signed-in" class="card" hidden>
    <div class="who">
      <span class="avatar" aria-hidden="true"></span>
      <dl id="profile">
        <dt>Name</dt><dd data-field="name"></dd>
        <dt>Email</dt><dd data-field="email"></dd>
        <dt>User id</dt><dd data-field="id"></dd>
      </dl>
    </div>
    <p class="expiry">Access token expires in <time id="expiry"></time>
      <span id="expiry-note" class="muted"></span></p>
    <p id="refreshes" class="refreshes" data-count="0"></p>
    <ul id="facts" class="facts"></ul>
    <section id="oidc" class="oidc" hidden>
      <div id="id-token">
        <h3>Verified ID token</h3>
        <dl class="claims">
          <div><dt>Subject</dt><dd data-claim="sub"></dd></div>
          <div><dt>Name</dt><dd data-claim="name"></dd></div>
          <div><dt>Issuer</dt><dd data-claim="iss"></dd></div>
          <div><dt>Audience</dt><dd data-claim="aud"></dd></div>
          <div><dt>Signed in</dt><dd data-claim="auth_time"></dd></div>
          <div><dt>Issued</dt><dd data-claim="iat"></dd></div>
        </dl>
      </div>
      <div id="userinfo" data-state="loading">
        <h3>UserInfo <span class="muted">(same subject)</span></h3>
        <dl class="claims">
          <div><dt>Email</dt><dd data-claim="email"></dd></div>
          <div><dt>Verified</dt><dd data-claim="email_verified"></dd></div>
          <div><dt>Username</dt><dd data-claim="preferred_username"></dd></div>
        </dl>
      </div>
    </section>
    <div class="actions">
      <button id="logout" type="button" class="secondary">Log out</button>
      <button id="logout-everywhere" type="button" class="link">Log out of the sign-in server too</button>
    </div>
  </section>
  <footer class="muted"><span id="build"></span> ·
    <a href="/plain/messenger.html">Genesys Messenger hand-off</a> ·
    <a href="/plain/guest.html">Guest chat (web messaging tokens)</a></footer>
`;

/**
 * Starts the demo in `#app`.
 * @param {typeof import("pixie-auth").PkceClient} PkceClient
 * @param {{ build: string }} options `build` names how the package was loaded, for the footer.
 */
export async function startDemo(PkceClient, { build }) {
  const ui = await mount(document.getElementById("app"), build);

  let client;
  let config;
  try {
    config = await loadConfig();
    client = await makeClient(PkceClient, config);
  } catch (err) {
    ui.showError("The demo could not start", err);
    ui.setState("error", "Not configured");
    return;
  }
  ui.showMode(config, client.storageMode);

  if (client.isCallback()) {
    ui.setState("callback", "Signing in…");
    try {
      // Cleans the address bar at once, checks state, exchanges the code, stores the session.
      // In a login popup or a silent-renewal frame it only hands the answer to the page that
      // opened it (and the popup closes): nothing more to do here.
      const result = await client.handleCallback();
      if (result.relayed) {
        ui.setState("relayed", "Signed in in the other window");
        return;
      }
    } catch (err) {
      ui.showError("Login failed", err);
    }
  }

  // The library renews the token on its own and says so; the page only follows (and shows the
  // session again if a sibling tab renewed it while this one showed it as ended).
  client.on("tokenRefreshed", () => {
    const session = client.getSession();
    if (!session) return;
    if (ui.state() === "logged-in") ui.updateSession(session);
    else if (ui.state() === "logged-out") showCurrentSession(client, ui);
  });
  client.on("tokenExpiring", () => ui.noteExpiring());
  client.on("sessionExpired", ({ reason }) => ui.showSignedOut(SESSION_ENDED[reason]));
  client.on("loggedOut", ({ origin }) => {
    if (origin === "other-tab") ui.showSignedOut("You logged out in another tab.");
  });

  ui.onLogin(async () => {
    ui.clearError();
    try {
      await client.login(); // stores the pending login and leaves for the authorization server
    } catch (err) {
      ui.showError("Could not start the login", err);
      ui.enableLogin();
    }
  });
  ui.onLoginPopup(async () => {
    ui.clearError();
    try {
      // Opens the popup at once (inside this click), waits for its answer, stores the session.
      await client.loginPopup();
      await showCurrentSession(client, ui);
    } catch (err) {
      ui.showError("The popup sign-in did not finish", err);
    }
    ui.enableLogin();
  });
  ui.onLogout(async ({ everywhere }) => {
    ui.clearError();
    // The session is gone at once; the promise settles after revoking the tokens (and, with
    // redirect, as the browser leaves for the server's logout page).
    const hadRefreshToken = Boolean(client.getSession()?.hasRefreshToken);
    const result = await client.logout(everywhere ? { redirect: true } : undefined);
    if (result.redirectTo) return;
    ui.showSignedOut(logoutNotice(result, { mode: config.mode, hadRefreshToken }));
  });
  ui.onExpired(() => {
    if (!client.getSession()) ui.showSignedOut(SESSION_ENDED.expired);
  });

  await renewIfStale(client);
  await showCurrentSession(client, ui);
}

/**
 * getSession() is null once the access token has expired, even when the refresh token could
 * renew it (the tab slept, or was reloaded after a while): try that before showing the page as
 * signed out. Without any stored session this rejects at once, with no request.
 */
async function renewIfStale(client) {
  if (client.getSession()) return;
  try {
    await client.refresh();
  } catch {
    // Nothing to renew (or the server refused): the page shows the signed-out view.
  }
}

/** Shows the session, if any, with the profile fetched through callApi. */
async function showCurrentSession(client, ui) {
  if (!client.getSession()) {
    ui.showSignedOut();
    return;
  }
  let profile = null;
  try {
    // callApi adds the token; on a 401 it refreshes once and retries before giving up.
    const response = await client.callApi("/api/v2/users/me");
    if (!response.ok) throw demoError("api_error", `the API answered HTTP ${response.status}`);
    profile = await response.json();
  } catch (err) {
    ui.showError("Could not load your profile", err);
  }
  // Read the session again: callApi may have renewed it, or cleared it (login_required).
  const session = client.getSession();
  if (!session) {
    ui.showSignedOut();
    return;
  }
  // The ID token's claims, verified when the session was made (null without "openid").
  const user = client.getUser();
  ui.showSignedIn(session, profile, user);
  if (user) await showUserInfo(client, ui);
}

/** UserInfo (OpenID Connect Core 5.3): after callApi, so the access token is a fresh one. */
async function showUserInfo(client, ui) {
  try {
    ui.showUserInfo(await client.loadUserInfo());
  } catch (err) {
    ui.showUserInfo(null);
    ui.showError("Could not load your UserInfo", err);
    if (!client.getSession()) ui.showSignedOut(); // a 401 ended the session
  }
}

/**
 * What "Log out" did, and what the server still remembers. Log out (no redirect) deletes the
 * session here and revokes the refresh token (else the access token); the server's own login
 * session, a cookie of its own, is left alone: only "Log out of the sign-in server too" ends it.
 * The local provider (oidc-provider) withdraws the app's grant with a revoked refresh token, so
 * consent is asked again; revoking an access token keeps the grant.
 */
function logoutNotice({ revocation, error }, { mode, hadRefreshToken }) {
  const server = mode === "genesys" ? "Genesys Cloud" : "The local provider";
  const session = `${server} still keeps its own login session (a cookie of its own in this browser), `
    + `so it ${mode === "genesys" ? "may not ask" : "will not ask"} for your password`;
  const ends = "next time, “Log out of the sign-in server too” ends that session as well.";
  if (revocation === "failed") {
    return `You are signed out here, but the server did not confirm it revoked your tokens (${error?.code ?? "revocation_failed"}). ${session}.`;
  }
  if (revocation !== "revoked") {
    return `You are signed out of this app; nothing was revoked at the server (there was nothing to revoke, or nowhere to). ${session}; ${ends}`;
  }
  if (mode === "genesys") {
    return `You are signed out of this app. Your token was revoked at Genesys Cloud. ${session}; ${ends}`;
  }
  const grant = hadRefreshToken
    ? "Your tokens were revoked at the server, and with the refresh token it withdrew this app's grant, so the next login asks for your consent again."
    : "Your access token was revoked at the server; it keeps this app's grant, so the next login does not ask for your consent.";
  return `You are signed out of this app. ${grant} ${session}; ${ends}`;
}

/** The demo server's /config.json: which authorization server to use (devserver/README.md). */
export async function loadConfig() {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) {
    throw demoError("config_unavailable", `/config.json answered HTTP ${response.status}`);
  }
  return response.json();
}

/**
 * The PkceClient for what /config.json describes.
 * @param {string} [redirectUri] default: the directory of this page ("/" for the webpack build,
 *   "/plain/" for the plain page). Both are registered at the local provider; register the one
 *   you use at Genesys Cloud.
 */
export async function makeClient(PkceClient, config, redirectUri = new URL("./", window.location.href).href) {
  if (config.mode === "genesys") {
    // The preset knows the rest: login.<region>/oauth/authorize and /oauth/token,
    // api.<region> for callApi, token revocation and the logout page. (Genesys Cloud is no
    // OpenID provider for this kind of client: no ID token, no discovery.)
    return new PkceClient({
      region: config.region,
      clientId: config.clientId,
      redirectUri,
      scopes: config.scopes ?? GENESYS_SCOPES,
    });
  }
  // OpenID Connect Discovery: every endpoint, the signing keys' address (jwks_uri) and RFC 9207
  // support come from <issuer>/.well-known/openid-configuration, fetched once per page.
  return PkceClient.discover({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri,
    scopes: config.scopes ?? LOCAL_SCOPES,
    apiBase: config.apiBase, // where callApi sends paths such as /api/v2/users/me
  });
}

function demoError(code, message) {
  return Object.assign(new Error(message), { code });
}

/** Renders the page skeleton and returns the few operations the logic above needs. */
async function mount(root, build) {
  await loadStylesheet();
  root.innerHTML = MARKUP;
  root.removeAttribute("aria-busy");
  const $ = (selector) => root.querySelector(selector);
  const status = $("#status");
  const error = $("#error");
  const login = $("#login");
  const notice = $("#notice");
  const expiry = $("#expiry");
  $("#build").textContent = build;

  let timer = null;
  let storage = "";
  let verifiedUser = false;
  let onExpired = () => {};

  const setState = (state, label) => {
    status.dataset.state = state;
    status.textContent = label;
  };
  const stopCountdown = () => {
    clearInterval(timer);
    timer = null;
  };
  const startCountdown = (expiresAt) => {
    const tick = () => {
      const left = Math.max(0, Math.ceil((expiresAt - Date.now()) / 1000));
      expiry.textContent = formatDuration(left);
      if (left === 0) {
        stopCountdown();
        onExpired();
      }
    };
    stopCountdown();
    expiry.dateTime = new Date(expiresAt).toISOString();
    expiry.dataset.expiresAt = String(expiresAt);
    tick();
    timer = setInterval(tick, 1000);
  };
  const updateSession = (session) => {
    const refreshes = ["not used yet", "used once"][session.refreshCount] ?? `used ${session.refreshCount} times`;
    $("#facts").replaceChildren(...[
      `Scope: ${session.scope ?? "(not reported)"}`,
      `Refresh token: ${session.hasRefreshToken ? `yes, ${refreshes}` : "no"}`,
      `ID token: ${verifiedUser
        ? "signature verified in this browser with WebCrypto against the provider's keys (JWKS); issuer, audience, expiry and nonce checked"
        : session.hasIdToken ? "yes" : "no"}`,
      `Session kept in: ${storage}`,
    ].map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
    const refreshed = $("#refreshes");
    refreshed.dataset.count = String(session.refreshCount ?? 0);
    refreshed.dataset.lastRefreshAt = session.lastRefreshAt === null ? "" : String(session.lastRefreshAt);
    refreshed.textContent = session.lastRefreshAt === null
      ? "Not refreshed yet: the library renews the token before it expires."
      : `Refreshed ${session.refreshCount} time${session.refreshCount === 1 ? "" : "s"}, `
        + `last at ${new Date(session.lastRefreshAt).toLocaleTimeString()}.`;
    $("#expiry-note").textContent = "";
    if (session.expiresAt === null) {
      stopCountdown();
      expiry.textContent = "an unknown time (the server did not say)";
    } else {
      startCountdown(session.expiresAt);
    }
  };

  return {
    setState,
    state: () => status.dataset.state,
    updateSession,
    showMode(config, storageMode) {
      const mode = $("#mode");
      mode.dataset.mode = config.mode;
      mode.textContent = config.mode === "genesys"
        ? `Genesys Cloud (${config.region}) · client ${config.clientId}`
        : `Local OpenID provider at ${new URL(config.issuer).host}, found by discovery`
          + `${config.genesysPaths ? " (Genesys-style paths)" : ""} · client ${config.clientId}`;
      storage = storageMode === "session" ? "sessionStorage (this tab only)" : "memory (a reload loses it)";
    },
    showError(context, err) {
      const code = err?.code ?? "unexpected";
      error.dataset.code = code;
      if (err?.oauthError) error.dataset.oauthError = err.oauthError;
      else delete error.dataset.oauthError;
      const lines = [`${context}: ${err?.message ?? String(err)} (${code})`];
      const hint = HINTS[err?.oauthError] ?? HINTS[code] ?? (code.startsWith("id_token_") ? ID_TOKEN_HINT : null);
      if (hint) lines.push(hint);
      if (err?.errorDescription) lines.push(`The server said: “${err.errorDescription}”`);
      error.replaceChildren(...lines.map((text, i) => {
        const p = document.createElement("p");
        p.textContent = text;
        if (i > 0) p.className = "detail";
        return p;
      }));
      error.hidden = false;
    },
    clearError() {
      error.hidden = true;
      error.replaceChildren();
      delete error.dataset.code;
      delete error.dataset.oauthError;
    },
    showSignedOut(message) {
      stopCountdown();
      notice.textContent = message ?? "";
      notice.hidden = !message;
      $("#signed-in").hidden = true;
      $("#signed-out").hidden = false;
      login.disabled = false;
      setState("logged-out", "Signed out");
    },
    showSignedIn(session, profile, idToken) {
      const field = (name, value) => {
        $(`#profile [data-field="${name}"]`).textContent = value ?? "—";
      };
      field("name", profile?.name);
      field("email", profile?.email);
      field("id", profile?.id);
      $(".avatar").textContent = initials(profile?.name ?? "?");
      verifiedUser = Boolean(idToken);
      $("#oidc").hidden = !idToken;
      if (idToken) {
        showClaims($("#id-token"), idToken);
        $("#userinfo").dataset.state = "loading";
      }
      updateSession(session);
      notice.hidden = true;
      $("#signed-out").hidden = true;
      $("#signed-in").hidden = false;
      setState("logged-in", "Signed in");
    },
    showUserInfo(claims) {
      const box = $("#userinfo");
      box.dataset.state = claims ? "loaded" : "failed";
      showClaims(box, claims ?? {});
    },
    noteExpiring() {
      $("#expiry-note").textContent = "(it will not be renewed automatically)";
    },
    onLogin(handler) {
      login.addEventListener("click", () => {
        login.disabled = true;
        handler();
      });
    },
    onLoginPopup(handler) {
      const popup = $("#login-popup");
      popup.addEventListener("click", () => handler());
    },
    enableLogin() {
      login.disabled = false;
    },
    onLogout(handler) {
      $("#logout").addEventListener("click", () => handler({ everywhere: false }));
      $("#logout-everywhere").addEventListener("click", () => handler({ everywhere: true }));
    },
    onExpired(handler) {
      onExpired = handler;
    },
  };
}

/** Adds demo.css (next to this module; webpack emits it as an asset) and waits for it. */
function loadStylesheet() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("./demo.css", import.meta.url).href;
  const settled = new Promise((resolve) => {
    link.onload = resolve;
    link.onerror = resolve; // unstyled beats blank
  });
  document.head.append(link);
  return settled;
}

/** Fills each [data-claim] under `box` from `claims`: times readable, the raw value kept in data-value. */
function showClaims(box, claims) {
  for (const dd of box.querySelectorAll("[data-claim]")) {
    const value = claims[dd.dataset.claim];
    dd.dataset.value = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    dd.textContent = formatClaim(dd.dataset.claim, value);
    dd.parentElement.hidden = value === undefined && box.id === "id-token"; // e.g. auth_time without max_age
  }
}

function formatClaim(name, value) {
  if (value === undefined || value === null) return "—";
  if (["auth_time", "iat", "exp"].includes(name) && typeof value === "number") {
    return new Date(value * 1000).toLocaleString();
  }
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function initials(name) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return parts.slice(0, 2).map((p) => p[0].toUpperCase()).join("") || "?";
}
