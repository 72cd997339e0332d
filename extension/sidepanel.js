// Shows Hona's panel for the case open in the active tab, with this browser's Hona session.
//
// Before it frames the panel it asks Hona (GET <address>/extension/status/) whether it can be
// reached and whether this browser is signed in, so that it can say what is wrong in plain words
// — no address set yet, Hona not reachable at it, signed out, or this extension not allowed —
// instead of the frame's "refused to connect". The address comes from the options page; there is
// no default.
const STATUS_TIMEOUT_MS = 8000;
const SIGNED_IN_PATH = "/extension/signed-in/";

const frame = document.getElementById("panel");
const state = document.getElementById("state");
let generation = 0; // the latest show() wins when several run at once
let signIn = null; // the sign-in tab this panel opened: { tabId, returnTo }

async function honaAddress() {
  const { base } = await chrome.storage.sync.get("base");
  return typeof base === "string" ? base.replace(/\/+$/, "") : "";
}

function action(label, run, primary = false) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  if (primary) button.className = "primary";
  button.addEventListener("click", run);
  return button;
}

// A message instead of the panel: a title, words (strings, and {address} shown in bold), buttons.
function showState(title, words, actions = []) {
  frame.hidden = true;
  state.hidden = false;
  document.getElementById("state-title").textContent = title;
  const text = document.getElementById("state-text");
  text.replaceChildren(
    ...words.map((part) => {
      if (typeof part === "string") return document.createTextNode(part);
      const strong = document.createElement("span");
      strong.className = "address";
      strong.textContent = part.address;
      return strong;
    })
  );
  document.getElementById("state-actions").replaceChildren(...actions);
}

function showPanel(src) {
  state.hidden = true;
  frame.hidden = false;
  if (frame.src !== src) frame.src = src;
}

const openOptions = () => chrome.runtime.openOptionsPage();

async function askHona(base) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STATUS_TIMEOUT_MS);
  try {
    return await fetch(`${base}/extension/status/`, {
      credentials: "include",
      cache: "no-store",
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
  }
}

async function openSignIn(base, signInUrl) {
  const [current] = await chrome.tabs.query({ active: true, currentWindow: true });
  const tab = await chrome.tabs.create({ url: `${base}${signInUrl}` });
  signIn = { tabId: tab.id, returnTo: current ? current.id : null };
}

async function show() {
  const mine = ++generation;
  const base = await honaAddress();
  if (mine !== generation) return;
  if (!base) {
    showState(
      "Set your Hona address",
      ["Tell the extension where your firm's Hona is, such as https://messages.your-firm.com."],
      [action("Set the address", openOptions, true)]
    );
    return;
  }
  const granted = await chrome.permissions.contains({ origins: [`${base}/*`] });
  if (mine !== generation) return;
  if (!granted) {
    showState(
      "Allow the extension to reach Hona",
      ["The extension needs your permission to open ", { address: base }, "."],
      [
        action("Allow", () => chrome.permissions.request({ origins: [`${base}/*`] }).then(show), true),
        action("Change the address", openOptions),
      ]
    );
    return;
  }
  let answer;
  let status;
  try {
    answer = await askHona(base);
    status = answer.ok ? await answer.json() : null;
  } catch (error) {
    status = undefined;
  }
  if (mine !== generation) return;
  if (status === undefined || !answer) {
    showState(
      "Hona is not reachable",
      [
        "Hona is not reachable at ",
        { address: base },
        ". Is it running at that address? If Hona is somewhere else, change the address in the extension's options.",
      ],
      [action("Try again", show, true), action("Change the address", openOptions)]
    );
    return;
  }
  if (status === null || typeof status.signed_in !== "boolean") {
    showState(
      "This is not a Hona address",
      [
        { address: base },
        ` answered, but not as Hona does (HTTP ${answer.status}). Check the address in the extension's options.`,
      ],
      [action("Change the address", openOptions, true), action("Try again", show)]
    );
    return;
  }
  if (!status.signed_in) {
    showState(
      "Sign in to Hona",
      [
        "You are signed out of Hona at ",
        { address: base },
        ". Sign in in a new tab; this panel shows the case's project as soon as you have.",
      ],
      [action("Sign in to Hona", () => openSignIn(base, status.sign_in_url), true)]
    );
    return;
  }
  if (status.panel_allowed === false) {
    showState(
      "Hona does not allow this extension yet",
      [
        "Ask whoever runs Hona to add ",
        { address: `chrome-extension://${chrome.runtime.id}` },
        " to HONA_EXTENSION_ORIGINS and restart it.",
      ],
      [action("Try again", show, true)]
    );
    return;
  }
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  if (mine !== generation) return;
  if (!tab || !tab.url) {
    showState("No case open", ["Open a case in your CMS to see its Hona project."]);
    return;
  }
  showPanel(`${base}/extension/panel/?url=${encodeURIComponent(tab.url)}`);
}

// The sign-in tab this panel opened reached Hona's "signed in" page: close it, go back to the
// case, and show its project.
async function signedIn(tabId, url) {
  if (!signIn || tabId !== signIn.tabId || !url) return false;
  const base = await honaAddress();
  if (!url.startsWith(`${base}${SIGNED_IN_PATH}`)) return false;
  const { returnTo } = signIn;
  signIn = null;
  await chrome.tabs.remove(tabId);
  if (returnTo !== null) await chrome.tabs.update(returnTo, { active: true });
  return true;
}

chrome.tabs.onActivated.addListener(show);
chrome.tabs.onUpdated.addListener(async (tabId, change, tab) => {
  if (await signedIn(tabId, change.url || (tab && tab.url))) {
    show();
  } else if (change.url || change.status === "complete") {
    show();
  }
});
chrome.tabs.onRemoved.addListener((tabId) => {
  if (signIn && tabId === signIn.tabId) {
    signIn = null;
    show();
  }
});
chrome.storage.onChanged.addListener(show);
// Back from signing in (or from starting Hona) in another window: look again.
window.addEventListener("focus", () => {
  if (!state.hidden) show();
});
show();
