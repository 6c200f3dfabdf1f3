// The studio's pack editor (/studio/<slug>): uploads with per-file progress and errors, inline
// sticker edits, reordering by drag and by keyboard, deletes. It calls the JSON API with the
// session cookie and the page's CSRF token, then swaps in the server-rendered sticker list and
// reloads the preview (the real picker page).
"use strict";

const root = document.getElementById("studio");
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const api = root.dataset.api;
const area = document.getElementById("sticker-area");
const live = document.getElementById("studio-status");
const preview = document.getElementById("preview");
const dark = window.matchMedia("(prefers-color-scheme: dark)");

function say(text) { live.textContent = text; }

function request(method, url, body) {
  const options = { method, headers: { "X-CSRFToken": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options).then(async (response) => {
    if (response.ok) return response.status === 204 ? null : response.json();
    let message = `The server answered ${response.status}.`;
    try { message = (await response.json()).error || message; } catch (error) { /* not JSON */ }
    throw new Error(message);
  });
}

function reloadPreview() {
  const url = new URL(preview.getAttribute("src"), location.href);
  url.searchParams.set("theme", dark.matches ? "dark" : "light");
  url.searchParams.set("v", Date.now());
  preview.src = url.pathname + url.search;
}

async function refresh(focusId) {
  const response = await fetch(root.dataset.fragment, { credentials: "same-origin" });
  area.innerHTML = await response.text();
  reloadPreview();
  if (focusId) {
    const item = area.querySelector(`[data-id="${focusId}"]`);
    if (item) item.focus();
  }
}

// --- uploads --------------------------------------------------------------------------------
function uploadRow(file) {
  const row = document.createElement("li");
  row.className = "upload";
  const name = document.createElement("span");
  name.className = "upload-name";
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  const message = document.createElement("span");
  message.className = "upload-message";
  row.append(name, bar, message);
  return { row, bar, message, file };
}

function finish(rows, status, body) {
  if (status === 201) {
    rows.forEach((item) => { item.bar.value = 100; item.message.textContent = "Added"; item.row.classList.add("ok"); });
    say(`${body.stickers.length} sticker(s) added.`);
    return refresh();
  }
  const errors = (body && body.files) || [];
  rows.forEach((item) => {
    const own = errors.filter((error) => error.name === item.file.name || error.name.startsWith(`${item.file.name}/`));
    item.row.classList.add("failed");
    item.message.textContent = own.length
      ? own.map((error) => (error.name === item.file.name ? error.error : `${error.name.slice(item.file.name.length + 1)}: ${error.error}`)).join(" ")
      : errors.length ? "Not stored: another file of this batch failed; drop it again once that one is fixed."
        : (body && body.error) || `Upload failed (${status}).`;
  });
  say((body && body.error) || "The upload failed.");
  return null;
}

function upload(files) {
  if (!files.length) return;
  const list = document.getElementById("uploads");
  const rows = files.map(uploadRow);
  list.replaceChildren(...rows.map((item) => item.row));
  const form = new FormData();
  files.forEach((file) => form.append("file", file, file.name));
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `${api}/stickers`);
  xhr.setRequestHeader("X-CSRFToken", csrf);
  xhr.responseType = "json";
  xhr.upload.onprogress = (event) => {  // parts go in order: share the bytes out file by file
    let offset = 0;
    const total = files.reduce((sum, file) => sum + file.size, 0) || 1;
    const sent = event.loaded * (total / (event.total || total));
    rows.forEach((item) => {
      item.bar.value = Math.max(0, Math.min(100, ((sent - offset) / (item.file.size || 1)) * 100));
      offset += item.file.size;
    });
  };
  xhr.upload.onload = () => rows.forEach((item) => { item.message.textContent = "Checking…"; });
  xhr.onload = () => finish(rows, xhr.status, xhr.response);
  xhr.onerror = () => finish(rows, 0, { error: "The upload did not reach the server; check your connection and try again." });
  say(`Uploading ${files.length} file(s)…`);
  xhr.send(form);
}

const dropzone = document.getElementById("dropzone");
if (dropzone) {
  const input = document.getElementById("file-input");
  input.addEventListener("change", () => { upload([...input.files]); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    dropzone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => dropzone.addEventListener(type, () => dropzone.classList.remove("over")));
  dropzone.addEventListener("drop", (event) => {
    if (!event.dataTransfer.files.length) return;
    event.preventDefault();
    upload([...event.dataTransfer.files]);
  });
}

// --- sticker edits, deletes and order -------------------------------------------------------
function order() { return [...area.querySelectorAll(".studio-sticker")].map((item) => Number(item.dataset.id)); }

async function saveOrder(ids, focusId) {
  try {
    await request("PUT", `${api}/order`, { stickers: ids });
    await refresh(focusId);
    say("Order saved.");
  } catch (error) { say(error.message); }
}

function move(item, step) {
  const ids = order();
  const index = ids.indexOf(Number(item.dataset.id));
  const target = index + step;
  if (target < 0 || target >= ids.length) return;
  [ids[index], ids[target]] = [ids[target], ids[index]];
  saveOrder(ids, item.dataset.id);
}

area.addEventListener("change", async (event) => {
  const input = event.target;
  const item = input.closest(".studio-sticker");
  if (!item || !input.name) return;
  const saved = item.querySelector(".sticker-saved");
  try {
    await request("PATCH", `${api}/stickers/${item.dataset.id}`, { [input.name]: input.value });
    saved.textContent = "Saved";
    saved.classList.remove("error");
    reloadPreview();
  } catch (error) {
    saved.textContent = error.message;
    saved.classList.add("error");
  }
});

area.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  const item = button && button.closest(".studio-sticker");
  if (!item) return;
  if (button.dataset.move) move(item, Number(button.dataset.move));
  if (button.hasAttribute("data-delete")) {
    const name = item.querySelector('input[name="body"]').value;
    if (!window.confirm(`Delete the sticker “${name}”?`)) return;
    try {
      await request("DELETE", `${api}/stickers/${item.dataset.id}`);
      await refresh();
      say(`Deleted “${name}”.`);
    } catch (error) { say(error.message); }
  }
});

area.addEventListener("keydown", (event) => {
  const item = event.target;
  if (!item.classList || !item.classList.contains("studio-sticker") || !event.altKey) return;
  if (event.key === "ArrowUp" || event.key === "ArrowDown") {
    event.preventDefault();
    move(item, event.key === "ArrowUp" ? -1 : 1);
  }
});

let dragged = null;
area.addEventListener("dragstart", (event) => {
  dragged = event.target.closest && event.target.closest(".studio-sticker");
  if (!dragged) return;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", dragged.dataset.id);
  dragged.classList.add("dragging");
});
area.addEventListener("dragover", (event) => {
  if (!dragged) return;
  const over = event.target.closest(".studio-sticker");
  if (!over || over === dragged) return;
  event.preventDefault();
  const box = over.getBoundingClientRect();
  over.parentNode.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
});
area.addEventListener("drop", (event) => { if (dragged) event.preventDefault(); });
area.addEventListener("dragend", () => {
  if (!dragged) return;
  const moved = dragged;
  dragged = null;
  moved.classList.remove("dragging");
  saveOrder(order(), moved.dataset.id);
});

document.querySelectorAll("form[data-confirm]").forEach((form) => form.addEventListener("submit", (event) => {
  if (!window.confirm(form.dataset.confirm)) event.preventDefault();
}));
dark.addEventListener("change", reloadPreview);
reloadPreview();
