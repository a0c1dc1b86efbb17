// The product page: uploads one request per file (progress and error per file), drag to
// reorder (Sortable), and the gallery swapped in from the page the server answers with.
"use strict";
(() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // The page after a change (a fetch follows the server's 303 back to it): its gallery
  // replaces ours, so the storefront URLs and the order shown are the server's.
  async function refreshGallery(response) {
    const page = response || await fetch(location.pathname, {headers: {Accept: "text/html"}});
    const html = new DOMParser().parseFromString(await page.text(), "text/html");
    const fresh = html.getElementById("gallery");
    if (fresh) {
      document.getElementById("gallery").replaceWith(fresh);
      sortable();
    }
    return page;
  }

  function say(message, isError) {
    const status = document.getElementById("upload-status");
    const item = document.createElement("li");
    item.textContent = message;
    item.className = isError ? "error" : "";
    status.append(item);
  }

  function sortable() {
    if (typeof Sortable === "undefined") return;
    for (const list of document.querySelectorAll("ol.gallery[data-order-url]")) {
      Sortable.create(list, {
        animation: 120,
        forceFallback: true,
        filter: "button, a, input, .is-primary",
        preventOnFilter: false,
        onMove: (event) => !event.related.classList.contains("is-primary"),
        onEnd: async (event) => {
          if (event.oldIndex === event.newIndex) return;
          const body = new FormData();
          body.append("csrf_token", csrf());
          body.append("source", list.dataset.source);
          for (const tile of list.querySelectorAll("li[data-image-id]")) {
            body.append("image_id", tile.dataset.imageId);
          }
          const answer = await fetch(list.dataset.orderUrl, {
            method: "POST", body, headers: {"X-CSRF-Token": csrf()},
          });
          if (!answer.ok) say(`The new order was not saved (${answer.status}).`, true);
          await refreshGallery(answer.ok ? answer : null);
        },
      });
    }
  }

  // One file, one request: its own progress bar, and its own answer.
  function uploadOne(form, file) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Uploading ${file.name}`);
    const result = document.createElement("span");
    result.className = "result";
    item.append(name, bar, result);
    document.getElementById("upload-status").append(item);

    const body = new FormData();
    body.append("csrf_token", csrf());
    body.append("owner", form.elements.owner.value);
    body.append("file", file, file.name);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
      });
      xhr.addEventListener("load", () => {
        // JSON or it did not land: an ended session answers with the sign-in page.
        const json = (xhr.getResponseHeader("Content-Type") || "").includes("application/json");
        if (json && xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          result.textContent = "uploaded";
          item.className = "ok";
        } else {
          let why = json ? `failed (${xhr.status})` : "not uploaded: sign in again";
          try {
            const error = JSON.parse(xhr.responseText).error;
            why = `${error.code}: ${error.message}`;
          } catch (_) { /* not JSON: keep the status */ }
          result.textContent = why;
          item.className = "error";
        }
        resolve();
      });
      xhr.addEventListener("error", () => {
        result.textContent = "the connection failed";
        item.className = "error";
        resolve();
      });
      xhr.send(body);
    });
  }

  async function uploadAll(form, files) {
    const chosen = Array.from(files);
    if (!chosen.length) return;
    for (const file of chosen) await uploadOne(form, file);  // in order: they land in order
    form.elements.file.value = "";
    await refreshGallery(null);
  }

  function uploads() {
    const form = document.getElementById("upload-form");
    const zone = document.getElementById("drop-zone");
    if (!form || !zone) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      uploadAll(form, form.elements.file.files);
    });
    form.elements.file.addEventListener("change", () => uploadAll(form, form.elements.file.files));
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (event) => {
        event.preventDefault();
        zone.classList.add("over");
      });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      uploadAll(form, event.dataTransfer.files);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    sortable();
    uploads();
  });
})();
