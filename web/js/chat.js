// The message list: turns from the server, the user's new question, and the answer as it streams in. Assistant
// text goes through the safe Markdown renderer; user text is shown as plain text (textContent), never as HTML.
import { imageUrl } from "./api.js";
import { boxesFigure } from "./boxes.js";
import { formatMs, formatRate, reasonLines } from "./format.js";
import { t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Copies text to the clipboard (the async API on http://localhost and https; a hidden textarea elsewhere). */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = element("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

class Message {
  constructor(role) {
    this.role = role;
    this.text = "";
    this.el = element("article", `msg ${role}`);
    this.el.dataset.role = role;
    const header = element("header");
    this.who = element("span", "who");
    header.append(this.who);
    if (role === "assistant") {
      this.copy = element("button", "copy");
      this.copy.type = "button";
      this.copy.addEventListener("click", async () => {
        await copyText(this.text);
        this.copy.textContent = t("msg.copied");
        setTimeout(() => this.label(), 1500);
      });
      header.append(this.copy);
    }
    this.images = element("ul", "images");
    this.images.hidden = true;
    this.body = element("div", "body");
    this.meta = element("p", "meta");
    this.meta.hidden = true;
    this.el.append(header, this.images, this.body, this.meta);
    this.metaText = () => "";
    this.label();
  }

  /** (Re)writes the text that depends on the language. */
  label() {
    this.who.textContent = t(this.role === "user" ? "msg.you" : "msg.assistant");
    if (this.copy) {
      this.copy.textContent = t("msg.copy");
      this.copy.setAttribute("aria-label", t("msg.copy"));
    }
    const meta = this.metaText();
    this.meta.textContent = meta;
    this.meta.hidden = meta === "";
    if (this.imageLabels) this.imageLabels();
    this.figure?.relabel();
  }

  /** Draws the answer's boxes over their image (turn.boxes; nothing when there are none). */
  setBoxes(boxes, imageFor) {
    this.figure?.remove();
    this.figure = boxes?.length ? boxesFigure(boxes, imageFor) : null;
    if (this.figure) this.body.after(this.figure);
  }

  setImages(images) {
    this.images.hidden = images.length === 0;
    this.imageLabels = () => {
      this.images.replaceChildren(...images.map(({ image, url }) => {
        const li = element("li", "chip");
        const facts = `${image.file_name ? `${image.file_name} · ` : ""}${(image.format ?? "").toUpperCase()} ${image.width}×${image.height}`;
        if (url) {
          // A string (a local blob: URL of an upload) or a promise of one (the stored image, fetched from the server).
          const img = element("img");
          if (typeof url === "string") img.src = url;
          else url.then((src) => (img.src = src)).catch(() => li.replaceChildren(facts));
          img.alt = facts;
          img.height = 64;
          li.append(img);
          li.title = facts;
        } else li.textContent = facts;
        return li;
      }));
    };
    this.imageLabels();
  }

  setText(text) {
    this.text = text;
    if (this.role === "assistant") this.body.innerHTML = renderMarkdown(text); // safe: renderMarkdown escapes first
    else this.body.textContent = text;
  }
}

/** An answer being streamed: append deltas, then finish, stop or fail. */
export class AnswerView {
  constructor(message, scroll, imageFor) {
    this.message = message;
    this.scroll = scroll;
    this.imageFor = imageFor;
    this.deltaCount = 0;
    message.el.classList.add("streaming");
    message.el.dataset.state = "streaming";
    message.el.setAttribute("aria-busy", "true"); // screen readers read the answer once it is complete, not every token
    message.metaText = () => t("msg.thinking");
    message.label();
  }

  append(delta) {
    this.deltaCount++;
    this.message.el.dataset.deltas = String(this.deltaCount);
    this.message.setText(this.message.text + delta);
    this.message.metaText = () => "";
    this.message.label();
    this.scroll();
  }

  #end(state, metaText, metaClass = "") {
    this.message.el.classList.remove("streaming");
    this.message.el.removeAttribute("aria-busy");
    this.message.el.dataset.state = state;
    this.message.meta.className = `meta ${metaClass}`.trim();
    this.message.metaText = metaText;
    this.message.label();
    this.scroll();
  }

  finish(turn) {
    this.message.setText(turn.text);
    this.message.setBoxes(turn.boxes, this.imageFor);
    this.#end("done", () => turnStats(turn), turn.finish_reason === "length" ? "warn" : "");
  }

  stop() {
    this.#end("stopped", () => t("msg.stopped"), "warn");
  }

  fail(error) {
    this.#end("error", () => t("msg.error", { reason: reasonLines(error).join(" ") }), "error");
  }
}

function turnStats(turn) {
  const parts = [];
  if (turn.usage && turn.timings) {
    parts.push(t("msg.stats", {
      tokens: turn.usage.completion_tokens,
      ttft: formatMs(turn.timings.ttft_ms),
      rate: formatRate(turn.timings.tokens_per_second),
    }));
  }
  if (turn.finish_reason === "length") parts.push(t("msg.finish.length"));
  return parts.join(" — ");
}

export class ChatView {
  #messages = [];
  #images = new Map(); // image id → facts, of the session shown
  sessionId = null;

  constructor({ container, empty }) {
    this.container = container;
    this.empty = empty;
  }

  clear() {
    for (const m of this.#messages) m.el.remove();
    this.#messages = [];
    this.#images = new Map();
    this.sessionId = null;
    this.empty.hidden = false;
  }

  /** The session new questions go to (its images are fetched from it). */
  useSession(id) {
    this.sessionId = id;
  }

  /** An image of the shown session: its facts and a promise of its URL; null when unknown. */
  #imageFor = (id) => {
    const image = this.#images.get(id);
    return image && this.sessionId ? { image, url: imageUrl(this.sessionId, id) } : null;
  };

  #add(message) {
    this.#messages.push(message);
    this.empty.hidden = true;
    this.container.append(message.el);
    this.scrollToEnd(true);
    return message;
  }

  /** Keeps the newest text in view, unless the reader scrolled up to read something older. */
  scrollToEnd(force = false) {
    const c = this.container;
    if (force || c.scrollHeight - c.scrollTop - c.clientHeight < 120) c.scrollTop = c.scrollHeight;
  }

  /** Shows a session's stored turns (SessionView). */
  showSession(session) {
    this.clear();
    this.sessionId = session.id;
    const images = new Map(session.images.map((i) => [i.id, i]));
    this.#images = images;
    for (const turn of session.turns) {
      const message = new Message(turn.role === "user" ? "user" : "assistant");
      message.setText(turn.text);
      message.setImages(turn.image_ids.filter((id) => images.has(id)).map((id) => ({ image: images.get(id), url: imageUrl(session.id, id) })));
      if (message.role === "assistant") {
        message.setBoxes(turn.boxes, this.#imageFor);
        message.el.dataset.state = "done";
        message.metaText = () => turnStats(turn);
        message.label();
      }
      this.#add(message);
    }
  }

  addQuestion(text, images) {
    for (const { image } of images) this.#images.set(image.id, image);
    const message = new Message("user");
    message.setText(text);
    message.setImages(images);
    this.#add(message);
  }

  startAnswer() {
    return new AnswerView(this.#add(new Message("assistant")), () => this.scrollToEnd(), this.#imageFor);
  }

  relabel() {
    for (const m of this.#messages) m.label();
  }
}
