// The bridge demo's hostile frame (issue 11): an origin the host page never shared with. It
// asks its parent for a token every way it can (the library's own messages, to '*' and to the
// parent's origin, a handshake first; junk; oversized messages) and records every message it
// receives. The host's bridge must answer none of them: #got stays without a token.

const got = [];
const tokens = [];
window.addEventListener("message", (event) => {
  const data = event.data;
  const text = (() => { try { return JSON.stringify(data); } catch { return String(data); } })();
  got.push({ origin: event.origin, type: data?.type ?? null });
  if (/accessToken|eyJ/.test(text ?? "")) tokens.push(text);
  document.getElementById("got").textContent = JSON.stringify(got);
});

const config = await (await fetch("/config.json", { cache: "no-store" })).json();
const host = config.embed.hostOrigin;
const attempts = [
  { pixie: "bridge/1", type: "ready" },
  { pixie: "bridge/1", type: "token", id: 1 },
  { pixie: "bridge/1", type: "token", id: 2, refresh: true },
  { type: "genesys-cloud-embed:ready" },
  { type: "profile-shown", name: "<img src=x onerror=alert(1)>" },
  { pixie: "bridge/1", type: "token", id: 3, pad: "x".repeat(20000) },
  "token please",
  [1, 2, 3],
];
let sent = 0;
for (let round = 0; round < 3; round += 1) {
  for (const message of attempts) {
    for (const target of ["*", host]) {
      window.parent.postMessage(message, target);
      window.top.postMessage(message, target);
      sent += 2;
    }
  }
  await new Promise((r) => setTimeout(r, 300));
}
let readParent = "refused";
try { readParent = String(window.parent.document.cookie); } catch { /* cross-origin: refused */ }
let readStorage = "refused";
try { readStorage = String(window.parent.sessionStorage.length); } catch { /* refused */ }
await new Promise((r) => setTimeout(r, 500));
window.hostileResult = { sent, got, tokens, readParent, readStorage };
const status = document.getElementById("status");
status.dataset.state = "done";
status.dataset.tokens = String(tokens.length);
status.textContent = `Done: ${sent} attempts, ${got.length} messages received, ${tokens.length} carrying a token.`;
