// Shows Hona's panel for the page open in the active tab. Uses the Hona session of this browser:
// sign in to Hona once in a tab and the panel follows.
const DEFAULT_BASE = "http://127.0.0.1:8000";

async function honaBase() {
  const stored = await chrome.storage.sync.get({ base: DEFAULT_BASE });
  return stored.base.replace(/\/+$/, "");
}

async function show() {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  const base = await honaBase();
  const frame = document.getElementById("panel");
  const note = document.getElementById("note");
  if (!tab || !tab.url) {
    note.hidden = false;
    note.textContent = "Open a case in your CMS to see its Hona project.";
    frame.hidden = true;
    return;
  }
  note.hidden = true;
  frame.hidden = false;
  const src = `${base}/extension/panel/?url=${encodeURIComponent(tab.url)}`;
  if (frame.src !== src) frame.src = src;
}

chrome.tabs.onActivated.addListener(show);
chrome.tabs.onUpdated.addListener((tabId, change) => {
  if (change.url || change.status === "complete") show();
});
show();
