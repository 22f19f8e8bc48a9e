// Boxes an answer names (turn.boxes: pixels of the original image, converted by the server per model family), drawn
// over that image: each box a positioned element in percent of the image, so it stays on its spot at any displayed
// size; a label and a colour of its own; a toggle; a click opens a larger view. Points are small rings.
import { t } from "./i18n.js";

// Eight hues far apart on the colour wheel, dark enough for white label text.
const COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080", "#c71585", "#806000"];

/** The layer of boxes for one image: a frame holding the image and the boxes, in percent of its natural size. */
function frame(url, image, boxes) {
  const el = document.createElement("div");
  el.className = "box-frame";
  const img = document.createElement("img");
  img.src = url;
  img.alt = image.file_name ?? "";
  el.append(img);
  boxes.forEach((box, i) => {
    const mark = document.createElement("div");
    mark.className = `box ${box.kind === "point" ? "point" : ""}`.trim();
    mark.dataset.index = String(i);
    mark.style.setProperty("--box-colour", COLOURS[i % COLOURS.length]);
    mark.style.left = `${(box.x1 / image.width) * 100}%`;
    mark.style.top = `${(box.y1 / image.height) * 100}%`;
    mark.style.width = `${((box.x2 - box.x1) / image.width) * 100}%`;
    mark.style.height = `${((box.y2 - box.y1) / image.height) * 100}%`;
    const label = document.createElement("span");
    label.className = "box-label";
    label.textContent = box.label ?? String(i + 1);
    mark.append(label);
    el.append(mark);
  });
  return el;
}

/** Opens the larger view of a frame in a modal dialog (Esc, a click or the close button ends it). */
function enlarge(url, image, boxes) {
  const dialog = document.createElement("dialog");
  dialog.className = "box-viewer";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "×";
  close.setAttribute("aria-label", t("boxes.close"));
  dialog.append(close, frame(url, image, boxes));
  dialog.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/**
 * The figure an assistant message shows under its text: the image with the answer's boxes, a "show boxes" toggle
 * and, on click, a larger view. imageFor(id) → {image (facts), url: Promise<string>} or null when unknown.
 */
export function boxesFigure(boxes, imageFor) {
  const figure = document.createElement("figure");
  figure.className = "boxed-image";
  const byImage = boxes[0]?.image_id;
  const source = imageFor(byImage);
  if (!source) return null;
  const shown = boxes.filter((b) => b.image_id === byImage);
  const caption = document.createElement("figcaption");
  const toggle = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  box.className = "toggle-boxes";
  box.addEventListener("change", () => figure.classList.toggle("hide-boxes", !box.checked));
  const text = document.createElement("span");
  toggle.append(box, text);
  caption.append(toggle);
  figure.relabel = () => {
    text.textContent = t("boxes.show", { count: shown.length });
    figure.title = t("boxes.enlarge");
  };
  figure.relabel();
  source.url.then((url) => {
    const inline = frame(url, source.image, shown);
    inline.addEventListener("click", () => enlarge(url, source.image, shown));
    figure.prepend(inline);
  }).catch(() => figure.remove());
  figure.append(caption);
  return figure;
}
