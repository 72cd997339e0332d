const input = document.getElementById("base");
chrome.storage.sync.get({ base: "http://127.0.0.1:8000" }).then(({ base }) => { input.value = base; });
document.getElementById("save").addEventListener("click", async () => {
  await chrome.storage.sync.set({ base: input.value.trim() });
  document.getElementById("saved").hidden = false;
});
