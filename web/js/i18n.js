// UI text in English and Chinese. Elements name their text with data-i18n (textContent), data-i18n-aria-label,
// data-i18n-placeholder and data-i18n-title; code asks t(key, values). The language is the stored choice, else the
// browser's first preferred language (zh* → Chinese), else English.

const STRINGS = {
  en: {
    "app.title": "VLOrleans",
    "app.tagline": "Ask about your images",
    "lang.label": "Language",
    "nav.conversations": "Conversations",
    "nav.status": "Server status",
    "chat.new": "New chat",
    "chat.log": "Conversation",
    "chat.empty": "Add an image and ask a question about it.",
    "composer.label": "Your question",
    "composer.placeholder": "Ask about the images… (Enter sends, Shift+Enter for a new line, Esc stops)",
    "composer.attach": "Add images",
    "composer.send": "Send",
    "composer.stop": "Stop",
    "composer.drop": "Drop images here",
    "composer.hint": "Click “Add images”, drop files here or paste from the clipboard. Several images per question are fine.",
    "conversations.title": "Conversations",
    "conversations.none": "No conversations yet.",
    "conversations.untitled": "New chat",
    "conversations.delete": "Delete conversation “{title}”",
    "conversations.gone": "This conversation is no longer on the server.",
    "msg.you": "You",
    "msg.assistant": "Assistant",
    "msg.copy": "Copy answer",
    "msg.copied": "Copied",
    "msg.stopped": "Stopped — this answer was not saved.",
    "msg.thinking": "Waiting for the first words…",
    "msg.stats": "{tokens} tokens · first word after {ttft} · {rate} tokens/s",
    "msg.finish.length": "Cut at the length limit — choose a longer answer length to get more.",
    "msg.error": "The answer failed: {reason}",
    "boxes.show": "Show boxes ({count})",
    "boxes.enlarge": "Click for a larger view",
    "boxes.close": "Close",
    "image.remove": "Remove image {name}",
    "image.uploading": "Uploading…",
    "image.size": "{width} × {height} px",
    "image.file": "{size}",
    "image.alpha": "has transparency",
    "image.camera": "Camera: {camera}",
    "image.taken": "Taken: {time}",
    "image.orientation.1": "upright",
    "image.orientation.2": "mirrored",
    "image.orientation.3": "rotated 180°",
    "image.orientation.4": "flipped upside down",
    "image.orientation.5": "mirrored and rotated 90°",
    "image.orientation.6": "rotated 90° clockwise",
    "image.orientation.7": "mirrored and rotated 90°",
    "image.orientation.8": "rotated 90° counter-clockwise",
    "image.orientation": "Orientation: {value} (EXIF {code})",
    "image.rejected": "Not accepted",
    "reason.unsupported_format": "This file is not an image the server can read. Use JPEG, PNG, WebP, GIF or BMP.",
    "reason.corrupt": "The image file is damaged and cannot be read.",
    "reason.truncated": "The image file is incomplete — it may have been cut off while copying or downloading.",
    "reason.too_many_pixels": "The image has too many pixels. Use a smaller picture.",
    "reason.too_large": "The file is too large. Use a smaller picture.",
    "reason.body_too_large": "The file is too large. Use a smaller picture.",
    "reason.aspect_ratio": "The image is too long and thin. Crop it closer to a rectangle.",
    "reason.too_small": "The image is too small to look at. Use a larger picture.",
    "reason.empty": "The file is empty.",
    "reason.session_busy": "This conversation is still answering. Wait for it or press Stop.",
    "reason.queue_full": "The server is busy right now. Try again in a few seconds.",
    "reason.context_length_exceeded": "The conversation is too long for the model. Start a new chat.",
    "reason.session_not_found": "This conversation is no longer on the server. Start a new chat.",
    "reason.model_not_ready": "The model is still loading. Try again shortly.",
    "reason.unauthorized": "The server needs an API key: enter it in the box at the top.",
    "reason.network": "The server could not be reached.",
    "reason.other": "Something went wrong.",
    "reason.server": "Server says: {detail}",
    "controls.title": "Answer style",
    "controls.activity": "Activity",
    "controls.activity.precise": "Precise",
    "controls.activity.precise.help": "Always the most likely words. Best for reading text, counting and facts.",
    "controls.activity.balanced": "Balanced",
    "controls.activity.balanced.help": "A little variety. Good for descriptions and everyday questions.",
    "controls.activity.creative": "Creative",
    "controls.activity.creative.help": "More varied wording. For stories, captions and ideas; may be less exact.",
    "controls.length": "Answer length",
    "controls.length.short": "Short",
    "controls.length.short.help": "A sentence or two (up to 128 tokens). Quick answers.",
    "controls.length.full": "Full",
    "controls.length.full.help": "A complete answer (up to 512 tokens).",
    "controls.length.deep": "Deep",
    "controls.length.deep.help": "Long explanations and documents (up to 2048 tokens). Takes longer.",
    "controls.advanced": "Advanced",
    "controls.topP": "Top-p",
    "controls.topP.help": "Only choose among the most likely words whose chances add up to this (0–1). Empty = model default.",
    "controls.topK": "Top-k",
    "controls.topK.help": "Only choose among this many most likely words. Empty = model default.",
    "controls.seed": "Seed",
    "controls.seed.help": "The same seed with the same question and settings gives the same answer. Empty = random.",
    "status.title": "Server status",
    "status.device": "Device",
    "status.model": "Model",
    "status.dtype": "Weight type",
    "status.threads": "Threads",
    "status.threadsValue": "{decoder} decoder · {vision} vision · {cpus} CPUs",
    "status.memory": "Memory",
    "status.queue": "Queue",
    "status.queueValue": "{waiting} waiting · {active}/{slots} generating",
    "status.cache": "Image cache hit rate",
    "status.cacheValue": "{rate} ({hits}, {misses})",
    "status.hits.one": "{count} hit",
    "status.hits.other": "{count} hits",
    "status.misses.one": "{count} miss",
    "status.misses.other": "{count} misses",
    "status.rate": "Speed now",
    "status.demo": "random-weight demo",
    "status.rateValue": "{rate} tokens/s",
    "status.cluster": "Cluster",
    "status.clusterValue": "{role} node · {ready} of {total} model nodes ready",
    "status.loading": "Model loading…",
    "status.offline": "Server unreachable",
    "status.none": "—",
    "status.chart.rate": "Tokens per second, last {minutes} min",
    "status.chart.ttft": "Time to first word, last {minutes} min",
    "status.chart.latest": "latest {value}, peak {peak}",
    "status.chart.empty": "no data yet",
    "status.chart.emptyRate": "no answers yet — the line starts with the first",
    "status.chart.emptyTtft": "no answers yet — one dot per answer",
    "demo.text": "Demo model: random weights, so the answers are gibberish (every step of the pipeline is real). To serve a real model, convert one and run:",
    "connection.lost": "Connection lost — reconnecting…",
    "key.label": "This server needs an API key:",
    "key.save": "Use this key",
    "key.help": "Kept in this browser only and sent to this server with every request.",
  },
  zh: {
    "app.title": "VLOrleans",
    "app.tagline": "就图片提问",
    "lang.label": "语言",
    "nav.conversations": "对话列表",
    "nav.status": "服务器状态",
    "chat.new": "新对话",
    "chat.log": "对话内容",
    "chat.empty": "添加一张图片，然后就它提问。",
    "composer.label": "你的问题",
    "composer.placeholder": "就图片提问……（Enter 发送，Shift+Enter 换行，Esc 停止）",
    "composer.attach": "添加图片",
    "composer.send": "发送",
    "composer.stop": "停止",
    "composer.drop": "把图片拖放到这里",
    "composer.hint": "点击“添加图片”、把文件拖到这里，或从剪贴板粘贴。一个问题可以带多张图片。",
    "conversations.title": "对话列表",
    "conversations.none": "还没有对话。",
    "conversations.untitled": "新对话",
    "conversations.delete": "删除对话“{title}”",
    "conversations.gone": "服务器上已没有这个对话。",
    "msg.you": "你",
    "msg.assistant": "助手",
    "msg.copy": "复制回答",
    "msg.copied": "已复制",
    "msg.stopped": "已停止——这个回答没有保存。",
    "msg.thinking": "正在等待第一个字……",
    "msg.stats": "{tokens} 个词元 · 首字用时 {ttft} · 每秒 {rate} 个词元",
    "msg.finish.length": "已达到长度上限——选择更长的回答长度可得到更多内容。",
    "msg.error": "回答失败：{reason}",
    "boxes.show": "显示方框（{count}）",
    "boxes.enlarge": "点击放大查看",
    "boxes.close": "关闭",
    "image.remove": "移除图片 {name}",
    "image.uploading": "正在上传……",
    "image.size": "{width} × {height} 像素",
    "image.file": "{size}",
    "image.alpha": "含透明部分",
    "image.camera": "相机：{camera}",
    "image.taken": "拍摄时间：{time}",
    "image.orientation.1": "正向",
    "image.orientation.2": "水平镜像",
    "image.orientation.3": "旋转 180°",
    "image.orientation.4": "上下翻转",
    "image.orientation.5": "镜像并旋转 90°",
    "image.orientation.6": "顺时针旋转 90°",
    "image.orientation.7": "镜像并旋转 90°",
    "image.orientation.8": "逆时针旋转 90°",
    "image.orientation": "方向：{value}（EXIF {code}）",
    "image.rejected": "未被接受",
    "reason.unsupported_format": "这个文件不是服务器能读取的图片。请使用 JPEG、PNG、WebP、GIF 或 BMP。",
    "reason.corrupt": "图片文件已损坏，无法读取。",
    "reason.truncated": "图片文件不完整——可能在复制或下载时被截断了。",
    "reason.too_many_pixels": "图片像素太多。请换一张小一些的图片。",
    "reason.too_large": "文件太大。请换一张小一些的图片。",
    "reason.body_too_large": "文件太大。请换一张小一些的图片。",
    "reason.aspect_ratio": "图片太细长。请裁剪得更接近矩形。",
    "reason.too_small": "图片太小，看不清。请换一张大一些的图片。",
    "reason.empty": "文件是空的。",
    "reason.session_busy": "这个对话还在回答中。请等待，或按“停止”。",
    "reason.queue_full": "服务器正忙。请几秒后再试。",
    "reason.context_length_exceeded": "对话太长，模型处理不了。请开始新对话。",
    "reason.session_not_found": "服务器上已没有这个对话。请开始新对话。",
    "reason.model_not_ready": "模型仍在加载。请稍后再试。",
    "reason.unauthorized": "服务器需要 API 密钥：请在顶部的输入框中填写。",
    "reason.network": "无法连接服务器。",
    "reason.other": "出了点问题。",
    "reason.server": "服务器说明：{detail}",
    "controls.title": "回答方式",
    "controls.activity": "活跃度",
    "controls.activity.precise": "精确",
    "controls.activity.precise.help": "总是选最可能的词。适合读文字、数数和事实问题。",
    "controls.activity.balanced": "均衡",
    "controls.activity.balanced.help": "稍有变化。适合描述和日常问题。",
    "controls.activity.creative": "创意",
    "controls.activity.creative.help": "用词更多样。适合故事、配文和点子；可能不够精确。",
    "controls.length": "回答长度",
    "controls.length.short": "简短",
    "controls.length.short.help": "一两句话（最多 128 个词元），回答快。",
    "controls.length.full": "完整",
    "controls.length.full.help": "完整的回答（最多 512 个词元）。",
    "controls.length.deep": "深入",
    "controls.length.deep.help": "长篇解释和文档（最多 2048 个词元），耗时更长。",
    "controls.advanced": "高级",
    "controls.topP": "Top-p",
    "controls.topP.help": "只在累计概率达到此值的最可能词中选择（0–1）。留空 = 模型默认值。",
    "controls.topK": "Top-k",
    "controls.topK.help": "只在这么多个最可能的词中选择。留空 = 模型默认值。",
    "controls.seed": "随机种子",
    "controls.seed.help": "相同的种子、问题和设置会得到相同的回答。留空 = 随机。",
    "status.title": "服务器状态",
    "status.device": "设备",
    "status.model": "模型",
    "status.dtype": "权重类型",
    "status.threads": "线程",
    "status.threadsValue": "解码 {decoder} · 视觉 {vision} · 共 {cpus} 个 CPU",
    "status.memory": "内存",
    "status.queue": "队列",
    "status.queueValue": "{waiting} 个等待 · {active}/{slots} 个生成中",
    "status.cache": "图片缓存命中率",
    "status.cacheValue": "{rate}（{hits}，{misses}）",
    "status.hits.other": "命中 {count}",
    "status.misses.other": "未命中 {count}",
    "status.rate": "当前速度",
    "status.demo": "随机权重演示",
    "status.rateValue": "每秒 {rate} 个词元",
    "status.cluster": "集群",
    "status.clusterValue": "{role} 节点 · {total} 个模型节点中 {ready} 个就绪",
    "status.loading": "模型加载中……",
    "status.offline": "无法连接服务器",
    "status.none": "—",
    "status.chart.rate": "每秒词元数，最近 {minutes} 分钟",
    "status.chart.ttft": "首字用时，最近 {minutes} 分钟",
    "status.chart.latest": "最新 {value}，峰值 {peak}",
    "status.chart.empty": "暂无数据",
    "status.chart.emptyRate": "还没有回答——有回答后开始画线",
    "status.chart.emptyTtft": "还没有回答——每个回答一个点",
    "demo.text": "演示模型：权重是随机的，所以回答是乱码（流程的每一步都是真实的）。要使用真正的模型，请先转换模型，然后运行：",
    "connection.lost": "连接中断——正在重新连接……",
    "key.label": "这个服务器需要 API 密钥：",
    "key.save": "使用此密钥",
    "key.help": "只保存在这个浏览器里，每次请求时发送给这个服务器。",
  },
};

