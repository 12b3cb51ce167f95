// The webpack build of the demo: imports the package exactly as an npm user would.
// "pixie-auth" resolves to ../pkg (see webpack.config.js at the repository root); its
// WebAssembly is loaded through webpack's asyncWebAssembly, so by the time this module runs
// the package is ready.
import { PkceClient } from "pixie-auth";

import { startDemo } from "./plain/demo.js";

startDemo(PkceClient, { build: "webpack build · pkg/ (--target bundler)" });
