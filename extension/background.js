// Clicking the toolbar button opens the side panel for the active tab.
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});
