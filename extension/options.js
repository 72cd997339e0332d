// The one setting: where Hona is. Saved in chrome.storage.sync; the side panel follows it.
const form = document.getElementById("form");
const input = document.getElementById("base");
const error = document.getElementById("base-error");
const saved = document.getElementById("saved");

// A host name (letters, digits, dots and hyphens) or an IPv6 address in brackets.
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)$/i;

// The origin of what was typed (scheme, host and port), or null when it is not an http(s) address.
function originOf(text) {
  let url;
  try {
    url = new URL(text.includes("://") ? text : `https://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password || !HOST.test(url.hostname)) return null;
  return url.origin;
}

function say(element, words) {
  element.textContent = words;
  element.hidden = !words;
}

chrome.storage.sync.get("base").then(({ base }) => {
  if (typeof base === "string") input.value = base;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  say(saved, "");
  const origin = originOf(input.value.trim());
  if (!origin) {
    say(error, "Enter the address you open Hona at, such as https://messages.your-firm.com.");
    input.setAttribute("aria-invalid", "true");
    return;
  }
  say(error, "");
  input.removeAttribute("aria-invalid");
  // Asked here, while the click still counts as the user's: the panel needs to reach this origin.
  const granted = await chrome.permissions.request({ origins: [`${origin}/*`] });
  input.value = origin;
  await chrome.storage.sync.set({ base: origin });
  say(
    saved,
    granted
      ? `Saved. The side panel now shows Hona from ${origin}.`
      : `Saved, but without your permission to open ${origin} the side panel cannot show Hona.`
  );
});
