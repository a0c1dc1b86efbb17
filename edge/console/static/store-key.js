// The store key page: a Copy button beside the key, shown only where the clipboard can
// be written (without JavaScript the key field is selectable and read-only).
"use strict";
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  if (!field || !status || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied to the clipboard.";
    } catch (error) {
      field.select();
      status.textContent = "Could not copy: the key is selected, press Ctrl+C (⌘C).";
    }
  });
});
