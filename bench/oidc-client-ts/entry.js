// What an app takes from oidc-client-ts for the side-by-side benchmark (bench/side-by-side.mjs):
// bundled by esbuild (bench/sizes.mjs, bundleOidcClientTs) minified, as ESM, tree-shaken to these.
export { UserManager, WebStorageStateStore } from "oidc-client-ts";
