// A small, safe Markdown renderer for model output. Safety comes from the order of work: the text is HTML-escaped
// FIRST, then a whitelist of constructs is turned into tags this file writes itself — paragraphs, fenced code
// blocks, inline code, bold, italic, lists, and links whose target is http(s). Nothing the model writes can become
// a tag or an attribute: `<img onerror=…>` stays visible text, `[x](javascript:…)` stays plain text.
// Streaming-friendly: an unclosed ``` fence renders the rest as code, so a half-written block does not flicker.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** HTML-escapes every character that could open a tag, an entity or an attribute. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// Placeholders for inline code spans and links are delimited by U+0000, which is stripped from the input first.
const HOLE = "\u0000";

function renderInline(escaped) {
  const spans = [];
  let out = escaped.replace(/`([^`\n]+)`/g, (_, code) => {
    spans.push(`<code>${code}</code>`);
    return `${HOLE}${spans.length - 1}${HOLE}`;
  });
  // Links: [text](http(s)://…). The target is already escaped, so it cannot close the attribute's quotes.
  // Links become placeholders too, so emphasis never reaches inside an href.
  out = out.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/gi, (_, label, href) => {
    spans.push(`<a href="${href}" target="_blank" rel="noopener noreferrer nofollow">${label}</a>`);
    return `${HOLE}${spans.length - 1}${HOLE}`;
  });
  out = out.replace(/\*\*(?=\S)([^*\n]*?\S)\*\*/g, "<strong>$1</strong>");
  out = out.replace(/(^|[^\w])__(?=\S)([^_\n]*?\S)__(?!\w)/g, "$1<strong>$2</strong>");
  out = out.replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?!\*)/g, "$1<em>$2</em>");
  out = out.replace(/(^|[^\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<em>$2</em>");
  return out.replace(new RegExp(`${HOLE}(\\d+)${HOLE}`, "g"), (_, i) => spans[Number(i)]);
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s{0,3}```/;

/**
 * Renders Markdown text to an HTML string that is safe to assign to innerHTML.
 * @param {string} text the model's output (any string)
 * @returns {string} HTML made only of p, br, pre, code, strong, em, ul, ol, li and a[href^=http]
 */
export function renderMarkdown(text) {
  const lines = String(text ?? "").replaceAll(HOLE, "").replace(/\r\n?/g, "\n").split("\n");
  const html = [];
  let paragraph = [];
  let list = null; // { tag: "ul" | "ol", items: [] }

  const flushParagraph = () => {
    if (paragraph.length) html.push(`<p>${paragraph.map((l) => renderInline(escapeHtml(l))).join("<br>")}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) html.push(`<${list.tag}>${list.items.map((i) => `<li>${renderInline(escapeHtml(i))}</li>`).join("")}</${list.tag}>`);
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (FENCE.test(line)) {
      flushParagraph();
      flushList();
      const code = [];
      for (i++; i < lines.length && !FENCE.test(lines[i]); i++) code.push(lines[i]);
      html.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)[1]);
      continue;
    }
    if (line.trim() === "") {
      flushParagraph();
      flushList();
      continue;
    }
    flushList();
    paragraph.push(line);
  }
  flushParagraph();
  flushList();
  return html.join("");
}
