#!/usr/bin/env bash
# Builds the VS Code extension in editors/vscode and packages it as a .vsix:
#   editors/package-vscode.sh            -> editors/vscode/nblint-<version>.vsix
# Needs Node.js 20+ and npm (with network access to the npm registry for `npm ci`). Not part
# of `cargo test`: the extension only starts `nblint server`, which tests/it/server drives.
set -euo pipefail
cd "$(dirname "$0")/vscode"

npm ci
npm run build
# The repository has no LICENSE file for the extension folder to copy; the license is named
# in package.json.
npx --no-install vsce package --skip-license "$@"
ls -l ./*.vsix
