// Numbers for people: byte sizes, durations, rates, EXIF orientation names, and an image's facts as lines of text.
import { t } from "./i18n.js";

export function formatBytes(bytes) {
  if (!(bytes >= 0)) return t("status.none");
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatMs(ms) {
  if (!(ms >= 0)) return t("status.none");
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function formatRate(perSecond) {
  if (!(perSecond >= 0)) return t("status.none");
  return perSecond >= 100 ? Math.round(perSecond).toString() : perSecond.toFixed(1);
}

export function formatPercent(fraction) {
  return Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : t("status.none");
}

/** The facts the server found in an image (ImageView), as short lines; fileBytes is the local file's size when known. */
export function imageFactLines(image, fileBytes) {
  const lines = [
    `${(image.format ?? "").toUpperCase()} · ${t("image.size", { width: image.width, height: image.height })}`,
    t("image.file", { size: formatBytes(fileBytes ?? image.bytes) }),
    t("image.orientation", { value: t(`image.orientation.${image.orientation || 1}`), code: image.orientation || 1 }),
  ];
  if (image.had_alpha) lines.push(t("image.alpha"));
  if (image.camera) lines.push(t("image.camera", { camera: image.camera }));
  if (image.taken_at) lines.push(t("image.taken", { time: String(image.taken_at).replace("T", " ") }));
  return lines;
}

/** A failure in plain words: the localised sentence for its code, plus the server's own explanation. */
export function reasonLines(error) {
  const key = `reason.${error?.code ?? "other"}`;
  const plain = t(key) === key ? t("reason.other") : t(key);
  return error?.detail && error.code !== "network" ? [plain, t("reason.server", { detail: error.detail })] : [plain];
}

/** A refused image's reason for its small card: the localised sentence alone when the code has one (the server's
 * message says the same thing again, in English, so a card listed it twice); the server's words only for a code
 * the UI has no sentence for. The server's words stay available as the card's tooltip (see attachments.js). */
export function refusalLines(error) {
  const key = `reason.${error?.code ?? "other"}`;
  if (t(key) !== key && error?.code !== "other") return [t(key)];
  return reasonLines(error);
}
