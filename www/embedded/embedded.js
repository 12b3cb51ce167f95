// The bridge demo's embedded app (issue 11): no login of its own. PkceClient.fromHost asks the
// framing page (exactly config.embed.hostOrigin) for its access token, keeps it in memory only,
// and calls the API with it. Opened on its own (no host), it offers a popup login instead.

import init, { PkceClient } from "/pkg-web/pixie_auth.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const status = $("status");

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(e) {
  const box = $("error");
  box.hidden = false;
  box.dataset.code = e?.code ?? "error";
  box.textContent = `${e?.code ?? "error"}: ${e?.message ?? e}`;
}

await init();
const config = await (await fetch("/config.json", { cache: "no-store" })).json();

/** This app's own client, for the popup login when it runs without a host. */
const ownClient = () => PkceClient.discover({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: new URL("/", window.location.origin).href,
  scopes: ["openid", "profile", "email"],
  apiBase: config.apiBase,
});

// Opened as the popup login's redirect page: handleCallback() hands the answer to the opener
// (and closes the popup); nothing else runs here.
const query = new URLSearchParams(window.location.search);
const probe = query.has("state") || query.has("error") ? await ownClient() : null;
if (probe?.isCallback()) {
  const result = await probe.handleCallback().catch((e) => { showError(e); return null; });
  if (result?.relayed) {
    show("relayed", "Handed the sign-in to the window that opened this one.");
  }
  throw new Error("the redirect page stops here");
}

const auth = PkceClient.fromHost({
  hostOrigin: config.embed.hostOrigin,
  apiBase: config.apiBase,
  ...(params.has("timeout") ? { timeoutSeconds: Number(params.get("timeout")) } : {}),
});
window.pixieEmbedded = { auth };

let refreshes = 0;
auth.on("tokenRefreshed", (e) => {
  refreshes += 1;
  $("refreshes").textContent = String(refreshes);
  $("expires").textContent = e.expiresAt ? new Date(e.expiresAt).toISOString() : "unknown";
});
auth.on("loggedOut", () => {
  $("profile").textContent = "—";
  show("logged-out", "The host page signed out: this app's session ended with it.");
});
setInterval(() => { $("stats").textContent = JSON.stringify(auth.stats()); }, 250);

async function loadProfile() {
  $("error").hidden = true;
  try {
    const response = await auth.callApi("/api/v2/users/me");
    const profile = await response.json();
    $("profile").textContent = `${profile.name} <${profile.email ?? "no e-mail"}>`;
    show("signed-in", "Signed in through the host page's session (no login here).");
    auth.send({ type: "profile-shown", name: profile.name });
  } catch (e) {
    showError(e);
    if (e?.code === "host_unavailable" && window.parent === window) await offerPopup();
    const states = { login_required: "login-required", host_unavailable: "host-unavailable" };
    show(states[e?.code] ?? "error", e?.code === "host_unavailable"
      ? "No host page answered: this app is not framed by it."
      : "The host page has no session.");
  }
}

/** Without a host: a login of this app's own, in a popup (loginPopup, issue 11's other half). */
async function offerPopup() {
  const button = $("popup");
  const own = await ownClient();
  button.hidden = false;
  button.onclick = async () => {
    // No await before loginPopup(): the popup must open inside the click.
    if (typeof own.loginPopup !== "function") {
      showError({ code: "unsupported", message: "this build has no loginPopup()" });
      return;
    }
    try {
      await own.loginPopup();
      const profile = await (await own.callApi("/api/v2/users/me")).json();
      $("profile").textContent = `${profile.name} <${profile.email ?? "no e-mail"}>`;
      show("signed-in", "Signed in with a popup (no host).");
    } catch (e) {
      showError(e);
    }
  };
}

$("reload").addEventListener("click", loadProfile);
await loadProfile();
