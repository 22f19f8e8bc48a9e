// Wires the page: language, conversation list, images, generation controls, the chat and its hub, status panel,
// and the keyboard (Enter sends, Shift+Enter is a new line, Esc stops).
import { ApiError, apiKey, createSession, deleteSession, getSession, hubProblem, setApiKey, whenUnauthorized } from "./api.js";
import { Attachments, wireImageInputs } from "./attachments.js";
import { ChatView } from "./chat.js";
import { GenerationControls } from "./controls.js";
import { Conversations } from "./conversations.js";
import { ChatHub } from "./hub.js";
import { applyTo, initialLanguage, onLanguageChange, setLanguage } from "./i18n.js";
import { StatusPanel } from "./status.js";

const $ = (id) => document.getElementById(id);

const chat = new ChatView({ container: $("messages"), empty: $("chat-empty") });
const status = new StatusPanel();
const controls = new GenerationControls($("composer"));
const hub = new ChatHub({ onConnectionChange: (connected) => ($("connection").hidden = connected), apiKey: apiKey() });
let answering = null; // { subscription, answer } while an answer streams
let creating = null; // the pending session creation, so two first images do not make two sessions

const conversations = new Conversations({
  list: $("conversation-list"),
  empty: $("conversations-empty"),
  onOpen: (id) => openConversation(id),
  onDelete: async (id) => {
    try {
      await deleteSession(id);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === "session_not_found")) throw e;
    }
    const wasCurrent = conversations.currentId === id;
    conversations.forget(id);
    if (wasCurrent) newChat();
  },
});

const attachments = new Attachments({ list: $("attachments"), ensureSession });

/** The current session's id, creating the session on first use (first image or first question). */
async function ensureSession() {
  if (conversations.currentId) return conversations.currentId;
  creating ??= createSession().then(({ id }) => {
    conversations.add(id);
    return id;
  }).finally(() => (creating = null));
  return creating;
}

function newChat() {
  stop();
  conversations.select(null);
  attachments.clear({ revoke: true });
  chat.clear();
  $("question").focus();
  closePanels();
}

async function openConversation(id) {
  stop();
  conversations.select(id);
  attachments.clear({ revoke: true });
  closePanels();
  try {
    chat.showSession(await getSession(id));
  } catch (e) {
    if (e instanceof ApiError && e.code === "session_not_found") {
      conversations.forget(id);
      chat.clear();
      return;
    }
    throw e;
  }
}

function setAnswering(isAnswering) {
  $("stop").hidden = !isAnswering;
  $("send").disabled = isAnswering;
}

async function send() {
  if (answering) return;
  const text = $("question").value.trim();
  if (text === "") {
    $("question").focus();
    return;
  }
  setAnswering(true);
  $("question").value = "";
  const answerStarted = { answer: null, subscription: null };
  answering = answerStarted;
  try {
    const sessionId = await ensureSession();
    const images = await attachments.accepted();
    attachments.clear();
    conversations.touch(sessionId, text);
    chat.useSession(sessionId);
    chat.addQuestion(text, images);
    const answer = chat.startAnswer();
    answerStarted.answer = answer;
    if (answering !== answerStarted) return answer.stop(); // Stop pressed while uploads finished
    await hub.ready();
    const request = { text, image_ids: images.map((i) => i.image.id), ...controls.settings() };
    const attempt = (retriesLeft) => {
      answerStarted.subscription = hub.ask(sessionId, request, {
        onDelta: (delta) => answer.append(delta),
        onDone: (turn) => {
          answer.finish(turn);
          conversations.touch(sessionId);
          finishAnswer(answerStarted);
        },
        onError: (error) => {
          const problem = hubProblem(error);
          // Stopped from elsewhere (another tab's cancel): the same end as pressing Stop here.
          if (problem.code === "turn_cancelled") {
            answer.stop();
            finishAnswer(answerStarted);
            return;
          }
          // Right after a Stop the server may still be freeing the previous turn (a few ms): ask again shortly.
          if (problem.code === "session_busy" && retriesLeft > 0 && answer.deltaCount === 0 && answering === answerStarted) {
            setTimeout(() => answering === answerStarted && attempt(retriesLeft - 1), 250);
            return;
          }
          answer.fail(problem);
          finishAnswer(answerStarted);
        },
      });
    };
    attempt(8);
  } catch (error) {
    (answerStarted.answer ?? chat.startAnswer()).fail(error instanceof ApiError ? error : hubProblem(error));
    finishAnswer(answerStarted);
  }
}

function finishAnswer(which) {
  if (answering !== which) return;
  answering = null;
  setAnswering(false);
}

/** Stops the answer being streamed: disposing the stream cancels the generation on the server. */
function stop() {
  if (!answering) return;
  const current = answering;
  current.subscription?.dispose();
  current.answer?.stop();
  finishAnswer(current);
}

function closePanels() {
  document.body.classList.remove("show-conversations", "show-status");
  $("toggle-conversations").setAttribute("aria-expanded", "false");
  $("toggle-status").setAttribute("aria-expanded", "false");
}

function togglePanel(name, button) {
  const open = !document.body.classList.contains(`show-${name}`);
  closePanels();
  document.body.classList.toggle(`show-${name}`, open);
  button.setAttribute("aria-expanded", String(open));
}

// A server started with API keys answers 401 until the person enters one; the page then reloads with it.
whenUnauthorized(() => ($("api-key-form").hidden = false));
$("api-key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setApiKey($("api-key").value.trim());
  location.reload();
});

// --- wiring ------------------------------------------------------------------------------------------------------
const lang = initialLanguage();
$("language").value = lang;
setLanguage(lang);
onLanguageChange(() => {
  conversations.render();
  attachments.render();
  chat.relabel();
  status.render();
});
$("language").addEventListener("change", (e) => setLanguage(e.target.value));

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
$("question").addEventListener("keydown", (e) => {
  // isComposing: Enter that confirms a Chinese/Japanese IME candidate must not send.
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    if (answering) stop();
    else closePanels();
  }
});
$("stop").addEventListener("click", stop);
$("new-chat").addEventListener("click", newChat);
$("toggle-conversations").addEventListener("click", (e) => togglePanel("conversations", e.currentTarget));
$("toggle-status").addEventListener("click", (e) => togglePanel("status", e.currentTarget));
wireImageInputs({ attachments, button: $("attach"), fileInput: $("file-input"), dropTarget: $("chat"), overlay: $("drop-overlay") });

applyTo(document);
conversations.render();
status.start();
hub.ready().catch(() => ($("connection").hidden = false));
if (conversations.currentId) openConversation(conversations.currentId).catch(() => {});
document.body.dataset.ready = "true";
