// Generation controls: presets in plain words (activity = temperature, answer length = max tokens) and an advanced
// fold-out for top-p, top-k and seed. The choice is remembered in localStorage.

export const ACTIVITY = { precise: 0.0, balanced: 0.5, creative: 0.9 };
export const LENGTH = { short: 128, full: 512, deep: 2048 };
const STORAGE_KEY = "vlo.controls";

export class GenerationControls {
  constructor(form) {
    this.form = form;
    this.topP = form.querySelector("#top-p");
    this.topK = form.querySelector("#top-k");
    this.seed = form.querySelector("#seed");
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}");
    if (saved.activity in ACTIVITY) this.#check("activity", saved.activity);
    if (saved.length in LENGTH) this.#check("length", saved.length);
    this.topP.value = saved.topP ?? "";
    this.topK.value = saved.topK ?? "";
    this.seed.value = saved.seed ?? "";
    form.addEventListener("change", () => this.#save());
  }

  #check(name, value) {
    const input = this.form.querySelector(`input[name="${name}"][value="${value}"]`);
    if (input) input.checked = true;
  }

  #choice(name) {
    return this.form.querySelector(`input[name="${name}"]:checked`)?.value;
  }

  #save() {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({
      activity: this.#choice("activity"), length: this.#choice("length"),
      topP: this.topP.value, topK: this.topK.value, seed: this.seed.value,
    }));
  }

  /** The sampling fields of an AskRequest; empty advanced fields are left to the model's defaults. */
  settings() {
    const settings = {
      temperature: ACTIVITY[this.#choice("activity")] ?? ACTIVITY.balanced,
      max_tokens: LENGTH[this.#choice("length")] ?? LENGTH.full,
    };
    const topP = parseFloat(this.topP.value);
    if (topP > 0 && topP <= 1) settings.top_p = topP;
    const topK = parseInt(this.topK.value, 10);
    if (topK >= 1) settings.top_k = topK;
    const seed = parseInt(this.seed.value, 10);
    if (seed >= 0) settings.seed = seed;
    return settings;
  }
}
