// labdeck-notes: AsciiDoc pages rendered by Asciidoctor.js, in one long-lived node process.
//
// Started by the notes' render worker (asciidoctor_client.py). Protocol: one JSON object a
// line on stdin, one JSON reply a line on stdout, in order. A request is
//   {"source": page text, "attributes": {name: value}, "variables": {name: text for %name%},
//    "dir": the page's folder, "root": the workshop folder, "file": the page's name for
//    messages, "marker": a nonce}
// and a reply {"html": ..., "blocks": [...], "messages": [...]} or {"error": ...}.
//
// Code blocks (listing and literal) are not converted here: each becomes the comment
// <!--MARKER:N--> and its verbatim text goes back in "blocks", so that Python builds the
// same clickable markup as Markdown pages get (codeblocks.py) and highlights the rest with
// Pygments. `include::` reads files relative to the including file and only inside "root".

import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import Asciidoctor from './static/vendor/asciidoctor/asciidoctor.mjs'

const asciidoctor = Asciidoctor()

// per request: the reply being built (one request at a time)
let current = null

// `<1>`, `// <1>`, `# <2>`, `-- <3>`, `;; <.>`, `<!--1-->` at a line's end
const CALLOUTS = /(?:\s*(?:\/\/|#|--|;;)?\s*(?:<(\d+|\.)>|<!--(\d+|\.)-->))+\s*$/
const ONE_CALLOUT = /<(\d+|\.)>|<!--(\d+|\.)-->/g
const DEFAULT_SUBS = ['specialcharacters', 'callouts']
const VARIABLE = /%([A-Za-z_][A-Za-z0-9_]*)%/g

function splitCallouts (text, enabled) {
  const lines = text.split('\n')
  const callouts = {}
  if (!enabled) return { text, callouts }
  let auto = 0
  const out = lines.map((line, index) => {
    const found = CALLOUTS.exec(line)
    if (!found) return line
    callouts[index] = [...found[0].matchAll(ONE_CALLOUT)].map((m) => {
      const value = m[1] || m[2]
      return value === '.' ? String(++auto) : value
    })
    return line.slice(0, found.index)
  })
  return { text: out.join('\n'), callouts }
}

function blockText (node) {
  const subs = node.getSubstitutions()
  const plain = subs.every((sub) => DEFAULT_SUBS.includes(sub))
  if (plain) return splitCallouts(node.getSource(), subs.includes('callouts'))
  // the author asked for more (subs="attributes+"): those, without HTML escaping
  const wanted = subs.filter((sub) => !DEFAULT_SUBS.includes(sub))
  const text = node.applySubstitutions(node.getSource(), wanted)
  return splitCallouts(text, subs.includes('callouts'))
}

class LabdeckConverter {
  constructor () {
    this.base = asciidoctor.Html5Converter.create()
  }

  convert (node, transform, opts) {
    const name = transform || node.getNodeName()
    if ((name === 'listing' || name === 'literal') && current !== null) {
      const { text, callouts } = blockText(node)
      const style = node.getStyle()
      current.blocks.push({
        context: name,
        roles: node.getRoles(),
        language: style === 'source' ? (node.getAttribute('language') || null) : null,
        text,
        callouts,
        id: node.getId() || null,
        title: node.hasTitle() ? node.getCaptionedTitle() : null,
      })
      return `<!--${current.marker}:${current.blocks.length - 1}-->`
    }
    return this.base.convert(node, transform, opts)
  }
}

asciidoctor.ConverterFactory.register(new LabdeckConverter(), ['html5'])

function inside (root, file) {
  const relative = path.relative(root, file)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

function selectLines (lines, spec) {
  const keep = new Set()
  for (const range of String(spec).split(/[;,]/)) {
    const [from, to] = range.trim().split('..')
    const start = Number(from)
    const end = to === undefined ? start : (Number(to) === -1 || to === '' ? lines.length : Number(to))
    for (let n = start; n <= end && n <= lines.length; n++) keep.add(n)
  }
  return lines.filter((_, index) => keep.has(index + 1))
}

function selectTags (lines, spec) {
  const wanted = new Set(String(spec).split(/[;,]/).map((tag) => tag.trim()).filter(Boolean))
  const open = []
  const out = []
  for (const line of lines) {
    const marker = /\b(tag|end)::([^[\s]+)\[\]/.exec(line)
    if (marker && wanted.has(marker[2])) {
      if (marker[1] === 'tag') open.push(marker[2])
      else open.splice(open.lastIndexOf(marker[2]), 1)
      continue
    }
    if (open.length) out.push(line)
  }
  return out
}

function refuse (reader, target, why) {
  current.messages.push({ severity: 'ERROR', text: `include::${target}[] ${why}`, line: reader.getCursor().getLineNumber() - 1 })
  reader.pushInclude(`Unresolved directive - include::${target}[]`, null, null, 1, {})
}

function includeProcessor () {
  this.handles(() => true)
  this.process((doc, reader, target, attrs) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return refuse(reader, target, 'refused: only files of the workshop are included')
    const dir = typeof reader.dir === 'string' ? reader.dir : current.dir
    const file = path.resolve(dir, target)
    let real
    try {
      real = fs.realpathSync(file)
    } catch {
      return refuse(reader, target, `failed: no file ${path.relative(current.root, file) || target} in the workshop`)
    }
    if (!inside(current.root, real)) return refuse(reader, target, 'refused: it leads outside the workshop folder')
    let lines
    try {
      lines = fs.readFileSync(real, 'utf8').split('\n')
    } catch (error) {
      return refuse(reader, target, `failed: ${error.code || error.message}`)
    }
    if (attrs.lines) lines = selectLines(lines, attrs.lines)
    else if (attrs.tag || attrs.tags) lines = selectTags(lines, attrs.tag || attrs.tags)
    // %name% in an included file, as in the page (the page's own were replaced by Python)
    const text = lines.join('\n').replace(VARIABLE, (written, name) =>
      Object.hasOwn(current.variables, name) ? current.variables[name] : written)
    reader.pushInclude(text, real, path.relative(current.root, real), 1, attrs)
  })
}

function render (request) {
  current = {
    marker: request.marker, dir: request.dir, root: request.root, variables: request.variables || {},
    blocks: [], messages: [],
  }
  const logger = asciidoctor.MemoryLogger.create()
  asciidoctor.LoggerManager.setLogger(logger)
  const registry = asciidoctor.Extensions.create()
  registry.includeProcessor(includeProcessor)
  try {
    const html = asciidoctor.convert(request.source, {
      safe: 'server',
      base_dir: request.dir, // where the page's own includes start
      extension_registry: registry,
      attributes: { docname: request.file, ...request.attributes },
    })
    for (const message of logger.getMessages()) {
      const location = message.getSourceLocation()
      current.messages.push({
        severity: message.getSeverity(),
        text: message.getText(),
        line: location ? location.getLineNumber() : null,
      })
    }
    return { html, blocks: current.blocks, messages: current.messages }
  } finally {
    current = null
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', (line) => {
  let reply
  try {
    reply = render(JSON.parse(line))
  } catch (error) {
    reply = { error: String(error && error.message ? error.message : error) }
  }
  process.stdout.write(JSON.stringify(reply) + '\n')
})
lines.on('close', () => process.exit(0))
process.stdout.write(JSON.stringify({ ready: asciidoctor.VERSION }) + '\n')
