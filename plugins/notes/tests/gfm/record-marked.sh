#!/bin/sh
# Records what marked 0.6.3 (the original workshop renderer's Markdown engine, with its
# options from dashboard/renderer/content.js) shows for each fixture here: <name>.marked.html.
# Needs node and npm; runs marked from a temporary folder (nothing is installed here).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund marked@0.6.3 >/dev/null)
for source in "$here"/*.md; do
  NODE_PATH="$work/node_modules" node -e '
    const marked = require("marked");
    marked.setOptions({pedantic: false, gfm: true, tables: true, breaks: false, sanitize: false,
                       smartLists: true, smartypants: false, xhtml: false});
    process.stdout.write(marked(require("fs").readFileSync(process.argv[1], "utf8")));
  ' "$source" > "${source%.md}.marked.html"
done
