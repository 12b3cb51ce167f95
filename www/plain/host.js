// The bridge demo's host page (issue 11): a normal pixie-auth login, and
// auth.shareWithFrame(iframe, { origin }) for the embedded app at another origin.
//
// Query parameters, for the tests (tests/e2e/bridge.test.mjs):
//   ?frame=hostile   the shared frame loads the hostile page instead (the bridge still trusts
//                    only the embedded app's origin)
//   ?margin=600      shareWithFrame's minValiditySeconds (default 60)
//   ?nobridge=1      no shareWithFrame at all (the frame's requests go unanswered)
//   ?twin=1          a second frame of the embedded app's origin that is not shared
//   ?timeout=2       the frames' timeoutSeconds

import init, { PkceClient } from "/pkg-web/pixie_auth.js";
import { loadConfig, makeClient } from "./demo.js";

const $ = (id) => document.getElementById(id);
const status = $("status");
const errorBox = $("error");

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(e) {
  errorBox.hidden = false;
  errorBox.dataset.code = e?.code ?? "error";
  errorBox.textContent = `${e?.code ?? "error"}: ${e?.message ?? e}`;
}

await init();
const config = await loadConfig();
const here = new URL(window.location.pathname, window.location.origin).href;
const auth = await makeClient(PkceClient, config, here);
window.pixieHost = { auth };

if (auth.isCallback()) {
  try {
    await auth.handleCallback();
  } catch (e) {
    showError(e);
  }
}

// Read after the callback, which restores the query given to login() as returnTo.
const params = new URLSearchParams(window.location.search);

const render = () => {
  const signedIn = auth.isAuthenticated();
  if (signedIn) {
    const user = auth.getUser();
    show("logged-in", `Signed in as ${user?.name ?? user?.sub ?? "someone"} (refreshes: ${auth.getSession()?.refreshCount ?? 0}).`);
  } else {
    show("logged-out", "Signed out: the embedded app gets login_required.");
  }
  $("login").hidden = signedIn;
  $("logout").hidden = !signedIn;
  $("refresh").hidden = !signedIn;
};
for (const name of ["tokenRefreshed", "loggedOut", "sessionExpired"]) auth.on(name, render);

$("login").addEventListener("click", () => auth.login({ returnTo: window.location.pathname + window.location.search }).catch(showError));
$("logout").addEventListener("click", () => auth.logout().then(render, showError));
$("refresh").addEventListener("click", () => auth.refresh().then(render, showError));

if (!config.embed) {
  // Genesys mode (PIXIE_GENESYS_REGION): the embedded app's origins are the local devserver's.
  showError({ code: "demo_unavailable", message: "the frame bridge demo runs against the local provider" });
  throw new Error("no bridge demo in Genesys mode");
}
const { embeddedOrigin, hostileOrigin } = config.embed;
const timeout = params.get("timeout");
const frameQuery = timeout ? `?timeout=${encodeURIComponent(timeout)}` : "";
const iframe = $("embedded");

let bridge = null;
if (!params.has("nobridge")) {
  const options = { origin: embeddedOrigin };
  if (params.has("margin")) options.minValiditySeconds = Number(params.get("margin"));
  bridge = auth.shareWithFrame(iframe, options);
  window.pixieHost.bridge = bridge;
  const events = $("frame-events");
  for (const type of ["profile-shown", "queue-position", "token-expiring"]) {
    bridge.on(type, (message) => {
      const li = document.createElement("li");
      li.dataset.type = type;
      li.textContent = JSON.stringify(message);
      events.append(li);
    });
  }
  const showStats = () => { $("bridge-stats").textContent = JSON.stringify(bridge.stats()); };
  showStats();
  setInterval(showStats, 250);
}

iframe.src = params.get("frame") === "hostile"
  ? `${hostileOrigin}/`
  : `${embeddedOrigin}/${frameQuery}`;
$("hostile").src = `${hostileOrigin}/`;
if (params.has("twin")) {
  const twin = document.createElement("iframe");
  twin.id = "twin";
  twin.title = "the embedded app again, not shared";
  twin.width = 720;
  twin.height = 200;
  twin.src = `${embeddedOrigin}/${frameQuery}`;
  $("twins").append(twin);
}
render();
