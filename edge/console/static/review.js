// Review queue shortcuts: a person working through hundreds of items keeps both hands on
// the keyboard. Every shortcut stands for a control on the page (its data-key), which
// works without this file; keys typed into a text field are left alone.
"use strict";
(() => {
  const control = (key) => document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  const typing = (el) =>
    el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ||
    (el instanceof HTMLInputElement && !["radio", "checkbox", "submit", "button"].includes(el.type));

  // "Previous" goes back to the item this page was opened from, when that was one.
  const previous = control("k");
  const from = document.referrer ? new URL(document.referrer) : null;
  if (previous && from && from.origin === location.origin &&
      /^\/console\/review\/\d+$/.test(from.pathname) && from.pathname !== location.pathname) {
    previous.href = from.pathname;
    previous.hidden = false;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = event.target;
    if (typing(target)) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const found = control(event.key);
    if (!found || (found instanceof HTMLAnchorElement && found.hidden)) return;
    event.preventDefault();
    if (found instanceof HTMLInputElement && found.type === "radio") {
      found.checked = true;
      found.focus();
    } else if (found instanceof HTMLInputElement) {
      found.focus();
      found.select();
    } else {
      found.click();
    }
  });
})();
