// The images waiting to go with the next question. Added by the button, by drag-and-drop or by paste; each shows
// its thumbnail at once (a local blob: URL), then the facts the server found, or — if the server refused it — why,
// in plain words. Uploads start immediately, so by the time the question is typed the image is usually encoded.
import { uploadImage } from "./api.js";
import { imageFactLines, refusalLines } from "./format.js";
import { t } from "./i18n.js";

export class Attachments {
  #items = [];
  #nextKey = 1;

  /** @param {{list: HTMLElement, ensureSession: () => Promise<string>}} options */
  constructor({ list, ensureSession }) {
    this.list = list;
    this.ensureSession = ensureSession;
  }

  get count() {
    return this.#items.length;
  }

  /** Adds files (File objects) and starts uploading them. */
  add(files) {
    for (const file of files) {
      const item = { key: this.#nextKey++, file, url: URL.createObjectURL(file), state: "uploading", image: null, error: null };
      this.#items.push(item);
      item.done = this.#upload(item);
    }
    this.render();
  }

  async #upload(item) {
    try {
      const sessionId = await this.ensureSession();
      item.image = await uploadImage(sessionId, item.file);
      item.state = "ready";
    } catch (error) {
      item.state = "rejected";
      item.error = error;
    }
    this.render();
  }

  /** Waits for running uploads; returns the accepted images ({image, url}) in the order they were added. */
  async accepted() {
    await Promise.all(this.#items.map((i) => i.done));
    return this.#items.filter((i) => i.state === "ready").map((i) => ({ image: i.image, url: i.url, bytes: i.file.size }));
  }

  /** Empties the tray (the blob URLs of sent images stay alive: the sent message shows them). */
  clear({ revoke = false } = {}) {
    if (revoke) for (const item of this.#items) URL.revokeObjectURL(item.url);
    this.#items = [];
    this.render();
  }

  remove(key) {
    const item = this.#items.find((i) => i.key === key);
    if (!item) return;
    URL.revokeObjectURL(item.url);
    this.#items = this.#items.filter((i) => i !== item);
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.#items.map((item) => this.#card(item)));
  }

  #card(item) {
    const name = item.file.name || "image";
    const li = document.createElement("li");
    li.className = `attachment ${item.state}`;
    li.dataset.state = item.state;
    if (item.state !== "rejected") {
      const img = document.createElement("img");
      img.src = item.url;
      img.alt = name;
      li.append(img);
    }
    const title = document.createElement("div");
    title.className = "name";
    title.textContent = name;
    title.title = name;
    li.append(title);
    const facts = document.createElement("ul");
    facts.className = "image-facts";
    const lines =
      item.state === "uploading" ? [t("image.uploading")]
        : item.state === "ready" ? imageFactLines(item.image, item.file.size)
          : [t("image.rejected"), ...refusalLines(item.error)];
    for (const line of lines) {
      const fact = document.createElement("li");
      fact.textContent = line;
      facts.append(fact);
    }
    if (item.state === "rejected") {
      facts.classList.add("reason");
      if (item.error?.detail) facts.title = t("reason.server", { detail: item.error.detail });
    }
    li.append(facts);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", t("image.remove", { name }));
    remove.addEventListener("click", () => this.remove(item.key));
    li.append(remove);
    return li;
  }
}

/** Wires the three ways in: the button (file picker), drag-and-drop onto dropTarget, and paste anywhere. */
export function wireImageInputs({ attachments, button, fileInput, dropTarget, overlay }) {
  button.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    attachments.add([...fileInput.files]);
    fileInput.value = "";
  });
  let depth = 0; // dragenter/dragleave fire for every child; count to know when the pointer really left
  const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  dropTarget.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    overlay.hidden = false;
  });
  dropTarget.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  dropTarget.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  dropTarget.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    attachments.add([...e.dataTransfer.files]);
  });
  document.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
    if (files.length === 0) return; // plain text pastes go to the textarea as usual
    e.preventDefault();
    attachments.add(files);
  });
}