const STORAGE_KEY = "vlo.language";
const listeners = new Set();
let current = "en";

export const LANGUAGES = Object.keys(STRINGS);

/** The language to start with: the stored choice, else the browser's preference. */
export function initialLanguage(storage = localStorage, preferred = navigator.languages ?? [navigator.language]) {
  const stored = storage.getItem(STORAGE_KEY);
  if (stored && STRINGS[stored]) return stored;
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (STRINGS[base]) return base;
  }
  return "en";
}

export function language() {
  return current;
}

/** The text for key in the current language (English when missing), with {name} holes filled from values. */
export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

/** A count in words with the language's plural form: keys "<base>.one", "<base>.other" (… as Intl.PluralRules names
 * them), falling back to "<base>.other"; {count} is the number. */
export function plural(base, count) {
  const form = new Intl.PluralRules(current === "zh" ? "zh-CN" : "en").select(count);
  return t(STRINGS[current][`${base}.${form}`] !== undefined ? `${base}.${form}` : `${base}.other`, { count });
}

/** Switches the language, re-labels the page and tells the listeners (which re-render dynamic text). */
export function setLanguage(lang, root = document) {
  current = STRINGS[lang] ? lang : "en";
  localStorage.setItem(STORAGE_KEY, current);
  root.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  applyTo(root);
  for (const listener of listeners) listener(current);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

/** Fills the data-i18n* attributes under root. */
export function applyTo(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
}
