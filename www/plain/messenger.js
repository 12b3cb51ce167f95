// Authenticated Genesys Web Messenger with pixie-auth: the page hands Messenger an authorization
// code (with its PKCE verifier) instead of redeeming it, and Messenger has Genesys Cloud redeem
// it with the client secret stored in the "OpenID Connect Messenger Configuration" integration.
//
// Two parts, kept apart on purpose:
//   1. THE PAGE SIDE: what your site writes. Copy this.
//   2. THE STAND-IN: a few lines playing Genesys' script (genesys.min.js), which cannot load here
//      (no internet, no deployment). Not Genesys code; do not copy it.
//
// Stable hooks for the full-flow tests (tests/e2e/messenger.test.mjs): #status[data-state]
// (loading, logged-out, handed-off, error), #login (hidden once handed off), #error[data-code], #messenger[data-outcome]
// (waiting, resolved, rejected, signed-out) [data-code], #received [data-field];
// window.messengerReceived: the object getAuthCode resolved with, in full (the test redeems the
// code with it; the page shows only lengths), window.messengerRejected: { code, message }.

import init, { PkceClient } from "/pkg-web/pixie_auth.js";

import { loadConfig, makeClient } from "./demo.js";

// ---------------------------------------------------------------------------------------------
// 1. THE PAGE SIDE
// ---------------------------------------------------------------------------------------------

/** The client, made once. This page is its own redirect URI (registered at the provider). */
const ready = (async () => {
  await init();
  const config = await loadConfig();
  if (config.mode !== "local") {
    throw Object.assign(new Error("the hand-off needs an OpenID provider; this demo's Genesys mode has none"),
      { code: "not_available" });
  }
  show.mode(config);
  return makeClient(PkceClient, config, window.location.origin + window.location.pathname);
})();

/** Sends the browser to the provider; it comes back to this page with a code. */
async function signIn() {
  const auth = await ready;
  await auth.login({ returnTo: window.location.pathname });
}

// The answer for Messenger, made once: messengerAuthCode() checks the callback (pending login,
// state, iss), deletes the pending login and cleans the address bar, so it is single use, while
// Messenger may ask again. Not a callback page: it rejects with not_a_callback.
let handOff = null;

Genesys("registerPlugin", "AuthProvider", (AuthProvider) => {
  // Mandatory. Resolves with { authCode, redirectUri, codeVerifier, nonce, maxAge?, iss }.
  AuthProvider.registerCommand("getAuthCode", (e) => {
    handOff ??= ready.then((auth) => auth.messengerAuthCode());
    handOff.then(e.resolve, e.reject);
  });
  // Messenger's tokens (or the code) stopped working: sign in again. The page leaves for the
  // provider, so there is nothing to resolve; back here, Messenger asks getAuthCode itself.
  AuthProvider.registerCommand("reAuthenticate", () => {
    signIn().catch((err) => show.error("Could not start the sign-in", err));
  });
});

document.getElementById("login").addEventListener("click", (event) => {
  event.target.disabled = true;
  signIn().catch((err) => {
    show.error("Could not start the sign-in", err);
    event.target.disabled = false;
  });
});
document.getElementById("chat-logout").addEventListener("click", () => {
  // On your site's logout: Messenger forgets the tokens Genesys gave it.
  Genesys("command", "Auth.logout");
});

ready.then(() => { document.getElementById("login").disabled = false; }, () => {});

// ---------------------------------------------------------------------------------------------
// 2. THE STAND-IN for Genesys' script: runs the queued commands, registers plugins and, at
// start-up, asks AuthProvider.getAuthCode. A real Messenger sends the answer to Genesys Cloud;
// this one only shows it (lengths only for the secrets) and keeps it in window.messengerReceived.
// ---------------------------------------------------------------------------------------------

