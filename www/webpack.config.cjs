// Builds the demo (www/index.html + www/index.js) into www/dist/, served at / by devserver/.
//   npx webpack --config www/webpack.config.cjs --mode production   (scripts/build.sh runs it)
const path = require("node:path");
const HtmlWebpackPlugin = require("html-webpack-plugin");

module.exports = {
  context: __dirname,
  entry: "./index.js",
  output: {
    path: path.resolve(__dirname, "dist"),
    filename: "[name].[contenthash:8].js",
    assetModuleFilename: "[name].[contenthash:8][ext]",
    clean: true,
  },
  resolve: {
    alias: {
      // pkg/ is the wasm-pack --target bundler output: the very folder published to npm, so
      // the demo imports "pixie-auth" the way an npm user does.
      "pixie-auth": path.resolve(__dirname, "../pkg"),
    },
  },
  experiments: { asyncWebAssembly: true },
  plugins: [new HtmlWebpackPlugin({ template: "./index.html" })],
  // The .wasm is over webpack's 244 KB hint; its size is tracked by scripts/size.sh instead.
  performance: { hints: false },
  devtool: false,
};
