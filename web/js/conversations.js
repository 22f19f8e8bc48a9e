// The conversation list. Only ids and titles live in the browser (localStorage, so they survive a reload); the
// turns themselves always come from the server (GET /api/v1/sessions/{id}).
import { t } from "./i18n.js";

const LIST_KEY = "vlo.conversations";
const CURRENT_KEY = "vlo.current";
const TITLE_LENGTH = 60;

export class Conversations {
  /** @param {{list: HTMLElement, empty: HTMLElement, onOpen: (id: string) => void, onDelete: (id: string) => void}} options */
  constructor({ list, empty, onOpen, onDelete }) {
    this.list = list;
    this.empty = empty;
    this.onOpen = onOpen;
    this.onDelete = onDelete;
    this.items = JSON.parse(localStorage.getItem(LIST_KEY) ?? "[]").filter((c) => typeof c?.id === "string");
    this.currentId = localStorage.getItem(CURRENT_KEY);
  }

  #save() {
    localStorage.setItem(LIST_KEY, JSON.stringify(this.items));
    if (this.currentId) localStorage.setItem(CURRENT_KEY, this.currentId);
    else localStorage.removeItem(CURRENT_KEY);
  }

  add(id) {
    this.items.unshift({ id, title: "", updatedAt: Date.now() });
    this.currentId = id;
    this.#save();
    this.render();
  }

  select(id) {
    this.currentId = id;
    this.#save();
    this.render();
  }

  /** Names a conversation after its first question, and moves it to the top. */
  touch(id, question) {
    const item = this.items.find((c) => c.id === id);
    if (!item) return;
    if (!item.title && question) item.title = question.replace(/\s+/g, " ").trim().slice(0, TITLE_LENGTH);
    item.updatedAt = Date.now();
    this.items = [item, ...this.items.filter((c) => c !== item)];
    this.#save();
    this.render();
  }

  forget(id) {
    this.items = this.items.filter((c) => c.id !== id);
    if (this.currentId === id) this.currentId = null;
    this.#save();
    this.render();
  }

  render() {
    this.empty.hidden = this.items.length > 0;
    this.list.replaceChildren(...this.items.map((item) => {
      const title = item.title || t("conversations.untitled");
      const li = document.createElement("li");
      li.dataset.id = item.id;
      li.classList.toggle("current", item.id === this.currentId);
      const open = document.createElement("button");
      open.type = "button";
      open.className = "open";
      open.textContent = title;
      open.title = title;
      if (item.id === this.currentId) open.setAttribute("aria-current", "true");
      open.addEventListener("click", () => this.onOpen(item.id));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "delete";
      remove.textContent = "×";
      remove.setAttribute("aria-label", t("conversations.delete", { title }));
      remove.addEventListener("click", () => this.onDelete(item.id));
      li.append(open, remove);
      return li;
    }));
  }
}
