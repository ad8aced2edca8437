// The editor's third-party code in one file: hatch_build.py bundles this entry with esbuild
// (package-lock.json pins every package) into static/vendor/codemirror.js, which defines
// `window.LabdeckCM`. static/editor.js, labdeck's own code, uses only what is named here.
import { EditorView, keymap } from "@codemirror/view";
import { EditorState, EditorSelection, Compartment } from "@codemirror/state";
import { basicSetup } from "codemirror";
import { indentWithTab } from "@codemirror/commands";
import { StreamLanguage } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { json } from "@codemirror/lang-json";
import { python } from "@codemirror/lang-python";
import { java } from "@codemirror/lang-java";
import { go } from "@codemirror/lang-go";
import { javascript } from "@codemirror/lang-javascript";
import { markdown } from "@codemirror/lang-markdown";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { dockerFile } from "@codemirror/legacy-modes/mode/dockerfile";
import { properties } from "@codemirror/legacy-modes/mode/properties";
import { toml } from "@codemirror/legacy-modes/mode/toml";
import * as YAML from "yaml";

const legacy = (mode) => () => StreamLanguage.define(mode);

window.LabdeckCM = Object.freeze({
  EditorView, EditorState, EditorSelection, Compartment, keymap, basicSetup, indentWithTab, YAML,
  languages: Object.freeze({
    yaml, json, python, java, go, javascript, markdown,
    shell: legacy(shell), dockerfile: legacy(dockerFile), properties: legacy(properties), toml: legacy(toml),
  }),
});
