// A small, safe Markdown renderer for doc_md: the text is HTML-escaped first, so a DAG's
// documentation can never inject markup or script; then headings, paragraphs, lists, code
// blocks, inline code, bold, italic and links (http, https, mailto and relative only).
"use strict";
const cwMarkdown = (() => {
  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (s) => s.replace(/[&<>"']/g, (c) => ESC[c]);

  function inline(text) {
    const codes = [];
    let s = esc(text).replace(/`([^`]+)`/g, (_, c) => { codes.push(c); return `\u0000${codes.length - 1}\u0000`; });
    s = s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>").replace(/(^|[^*])\*([^*]+)\*/g, "$1<em>$2</em>")
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label, href) => {
        const raw = href.replace(/&amp;/g, "&");
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw);
        return !scheme || ["http", "https", "mailto"].includes(scheme[1].toLowerCase())
          ? `<a href="${href}" rel="noopener noreferrer">${label}</a>` : label;
      });
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${codes[i]}</code>`);
  }

  function render(md) {
    const out = [];
    const lines = String(md || "").replace(/\r\n?/g, "\n").split("\n");
    let para = [], list = null;
    const flush = () => {
      if (para.length) out.push(`<p>${inline(para.join(" "))}</p>`);
      para = [];
      if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i)}</li>`).join("")}</${list.tag}>`);
      list = null;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (/^```/.test(line)) {
        flush();
        const code = [];
        while (++i < lines.length && !/^```/.test(lines[i])) code.push(lines[i]);
        out.push(`<pre><code>${esc(code.join("\n"))}</code></pre>`);
        continue;
      }
      const h = /^(#{1,6})\s+(.*)$/.exec(line);
      const li = /^\s*([-*+]|\d+\.)\s+(.*)$/.exec(line);
      if (h) { flush(); const n = Math.min(6, h[1].length + 2); out.push(`<h${n}>${inline(h[2])}</h${n}>`); }
      else if (li) {
        const tag = /\d/.test(li[1]) ? "ol" : "ul";
        if (para.length || (list && list.tag !== tag)) flush();
        list = list || { tag, items: [] };
        list.items.push(li[2]);
      } else if (!line.trim()) flush();
      else { if (list) flush(); para.push(line.trim()); }
    }
    flush();
    return out.join("\n");
  }
  return { render };
})();
