// Builds the demo (www/index.html + www/index.js) into www/dist/, served at / by devserver/.
//   npx webpack --mode production   (scripts/build.sh runs it; this file is webpack's default)
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import HtmlWebpackPlugin from 'html-webpack-plugin';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const WWW = path.join(ROOT, 'www');

export default {
  context: WWW,
  entry: './index.js',
  output: {
    path: path.join(WWW, 'dist'),
    filename: '[name].[contenthash:8].js',
    assetModuleFilename: '[name].[contenthash:8][ext]',
    clean: true,
  },
  resolve: {
    alias: {
      // pkg/ is the wasm-pack --target bundler output: the very folder published to npm, so
      // the demo imports "pixie-auth" the way an npm user does.
      'pixie-auth': path.join(ROOT, 'pkg'),
    },
  },
  experiments: { asyncWebAssembly: true },
  plugins: [new HtmlWebpackPlugin({ template: './index.html' })],
  // The .wasm is over webpack's 244 KB hint; its size is tracked by scripts/size.sh instead.
  performance: { hints: false },
  devtool: false,
};