function startMessengerStandIn() {
  const commands = new Map(); // "AuthProvider.getAuthCode" -> handler

  const registerPlugin = (name, setup) => {
    setup({
      registerCommand(command, handler) {
        commands.set(`${name}.${command}`, handler);
        show.log(`${name} registered ${command}`);
      },
    });
  };
  const command = (name) => new Promise((resolve, reject) => {
    const handler = commands.get(name);
    if (!handler) throw new Error(`${name} is not registered`);
    handler({ resolve, reject, data: {} });
  });
  const run = ([verb, ...args]) => {
    if (verb === "registerPlugin") registerPlugin(...args);
    else if (verb === "command" && args[0] === "Auth.logout") {
      window.messengerReceived = undefined;
      show.messenger("signed-out");
      show.log("Auth.logout: Messenger dropped its tokens");
    } else show.log(`(ignored by the stand-in: ${verb} ${args[0] ?? ""})`);
  };

  // From now on Genesys(...) runs at once; what the page queued before runs first.
  const queued = window.Genesys.q ?? [];
  window.Genesys = (...args) => run(args);
  for (const args of queued) run([...args]);

  show.log("→ AuthProvider.getAuthCode");
  command("AuthProvider.getAuthCode").then((received) => {
    window.messengerReceived = received;
    show.log("← resolved: Messenger would now sign in to Genesys Cloud with it");
    show.received(received);
  }, (err) => {
    window.messengerRejected = { code: err?.code ?? "unexpected", message: err?.message ?? String(err) };
    show.log(`← rejected: ${window.messengerRejected.code}`
      + (window.messengerRejected.code === "not_a_callback" ? " (no code here: Messenger stays anonymous)" : ""));
    show.rejected(err);
  });
}

// ---------------------------------------------------------------------------------------------
// The page's few bits of UI.
// ---------------------------------------------------------------------------------------------

function $(selector) {
  return document.querySelector(selector);
}

const show = {
  mode(config) {
    $("#mode").dataset.mode = config.mode;
    $("#mode").textContent = `Local OpenID provider at ${new URL(config.issuer).host}, found by discovery`
      + ` · client ${config.clientId} · redirect URI ${window.location.origin}${window.location.pathname}`;
  },
  state(state, label) {
    $("#status").dataset.state = state;
    $("#status").textContent = label;
  },
  log(line) {
    const li = document.createElement("li");
    li.textContent = line;
    $("#messenger-log").append(li);
  },
  messenger(outcome, code) {
    const box = $("#messenger");
    box.dataset.outcome = outcome;
    if (code) box.dataset.code = code;
    else delete box.dataset.code;
    $("#received").hidden = outcome !== "resolved";
    $("#next-step").hidden = outcome !== "resolved";
    $("#chat-logout").hidden = outcome !== "resolved";
    // Signed in to chat: no second "Sign in to chat" (it would start another login).
    $("#login").hidden = outcome === "resolved";
    $("#chat-signed-in").hidden = outcome !== "resolved";
    if (outcome === "signed-out") show.state("logged-out", "Signed out of chat");
  },
  received(received) {
    // Secrets as lengths only: never on the page or in the console in full.
    const hidden = (value) => (value ? `hidden (${value.length} characters)` : "—");
    const fields = {
      authCode: hidden(received.authCode),
      redirectUri: received.redirectUri,
      codeVerifier: hidden(received.codeVerifier),
      nonce: hidden(received.nonce),
      maxAge: received.maxAge === undefined ? "not sent" : `${received.maxAge} s`,
      iss: received.iss ?? "—",
    };
    for (const [name, text] of Object.entries(fields)) $(`#received [data-field="${name}"]`).textContent = text;
    show.messenger("resolved");
    show.state("handed-off", "Handed to Messenger");
  },
  rejected(err) {
    const code = err?.code ?? "unexpected";
    show.messenger("rejected", code);
    if (code === "not_a_callback") {
      // The usual case on a plain visit: no code to hand over, Messenger stays anonymous.
      show.state("logged-out", "Not signed in to chat");
    } else {
      show.error(code === "not_available" ? "The hand-off is not available" : "Sign-in failed", err);
    }
  },
  error(context, err) {
    const box = $("#error");
    box.dataset.code = err?.code ?? "unexpected";
    box.textContent = `${context}: ${err?.message ?? String(err)} (${box.dataset.code})`;
    box.hidden = false;
    show.state("error", "Error");
  },
};

startMessengerStandIn();
